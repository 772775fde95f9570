"""Two ``shienbot serve --http`` processes on one PostgreSQL database behind one address: a
whole meeting cycle with its requests served alternately by both, and the scheduled sends
made once, by the one process that holds the scheduler lease."""

from __future__ import annotations

import io
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from docx import Document
from sqlalchemy import Engine, select, text
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, NAMES, meeting_day

from localslack.driver import BotResponse, SlackDriver
from localslack.harness import BotProcess
from localslack.manifest import manifest_scopes
from localslack.server import LocalSlackServer
from storage import Database
from storage.audit_chain import verify_audit_trail
from storage.orm import AgencyInputRow, SchedulerLeaseRow

pytestmark = pytest.mark.postgres

CASES = ("houkatsu shogai konkyu csw", "houkatsu csw", "shogai konkyu")


class AlternatingDriver(SlackDriver):
    """Slack behind a load balancer that sends each request to the next server in turn."""

    def __init__(self, server: LocalSlackServer, urls: list[str]) -> None:
        super().__init__(server, urls[0], server.signing_secret)
        self.urls = urls
        self.served: Counter[str] = Counter()
        self._turn = 0

    def send_raw(self, body: bytes, content_type: str, **kwargs: Any) -> BotResponse:
        with self._lock:
            url = self.urls[self._turn % len(self.urls)]
            self._turn += 1
            self.served[url] += 1
        self.bot_url = url
        return super().send_raw(body, content_type, **kwargs)


@pytest.fixture
def database_url(postgres_admin: tuple[str, Engine]) -> Iterator[str]:
    url, admin = postgres_admin
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _command(slack: AlternatingDriver, user: str, words: str) -> str:
    server = slack.server
    before = len(server.ephemerals(user))
    assert slack.slash_command(user, CHANNEL, "/shien", words).status == 200
    answers = slack.wait_for(
        lambda: len(server.ephemerals(user)) > before and server.ephemerals(user), timeout=30
    )
    return str(answers[-1]["text"]).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _room(server: LocalSlackServer) -> str | None:
    """The meeting's own private channel, once the bot has created it (issue 11)."""
    created = server.channels_created_by_bot()
    return created[0].id if created else None


def _notices(server: LocalSlackServer) -> list[dict[str, Any]]:
    """The secrecy notice posted first in the meeting's channel."""
    room = _room(server)
    return [m for m in server.messages(room)][:1] if room else []


def test_a_whole_cycle_over_two_server_processes(database_url: str) -> None:
    with LocalSlackServer(scopes=manifest_scopes()) as server:
        for user_id, name in NAMES.items():
            server.add_user(user_id, name)
        members = [COORDINATOR, *(u for u, _ in MEMBERS.values()), server.bot_user_id]
        server.add_channel(CHANNEL, "kaigi-01", is_private=True, members=members)
        # Both run scheduled sends if they hold the lease; one worker each keeps it light.
        # Collection opens two weeks ahead, so the meeting a week ahead is inside its window.
        bots = [
            BotProcess(
                server,
                database_url,
                coordinators=(COORDINATOR,),
                workers=1,
                run_jobs=True,
                env={"SHIEN_OPEN_BEFORE": "14d"},
            )
            for _ in range(2)
        ]
        try:
            for bot in bots:
                bot.start()
            slack = AlternatingDriver(server, [f"{bot.url}/slack/events" for bot in bots])
            try:
                _cycle(slack, server, database_url)
            finally:
                slack.close()
            assert all(slack.served[f"{bot.url}/slack/events"] >= 10 for bot in bots), slack.served
        finally:
            logs = [bot.log() for bot in bots]
            for bot in bots:
                bot.stop()
        assert not any("Traceback" in log for log in logs), logs
        assert not server.problems, server.problems


def _cycle(slack: AlternatingDriver, server: LocalSlackServer, database_url: str) -> None:
    day = meeting_day()
    assert "会議チャンネルに設定" in _command(slack, COORDINATOR, "setup")
    for key, (user_id, name) in MEMBERS.items():
        assert "登録しました" in _command(
            slack, COORDINATOR, f"agency add {key} {name} <@{user_id}>"
        )
    assert "会議を登録しました" in _command(slack, COORDINATOR, f"adhoc {day} 14:00")
    codes = []
    for keys in CASES:
        answer = _command(slack, COORDINATOR, f"case new {keys}")
        codes.append(answer.split("事例 ", 1)[1].split(" ", 1)[0])
        assert "議題に追加" in _command(slack, COORDINATOR, f"agenda add {codes[-1]}")
    # The meeting's opening fell due already: its first case planned it for now, and the
    # process holding the lease sends it — once, though both processes run a scheduler.
    slack.wait_for(lambda: _notices(server), timeout=40)
    room = _room(server)
    assert room is not None
    heads = slack.wait_for(
        lambda: (
            (
                found := {
                    c: m["ts"]
                    for m in server.messages(room)
                    for c in codes
                    if f"事例 {c}" in str(m.get("text"))
                }
            )
            and len(found) == len(codes)
            and found
        ),
        timeout=40,
    )
    for user_id, _ in MEMBERS.values():
        assert "守秘義務の確認を記録しました" in _command(slack, user_id, "ack")
    # A member can post in the meeting's channel once the bot has invited them into it.
    slack.wait_for(
        lambda: all(u in server.channel(room).members for u, _ in MEMBERS.values()), timeout=40
    )
    replies = []
    for index, keys in enumerate(CASES):
        for key in keys.split():
            user_id = MEMBERS[key][0]
            ts = slack.user_posts(
                user_id, room, f"{key} の報告です。", thread_ts=heads[codes[index]]
            )
            replies.append(ts)
    slack.wait_for(lambda: all(server.reactions(room, ts) for ts in replies), timeout=40)
    assert "回答済み" in _command(slack, COORDINATOR, "status")
    assert "役割を記録しました" in _command(
        slack, COORDINATOR, f"role {codes[0]} houkatsu 見守り 主担当"
    )
    assert "議事録" in _command(slack, COORDINATOR, f"minutes {day}")
    files = slack.wait_for(lambda: server.files_shared_with(COORDINATOR), timeout=40)
    document = Document(io.BytesIO(files[-1].bytes))
    text_ = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "houkatsu の報告です。" in text_ + "\n".join(p.text for p in document.paragraphs)
    time.sleep(1)  # anything still on its way would show as a second notice
    assert len(server.channels_created_by_bot()) == 1  # one channel, one opening
    threads = [
        m for m in server.messages(room) if any(f"事例 {c}" in str(m.get("text")) for c in codes)
    ]
    assert len(threads) == len(codes)

    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            holders = connection.execute(select(SchedulerLeaseRow.holder)).all()
            recorded = connection.scalar(select(text("count(*)")).select_from(AgencyInputRow))
        assert len(holders) == 1  # one process runs the scheduled sends
        assert recorded == len(replies)
        report = verify_audit_trail(database.engine)
        assert report.ok, report.problem
    finally:
        database.dispose()
