"""事例番号 allocation: sequential per 年度, restarting each 年度, never handed out twice."""

from __future__ import annotations

import threading

import pytest

from bot.domain.model import CaseCode
from storage import Database


def _allocate(database: Database, fiscal_year: int) -> CaseCode:
    with database.unit_of_work() as uow:
        code = uow.cases.next_code(fiscal_year)
        uow.commit()
    return code


def test_codes_are_sequential_per_fiscal_year(database: Database) -> None:
    assert [str(_allocate(database, 2026)) for _ in range(3)] == ["R8-001", "R8-002", "R8-003"]


def test_a_new_fiscal_year_starts_again_at_one(database: Database) -> None:
    _allocate(database, 2026)
    _allocate(database, 2026)
    assert _allocate(database, 2027) == CaseCode(2027, 1)
    assert _allocate(database, 2026) == CaseCode(2026, 3)
    assert _allocate(database, 2027) == CaseCode(2027, 2)


def test_several_codes_in_one_unit_of_work(database: Database) -> None:
    with database.unit_of_work() as uow:
        codes = [uow.cases.next_code(2026) for _ in range(3)]
        uow.commit()
    assert [c.seq for c in codes] == [1, 2, 3]


def test_a_rolled_back_allocation_is_given_back(database: Database) -> None:
    _allocate(database, 2026)
    with database.unit_of_work() as uow:
        assert uow.cases.next_code(2026) == CaseCode(2026, 2)
        assert uow.cases.next_code(2027) == CaseCode(2027, 1)
        # No commit: the case was never registered.
    assert _allocate(database, 2026) == CaseCode(2026, 2)
    assert _allocate(database, 2027) == CaseCode(2027, 1)


@pytest.mark.parametrize("existing_counter", [False, True], ids=["new-year", "existing-year"])
def test_concurrent_allocations_never_share_a_code(
    database: Database, existing_counter: bool
) -> None:
    """8 threads, each allocating in its own units of work, all at once.

    ``new-year`` makes them race to create the 年度's counter row; ``existing-year`` makes
    them queue on its row lock.
    """
    if existing_counter:
        _allocate(database, 2026)
    threads_count, per_thread = 8, 4
    barrier = threading.Barrier(threads_count)
    codes: list[CaseCode] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                code = _allocate(database, 2026)
                with lock:
                    codes.append(code)
        except BaseException as error:  # reported by the assertion below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    first = 2 if existing_counter else 1
    expected = list(range(first, first + threads_count * per_thread))
    assert sorted(code.seq for code in codes) == expected  # distinct and without gaps


@pytest.mark.parametrize("first_commits", [True, False], ids=["commit", "rollback"])
@pytest.mark.parametrize("existing_counter", [False, True], ids=["new-year", "existing-year"])
def test_an_allocation_waits_for_the_open_one(
    database: Database, first_commits: bool, existing_counter: bool
) -> None:
    """B asks while A's allocation is uncommitted: B waits, then continues from A's outcome."""
    if existing_counter:
        _allocate(database, 2026)
    base = 1 if existing_counter else 0
    result: list[CaseCode] = []
    with database.unit_of_work() as first:
        assert first.cases.next_code(2026) == CaseCode(2026, base + 1)
        waiter = threading.Thread(target=lambda: result.append(_allocate(database, 2026)))
        waiter.start()
        waiter.join(timeout=0.3)
        assert waiter.is_alive()  # blocked behind the first unit of work
        if first_commits:
            first.commit()
    waiter.join(timeout=30)
    expected = base + 2 if first_commits else base + 1
    assert result == [CaseCode(2026, expected)]
