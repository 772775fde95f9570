"""The work process's side of the handoff: each stored request worked on once, a request
not decided yet tried again until it is, done reported only when its work is done."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from bot.chat.slack.handoff import (
    NOT_YET,
    Handoff,
    InlineExecutor,
    WorkQueue,
    request_key,
    stored_headers,
)

HEADERS = json.dumps({"content-type": ["application/json"]})


class Store:
    """Stored requests, as the inbox holds them, and the keys reported done."""

    def __init__(self, keys: list[str]) -> None:
        self.rows = {key: (f'{{"key": "{key}"}}', HEADERS) for key in keys}
        self.done: list[str] = []
        self.lock = threading.Lock()

    def load(self, key: str) -> tuple[str, str] | None:
        with self.lock:
            return self.rows.get(key)

    def report(self, key: str) -> None:
        with self.lock:
            self.done.append(key)
            self.rows.pop(key, None)


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_each_request_is_worked_on_once_and_reported_done_after_its_work() -> None:
    store = Store(["a", "b", "c"])
    seen: list[str] = []

    def dispatch(body: str, headers: dict[str, list[str]]) -> int:
        assert headers == {"content-type": ["application/json"]}
        seen.append(json.loads(body)["key"])
        return 200

    work = WorkQueue(store.load, dispatch, store.report, threads=2)
    for key in ("a", "b", "a", "c"):
        work.take(key)
    wait_until(lambda: len(store.done) == 3 and work.idle)
    work.take("a")  # given again after it was done (a restart): not stored any more
    work.close()
    assert sorted(seen) == ["a", "b", "c"]
    assert sorted(store.done) == ["a", "b", "c"]


def test_a_request_not_decided_yet_is_tried_again_until_it_is() -> None:
    store = Store(["reply"])
    answers = [NOT_YET, NOT_YET, 200]
    tries: list[float] = []

    def dispatch(body: str, headers: dict[str, list[str]]) -> int:
        tries.append(time.monotonic())
        return answers[len(tries) - 1]

    work = WorkQueue(store.load, dispatch, store.report, delays=(0.05, 0.1))
    work.take("reply")
    wait_until(lambda: store.done == ["reply"])
    work.close()
    assert len(tries) == 3
    assert tries[1] - tries[0] >= 0.05
    assert tries[2] - tries[1] >= 0.1


def test_a_request_waiting_for_a_new_try_is_not_taken_twice() -> None:
    store = Store(["reply"])
    tries: list[int] = []

    def dispatch(body: str, headers: dict[str, list[str]]) -> int:
        tries.append(1)
        return NOT_YET if len(tries) == 1 else 200

    work = WorkQueue(store.load, dispatch, store.report, delays=(0.2,))
    work.take("reply")
    wait_until(lambda: len(tries) == 1)
    work.take("reply")  # the serving process gives it again (its work process restarted)
    time.sleep(0.05)
    assert len(tries) == 1 and not work.idle
    wait_until(lambda: store.done == ["reply"])
    work.close()
    assert len(tries) == 2


def test_closing_keeps_the_requests_not_decided_yet_stored() -> None:
    store = Store(["reply"])
    work = WorkQueue(store.load, lambda body, headers: NOT_YET, store.report, delays=(30.0,))
    work.take("reply")
    wait_until(lambda: store.rows and not work.idle)
    started = time.monotonic()
    work.close()
    assert time.monotonic() - started < 5  # the pending new try does not hold the stop
    assert store.done == []
    assert "reply" in store.rows  # stays in the inbox for the next start


def test_a_failing_listener_is_not_tried_forever(caplog: pytest.LogCaptureFixture) -> None:
    store = Store(["bad"])
    work = WorkQueue(store.load, lambda body, headers: 500, store.report)
    work.take("bad")
    wait_until(lambda: store.done == ["bad"])
    work.close()
    assert "work failed (500)" in caplog.text
    assert "bad" not in caplog.text.replace("work failed", "")


def test_a_store_that_cannot_be_read_is_tried_again() -> None:
    store = Store(["reply"])
    reads: list[int] = []

    def load(key: str) -> tuple[str, str] | None:
        reads.append(1)
        if len(reads) == 1:
            raise OSError("disk busy")
        return store.load(key)

    work = WorkQueue(load, lambda body, headers: 200, store.report, delays=(0.05,))
    work.take("reply")
    wait_until(lambda: store.done == ["reply"])
    work.close()


def test_an_event_is_keyed_by_its_event_id_and_anything_else_freshly() -> None:
    serial = iter(range(1, 100))

    def fresh() -> str:
        return f"owner-{next(serial)}"

    event = json.dumps({"type": "event_callback", "event_id": "Ev0ABC", "event": {}})
    assert request_key(event, fresh) == request_key(event, fresh) == "event:Ev0ABC"
    command = "token=x&command=%2Fshien&text=status"
    assert request_key(command, fresh) == "request:owner-1"
    assert request_key(command, fresh) == "request:owner-2"
    assert request_key("{not json", fresh) == "request:owner-3"
    assert request_key(json.dumps({"event_id": "x" * 500}), fresh) == "request:owner-4"
    # Text inside an event that looks like an event ID is not taken for it.
    inner = json.dumps({"event": {"text": 'say "event_id": "Fake"'}, "event_id": "Ev0DEF"})
    assert request_key(inner, fresh) in ("event:Ev0DEF",)


def test_slack_retry_marks_are_not_stored() -> None:
    headers = {
        "content-type": ["application/json"],
        "x-slack-retry-num": ["2"],
        "x-slack-retry-reason": ["http_timeout"],
        "x-slack-signature": ["v0=abc"],
    }
    assert json.loads(stored_headers(headers)) == {
        "content-type": ["application/json"],
        "x-slack-signature": ["v0=abc"],
    }


def test_inline_work_runs_in_the_submitting_thread() -> None:
    threads: list[int] = []
    future = InlineExecutor().submit(lambda: threads.append(threading.get_ident()) or 7)
    assert future.result(timeout=0) == 7
    assert threads == [threading.get_ident()]


class FakeInbox:
    """The inbox's calls, recorded (rows are not needed for the serving side's duties)."""

    def __init__(self) -> None:
        self.alive_calls: list[float] = []
        self.done_keys: list[str] = []
        self.own: list[str] = []
        self.bodies: dict[str, tuple[str, str]] = {}
        self.broken = False

    def put(self, key: str, owner: str, body: str, headers: str) -> bool:
        if self.broken:
            raise OSError("disk full")
        if key in self.own:
            return False
        self.own.append(key)
        self.bodies[key] = (body, headers)
        return True

    def load(self, key: str) -> tuple[str, str] | None:
        return None

    def done(self, keys: Sequence[str]) -> None:
        self.done_keys.extend(keys)

    def alive(self, owner: str) -> None:
        self.alive_calls.append(time.monotonic())

    def adopt(self, owner: str, stale_after: float) -> list[str]:
        return []

    def owned(self, owner: str) -> list[str]:
        return list(self.own)

    def count(self) -> int:
        return len(self.own)


class FakeProcess:
    def __init__(self) -> None:
        self.alive = True
        self.exitcode: int | None = None

    def is_alive(self) -> bool:
        return self.alive


def test_a_busy_serving_process_keeps_its_heartbeat_and_restarts_a_dead_work_process() -> None:
    inbox = FakeInbox()
    started: list[FakeProcess] = []

    def start(jobs: Any, results: Any) -> Any:
        started.append(FakeProcess())
        return started[-1]

    handoff = Handoff(start, inbox).start()
    try:
        inbox.own.append("request:left")
        # Done reports arriving without a pause for 5 s: the heartbeat must not wait for one.
        deadline = time.monotonic() + 5.0
        n = 0
        while time.monotonic() < deadline:
            handoff._results.put(f"request:{n}")
            n += 1
            time.sleep(0.05)
        assert len(inbox.alive_calls) >= 3, inbox.alive_calls
        wait_until(lambda: len(inbox.done_keys) == n)
        # The work process dies: another is started within a second or two.
        started[-1].alive, started[-1].exitcode = False, -9
        wait_until(lambda: len(started) == 2, timeout=5.0)
    finally:
        started[-1].alive = False
        handoff.shutdown(wait=True)


def _handed(handoff: Handoff) -> list[str]:
    keys = []
    with contextlib.suppress(queue.Empty):
        while True:
            keys.append(handoff._queue.get(timeout=0.5))
    return keys


def test_a_request_handed_over_is_stored_with_its_headers_and_its_key_given_once() -> None:
    inbox, process = FakeInbox(), FakeProcess()
    handoff = Handoff(lambda jobs, results: process, inbox).start()
    try:
        event = '{"type":"event_callback","event_id":"Ev42","event":{"type":"message"}}'
        retried = {"content-type": ["application/json"], "x-slack-retry-num": ["1"]}
        assert handoff.hand_over(event, {"content-type": ["application/json"]})
        assert handoff.hand_over(event, retried)  # Slack sending it again: stored once
        command = "command=%2Fshien&text=status"
        assert handoff.hand_over(command, {"content-type": ["application/x-www-form-urlencoded"]})
        keys = _handed(handoff)
        assert keys[0] == "event:Ev42" and len(keys) == 2 and keys[1].startswith("request:")
        assert inbox.own == keys
        assert inbox.bodies[keys[1]] == (
            command,
            json.dumps({"content-type": ["application/x-www-form-urlencoded"]}),
        )
    finally:
        process.alive = False
        handoff.shutdown(wait=True)


def test_a_request_that_cannot_be_stored_is_left_to_the_caller(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, process = FakeInbox(), FakeProcess()
    inbox.broken = True
    handoff = Handoff(lambda jobs, results: process, inbox).start()
    try:
        assert not handoff.hand_over("command=%2Fshien&text=secret", {})
        assert _handed(handoff) == []
        assert "could not store a request: OSError" in caplog.text
        assert "secret" not in caplog.text
        # What the caller then dispatches here runs in the local pool.
        assert handoff.submit(lambda: 7).result(timeout=5) == 7
    finally:
        process.alive = False
        handoff.shutdown(wait=True)
    # A stopping server hands nothing over: the request is dispatched where it arrived.
    assert not handoff.hand_over("command=%2Fshien&text=status", {})
