"""People: each chat user's display name as the bot last learnt it (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

from storage_builders import AT

from bot.domain.model import Person
from storage import Database


def test_put_inserts_then_replaces(database: Database) -> None:
    with database.unit_of_work() as uow:
        assert uow.people.get("U0HOUKATSU") is None
        uow.people.put(Person("U0HOUKATSU", "包括 架空一郎", updated_at=AT))
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.people.get("U0HOUKATSU") == Person("U0HOUKATSU", "包括 架空一郎", AT)
        later = Person("U0HOUKATSU", "包括 架空一郎（改姓）", updated_at=AT + timedelta(days=1))
        uow.people.put(later)
        uow.commit()
    with database.unit_of_work() as uow:
        assert uow.people.get("U0HOUKATSU") == later


def test_concurrent_first_puts_of_one_person_all_succeed(database: Database) -> None:
    """Two inputs of one member recorded at the same moment: neither fails for the name."""
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def record(n: int) -> None:
        barrier.wait()
        try:
            with database.unit_of_work() as uow:
                uow.people.put(Person("U0CSW", f"CSW 架空四郎 {n}", updated_at=AT))
                uow.commit()
        except BaseException as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    with database.unit_of_work() as uow:
        stored = uow.people.get("U0CSW")
    assert stored is not None and stored.display_name.startswith("CSW 架空四郎 ")
