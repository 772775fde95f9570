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
    assert empty_database.current_revision() == empty_database.head_revision() == "0006"
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
