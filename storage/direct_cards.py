"""``bot.services.delivery.DirectCards`` on the bot's database: where each 1:1 card of the
direct delivery mode (Teams) lives. Each call is its own short transaction, made between
the services' units of work (never inside one)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.services.delivery import CardKind, DirectCard, DirectCards
from storage.orm import DirectCardRow

__all__ = ["SqlDirectCards"]


def _card(row: DirectCardRow) -> DirectCard:
    return DirectCard(
        key=row.key,
        kind=CardKind(row.kind),
        meeting_id=row.meeting_id,
        user_id=row.user_id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        created_at=row.created_at,
        item_id=row.item_id,
        withdrawn=row.withdrawn,
        updated_at=row.updated_at,
    )


class SqlDirectCards:
    """Implements ``DirectCards``. ``put`` inserts or replaces by key."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def get(self, key: str) -> DirectCard | None:
        with self._sessions() as session:
            row = session.get(DirectCardRow, key)
            return _card(row) if row is not None else None

    def put(self, card: DirectCard) -> None:
        with self._sessions.begin() as session:
            row = session.get(DirectCardRow, card.key)
            if row is None:
                row = DirectCardRow(key=card.key)
                session.add(row)
            row.kind = card.kind.value
            row.meeting_id = card.meeting_id
            row.item_id = card.item_id
            row.user_id = card.user_id
            row.conversation_id = card.conversation_id
            row.message_id = card.message_id
            row.withdrawn = card.withdrawn
            row.created_at = card.created_at
            row.updated_at = card.updated_at

    def _where(self, session: Session, column: object, value: str) -> Sequence[DirectCard]:
        rows = session.scalars(
            select(DirectCardRow).where(column == value).order_by(DirectCardRow.created_at)  # type: ignore[arg-type]
        )
        return [_card(row) for row in rows]

    def for_user(self, user_id: str) -> Sequence[DirectCard]:
        with self._sessions() as session:
            return self._where(session, DirectCardRow.user_id, user_id)

    def for_meeting(self, meeting_id: str) -> Sequence[DirectCard]:
        with self._sessions() as session:
            return self._where(session, DirectCardRow.meeting_id, meeting_id)


def _conforms(cards: SqlDirectCards) -> DirectCards:
    """Never called: mypy checks here that SqlDirectCards implements the port."""
    return cards
