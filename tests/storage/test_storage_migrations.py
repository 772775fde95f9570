"""Migrations: they build exactly the ORM's schema, and can be run again safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from storage import Database
from storage.database import MIGRATIONS_DIR
from storage.orm import Base


def _differences(database: Database) -> list[Any]:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrated_schema_matches_the_orm(database: Database) -> None:
    assert _differences(database) == []


def test_upgrade_is_idempotent_and_reports_revisions(empty_database: Database) -> None:
    assert empty_database.current_revision() is None
    empty_database.upgrade()
    empty_database.upgrade()
    assert empty_database.current_revision() == empty_database.head_revision() == "0009"
    assert _differences(empty_database) == []


def test_downgrade_removes_everything_and_upgrade_restores_it(database: Database) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) == {"alembic_version"}
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            functions = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_proc"
                    " WHERE proname = 'audit_events_append_only'"
                    " AND pronamespace = current_schema()::regnamespace"
                )
            )
        assert functions == 0
    database.upgrade()
    assert _differences(database) == []


def test_ping(database: Database) -> None:
    database.ping()


def test_ping_raises_when_the_database_is_unreachable(tmp_path: Path) -> None:
    unreachable = Database(f"sqlite:///{tmp_path}/file-as-dir/db.sqlite3")
    (tmp_path / "file-as-dir").rmdir()
    (tmp_path / "file-as-dir").write_text("not a directory")
    try:
        with pytest.raises(OperationalError):
            unreachable.ping()
    finally:
        unreachable.dispose()


def test_sqlite_creates_the_parent_directory_and_enforces_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "shienbot" / "db.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        assert path.parent.is_dir()
        database.upgrade()
        assert path.is_file()
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert (connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) > 0
    finally:
        database.dispose()


def test_engines_hide_parameters(database: Database) -> None:
    assert database.engine.hide_parameters is True


def test_the_comparison_would_notice_a_drifted_schema(database: Database) -> None:
    """Guards the guard: compare_metadata does see a schema that differs from the ORM."""
    with database.engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_agency_inputs_case_id"))
        connection.execute(text("ALTER TABLE processed_requests ADD COLUMN extra INTEGER"))
    differences = _differences(database)
    assert ("add_index", "ix_agency_inputs_case_id") in [
        (kind[0], getattr(kind[1], "name", None)) for kind in differences
    ]
    assert any(kind[0] == "remove_column" for kind in differences)


def test_0006_keeps_the_cases_and_everything_that_refers_to_them(
    empty_database: Database,
) -> None:
    """Dropping cases.kind must not touch the rows that refer to cases (on SQLite a table
    rebuild would cascade-delete the asked agencies): cases, asked agencies, agenda items,
    roles and decisions come through, and the new columns read as empty."""
    empty_database.upgrade("0003")
    at = "2026-11-24 01:00:00"
    statements = [
        "INSERT INTO agencies (id, key, name, kind, created_at)"
        f" VALUES ('a1', 'houkatsu', '地域包括', '', '{at}')",
        "INSERT INTO meetings (id, channel_id, kind, date, start_time, created_by, place,"
        " state, created_at)"
        f" VALUES ('m1', 'C0K', 'support', '2026-12-08', '14:00:00', 'U0C', '', 'scheduled',"
        f" '{at}')",
        "INSERT INTO cases (id, fiscal_year, seq, kind, created_by, urgent, summary, status,"
        " created_at)"
        f" VALUES ('c1', 2026, 1, 'multilayer', 'U0C', false, '要約', 'open', '{at}')",
        "INSERT INTO case_asked_agencies (case_id, agency_id, position) VALUES ('c1', 'a1', 0)",
        "INSERT INTO agenda_items (id, meeting_id, case_id, added_by, position, purpose,"
        f" added_at) VALUES ('i1', 'm1', 'c1', 'U0C', 1, '', '{at}')",
        "INSERT INTO role_assignments (id, case_id, agency_id, meeting_id, task, created_by,"
        " assignee, lead, created_at)"
        f" VALUES ('r1', 'c1', 'a1', 'm1', '見守り', 'U0C', '山田', true, '{at}')",
        "INSERT INTO decisions (meeting_id, case_id, decided_by, support_policy, outcome,"
        f" notes, decided_at) VALUES ('m1', 'c1', 'U0C', '方針', 'continue', '', '{at}')",
    ]
    with empty_database.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    empty_database.upgrade()
    with empty_database.unit_of_work() as uow:
        case = uow.cases.get("c1")
        assert case is not None and case.asked_agency_ids == ["a1"] and case.summary == "要約"
        item = uow.agenda.by_id("i1")
        assert item is not None and item.monitoring_on is None
        role = uow.roles.get("r1")
        assert role is not None and (role.assignee, role.assignee_user_id) == ("山田", None)
        decision = uow.decisions.get("m1", "c1")
        assert decision is not None and decision.support_policy == "方針"
        assert (decision.discussion, decision.urgency, decision.urgency_reason) == ("", None, "")
        assert uow.records.get("m1") is None
    assert _differences(empty_database) == []
