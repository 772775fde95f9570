"""``--out`` of every command that writes a file: a file, or a folder (an existing one, or a
path ending in ``/``) that gets the usual file name; missing folders are made; a path that
cannot be used is one Japanese line (exit 2), before any work is done or audited."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot import cli
from bot.domain.model import (
    Agency,
    AgendaItem,
    AuditAction,
    Case,
    CaseCode,
    Coordinator,
    Meeting,
    MeetingChannel,
    MeetingKind,
    RoleAssignment,
)
from storage import Database

DAY = date(2026, 12, 8)
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 2026-12-01 in Japan
MINUTES = f"minutes-{DAY}-draft.docx"
ROLES = f"roles-{DAY}.docx"
AUDIT = "audit-2026-12-01.csv"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """A meeting with one case and one role; the terminal's settings point at it."""
    for name in ("SLACK_BOT_TOKEN", "SHIEN_DATABASE_URL", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    url = f"sqlite:///{tmp_path / 'shienbot.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    monkeypatch.setattr(cli, "_operator", lambda: "operator:jimu")
    monkeypatch.setattr(cli, "_utc_now", lambda: NOW)
    db = Database(url)
    db.upgrade()
    agency = Agency(key="houkatsu", name="架空市中央地域包括支援センター")
    meeting = Meeting("C0KAIGI01", MeetingKind.SUPPORT, DAY, time(14, 0), created_by="U0JIMU")
    case = Case(CaseCode(2026, 1), "U0JIMU", asked_agency_ids=[agency.id])
    with db.unit_of_work() as uow:
        uow.coordinators.add(Coordinator("U0JIMU", added_by="system"))
        uow.channels.add(MeetingChannel("C0KAIGI01", created_by="U0JIMU"))
        uow.agencies.add(agency)
        uow.meetings.add(meeting)
        uow.cases.add(case)
        uow.agenda.add(AgendaItem(meeting.id, case.id, "U0JIMU", position=1))
        uow.roles.add(RoleAssignment(case.id, agency.id, "見守り", "U0JIMU", meeting.id))
        uow.commit()
    yield db
    db.dispose()


COMMANDS = {
    "minutes": (["minutes", "--meeting", str(DAY)], MINUTES),
    "roles": (["roles", "--meeting", str(DAY)], ROLES),
    "audit": (["audit", "--csv"], AUDIT),
}


def _run(command: str, out: str) -> int:
    args, _ = COMMANDS[command]
    return cli.main([*args, "--out", out])


def _audited(database: Database) -> list[str]:
    """Exports and downloads written to the audit trail."""
    exported = (AuditAction.DOCUMENT_DOWNLOADED, AuditAction.AUDIT_VIEWED)
    with database.unit_of_work() as uow:
        return [e.detail for e in uow.audit.list() if e.action in exported]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_ending_in_a_slash_is_a_folder_made_if_missing(
    database: Database, tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "new" / "documents"
    assert _run(command, f"{folder}/") == cli.EXIT_OK
    assert [p.name for p in folder.iterdir()] == [COMMANDS[command][1]]
    captured = capsys.readouterr()
    assert str(folder / COMMANDS[command][1]) in captured.out + captured.err


@pytest.mark.parametrize("command", COMMANDS)
def test_an_existing_folder_gets_the_usual_name(
    database: Database, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    assert _run(command, str(folder)) == cli.EXIT_OK
    assert [p.name for p in folder.iterdir()] == [COMMANDS[command][1]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_in_a_missing_folder_is_written_there(
    database: Database, tmp_path: Path, command: str
) -> None:
    target = tmp_path / "missing" / "deeper" / "named.bin"
    assert _run(command, str(target)) == cli.EXIT_OK
    assert target.is_file() and target.stat().st_size > 0
    assert list(target.parent.iterdir()) == [target]


@pytest.mark.parametrize("command", ["minutes", "roles"])
def test_without_out_the_usual_name_in_the_working_folder(database: Database, command: str) -> None:
    args, name = COMMANDS[command]
    assert cli.main(args) == cli.EXIT_OK
    assert [p.name for p in Path.cwd().iterdir()] == [name]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("shape", ["file as folder", "file on the way"])
def test_a_file_standing_in_the_way_is_one_line_and_exit_2_before_any_work(
    database: Database,
    tmp_path: Path,
    command: str,
    shape: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file, not a folder")
    out = f"{blocker}/" if shape == "file as folder" else f"{blocker}/sub/x.bin"
    assert _run(command, out) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("引数エラー: --out — 「") and err.count("\n") == 1, err
    assert "ファイルがあります" in err and "Traceback" not in err
    assert blocker.read_text() == "a file, not a folder"
    assert _audited(database) == []  # nothing was rendered, exported or audited


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_folder_without_permission_is_one_line_and_exit_2(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        assert _run("audit", f"{locked}/") == cli.EXIT_USAGE
        assert _run("minutes", f"{locked}/sub/") == cli.EXIT_USAGE
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all(line.startswith("引数エラー: --out — ") for line in err)
    assert _audited(database) == []


def test_a_file_that_cannot_be_written_is_one_line_and_exit_1(
    database: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "documents"
    (folder / MINUTES).mkdir(parents=True)  # a folder where the file would go
    assert _run("minutes", str(folder)) == cli.EXIT_PROBLEMS
    err = capsys.readouterr().err
    assert err.startswith("書き出しエラー: 「") and err.count("\n") == 1, err
    assert "同じ名前のフォルダがあります" in err


def test_audit_into_a_missing_folder_as_a_user_runs_it(database: Database, tmp_path: Path) -> None:
    """The finding: ``audit --csv --out DIR/x.csv`` into a missing folder printed a traceback,
    and ``--out DIR/`` wrote a file named after the folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SHIEN_"))}
    env["DATABASE_URL"] = str(database.engine.url)

    def shienbot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    named = shienbot("audit", "--csv", "--out", "exports/2026/x.csv")
    assert named.returncode == 0 and "Traceback" not in named.stderr, named.stderr
    assert (tmp_path / "exports" / "2026" / "x.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    folder = shienbot("audit", "--csv", "--out", "audit-exports/")
    assert folder.returncode == 0, folder.stderr
    [written] = (tmp_path / "audit-exports").iterdir()
    assert written.name.startswith("audit-") and written.suffix == ".csv"
    assert not (tmp_path / "audit-exports").is_file()
