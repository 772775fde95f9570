"""The database: engine set-up, sessions, units of work and migrations; and, for the
embedded SQLite file, private file modes, purge without residue and online backups."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.direct import DirectStatements
from storage.files import (
    PRIVATE_FILE,
    ensure_private_file,
    make_private_dirs,
    tighten,
)
from storage.unit_of_work import SqlUnitOfWork

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# How long a SQLite connection waits for another one's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000
# The files SQLite keeps next to a database in WAL mode.
SQLITE_SIDE_FILES = ("-wal", "-shm")


# Seconds a direct connection may take to be made (libpq counts whole seconds, at least 2).
DIRECT_CONNECT_TIMEOUT = 2

# The direct connections of each database, per process (see ``Database.direct``).
_DIRECT: dict[tuple[int, str, str], DirectStatements] = {}
_DIRECT_LOCK = threading.Lock()


class NotSQLite(Exception):
    """An operation of the embedded SQLite file was asked of another database."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int  # bytes


class Database:
    """One database (SQLite or PostgreSQL): its engine, units of work and migrations.

    Engines never log SQL parameters (``hide_parameters=True``): they can carry case
    content. On SQLite, foreign keys are enforced, writers wait for each other (busy
    timeout) and every transaction starts with ``BEGIN IMMEDIATE``, so it holds the write
    lock from its start: concurrent units of work are serialised instead of failing with
    "database is locked" when both try to upgrade a read lock. Deleted content is
    overwritten (``secure_delete``), and the database file and its ``-wal``/``-shm`` files
    are kept 0600, whatever the umask.

    Args:
        url: A SQLAlchemy URL, e.g. ``sqlite:///var/shienbot.db`` or
            ``postgresql+psycopg://user@host/db``. The parent directory of a SQLite file is
            created (0700) if missing, and the file itself created 0600.
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
        self._connect_args = dict(connect_args or {})
        self._direct_key: tuple[int, str, str] | None = None  # once ``direct`` was asked
        if connect_args:
            options["connect_args"] = dict(connect_args)
        self._sqlite_file: Path | None = None
        if sqlite:
            database = parsed.database
            if database and database != ":memory:" and not database.startswith("file:"):
                self._sqlite_file = Path(database).absolute()
                make_private_dirs(self._sqlite_file.parent)
        else:
            # A server may drop idle connections (restarts, firewalls between 庁内 networks).
            options["pool_pre_ping"] = True
        self._engine = create_engine(parsed, **options)
        if sqlite:
            in_memory = parsed.database in (None, "", ":memory:")
            _configure_sqlite(self._engine, file_based=not in_memory, path=self._sqlite_file)
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

    @property
    def direct(self) -> DirectStatements:
        """Statements on driver connections of their own, one per thread, outside the
        engine's pool (never pinged, never reset), in autocommit: for the few statements
        every ack runs on PostgreSQL (``storage.direct``). Shared by every ``Database`` of
        the same database in this process (a serving process has two, its runtime's and its
        inbox's): a serving thread holds one such connection, not one per store."""
        key = (
            os.getpid(),
            self._engine.url.render_as_string(hide_password=False),
            repr(sorted(self._connect_args.items())),
        )
        with _DIRECT_LOCK:
            direct = _DIRECT.get(key)
            if direct is None:
                direct = _DIRECT[key] = DirectStatements(self._connect_directly)
            self._direct_key = key
        return direct

    def _connect_directly(self) -> Any:
        dialect = self._engine.dialect
        cargs, cparams = dialect.create_connect_args(self._engine.url)
        # An ack has 3 seconds: a server that does not answer fails the connection within
        # DIRECT_CONNECT_TIMEOUT (the edge then answers 503, and Slack sends events again)
        # rather than holding the request's thread for minutes. A timeout in the URL or the
        # connect arguments wins.
        parameters = {"connect_timeout": DIRECT_CONNECT_TIMEOUT, **cparams, **self._connect_args}
        connection = dialect.connect(*cargs, **parameters)
        connection.autocommit = True
        return connection

    def dispose(self) -> None:
        """Close every pooled connection, and the direct ones (another ``Database`` of the
        same database that still runs statements opens new ones)."""
        self._engine.dispose()
        with _DIRECT_LOCK:
            direct = _DIRECT.pop(self._direct_key, None) if self._direct_key else None
        if direct is not None:
            direct.close()

    # ------------------------------------------------------------------ the SQLite file

    @property
    def sqlite_file(self) -> Path | None:
        """The embedded database's file, or None (PostgreSQL, in-memory or URI databases)."""
        return self._sqlite_file

    def sqlite_files(self) -> list[Path]:
        """The database file and its ``-wal``/``-shm`` files (those that exist)."""
        if self._sqlite_file is None:
            return []
        paths = [self._sqlite_file, *(_side(self._sqlite_file, s) for s in SQLITE_SIDE_FILES)]
        return [path for path in paths if path.exists()]

    def _require_sqlite_file(self) -> Path:
        if self._sqlite_file is None:
            raise NotSQLite("not an embedded SQLite database file")
        return self._sqlite_file

    def scrub(self) -> bool:
        """Leave no deleted content in the SQLite files: VACUUM (rebuilds the file, so
        nothing freed before ``secure_delete`` was on survives either), then a TRUNCATE
        checkpoint, which copies the WAL into the database and empties it (old page images
        in the WAL can hold deleted text). False if another connection's open read kept the
        checkpoint from finishing; run it again when the bot is idle. Not for PostgreSQL:
        there the operator runs ``VACUUM FULL`` (see the README)."""
        self._require_sqlite_file()
        raw = self._engine.raw_connection()
        try:
            connection: Any = raw.driver_connection
            connection.execute("PRAGMA temp_store=MEMORY")
            connection.execute("VACUUM")
            busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        for path in self.sqlite_files():
            tighten(path)
        return not busy

    def backup(self, destination: Path) -> BackupReport:
        """A consistent copy of the SQLite database while the bot runs, with SQLite's online
        backup API in one step (a snapshot: concurrent writers wait only for their next
        write, never see a half copy). The copy is a single file (journal mode DELETE), 0600,
        written under a temporary name and renamed into place once its integrity check
        passed."""
        self._require_sqlite_file()
        temporary = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.tmp")
        ensure_private_file(temporary)
        try:
            raw = self._engine.raw_connection()
            try:
                source: Any = raw.driver_connection
                target = sqlite3.connect(temporary)
                try:
                    source.backup(target)  # pages=-1: all in one step
                    target.execute("PRAGMA journal_mode=DELETE")
                    (integrity,) = target.execute("PRAGMA integrity_check").fetchone()
                finally:
                    target.close()
            finally:
                raw.close()
            if integrity != "ok":
                raise sqlite3.DatabaseError(f"integrity_check: {integrity}")
            with open(temporary, "rb+") as file:
                os.fsync(file.fileno())
            os.replace(temporary, destination)
            os.chmod(destination, PRIVATE_FILE)
        finally:
            for leftover in (temporary, *(_side(temporary, s) for s in SQLITE_SIDE_FILES)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
        return BackupReport(destination, destination.stat().st_size)

    # ------------------------------------------------------------------ PostgreSQL roles

    def audit_table_alterable(self) -> bool | None:
        """Whether the connected role could switch the audit trail's triggers off or drop
        it (it owns ``audit_events`` or is a superuser); None on SQLite, where whoever can
        write the file can do anything."""
        if self._engine.dialect.name != "postgresql":
            return None
        with self._engine.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT r.rolsuper OR pg_has_role(current_user, c.relowner, 'MEMBER')"
                        " FROM pg_roles r, pg_class c"
                        " WHERE r.rolname = current_user"
                        " AND c.oid = to_regclass('audit_events')"
                    )
                )
            )

    def grant_app_role(self, role: str) -> None:
        """Give the bot's PostgreSQL role what it needs and no more, in the current schema:
        read and write the tables, but only INSERT and SELECT the audit trail (and SELECT and
        UPDATE its chain head), read-only ``alembic_version``. The role running this (the
        migration role) keeps owning everything, so the bot's role can neither switch the
        audit triggers off nor delete from the trail. Safe to repeat.

        Raises:
            NotSQLite: on SQLite (nothing to grant: the file's mode is the access control).
            LookupError: the role does not exist.
        """
        if self._engine.dialect.name != "postgresql":
            raise NotSQLite("roles are PostgreSQL's")
        quote = self._engine.dialect.identifier_preparer.quote_identifier
        with self._engine.begin() as connection:
            if not connection.scalar(
                text("SELECT count(*) FROM pg_roles WHERE rolname = :role"), {"role": role}
            ):
                raise LookupError(role)
            schema = quote(str(connection.scalar(text("SELECT current_schema()"))))
            who = quote(role)
            for statement in (
                f"GRANT USAGE ON SCHEMA {schema} TO {who}",
                f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {who}",
                f"REVOKE INSERT, UPDATE, DELETE ON {schema}.alembic_version FROM {who}",
                f"REVOKE UPDATE, DELETE ON {schema}.audit_events FROM {who}",
                f"REVOKE INSERT, DELETE ON {schema}.audit_chain FROM {who}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}",
            ):
                connection.execute(text(statement))

    def _alembic_config(self) -> Config:
        # Built in code, so no alembic.ini is needed and an installed package works too.
        config = Config()
        # No URL is set: upgrade() hands env.py a connection of this engine instead.
        config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
        return config


def _side(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _configure_sqlite(engine: Engine, *, file_based: bool, path: Path | None = None) -> None:
    if path is not None:

        @event.listens_for(engine, "do_connect")
        def _before_connect(*_: Any) -> None:
            # Created 0600 before SQLite opens (and would create) it with the umask's mode.
            # If that fails, SQLite's own attempt reports the problem as a database error.
            with contextlib.suppress(OSError):
                ensure_private_file(path)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # SAVEPOINTs and BEGIN IMMEDIATE behave as written.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # Deleted rows are overwritten with zeros, not just unlinked (retention purges).
            cursor.execute("PRAGMA secure_delete=ON")
            if file_based:
                # Readers outside a write transaction do not block the writer, nor it them.
                cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()
        if path is not None:
            # SQLite gives -wal/-shm the database file's mode; make sure of all three.
            for file in (path, *(_side(path, suffix) for suffix in SQLITE_SIDE_FILES)):
                tighten(file)

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
