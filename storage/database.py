"""The database: engine set-up, sessions, units of work and migrations."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.unit_of_work import SqlUnitOfWork

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# How long a SQLite connection waits for another one's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000


class Database:
    """One database (SQLite or PostgreSQL): its engine, units of work and migrations.

    Engines never log SQL parameters (``hide_parameters=True``): they can carry case
    content. On SQLite, foreign keys are enforced, writers wait for each other (busy
    timeout) and every transaction starts with ``BEGIN IMMEDIATE``, so it holds the write
    lock from its start: concurrent units of work are serialised instead of failing with
    "database is locked" when both try to upgrade a read lock.

    Args:
        url: A SQLAlchemy URL, e.g. ``sqlite:///var/shienbot.db`` or
            ``postgresql+psycopg://user@host/db``. The parent directory of a SQLite file is
            created if missing.
        echo: Log SQL statements (never their parameters).
        connect_args: Extra DBAPI connect arguments, e.g. ``{"options":
            "-csearch_path=myschema"}`` for psycopg.
    """

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        connect_args: Mapping[str, Any] | None = None,
    ) -> None:
        parsed = make_url(url)
        sqlite = parsed.get_backend_name() == "sqlite"
        options: dict[str, Any] = {"echo": echo, "hide_parameters": True}
        if connect_args:
            options["connect_args"] = dict(connect_args)
        if sqlite:
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        else:
            # A server may drop idle connections (restarts, firewalls between 庁内 networks).
            options["pool_pre_ping"] = True
        self._engine = create_engine(parsed, **options)
        if sqlite:
            in_memory = parsed.database in (None, "", ":memory:")
            _configure_sqlite(self._engine, file_based=not in_memory)
        self._session_factory = sessionmaker(self._engine, expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine."""
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Makes sessions bound to the engine."""
        return self._session_factory

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work; open it with ``with``."""
        return SqlUnitOfWork(self._session_factory)

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to ``revision`` (the newest by default). Safe to repeat."""
        config = self._alembic_config()
        with self._engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        """The migration the database is at, or None if it has never been migrated."""
        with self._engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def head_revision(self) -> str:
        """The newest migration shipped with this code."""
        head = ScriptDirectory.from_config(self._alembic_config()).get_current_head()
        if head is None:  # pragma: no cover - the package always ships migrations
            raise RuntimeError("no migrations found")
        return head

    def ping(self) -> None:
        """Run ``SELECT 1``; raises if the database cannot be reached."""
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def _alembic_config(self) -> Config:
        # Built in code, so no alembic.ini is needed and an installed package works too.
        config = Config()
        # No URL is set: upgrade() hands env.py a connection of this engine instead.
        config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
        return config


def _configure_sqlite(engine: Engine, *, file_based: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # SAVEPOINTs and BEGIN IMMEDIATE behave as written.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            if file_based:
                # Readers outside a write transaction do not block the writer, nor it them.
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()

    # Writers of this process queue here, in turn, instead of polling SQLite's lock: under
    # a burst (many replies at once, follow-ups, a paced opening) SQLite's busy handler
    # lets a writer lose the race again and again for a second or more, which an event's
    # ack (Slack's 3 seconds) cannot afford. Other processes still meet busy_timeout.
    turn = threading.RLock()  # re-entrant: a nested unit of work still meets SQLite itself

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info["sqlite_turn"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end_turn(connection)
            raise

    def _end_turn(connection: Any) -> None:
        if connection.info.pop("sqlite_turn", False):
            turn.release()

    event.listen(engine, "commit", _end_turn)
    event.listen(engine, "rollback", _end_turn)
