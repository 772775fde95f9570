"""Shared fixtures.

``database`` is a migrated :class:`storage.Database`, parametrized over SQLite (a file in
``tmp_path``) and PostgreSQL (the server named by ``TEST_DATABASE_URL``). Each PostgreSQL
test gets a schema of its own, created before and dropped (CASCADE) after the test, so tests
may run concurrently and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path

# pytest puts tests/ first on sys.path (rootdir-relative imports), where tests/storage/ would
# shadow the real storage package as a namespace package. Put the project root ahead of it.
PROJECT_ROOT = str(Path(__file__).resolve().parent.parent)
if PROJECT_ROOT in sys.path:
    sys.path.remove(PROJECT_ROOT)
sys.path.insert(0, PROJECT_ROOT)

import pytest  # noqa: E402
from sqlalchemy import Engine, create_engine, text  # noqa: E402

from storage import Database  # noqa: E402

POSTGRES_URL_VARIABLE = "TEST_DATABASE_URL"
POSTGRES_SKIP_REASON = "TEST_DATABASE_URL is not set: PostgreSQL storage tests skipped"

DATABASE_KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[str, Engine]]:
    """The PostgreSQL URL and an engine used only to create and drop test schemas."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(POSTGRES_SKIP_REASON)
    engine = create_engine(url, hide_parameters=True, isolation_level="AUTOCOMMIT")
    try:
        yield url, engine
    finally:
        engine.dispose()


def _sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'db' / 'shienbot.sqlite3'}")
    try:
        yield database
    finally:
        database.dispose()


def _postgres_database(request: pytest.FixtureRequest) -> Generator[Database, None, None]:
    url, admin = request.getfixturevalue("postgres_admin")
    schema = f"t_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    database = Database(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def postgres_database(request: pytest.FixtureRequest) -> Iterator[Database]:
    """A PostgreSQL database (a schema of its own), migrated; skipped without
    ``TEST_DATABASE_URL``."""
    databases = _postgres_database(request)
    with contextlib.closing(databases):
        database = next(databases)
        database.upgrade()
        yield database


@pytest.fixture(params=DATABASE_KINDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database (SQLite or PostgreSQL) that has not been migrated yet."""
    if request.param == "sqlite":
        yield from _sqlite_database(tmp_path)
    else:
        yield from _postgres_database(request)


@pytest.fixture
def database(empty_database: Database) -> Database:
    """A database (SQLite or PostgreSQL) migrated to the newest revision."""
    empty_database.upgrade()
    return empty_database
