"""``shienbot minutes`` and ``roles`` on a terminal that cannot reach Slack (a municipal closed
network): the names come from the database, stored when the bot recorded the inputs and
confirmations, and Slack is never called. (``benchmarks/bench_offline_minutes.py`` times it.)
"""

from __future__ import annotations

import socket
import threading
import zipfile
from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest
from fakes.chat import RecordingChat
from fakes.context import JST, NOW, DescribingRenderer, FixedClock

from bot import cli
from bot.domain.model import MeetingKind
from bot.services import admin, cases, inputs, meetings
from bot.services.access import Actor
from bot.services.context import ServiceContext
from bot.services.meetings import parse_ref
from storage import Database

CHANNEL = "C0KAIGI01"
COORDINATOR, HOUKATSU, CSW = "U0JIMU", "U0HOUKATSU", "U0CSW"
NAMES = {COORDINATOR: "事務局 架空花子", HOUKATSU: "包括 架空一郎", CSW: "CSW 架空四郎"}
DAY = date(2026, 12, 8)
CASES = 50


def _hold_meeting(database: Database) -> None:
    """A meeting of 50 cases recorded through the services, the way the bot records them."""
    chat = RecordingChat(names=dict(NAMES))
    ctx = ServiceContext(
        uow=database.unit_of_work,
        chat=chat,
        clock=FixedClock(NOW),
        tz=JST,
        documents=DescribingRenderer(),
    )
    coordinator = Actor(COORDINATOR)
    admin.ensure_coordinators(ctx, [COORDINATOR])
    admin.setup_channel(ctx, coordinator, CHANNEL)
    admin.register_agency(
        ctx, coordinator, "houkatsu", "架空市中央地域包括支援センター", [HOUKATSU]
    )
    admin.register_agency(ctx, coordinator, "csw", "架空市社会福祉協議会", [CSW])
    meetings.schedule_adhoc(ctx, coordinator, CHANNEL, DAY, time(14, 0), MeetingKind.SUPPORT)
    codes = [
        str(cases.create_case(ctx, coordinator, cases.NewCase(["houkatsu", "csw"])))
        for _ in range(CASES)
    ]
    for code in codes:
        meetings.add_to_agenda(ctx, coordinator, CHANNEL, code, DAY)
    meetings.open_collection(ctx, coordinator, CHANNEL, DAY)
    for user_id in (COORDINATOR, HOUKATSU, CSW):
        meetings.acknowledge(ctx, Actor(user_id), channel_id=CHANNEL, day=DAY)
    with database.unit_of_work() as uow:
        meeting = uow.meetings.on_date(CHANNEL, DAY)
        assert meeting is not None
        threads = [item.thread_ref for item in uow.agenda.for_meeting(meeting.id)]
    for n, thread in enumerate(threads):
        assert thread is not None
        head = parse_ref(thread).message_id
        for user_id in (HOUKATSU, CSW):
            inputs.record_reply(ctx, CHANNEL, head, f"9.{n}{user_id}", user_id, "見守りを継続中。")


@pytest.fixture(scope="module")
def held(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database of the meeting (built once: it takes a few seconds)."""
    path = tmp_path_factory.mktemp("offline") / "shienbot.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    try:
        _hold_meeting(database)
    finally:
        database.dispose()
    return path.read_bytes().hex()  # each test gets its own copy of the file


class _Listener:
    """A local port that accepts connections and counts them (a Slack that never answers)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.port = self.socket.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def terminal(
    held: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, _Listener]]:
    """A terminal with a bot token whose SLACK_API_URL leads nowhere useful."""
    path = tmp_path / "shienbot.sqlite3"
    path.write_bytes(bytes.fromhex(held))
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SHIEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    listener = _Listener()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-closed-network")
    monkeypatch.setenv("SLACK_API_URL", f"http://127.0.0.1:{listener.port}/api/")
    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    yield tmp_path, listener
    listener.close()


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml").decode()


def test_minutes_of_fifty_cases_name_people_without_calling_slack(
    terminal: tuple[Path, _Listener],
) -> None:
    folder, slack = terminal
    assert cli.main(["minutes", "--meeting", DAY.isoformat(), "--out", str(folder)]) == 0
    text = _docx_text(folder / f"minutes-{DAY}-draft.docx")
    for name in NAMES.values():
        assert name in text
    assert HOUKATSU not in text and CSW not in text
    assert f"R8-{CASES:03d}" in text
    assert slack.connections == 0


def test_roles_never_call_slack(terminal: tuple[Path, _Listener]) -> None:
    folder, slack = terminal
    assert cli.main(["roles", "--meeting", DAY.isoformat(), "--out", str(folder)]) == 0
    assert (folder / f"roles-{DAY}.docx").is_file()
    assert slack.connections == 0
