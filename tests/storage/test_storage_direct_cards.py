"""The direct mode's cards on SQLite (and PostgreSQL when TEST_DATABASE_URL is set) behave
as the in-memory store the service tests use."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.services.delivery import CardKind, DirectCard, DirectCards, MemoryDirectCards
from storage import Database
from storage.direct_cards import SqlDirectCards

AT = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def cards(request: pytest.FixtureRequest, tmp_path: object) -> DirectCards:
    if request.param == "memory":
        return MemoryDirectCards()
    database = Database(f"sqlite:///{tmp_path}/cards.sqlite3")  # type: ignore[str-bytes-safe]
    database.upgrade()
    request.addfinalizer(database.dispose)
    return SqlDirectCards(database.engine)


def test_cards_are_kept_replaced_and_found_by_user_and_meeting(cards: DirectCards) -> None:
    notice = DirectCard(
        key="notice:m1:U1",
        kind=CardKind.NOTICE,
        meeting_id="m1",
        user_id="U1",
        conversation_id="a:1xyz:with:colons",
        message_id="1795928035784",
        created_at=AT,
    )
    case = replace(notice, key="case:i1:U1", kind=CardKind.CASE, item_id="i1")
    other = replace(notice, key="notice:m2:U2", meeting_id="m2", user_id="U2")
    for card in (notice, case, other):
        cards.put(card)
    assert cards.get("case:i1:U1") == case
    assert cards.get("nothing") is None
    assert [c.key for c in cards.for_user("U1")] == ["notice:m1:U1", "case:i1:U1"]
    assert [c.key for c in cards.for_meeting("m2")] == ["notice:m2:U2"]
    cards.put(replace(case, withdrawn=True, updated_at=AT))
    found = cards.get("case:i1:U1")
    assert found is not None and found.withdrawn and found.updated_at == AT
    assert found.ref.channel_id == "a:1xyz:with:colons"
