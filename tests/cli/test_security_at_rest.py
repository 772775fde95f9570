"""Security at rest, through the command line: private file modes whatever the umask, purge
without residue in the database files, ``audit --verify``, online backups and their
restore, and the warnings of ``shienbot check``."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import pytest
from sqlalchemy import text
from test_audit_and_purge import CONTENT, NOW, World, _world, sqlite_env  # noqa: F401
from test_settings_and_cli import SETTING_VARIABLES, clean_env  # noqa: F401

from bot import cli
from bot.domain.audit_chain import GENESIS, event_hash
from bot.domain.model import (
    AgencyInput,
    AuditAction,
    AuditEvent,
    InputSource,
    Meeting,
    MeetingKind,
)
from storage import Database

CANARY = "canary-9f3e"  # in every input's text (CONTENT)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_shienbot(
    *args: str, env: dict[str, str], cwd: Path, umask: int = 0o022
) -> subprocess.CompletedProcess[str]:
    """The real ``shienbot`` process, started with the usual umask (022) unless told."""
    base = {k: v for k, v in os.environ.items() if k not in SETTING_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        umask=umask,
    )


@contextmanager
def _umask(value: int) -> Iterator[None]:
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


# --------------------------------------------------------------------------- private files


def test_migrate_makes_a_private_data_directory_and_database_under_umask_022(
    clean_env: Path,  # noqa: F811
) -> None:
    data = clean_env / "data" / "shienbot"
    result = run_shienbot("migrate", env={"SHIEN_DATA_DIR": str(data)}, cwd=clean_env)
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    assert _mode(data.parent) == 0o700  # every folder it had to create
    assert _mode(data / "shienbot.sqlite3") == 0o600


def test_the_wal_files_and_an_existing_loose_database_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "shienbot.sqlite3"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    with _umask(0o022):
        database = Database(f"sqlite:///{path}")
        try:
            database.upgrade()
            with database.engine.connect() as connection:  # held open: -wal and -shm exist
                connection.execute(text("SELECT count(*) FROM audit_events"))
                files = database.sqlite_files()
                assert [f.name[len(path.name) :] for f in files] == ["", "-wal", "-shm"]
                assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
        finally:
            database.dispose()


def test_documents_the_cli_writes_are_private_under_umask_022(
    sqlite_env: Database,  # noqa: F811
    tmp_path: Path,
) -> None:
    _world(sqlite_env)
    out = tmp_path / "audit.csv"
    out.write_text("an older, world-readable export")
    os.chmod(out, 0o644)
    with _umask(0o022):
        assert cli.main(["audit", "--csv", "--out", str(out)]) == cli.EXIT_OK
        assert cli.main(["backup", "--out", str(tmp_path)]) == cli.EXIT_OK
    assert _mode(out) == 0o600 and out.read_bytes().startswith(b"\xef\xbb\xbf")
    (backup,) = tmp_path.glob("shienbot-backup-*.sqlite3")
    assert _mode(backup) == 0o600
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_check_warns_about_loose_modes(clean_env: Path) -> None:  # noqa: F811
    data = clean_env / "data"
    env = {
        "SHIEN_DATA_DIR": str(data),
        "SLACK_BOT_TOKEN": "xoxb-local-test-token",
        "SLACK_SIGNING_SECRET": "local-signing-secret",
        "SHIEN_COORDINATORS": "U0COORD",
    }
    assert run_shienbot("migrate", env=env, cwd=clean_env).returncode == 0
    good = run_shienbot("check", env=env, cwd=clean_env)
    assert good.returncode == 0, good.stdout
    assert "ファイルの権限・監査記録の保護: OK" in good.stdout
    os.chmod(data, 0o755)
    os.chmod(data / "shienbot.sqlite3", 0o644)
    loose = run_shienbot("check", env=env, cwd=clean_env)
    assert loose.returncode == 1
    assert f"`chmod 700 {data}`" in loose.stdout and "（0755）" in loose.stdout
    # Opening the database makes its own files private again (the bot's files are its own).
    assert _mode(data / "shienbot.sqlite3") == 0o600
    assert "Traceback" not in loose.stderr


# --------------------------------------------------------------------------- purge residue


def _files_bytes(database: Database) -> bytes:
    assert database.sqlite_file is not None
    return b"".join(p.read_bytes() for p in database.sqlite_files())


def test_purge_leaves_no_purged_text_in_the_database_files(
    sqlite_env: Database,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world: World = _world(sqlite_env)
    # Edited once too: the old wording must not survive either.
    with sqlite_env.unit_of_work() as uow:
        (first, *_) = uow.inputs.for_meeting(world.old)
        first.edit(CONTENT.replace("。", "（編集前 canary-9f3e-old）。"), at=NOW)
        uow.inputs.save(first)
        uow.commit()
    assert CANARY.encode() in _files_bytes(sqlite_env)  # the test can see it before
    monkeypatch.setattr(cli, "_utc_now", lambda: NOW)
    monkeypatch.setenv("SHIEN_RETENTION_DAYS", "1")
    assert cli.main(["purge"]) == cli.EXIT_OK, capsys.readouterr().err
    with sqlite_env.unit_of_work() as uow:
        assert uow.inputs.for_meeting(world.draft)  # not final: kept, and so is its text
    remaining = _files_bytes(sqlite_env)
    # Only the draft meeting's input (never purged) still carries the text, exactly once.
    assert remaining.count(CANARY.encode()) == 1
    assert b"canary-9f3e-old" not in remaining
    assert sqlite_env.sqlite_file is not None
    wal = sqlite_env.sqlite_file.with_name(sqlite_env.sqlite_file.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


# --------------------------------------------------------------------------- audit --verify


def test_audit_verify_passes_then_names_the_first_tampered_event(
    sqlite_env: Database,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    _world(sqlite_env)
    with sqlite_env.unit_of_work() as uow:
        for n in range(3):
            uow.audit.append(
                AuditEvent(
                    "U0JIMU", AuditAction.CASE_VIEWED, "case", "R8-001", at=NOW, detail=f"{n}"
                )
            )
        uow.commit()
    assert cli.main(["audit", "--verify"]) == cli.EXIT_OK
    out = capsys.readouterr().out
    assert (
        out.startswith("監査記録は改ざんされていません: 3件を検証しました") and out.count("\n") == 1
    )

    with sqlite_env.engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_events_no_update"))
        connection.execute(text("UPDATE audit_events SET actor = 'U0OTHER' WHERE seq = 2"))
    assert cli.main(["audit", "--verify"]) == cli.EXIT_PROBLEMS
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1 and captured.err == ""
    assert captured.out.startswith(
        "監査記録の改ざんを検出しました: 連番 2 の記録（2027-03-01 12:00:00"
    )
    assert "書き換え" in captured.out
    with pytest.raises(SystemExit) as usage:  # one or the other
        cli.main(["audit", "--verify", "--csv"])
    assert usage.value.code == cli.EXIT_USAGE


# --------------------------------------------------------------------------- backups


def test_a_backup_taken_while_the_bot_writes_restores_everything_before_it(
    sqlite_env: Database,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = _world(sqlite_env)
    with sqlite_env.unit_of_work() as uow:
        inputs_before = sorted(
            i.id
            for mid in (world.old, world.recent, world.draft)
            for i in uow.inputs.for_meeting(mid)
        )
        events_before = [e.id for e in uow.audit.list()]
        case_id = uow.inputs.for_meeting(world.draft)[0].case_id
        agency_id = uow.inputs.for_meeting(world.draft)[0].agency_id
    stop = threading.Event()
    written: list[int] = []

    def bot_writes() -> None:  # a running bot: meetings, inputs and audit events
        n = 0
        writer = Database(str(sqlite_env.engine.url))
        try:
            while not stop.is_set():
                n += 1
                meeting = Meeting(
                    channel_id=f"C0W{n}",
                    kind=MeetingKind.SUPPORT,
                    date=date(2027, 4, 1) + timedelta(days=n),
                    start_time=clock_time(14, 0),
                    created_by="U0JIMU",
                )
                with writer.unit_of_work() as uow:
                    uow.meetings.add(meeting)
                    uow.inputs.add(
                        AgencyInput(
                            meeting_id=meeting.id,
                            case_id=case_id,
                            agency_id=agency_id,
                            author_user_id="U0HOUKATSU",
                            text=f"並行して書き込み {n}",
                            source=InputSource.THREAD,
                            source_ref=f"C0W:{n}",
                        )
                    )
                    uow.audit.append(
                        AuditEvent("U0JIMU", AuditAction.MEETING_CREATED, "meeting", meeting.id)
                    )
                    uow.commit()
                written.append(n)
        finally:
            writer.dispose()

    thread = threading.Thread(target=bot_writes)
    thread.start()
    try:
        while len(written) < 5:
            time.sleep(0.01)
        out = tmp_path / "backups" / "copy.sqlite3"
        out.parent.mkdir()
        assert cli.main(["backup", "--out", str(out)]) == cli.EXIT_OK
        during = len(written)
    finally:
        stop.set()
        thread.join()
    message = capsys.readouterr().out
    assert message.startswith(f"バックアップを作成しました: {out}") and "検証 OK" in message
    assert len(written) > during - 1  # the bot kept writing while the copy was made

    # Restore: the copy becomes the database (the bot stopped, the copy put in place).
    restored = tmp_path / "restored" / "shienbot.sqlite3"
    restored.parent.mkdir()
    shutil.copy2(out, restored)
    assert not (tmp_path / "backups" / "copy.sqlite3-wal").exists()  # one self-contained file
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{restored}")
    assert cli.main(["audit", "--verify"]) == cli.EXIT_OK
    assert "改ざんされていません" in capsys.readouterr().out
    copy = Database(f"sqlite:///{restored}")
    try:
        with copy.unit_of_work() as uow:
            events = [e.id for e in uow.audit.list()]
            assert (
                events[: len(events_before)] == events_before
            )  # every event from before, in order
            inputs = sorted(
                i.id
                for mid in (world.old, world.recent, world.draft)
                for i in uow.inputs.for_meeting(mid)
            )
            assert inputs == inputs_before
            for mid in (world.old, world.recent, world.draft):
                assert uow.meetings.get(mid) is not None
            copied = len([e for e in uow.audit.list() if e.action is AuditAction.MEETING_CREATED])
            assert copied >= 5  # written by the bot before and while the copy was made
            for n in range(1, copied + 1):  # each copied write is whole: meeting and input
                meeting = uow.meetings.on_date(f"C0W{n}", date(2027, 4, 1) + timedelta(days=n))
                assert meeting is not None and len(uow.inputs.for_meeting(meeting.id)) == 1
    finally:
        copy.dispose()


def test_backup_makes_missing_folders_and_refuses_postgresql(
    sqlite_env: Database,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Like every --out, missing folders are made (0600 file inside).
    target = tmp_path / "no" / "such" / "x.sqlite3"
    assert cli.main(["backup", "--out", str(target)]) == cli.EXIT_OK
    assert target.stat().st_mode & 0o777 == 0o600
    (tmp_path / "blocker").write_bytes(b"")
    assert cli.main(["backup", "--out", str(tmp_path / "blocker" / "x.sqlite3")]) == 2
    assert capsys.readouterr().err.splitlines()[-1].startswith("引数エラー: --out")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert cli.main(["backup", "--out", str(tmp_path)]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "pg_dump" in err and err.count("\n") == 1
    assert cli.main(["migrate", "--grant-app-role", "shien_app"]) != cli.EXIT_OK
    monkeypatch.setenv("DATABASE_URL", str(sqlite_env.engine.url))
    assert cli.main(["migrate", "--grant-app-role", "shien_app"]) == cli.EXIT_USAGE
    assert "PostgreSQL" in capsys.readouterr().err


def test_an_anchor_noted_earlier_shows_a_trail_rewritten_and_rehashed_as_a_whole(
    sqlite_env: Database,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sqlite_env.unit_of_work() as uow:
        for n in range(3):
            uow.audit.append(
                AuditEvent(
                    "U0JIMU", AuditAction.CASE_VIEWED, "case", "R8-001", at=NOW, detail=f"{n}"
                )
            )
        uow.commit()
    assert cli.main(["audit", "--verify"]) == cli.EXIT_OK
    noted = capsys.readouterr().out.split("ハッシュ ", 1)[1][:16]
    with sqlite_env.unit_of_work() as uow:
        uow.audit.append(AuditEvent("U0JIMU", AuditAction.AUDIT_VIEWED, "audit", "x", at=NOW))
        uow.commit()
    assert cli.main(["audit", "--verify", "--anchor", noted + "…"]) == cli.EXIT_OK
    assert "記録したハッシュは連番 3" in capsys.readouterr().out

    # Someone with the file rewrites event 2 and recomputes every hash and the head.
    with sqlite_env.engine.begin() as connection:
        for name in ("no_update", "no_delete", "insert_at_end"):
            connection.execute(text(f"DROP TRIGGER audit_events_{name}"))
        rows = connection.execute(text("SELECT * FROM audit_events ORDER BY seq")).all()
        prev = GENESIS
        for row in rows:
            actor = "U0FORGED" if row.seq == 2 else row.actor
            at = datetime.fromisoformat(str(row.at)).replace(tzinfo=UTC)
            new = event_hash(
                prev,
                seq=row.seq,
                event_id=row.id,
                at=at,
                actor=actor,
                action=row.action,
                target_type=row.target_type,
                target_id=row.target_id,
                allowed=bool(row.allowed),
                detail=row.detail,
            )
            connection.execute(
                text(
                    "UPDATE audit_events SET actor = :actor, prev_hash = :prev, chain_hash = :new"
                    " WHERE seq = :seq"
                ),
                {"actor": actor, "prev": prev, "new": new, "seq": row.seq},
            )
            prev = new
        connection.execute(text("UPDATE audit_chain SET last_hash = :h"), {"h": prev})
    assert cli.main(["audit", "--verify"]) == cli.EXIT_OK  # consistent in itself…
    capsys.readouterr()
    assert cli.main(["audit", "--verify", "--anchor", noted]) == cli.EXIT_PROBLEMS  # …but not
    assert "見つかりません" in capsys.readouterr().out
    assert cli.main(["audit", "--verify", "--anchor", "xyz"]) == cli.EXIT_USAGE
