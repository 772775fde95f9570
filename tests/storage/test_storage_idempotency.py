"""Idempotency keys: a retried chat event or a double click has one effect."""

from __future__ import annotations

import threading
from datetime import timedelta

from storage_builders import AT

from storage import Database
from storage.repositories import SqlProcessedRequests


def test_claim_twice_in_one_unit_of_work(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.processed.claim("event:Ev0001") is True
        assert uow.processed.claim("event:Ev0001") is False
        assert uow.processed.claim("event:Ev0002") is True
        uow.commit()


def test_claim_across_units_of_work(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.processed.claim("event:Ev0001") is True
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.processed.claim("event:Ev0001") is False
        # The transaction is still usable after a refused claim.
        assert uow.processed.claim("event:Ev0002") is True
        uow.commit()
    with database.unit_of_work() as uow:
        assert SqlProcessedRequests(uow.session).is_claimed("event:Ev0002")


def test_claim_is_undone_with_its_unit_of_work(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.processed.claim("click:B0001") is True
        # No commit: the work failed, so a retry must be able to do it.
    with database.unit_of_work() as uow:
        assert not SqlProcessedRequests(uow.session).is_claimed("click:B0001")
        assert uow.processed.claim("click:B0001") is True


def test_concurrent_claims_of_one_key_succeed_once(database: Database) -> None:
    """Two deliveries of one event, handled at the same time: exactly one wins."""
    barrier = threading.Barrier(4)
    results: list[bool] = []
    lock = threading.Lock()

    def deliver() -> None:
        barrier.wait()
        with database.unit_of_work() as uow:
            claimed = uow.processed.claim("event:Ev0RACE")
            uow.commit()
        with lock:
            results.append(claimed)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, False, True]


def test_old_keys_can_be_forgotten(database: Database) -> None:
    with database.unit_of_work() as uow:
        old = SqlProcessedRequests(uow.session, clock=lambda: AT - timedelta(days=30))
        new = SqlProcessedRequests(uow.session, clock=lambda: AT)
        assert old.claim("event:old")
        assert new.claim("event:new")
        assert new.forget_before(AT - timedelta(days=7)) == 1
        uow.commit()
    with database.unit_of_work() as uow:
        processed = SqlProcessedRequests(uow.session)
        assert not processed.is_claimed("event:old")
        assert processed.is_claimed("event:new")


def test_a_stale_claim_is_taken_over_once_by_concurrent_takers(database: Database) -> None:
    """A claim whose holder died (older than the limit) goes to exactly one of its takers."""
    with database.unit_of_work() as uow:
        assert SqlProcessedRequests(uow.session, clock=lambda: AT).claim("head:item1")
        uow.commit()
    barrier = threading.Barrier(4)
    results: list[bool] = []
    lock = threading.Lock()

    def take() -> None:
        barrier.wait()
        with database.unit_of_work() as uow:
            processed = SqlProcessedRequests(uow.session, clock=lambda: AT + timedelta(hours=1))
            claimed = processed.claim("head:item1", take_over_after=timedelta(minutes=10))
            uow.commit()
        with lock:
            results.append(claimed)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False, False, False, True]
    with database.unit_of_work() as uow:  # a fresh claim is not taken over
        fresh = SqlProcessedRequests(uow.session, clock=lambda: AT + timedelta(hours=1))
        assert not fresh.claim("head:item1", take_over_after=timedelta(minutes=10))


def test_a_later_claim_of_a_family_is_found_whatever_the_collation(database: Database) -> None:
    with database.unit_of_work() as uow:
        uow.processed.claim("edit:C_1:1764000200.000005")
        uow.processed.claim("edit:C_1x:1764000200.000009")  # a family whose name extends it
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.processed.claimed_after("edit:C_1:1764000200.000004", "edit:C_1:")
        assert not uow.processed.claimed_after("edit:C_1:1764000200.000005", "edit:C_1:")
