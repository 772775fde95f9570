"""Benchmark: ``shienbot minutes`` for 50 cases on a terminal that cannot reach Slack.

A municipal closed network: a bot token is configured, but ``SLACK_API_URL`` points at a
port where nothing listens. The database holds a meeting with 50 cases, 8 agency inputs and
3 roles each, and the secrecy confirmations of 8 members and the coordinator; the people's
display names are in the database, as the bot stores them when it records an input. (Before
names were stored, the same run asked Slack's users.info for each person: 25 s here.)

Run: ``.venv/bin/python benchmarks/bench_offline_minutes.py [--repeat N]``. Prints the time
of each whole ``shienbot minutes`` run (in this process: settings, database, template check,
render, file), and whether the names made it into the document.
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import statistics
import sys
import tempfile
import time
import zipfile
from contextlib import redirect_stdout
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import cli
from bot.domain.confidentiality import SUPPORT_NOTICE
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgencyMembership,
    AgendaItem,
    Case,
    CaseCode,
    ConfidentialityAcknowledgement,
    Coordinator,
    InputSource,
    Meeting,
    MeetingChannel,
    MeetingKind,
    MeetingState,
    Person,
    RoleAssignment,
)
from storage import Database

CASES, AGENCIES, ROLES = 50, 8, 3
CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
DAY = date(2026, 12, 8)
AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _name(user_id: str) -> str:
    return f"架空 {user_id[-2:]}"


def _populate(database: Database) -> list[str]:
    """The meeting of 50 cases; returns the user IDs whose names the minutes should show."""
    agencies = [
        Agency(key=f"agency{n:02d}", name=f"架空市 第{n}支援センター", created_at=AT)
        for n in range(1, AGENCIES + 1)
    ]
    members = [f"U0MEMBER{n:02d}" for n in range(1, AGENCIES + 1)]
    meeting = Meeting(
        channel_id=CHANNEL,
        kind=MeetingKind.SUPPORT,
        date=DAY,
        start_time=clock_time(14, 0),
        created_by=COORDINATOR,
        state=MeetingState.COLLECTING,
        created_at=AT,
    )
    with database.unit_of_work() as uow:
        uow.coordinators.add(Coordinator(COORDINATOR, added_by="system", added_at=AT))
        uow.channels.add(MeetingChannel(CHANNEL, created_by=COORDINATOR, created_at=AT))
        for agency, member in zip(agencies, members, strict=True):
            uow.agencies.add(agency)
            uow.memberships.add(AgencyMembership(agency.id, member, COORDINATOR, added_at=AT))
        uow.meetings.add(meeting)
        for user_id in [COORDINATOR, *members]:
            uow.acknowledgements.add(
                ConfidentialityAcknowledgement(
                    meeting.id, user_id, SUPPORT_NOTICE.version, acknowledged_at=AT
                )
            )
        for n in range(1, CASES + 1):
            case = Case(
                code=CaseCode(2026, n),
                created_by=COORDINATOR,
                asked_agency_ids=[a.id for a in agencies],
                summary="架空の世帯の状況と問題点。" * 4,
                created_at=AT,
            )
            uow.cases.add(case)
            uow.agenda.add(AgendaItem(meeting.id, case.id, COORDINATOR, position=n, added_at=AT))
            for i, (agency, member) in enumerate(zip(agencies, members, strict=True)):
                uow.inputs.add(
                    AgencyInput(
                        meeting_id=meeting.id,
                        case_id=case.id,
                        agency_id=agency.id,
                        author_user_id=member,
                        text="架空の機関からの情報。訪問の結果と今後の見通し。" * 3,
                        source=InputSource.THREAD,
                        source_ref=f"{CHANNEL}:{n}.{i}",
                        created_at=AT + timedelta(minutes=i),
                    )
                )
            for r in range(ROLES):
                uow.roles.add(
                    RoleAssignment(
                        case_id=case.id,
                        agency_id=agencies[r].id,
                        task=f"架空の役割 {r + 1}",
                        created_by=COORDINATOR,
                        meeting_id=meeting.id,
                        lead=r == 0,
                        created_at=AT,
                    )
                )
        for user_id in [COORDINATOR, *members]:  # as the bot stores them when it learns them
            uow.people.put(Person(user_id, _name(user_id), updated_at=AT))
        uow.commit()
    return members


def _closed_port() -> int:
    """A local port where nothing listens (connections are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _docx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as docx:
        return docx.read("word/document.xml").decode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of the command")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="shienbot-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        database = Database(url)
        database.upgrade()
        members = _populate(database)
        database.dispose()
        for key in [k for k in os.environ if k.startswith(("SLACK_", "SHIEN_"))]:
            del os.environ[key]
        os.environ.update(
            DATABASE_URL=url,
            SLACK_BOT_TOKEN="xoxb-bench-offline",
            SLACK_API_URL=f"http://127.0.0.1:{_closed_port()}/api/",
        )
        out = Path(tmp) / "minutes.docx"
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with redirect_stdout(io.StringIO()):
                code = cli.main(["minutes", "--meeting", DAY.isoformat(), "--out", str(out)])
            times.append(time.perf_counter() - started)
            if code != 0:
                print(f"shienbot minutes failed with exit code {code}")
                return 1
        text = _docx_text(out)
        named = sum(_name(m) in text for m in members)
    print(
        f"shienbot minutes, {CASES} cases × {AGENCIES} inputs, Slack unreachable: "
        f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, "
        f"{args.repeat} runs); member names in the document: {named}/{len(members)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
