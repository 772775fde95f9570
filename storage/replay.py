"""Seen request signatures, shared by every process of one database: a signed chat request
is acted on once, however often it is replayed inside its validity window.

A signature is claimed with ``INSERT … ON CONFLICT DO NOTHING`` in its own short
transaction (the primary key decides, so two processes racing with the same request cannot
both win). Each entry is kept until its request would be refused as stale anyway, then
pruned (at most once a minute per process).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.domain.model import utcnow
from storage.orm import SeenSignatureRow

__all__ = ["SqlReplayGuard"]

_PRUNE_EVERY = timedelta(minutes=1)


class SqlReplayGuard:
    """Implements ``bot.chat.slack.edge.ReplayGuard`` on the bot's database.

    Args:
        engine: The bot's database engine.
        clock: Aware "now" (tests move it).
    """

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()
        self._pruned_at: datetime | None = None

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        """Record ``signature``; True if no process had recorded it before. ``valid_until``
        (Unix time) is when its request becomes stale: the entry is kept until then."""
        now = self._clock()
        values = {
            "signature": signature,
            "seen_at": now,
            "expires_at": datetime.fromtimestamp(valid_until, UTC),
        }
        table = SeenSignatureRow
        with self._engine.begin() as connection:
            self._prune(connection, now)
            statement: Any
            if connection.dialect.name == "postgresql":
                statement = postgresql.insert(table).values(values).on_conflict_do_nothing()
            else:
                statement = sqlite.insert(table).values(values).on_conflict_do_nothing()
            inserted = connection.execute(statement.returning(table.signature)).first()
        return inserted is not None

    def _prune(self, connection: Any, now: datetime) -> None:
        with self._lock:
            if self._pruned_at is not None and now - self._pruned_at < _PRUNE_EVERY:
                return
            self._pruned_at = now
        connection.execute(delete(SeenSignatureRow).where(SeenSignatureRow.expires_at < now))
