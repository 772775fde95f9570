"""The scheduler lease and releasable send keys, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storage import Database
from storage.lease import SqlLease

T0 = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_one_holder_at_a_time_renewal_and_takeover(database: Database) -> None:
    clock = Clock()
    a = SqlLease(database.engine, "scheduler", "a", ttl=timedelta(seconds=30), clock=clock)
    b = SqlLease(database.engine, "scheduler", "b", ttl=timedelta(seconds=30), clock=clock)
    assert a.acquire() is True
    assert b.acquire() is False
    clock.now += timedelta(seconds=20)
    assert a.acquire() is True  # renewed until T0+50s
    clock.now += timedelta(seconds=20)
    assert b.acquire() is False  # still a's
    state = a.state()
    assert state is not None and state.holder == "a" and state.acquired_at == T0
    clock.now += timedelta(seconds=31)  # a stopped renewing: expired
    assert b.acquire() is True
    assert a.acquire() is False
    state = b.state()
    assert state is not None and state.holder == "b" and state.acquired_at == clock.now


def test_release_lets_another_take_over_at_once(database: Database) -> None:
    clock = Clock()
    a = SqlLease(database.engine, "scheduler", "a", clock=clock)
    b = SqlLease(database.engine, "scheduler", "b", clock=clock)
    assert a.acquire()
    b.release()  # not b's: nothing happens
    assert not b.acquire()
    a.release()
    assert a.state() is None
    assert b.acquire()


def test_concurrent_first_acquisitions_have_one_winner(database: Database) -> None:
    barrier = threading.Barrier(6)
    results: dict[str, bool] = {}
    lock = threading.Lock()

    def contend(name: str) -> None:
        lease = SqlLease(database.engine, "scheduler", name)
        barrier.wait()
        won = lease.acquire()
        with lock:
            results[name] = won

    threads = [threading.Thread(target=contend, args=(f"p{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [False] * 5 + [True]


def test_a_released_send_key_can_be_claimed_again(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.processed.claim("remind:m1:20261208T1400:3d:U0A")
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.processed.is_claimed("remind:m1:20261208T1400:3d:U0A")
        uow.processed.release("remind:m1:20261208T1400:3d:U0A")
        uow.processed.release("never-claimed")  # harmless
        uow.commit()
    with database.unit_of_work() as uow:
        assert not uow.processed.is_claimed("remind:m1:20261208T1400:3d:U0A")
        assert uow.processed.claim("remind:m1:20261208T1400:3d:U0A")
        uow.commit()
