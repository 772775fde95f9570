"""Refreshes of one case's thread head run one at a time; a burst costs two runs."""

from __future__ import annotations

import threading

import pytest

from bot.services.context import OneAtATime


def test_calls_during_a_run_return_at_once_and_cause_exactly_one_more_run() -> None:
    gate, started = threading.Event(), threading.Event()
    runs: list[int] = []

    def work() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            started.set()
            assert gate.wait(5)

    one = OneAtATime()
    first = threading.Thread(target=one.run, args=("case", work))
    first.start()
    assert started.wait(5)
    for _ in range(5):  # a burst of replies while the first refresh runs
        one.run("case", work)  # returns at once: the first run is still waiting
    assert runs == [0]
    gate.set()
    first.join(5)
    assert runs == [0, 1]  # the burst was shown by one more run, after the first
    one.run("case", work)  # nothing running: runs now
    assert runs == [0, 1, 2]


def test_other_keys_run_at_the_same_time() -> None:
    one = OneAtATime()
    inside = threading.Barrier(2, timeout=5)
    done: list[str] = []

    def work(key: str) -> None:
        inside.wait()  # both keys are inside their work at once, or this times out
        done.append(key)

    threads = [threading.Thread(target=one.run, args=(k, lambda k=k: work(k))) for k in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert sorted(done) == ["a", "b"]


def test_a_failed_run_raises_and_frees_its_key() -> None:
    one = OneAtATime()

    def fail() -> None:
        raise RuntimeError("chat unavailable")

    with pytest.raises(RuntimeError):
        one.run("case", fail)
    runs: list[str] = []
    one.run("case", lambda: runs.append("again"))
    assert runs == ["again"]
