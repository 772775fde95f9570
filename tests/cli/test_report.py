"""``shienbot report``: the 年度's counts for the 重層的支援体制整備事業, checked against a year
counted by hand."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.domain.model import (
    Agency,
    AgendaItem,
    AuditAction,
    Case,
    CaseCode,
    Consent,
    Decision,
    Meeting,
    MeetingChannel,
    MeetingKind,
    MeetingState,
    Occasion,
    Outcome,
)
from bot.services.access import Actor
from bot.services.report import fiscal_year_rows, report_csv
from storage import Database

AT = datetime(2026, 3, 1, tzinfo=UTC)
TODAY = date(2027, 4, 10)  # the 年度 2026 (令和8年度) is over
CHANNEL = "C0KAIGI01"
SUPPORT, MULTILAYER = MeetingKind.SUPPORT, MeetingKind.MULTILAYER


def _seed(database: Database) -> None:
    """The hand-counted year. Cases A–D (R8-001…004); meetings, earliest first:

    M0 2026-03-10 支援 [A]                 the year before: A is not new in this one
    M1 2026-04-14 支援 HELD [A, B]          A 継続, B 継続
    M2 2026-05-12 支援 [B, C]               B 重層へ移行, C 終結
    M3 2026-05-26 重層 [B プラン策定]        B 継続
    M4 2026-06-09 支援, no agenda           not held (休会)
    M5 2026-06-23 支援 [D], cancelled       not held
    M6 2026-12-08 重層 [B 再プラン, D プラン策定]  B 中断, D 継続
    M7 2027-03-09 支援 HELD, no agenda      held (recorded), no case
    M9 2027-03-30 重層 [D 終結]              D 終結
    M8 2027-04-13 支援 [A]                  the next year
    """
    agency = Agency(key="houkatsu", name="架空市中央地域包括支援センター", created_at=AT)
    consent = Consent(given_on=date(2026, 5, 1), recorded_by="U0C", recorded_at=AT)
    cases = {
        name: Case(
            code=CaseCode(2026, n),
            created_by="U0C",
            asked_agency_ids=[agency.id],
            summary=f"状況 {name}",
            consent=consent if name in "BD" else None,
            created_at=AT,
        )
        for n, name in enumerate("ABCD", start=1)
    }
    plan: list[tuple[str, date, MeetingKind, MeetingState, list[tuple[str, Occasion | None]]]] = [
        ("M0", date(2026, 3, 10), SUPPORT, MeetingState.SCHEDULED, [("A", None)]),
        ("M1", date(2026, 4, 14), SUPPORT, MeetingState.HELD, [("A", None), ("B", None)]),
        ("M2", date(2026, 5, 12), SUPPORT, MeetingState.COLLECTING, [("B", None), ("C", None)]),
        ("M3", date(2026, 5, 26), MULTILAYER, MeetingState.SCHEDULED, [("B", Occasion.PLAN)]),
        ("M4", date(2026, 6, 9), SUPPORT, MeetingState.SCHEDULED, []),
        ("M5", date(2026, 6, 23), SUPPORT, MeetingState.CANCELLED, [("D", None)]),
        (
            "M6",
            date(2026, 12, 8),
            MULTILAYER,
            MeetingState.COLLECTING,
            [("B", Occasion.REPLAN), ("D", Occasion.PLAN)],
        ),
        ("M7", date(2027, 3, 9), SUPPORT, MeetingState.HELD, []),
        ("M9", date(2027, 3, 30), MULTILAYER, MeetingState.SCHEDULED, [("D", Occasion.CLOSURE)]),
        ("M8", date(2027, 4, 13), SUPPORT, MeetingState.SCHEDULED, [("A", None)]),
    ]
    outcomes = {
        "M1": {"A": Outcome.CONTINUE, "B": Outcome.CONTINUE},
        "M2": {"B": Outcome.TO_MULTILAYER, "C": Outcome.CLOSE},
        "M3": {"B": Outcome.CONTINUE},
        "M6": {"B": Outcome.SUSPEND, "D": Outcome.CONTINUE},
        "M9": {"D": Outcome.CLOSE},
        "M8": {"A": Outcome.CONTINUE},
    }
    with database.unit_of_work() as uow:
        uow.channels.add(MeetingChannel(CHANNEL, "U0C", created_at=AT))
        uow.agencies.add(agency)
        for case in cases.values():
            uow.cases.add(case)
        for name, day, kind, state, agenda in plan:
            meeting = Meeting(CHANNEL, kind, day, time(14), "U0C", state=state, created_at=AT)
            uow.meetings.add(meeting)
            for position, (case_name, occasion) in enumerate(agenda, start=1):
                uow.agenda.add(
                    AgendaItem(
                        meeting.id,
                        cases[case_name].id,
                        "U0C",
                        position=position,
                        occasion=occasion,
                        added_at=AT,
                    )
                )
            for case_name, outcome in outcomes.get(name, {}).items():
                uow.decisions.put(
                    Decision(meeting.id, cases[case_name].id, "U0C", outcome=outcome, decided_at=AT)
                )
        uow.commit()


@pytest.fixture
def seeded(database: Database) -> Database:
    _seed(database)
    return database


def _z(**months: int) -> list[int]:
    """Twelve months, April first, from keyword counts (apr=1, mar=2)."""
    names = ("apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "jan", "feb", "mar")
    return [months.get(name, 0) for name in names]


def test_the_counts_of_a_hand_counted_year(seeded: Database) -> None:
    with seeded.unit_of_work() as uow:
        rows = fiscal_year_rows(uow, 2026, TODAY)
    table = {(r.section, r.item): (list(r.months), r.total) for r in rows}
    assert table == {
        ("開催回数", "支援会議"): (_z(apr=1, may=1, mar=1), 3),
        ("開催回数", "重層的支援会議"): (_z(may=1, dec=1, mar=1), 3),
        ("検討事例（延べ）", "支援会議・新規"): (_z(apr=1, may=1), 2),
        ("検討事例（延べ）", "支援会議・継続"): (_z(apr=1, may=1), 2),
        ("検討事例（延べ）", "重層的支援会議・新規"): (_z(dec=1), 1),
        ("検討事例（延べ）", "重層的支援会議・継続"): (_z(may=1, dec=1, mar=1), 3),
        ("検討事例（実数）", "新規"): (_z(apr=1, may=1, dec=1), 3),
        ("検討事例（実数）", "継続"): (_z(apr=1, may=1, dec=1, mar=1), 1),
        ("結果", "継続"): (_z(apr=2, may=1, dec=1), 4),
        ("結果", "終結"): (_z(may=1, mar=1), 2),
        ("結果", "中断"): (_z(dec=1), 1),
        ("結果", "重層的支援会議へ移行"): (_z(may=1), 1),
        ("重層的支援会議の場面", "プラン策定時"): (_z(may=1, dec=1), 2),
        ("重層的支援会議の場面", "再プラン策定時"): (_z(dec=1), 1),
        ("重層的支援会議の場面", "支援終結の判断時"): (_z(mar=1), 1),
        ("重層的支援会議の場面", "支援中断の決定時"): (_z(), 0),
    }
    # The rows come in the order a municipality's form lists them.
    assert [r.section for r in rows][:2] == ["開催回数", "開催回数"]


def test_a_meeting_still_to_come_is_not_counted(seeded: Database) -> None:
    with seeded.unit_of_work() as uow:
        rows = fiscal_year_rows(uow, 2026, date(2026, 12, 1))  # before M6, M7, M9
    table = {(r.section, r.item): r.total for r in rows}
    assert table[("開催回数", "支援会議")] == 2 and table[("開催回数", "重層的支援会議")] == 1


def test_the_csv_holds_counts_only_and_is_audited(seeded: Database) -> None:
    def clock() -> datetime:
        return datetime(2027, 4, 10, 1, tzinfo=UTC)

    text = report_csv(seeded.unit_of_work, clock, TODAY, Actor("operator:jimu"), 2026)
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [
        "区分",
        "項目",
        *(f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)),
        "合計",
    ]
    assert lines[1] == ["開催回数", "支援会議", "1", "1", *["0"] * 9, "1", "3"]
    assert len(lines) == 17
    assert "R8-" not in text and "状況" not in text and "包括" not in text
    with seeded.unit_of_work() as uow:
        [event] = [e for e in uow.audit.list() if e.action is AuditAction.REPORT_EXPORTED]
    assert (event.actor, event.target_id) == ("operator:jimu", "fy2026")


def _shienbot(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SHIEN_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, timeout=120
    )


def test_the_command_writes_a_private_utf8_bom_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'report.sqlite3'}"
    database = Database(url)
    try:
        database.upgrade()
        _seed(database)
    finally:
        database.dispose()
    out = tmp_path / "r8.csv"
    out.write_text("old")
    out.chmod(0o644)  # a file there before, readable by others: it becomes private
    result = _shienbot("report", "--fiscal-year", "2026", "--out", str(out), database_url=url,
                       cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert "令和8年度の実績を書き出しました" in result.stderr.decode()
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the Japanese
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert data.decode("utf-8-sig").splitlines()[0].startswith("区分,項目,4月")
    # Without --out, the CSV goes to stdout (still with its BOM).
    to_stdout = _shienbot("report", "--fiscal-year", "2026", database_url=url, cwd=tmp_path)
    assert to_stdout.returncode == 0 and to_stdout.stdout == data
    bad = _shienbot("report", "--fiscal-year", "26", database_url=url, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.decode().startswith("引数エラー: --fiscal-year")
