"""A lease in the database: at most one holder at a time, on SQLite and PostgreSQL alike.

The scheduler of a database must run in one process only (APScheduler 3 job stores must not
be shared by two running schedulers). Each process that wants to run it calls ``acquire``
periodically: the holder renews its lease; anyone else takes it over only once it has
expired (the holder crashed or was stopped without ``release``). Every step is one
conditional statement in its own transaction, so two processes never both succeed:

- ``UPDATE … SET holder = me WHERE name = … AND (holder = me OR expires_at < now)``
- and, if no row exists yet, ``INSERT … ON CONFLICT DO NOTHING``.

Times come from the caller's clock (UTC); the time-to-live is long compared with the
clock skew between two servers of one municipality.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.domain.model import utcnow
from storage.orm import SchedulerLeaseRow

__all__ = ["LeaseState", "SqlLease"]


@dataclass(frozen=True)
class LeaseState:
    """The lease as stored: who holds it and until when."""

    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


class SqlLease:
    """One named lease, tried for by one ``holder`` (a process's unique name).

    Args:
        engine: The bot's database engine.
        name: The lease's name (``scheduler``).
        holder: Unique per process, e.g. ``host:pid:random``.
        ttl: How long a lease lasts without renewal.
        clock: Aware "now" (tests move it).
    """

    def __init__(
        self,
        engine: Engine,
        name: str,
        holder: str,
        *,
        ttl: timedelta = timedelta(seconds=30),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self._clock = clock

    def acquire(self) -> bool:
        """Renew the lease if held, take it if free or expired. True if this holder has it."""
        now = self._clock()
        table = SchedulerLeaseRow
        with self._engine.begin() as connection:
            renewed = connection.execute(
                update(table)
                .where(
                    table.name == self.name,
                    or_(table.holder == self.holder, table.expires_at < now),
                )
                .values(
                    # A takeover starts a new tenure; a renewal keeps the old one.
                    acquired_at=case(
                        (table.holder == self.holder, table.acquired_at),
                        else_=literal(now, table.acquired_at.type),
                    ),
                    holder=self.holder,
                    renewed_at=now,
                    expires_at=now + self.ttl,
                )
                .returning(table.name)
            ).first()
            if renewed is not None:
                return True
            values = {
                "name": self.name,
                "holder": self.holder,
                "acquired_at": now,
                "renewed_at": now,
                "expires_at": now + self.ttl,
            }
            insert: Any
            if connection.dialect.name == "postgresql":
                insert = postgresql.insert(table).values(values).on_conflict_do_nothing()
            else:
                insert = sqlite.insert(table).values(values).on_conflict_do_nothing()
            inserted = connection.execute(insert.returning(table.name)).first()
            return inserted is not None

    def release(self) -> None:
        """Give the lease up at once (a clean stop), so another process need not wait."""
        with self._engine.begin() as connection:
            connection.execute(
                delete(SchedulerLeaseRow).where(
                    SchedulerLeaseRow.name == self.name, SchedulerLeaseRow.holder == self.holder
                )
            )

    def state(self) -> LeaseState | None:
        """The stored lease, whoever holds it."""
        with self._engine.connect() as connection:
            row = connection.execute(
                select(SchedulerLeaseRow).where(SchedulerLeaseRow.name == self.name)
            ).first()
        if row is None:
            return None
        return LeaseState(row.name, row.holder, row.acquired_at, row.expires_at)
