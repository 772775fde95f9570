"""The work after each ack, in a process of its own at a lower CPU priority.

Measured (``benchmarks/bench_serving.py``): an ack costs about a millisecond of CPU, the work
after it (database, Web API calls, rendering) ten or more. In one process the work's
threads hold the interpreter lock and the CPU while the next request waits for its ack, so
under load acks slowed down by tens of milliseconds and throughput fell to a tenth of a bare
Bolt app's. So in HTTP mode each gunicorn worker keeps only the acks, and hands the rest to
a work process of its own, started with ``nice`` 19: the operating system then serves acks
first and gives the work every cycle the acks leave.

What crosses is the request itself, already verified by the edge: the work process
dispatches it through the same Bolt listeners (its ``ack`` goes nowhere, signature checks
are off — the request was checked on arrival, and may wait longer than Slack's five
minutes in a queue), whose ``later(...)`` then runs there. The listeners are unchanged: a
listener acks and calls ``later`` as before; :class:`Handoff` is the executor ``later``
submits to in the serving process, and it ships the *request* once instead of the closure.
Form submissions are the exception: their work (validation, recording) happens before the
ack, in the serving process, and what they hand to ``later`` (a confirmation DM) runs in a
small local pool.

If the work process has died, it is started again at the next request; a request whose
work could not be handed over is worked on locally rather than lost.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

WORK_NICENESS = 19
# Payload types whose work runs before the ack, in the serving process.
_LOCAL_KINDS = ("view_submission", "view_closed")


@dataclass
class _Current:
    body: str
    headers: dict[str, list[str]]
    local: bool
    shipped: bool = False


def _works_before_ack(body: str) -> bool:
    """Whether the request is a form submission (its work runs before its ack, here)."""
    if not body.startswith("payload=") and "&payload=" not in body:
        return False
    try:
        payload = json.loads(dict(parse_qsl(body)).get("payload", ""))
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("type") in _LOCAL_KINDS


class Handoff(Executor):
    """The background executor of a serving process: ships each request's work to the
    work process (see the module's docstring).

    Args:
        start: Starts a work process reading (body, headers) pairs from the queue it is
            given; None ends it after the items before.
        local_threads: Threads for the work of form submissions, which stays here.
    """

    def __init__(
        self,
        start: Callable[[Queue[Any]], SpawnProcess],
        *,
        local_threads: int = 4,
    ) -> None:
        self._start = start
        self._context = multiprocessing.get_context("spawn")
        self._queue: Queue[Any] = self._context.Queue()
        self._process: SpawnProcess | None = None
        self._lock = threading.Lock()
        self._current = threading.local()
        self._local = ThreadPoolExecutor(local_threads, thread_name_prefix="shien-local")
        self._closed = False

    def start(self) -> Handoff:
        with self._lock:
            self._ensure_process()
        return self

    def _ensure_process(self) -> None:
        if self._process is None or not self._process.is_alive():
            if self._process is not None:
                log.warning(
                    "the work process ended (exit %s): starting it again", self._process.exitcode
                )
            self._process = self._start(self._queue)

    @contextmanager
    def request(self, body: str, headers: dict[str, list[str]]) -> Iterator[None]:
        """Mark the request the current thread is dispatching (its listener's ``later``
        then ships it)."""
        self._current.value = _Current(body, headers, local=_works_before_ack(body))
        try:
            yield
        finally:
            self._current.value = None

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        current: _Current | None = getattr(self._current, "value", None)
        if current is None or current.local or self._closed:
            return self._local.submit(fn, *args, **kwargs)
        future: Future[T] = Future()
        if current.shipped:  # a second ``later`` of the same request: its work is there
            future.set_result(None)  # type: ignore[arg-type]
            return future
        try:
            with self._lock:
                self._ensure_process()
                self._queue.put((current.body, current.headers))
            current.shipped = True
        except Exception as error:  # never lose the work: do it here instead
            log.error("could not hand work over: %s", type(error).__name__)
            return self._local.submit(fn, *args, **kwargs)
        future.set_result(None)  # type: ignore[arg-type]
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Let the work process finish what it was given, then end it."""
        self._closed = True
        with self._lock:
            process = self._process
            if process is not None and process.is_alive():
                self._queue.put(None)
                if wait:
                    process.join()
        self._queue.close()
        self._local.shutdown(wait=wait, cancel_futures=cancel_futures)


def lower_priority() -> None:
    """Let acks go first: this process yields the CPU to the serving processes."""
    try:
        os.nice(WORK_NICENESS)
    except OSError:  # not allowed here: the work still runs, at the same priority
        log.warning("could not lower the work process's priority")
