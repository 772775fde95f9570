"""``shienbot audit --csv`` and ``shienbot purge``: the privacy officer's exports and the
retention period (``SHIEN_RETENTION_DAYS``)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot import cli
from bot.domain.model import (
    Agency,
    AgencyInput,
    AuditAction,
    AuditEvent,
    Case,
    CaseCode,
    FinalDocument,
    InputSource,
    Meeting,
    MeetingKind,
)
from bot.services.access import Actor
from bot.services.retention import purge_inputs
from storage import Database

NOW = datetime(2027, 3, 1, 3, 0, tzinfo=UTC)
CONTENT = "長男は訪問に応じない（canary-9f3e）。"


@dataclass
class World:
    old: str  # meeting final 40 days ago, two inputs
    recent: str  # final 5 days ago, one input
    draft: str  # not final, one input


def _world(database: Database) -> World:
    agency = Agency(key="houkatsu", name="架空市中央地域包括支援センター")
    case = Case(
        code=CaseCode(2026, 1),
        created_by="U0JIMU",
        asked_agency_ids=[agency.id],
        summary="状況（canary-summary）",
    )
    meetings = []
    for n, final_days_ago in enumerate((40, 5, None)):
        meeting = Meeting(
            channel_id="C0KAIGI01",
            kind=MeetingKind.SUPPORT,
            date=date(2027, 1, 12) + timedelta(days=7 * n),
            start_time=time(14, 0),
            created_by="U0JIMU",
        )
        if final_days_ago is not None:
            meeting.finalise_minutes("ab" * 32, at=NOW - timedelta(days=final_days_ago))
        meetings.append(meeting)
    with database.unit_of_work() as uow:
        uow.agencies.add(agency)
        uow.cases.add(case)
        for meeting in meetings:
            uow.meetings.add(meeting)
        for n, meeting in enumerate(meetings + meetings[:1]):
            uow.inputs.add(
                AgencyInput(
                    meeting_id=meeting.id,
                    case_id=case.id,
                    agency_id=agency.id,
                    author_user_id="U0HOUKATSU",
                    text=CONTENT,
                    source=InputSource.THREAD,
                    source_ref=f"C0KAIGI01:{n}.0",
                )
            )
        uow.final_documents.add(
            FinalDocument(
                meeting_id=meetings[0].id,
                kind="minutes",
                filename="minutes.docx",
                sha256="ab" * 32,
                data=b"docx",
                finalised_by="U0JIMU",
            )
        )
        uow.commit()
    return World(meetings[0].id, meetings[1].id, meetings[2].id)


def _counts(database: Database, world: World) -> tuple[int, int, int]:
    with database.unit_of_work() as uow:
        return (
            len(uow.inputs.for_meeting(world.old)),
            len(uow.inputs.for_meeting(world.recent)),
            len(uow.inputs.for_meeting(world.draft)),
        )


def test_purge_deletes_inputs_past_the_retention_period_and_leaves_tombstones(
    database: Database,
) -> None:
    world = _world(database)
    operator = Actor("operator:privacy")
    dry = purge_inputs(database.unit_of_work, lambda: NOW, operator, 30, dry_run=True)
    assert (dry.meetings, dry.inputs) == (1, 2)
    assert _counts(database, world) == (2, 1, 1)

    report = purge_inputs(database.unit_of_work, lambda: NOW, operator, 30)
    assert (report.meetings, report.inputs) == (1, 2)
    assert _counts(database, world) == (0, 1, 1)
    with database.unit_of_work() as uow:
        tombstones = [e for e in uow.audit.list() if e.action is AuditAction.INPUT_PURGED]
        assert len(tombstones) == 2
        assert all(e.actor == "operator:privacy" for e in tombstones)
        assert all(e.detail == f"case=R8-001;meeting={world.old}" for e in tombstones)
        assert all("canary" not in e.detail + e.target_id for e in tombstones)
        assert uow.final_documents.get(world.old, "minutes") is not None  # minutes kept
        assert uow.audit.list(case_code="R8-001") == tombstones
    # Again: nothing left to delete. A shorter period reaches the recent meeting too.
    again = purge_inputs(database.unit_of_work, lambda: NOW, operator, 30)
    assert (again.meetings, again.inputs) == (0, 0)
    purge_inputs(database.unit_of_work, lambda: NOW, operator, 1)
    assert _counts(database, world) == (0, 0, 1)  # minutes not final: never purged


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    for name in ("SHIEN_RETENTION_DAYS", "SLACK_BOT_TOKEN", "SHIEN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'shienbot.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    monkeypatch.setattr(cli, "_operator", lambda: "operator:privacy")
    database = Database(url)
    database.upgrade()
    return database


def test_purge_command_dry_run_then_for_real(
    sqlite_env: Database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world = _world(sqlite_env)
    monkeypatch.setattr(cli, "_utc_now", lambda: NOW)
    assert cli.main(["purge"]) == cli.EXIT_USAGE
    assert capsys.readouterr().err.startswith("設定エラー: SHIEN_RETENTION_DAYS")

    monkeypatch.setenv("SHIEN_RETENTION_DAYS", "30")
    assert cli.main(["purge", "--dry-run"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert "試行" in out and "1件" in out and "2件" in out and "canary" not in out
    assert _counts(sqlite_env, world) == (2, 1, 1)
    assert cli.main(["purge"]) == cli.EXIT_OK
    assert "2件を削除しました" in capsys.readouterr().out
    assert _counts(sqlite_env, world) == (0, 1, 1)


@pytest.mark.parametrize("value", ["abc", "0", "-5", "3.5", "99999999"])
def test_a_malformed_retention_period_is_one_line_and_exit_2(
    sqlite_env: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    monkeypatch.setenv("SHIEN_RETENTION_DAYS", value)
    assert cli.main(["purge", "--dry-run"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("設定エラー: SHIEN_RETENTION_DAYS — ") and err.count("\n") == 1


def test_audit_csv_is_utf8_with_bom_has_no_content_and_is_itself_audited(
    sqlite_env: Database, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _world(sqlite_env)
    with sqlite_env.unit_of_work() as uow:
        uow.audit.append(AuditEvent("U0JIMU", AuditAction.CASE_CREATED, "case", "R8-001", at=NOW))
        uow.audit.append(  # a value a spreadsheet would run as a formula
            AuditEvent("U0X", AuditAction.ACCESS_DENIED, "command", "=HYPERLINK(1)", False, at=NOW)
        )
        uow.audit.append(
            AuditEvent(
                "U0JIMU", AuditAction.MEETING_CREATED, "meeting", "m0", at=NOW.replace(year=2020)
            )
        )
        uow.commit()
    purge_inputs(sqlite_env.unit_of_work, lambda: NOW, Actor("operator:privacy"), 30)

    out = tmp_path / "audit.csv"
    assert cli.main(["audit", "--csv", "--since", "2026-01-01", "--out", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(cli_header())
    body = rows[1:]
    assert [r[3] for r in body] == ["case.created", "access.denied", "input.purged", "input.purged"]
    assert body[0][0] == "2027-03-01T12:00:00+09:00" and body[0][2] == "事例の登録"
    assert body[1][5] == "'=HYPERLINK(1)" and body[1][6] == "拒否"
    assert "canary" not in data.decode("utf-8-sig")
    with sqlite_env.unit_of_work() as uow:
        exported = uow.audit.list()[-1]
    assert exported.action is AuditAction.AUDIT_VIEWED and exported.actor == "operator:privacy"
    assert exported.detail == "rows=4;since=2026-01-01"

    # To stdout, everything (the 2020 event and the first export included).
    assert cli.main(["audit", "--csv"]) == 0
    printed = capsysbinary.readouterr().out
    assert (
        printed.startswith(b"\xef\xbb\xbf") and len(printed.decode("utf-8-sig").splitlines()) == 7
    )
    assert cli.main(["audit"]) == cli.EXIT_USAGE
    assert cli.main(["audit", "--csv", "--since", "yesterday"]) == cli.EXIT_USAGE


def cli_header() -> tuple[str, ...]:
    from bot.services.audit_log import CSV_HEADER

    return CSV_HEADER
