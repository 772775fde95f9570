"""The work after each ack, in a process of its own at a lower CPU priority, handed over
through a durable inbox.

Measured (``benchmarks/bench_serving.py``): an ack costs a fraction of a millisecond of CPU,
the work after it (database, Web API calls, rendering) ten or more. In one process the
work's threads hold the interpreter lock and the CPU while the next request waits for its
ack; and work that waits for the database's write lock in the serving process waits behind
a low-priority process holding it. So in HTTP mode each gunicorn worker keeps only the acks,
and the work process, at the lowest CPU priority (``SCHED_IDLE``, ``nice`` 19), has every
cycle the acks leave.

A request whose listener would only ack it and hand its work on
(``bot.chat.slack.app.hands_over``: commands, the notice's button, events — thread replies,
edits, deletions, someone joining) is not dispatched in the serving process at all: once
the edge has verified it, :meth:`Handoff.hand_over` stores it in the inbox
(``storage.inbox``, one insert), tells the work process its key, and the serving process
acks it with the empty 200 its listener would have answered. An event is thus acked once it
is *stored*, and decided in the work process: if the decision needs Slack and Slack cannot
answer (``users.info`` failing: the listener answers 503), the work process tries the
stored request again after each of :data:`RETRY_DELAYS` seconds, for as long as it takes;
the row stays in the inbox meanwhile, across restarts.

The work process dispatches the stored request through the same Bolt listeners (their
``ack`` goes nowhere, signature checks are off — the request was checked on arrival),
whose ``later(...)`` then runs inline. When the listener returns, the work process reports
the key done, and the serving process deletes the row (only serving processes write to the
inbox: see ``storage.inbox``).

Everything else is dispatched in the serving process, and what its listeners hand to
``background`` runs in a small local pool there: form submissions (validated and recorded
before their ack; their confirmation DM comes after), what opens a form (``views.open``
must come within 3 seconds), and a request that could not be stored.

If the work process has died, it is started again within :data:`WATCH_EVERY` seconds, and every request this serving process stored and did not see done is given to it
again. Each serving process records a heartbeat every :data:`HEARTBEAT_EVERY` seconds; the
requests of one silent for :data:`STALE_AFTER` seconds (killed with its work process, or its
whole server stopped) are taken over by a live one — on this server, on another on the same
database, or on this one when it starts again. A request that could not be stored is
dispatched and worked on locally rather than lost. The work is done *at
least* once: a request whose work was cut short by a crash is dispatched again (replies,
edits and deletions are recorded by their Slack timestamps, so a second dispatch changes
nothing).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import multiprocessing
import os
import queue
import re
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from multiprocessing.context import SpawnProcess
from multiprocessing.queues import Queue
from typing import Any, ParamSpec, Protocol, TypeVar

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

WORK_NICENESS = 19
# Headers of Slack's own retries: the work process retries a stored request itself.
_RETRY_HEADERS = ("x-slack-retry-num", "x-slack-retry-reason")
# Status a listener answers when its event could not be decided yet (Slack unreachable).
NOT_YET = 503
# Seconds before each new try of a request not decided yet; the last repeats for as long as
# it takes (the request stays in the inbox meanwhile).
RETRY_DELAYS = (2.0, 10.0, 60.0, 300.0)
# Requests a work process works on at once (their Web API calls overlap).
WORK_THREADS = 8
# Seconds between checks that the work process is alive.
WATCH_EVERY = 1.0
# Seconds over which done requests are gathered before their rows are deleted at once.
SETTLE_EVERY = 0.5
# Seconds between a serving process's heartbeats, and after which a silent one's requests
# are taken over (with its work process, it has stopped: killed, or its whole server).
HEARTBEAT_EVERY = 2.0
STALE_AFTER = 10.0

StartWork = Callable[["Queue[Any]", "Queue[Any]"], SpawnProcess]


class Inbox(Protocol):
    """Acked requests whose work has not finished (``storage.inbox`` implements it)."""

    def put(self, key: str, owner: str, body: str, headers: str) -> bool:
        """Store a request under ``key`` for ``owner`` (a serving process); False if a
        request with this key is stored already (Slack sending an event again)."""

    def load(self, key: str) -> tuple[str, str] | None:
        """The request stored under ``key`` (body, headers as JSON), or None once done."""

    def done(self, keys: Sequence[str]) -> None:
        """Forget these requests: their work is done."""

    def alive(self, owner: str) -> None:
        """Record that ``owner`` (a serving process) is alive now."""

    def adopt(self, owner: str, stale_after: float) -> list[str]:
        """Make ``owner``'s the requests no live serving process holds (their owner has
        not been alive for ``stale_after`` seconds); return their keys, oldest first."""

    def owned(self, owner: str) -> list[str]:
        """The keys ``owner`` holds, oldest first."""

    def count(self) -> int:
        """How many requests are stored."""


_EVENT_ID = re.compile(r'"event_id"\s*:\s*"([A-Za-z0-9_.-]{1,100})"')


def request_key(body: str, fresh: Callable[[], str]) -> str:
    """The inbox key of a request: an event's ``event_id`` (Slack sends an event again
    under the same ID, so a second copy is not stored twice), or ``fresh()``."""
    if body.startswith("{"):
        found = _EVENT_ID.search(body)
        if found is not None:
            return f"event:{found.group(1)}"
    return f"request:{fresh()}"


def stored_headers(headers: dict[str, list[str]]) -> str:
    """The headers kept with a stored request (as JSON): all but Slack's retry marks."""
    return json.dumps({k: v for k, v in headers.items() if k.lower() not in _RETRY_HEADERS})


class Handoff(Executor):
    """A serving process's side of the handoff: :meth:`hand_over` stores a request in the
    inbox and hands its key to the work process (see the module's docstring). As an
    executor, it runs what the requests dispatched here hand to ``later`` in a local pool.

    Args:
        start: Starts a work process reading keys from the first queue it is given (None
            ends it after the work before) and writing the keys it is done with to the second.
        inbox: Where requests are stored before their ack.
        local_threads: Threads for the work of the requests dispatched here.
    """

    def __init__(self, start: StartWork, inbox: Inbox, *, local_threads: int = 4) -> None:
        self._start = start
        self._inbox = inbox
        self.owner = uuid.uuid4().hex
        self._serial = itertools.count(1)
        self._context = multiprocessing.get_context("spawn")
        self._queue: Queue[Any] = self._context.Queue()
        self._results: Queue[Any] = self._context.Queue()
        self._process: SpawnProcess | None = None
        self._lock = threading.Lock()
        self._local = ThreadPoolExecutor(local_threads, thread_name_prefix="shien-local")
        self._settler = threading.Thread(target=self._settle, name="shien-inbox", daemon=True)
        self._heartbeat = 0.0
        self._closed = False

    def start(self) -> Handoff:
        with self._lock:
            self._ensure_process()
        self._settler.start()
        return self

    def _ensure_process(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        if self._process is not None:
            log.warning(
                "the work process ended (exit %s): starting it again", self._process.exitcode
            )
        if self._process is not None:
            # New queues: a process killed inside ``get`` or ``put`` keeps the old queue's
            # lock for ever. What was in them is in the inbox, and claimed again below.
            self._queue, self._results = self._context.Queue(), self._context.Queue()
        self._process = self._start(self._queue, self._results)
        # What this process stored and did not see done, and what stopped ones left.
        for key in [*self._inbox.owned(self.owner), *self._adopt()]:
            self._queue.put(key)

    def _adopt(self) -> list[str]:
        self._inbox.alive(self.owner)
        self._heartbeat = time.monotonic()
        return self._inbox.adopt(self.owner, STALE_AFTER)

    def _settle(self) -> None:
        """Delete the rows the work process reports done (here: only serving processes
        write to the inbox); every :data:`WATCH_EVERY` seconds, however busy, start the
        work process again if it has died (with the requests it had not finished) and,
        every :data:`HEARTBEAT_EVERY` seconds, record the heartbeat."""
        watched = time.monotonic()
        while True:
            if time.monotonic() - watched >= WATCH_EVERY:
                self._watch()
                watched = time.monotonic()
            results = self._results  # replaced when the work process is started again
            try:
                key = results.get(timeout=WATCH_EVERY)
            except queue.Empty:
                continue
            if key is None:
                return
            # One delete for what is reported within SETTLE_EVERY: a write per request would
            # take the inbox's lock (and the interpreter) from the acks as often.
            keys, until = [key], time.monotonic() + SETTLE_EVERY
            while len(keys) < 500 and (left := until - time.monotonic()) > 0:
                try:
                    more = results.get(timeout=left)
                except queue.Empty:
                    break
                if more is None:
                    self._forget(keys)
                    return
                keys.append(more)
            self._forget(keys)

    def _watch(self) -> None:
        try:
            with self._lock:
                if self._closed:
                    return
                self._ensure_process()
                if time.monotonic() - self._heartbeat >= HEARTBEAT_EVERY:
                    for key in self._adopt():
                        self._queue.put(key)
        except Exception as error:  # tried again at the next request, or the next watch
            log.error("could not start the work process: %s", type(error).__name__)

    def _forget(self, keys: Sequence[str]) -> None:
        try:
            self._inbox.done(keys)
        except Exception as error:  # kept: dispatched again later, which changes nothing
            log.error("could not clear %d done requests: %s", len(keys), type(error).__name__)

    def _fresh_key(self) -> str:
        return f"{self.owner}-{next(self._serial)}"

    def hand_over(self, body: str, headers: dict[str, list[str]]) -> bool:
        """Store a verified request and give its key to the work process; True once it is
        stored (or was already: Slack sending an event again), so that it only needs its
        ack. False if it could not be stored: the caller dispatches it here instead."""
        if self._closed:
            return False
        key = request_key(body, self._fresh_key)
        try:
            stored = self._inbox.put(key, self.owner, body, stored_headers(headers))
        except Exception as error:  # never lose the work: the caller does it here instead
            log.error("could not store a request: %s", type(error).__name__)
            return False
        if stored:  # else Slack sent this event again: the first copy is in the inbox
            try:
                # A dead work process is noticed by the watch (within WATCH_EVERY), which
                # gives its successor every key this process holds: no check per request.
                with self._lock:
                    self._queue.put(key)
            except Exception as error:  # stored: given to the work process when it restarts
                log.error("could not hand work over: %s", type(error).__name__)
        return True

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        return self._local.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Let the work process finish what it was working on, then end it. Requests it had
        not finished stay in the inbox for the next start."""
        self._closed = True
        with self._lock:
            process = self._process
            if process is not None and process.is_alive():
                self._queue.put(None)
                if wait:
                    process.join()
        if self._settler.is_alive():
            self._results.put(None)
            if wait:
                self._settler.join()
        if wait:  # else the settler may still be reading: the queues close with the process
            self._queue.close()
            self._results.close()
        self._local.shutdown(wait=wait, cancel_futures=cancel_futures)


class WorkQueue:
    """The work process's side: works on the stored requests whose keys it is given, in
    :data:`WORK_THREADS` threads, and reports each key done once its listener has returned;
    a request not decided yet (:data:`NOT_YET`) is tried again after :data:`RETRY_DELAYS`.

    Args:
        load: The stored request of a key (body, headers as JSON), None once done.
        dispatch: Works on a request (through the Bolt listeners), returning the status.
        done: Reports a key done.
        delays: Seconds before each new try (the last repeats).
    """

    def __init__(
        self,
        load: Callable[[str], tuple[str, str] | None],
        dispatch: Callable[[str, dict[str, list[str]]], int],
        done: Callable[[str], None],
        *,
        threads: int = WORK_THREADS,
        delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        self._load = load
        self._dispatch = dispatch
        self._done = done
        self._delays = tuple(delays)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="shien-work")
        self._lock = threading.Lock()
        self._busy: set[str] = set()  # keys being worked on or waiting for a new try
        self._timers: dict[str, threading.Timer] = {}
        self._closed = False

    def take(self, key: str) -> None:
        """Work on the request stored under ``key`` (once, however often it is given)."""
        with self._lock:
            if self._closed or key in self._busy:
                return
            self._busy.add(key)
        self._pool.submit(self._run, key, 0)

    def _run(self, key: str, tries: int) -> None:
        finished = True
        try:
            item = self._load(key)
            if item is None:  # done already (given twice after a restart)
                return
            body, headers = item
            status = self._dispatch(body, json.loads(headers))
            if status == NOT_YET:
                finished = not self._again(key, tries)
                return
            if status >= 500:
                log.error("work failed (%d): not tried again", status)
            self._done(key)
        except Exception as error:  # the store could not be read: try again later
            log.error("work not started: %s", type(error).__name__)
            finished = not self._again(key, tries)
        finally:
            if finished:
                with self._lock:
                    self._busy.discard(key)

    def _again(self, key: str, tries: int) -> bool:
        """Schedule a new try; False if closing (the request stays stored for the next start)."""
        delay = self._delays[min(tries, len(self._delays) - 1)]
        with self._lock:
            if self._closed:
                return False
            timer = threading.Timer(delay, self._retry, (key, tries + 1))
            timer.daemon = True
            self._timers[key] = timer
        timer.start()
        return True

    def _retry(self, key: str, tries: int) -> None:
        with self._lock:
            self._timers.pop(key, None)
            if self._closed:
                self._busy.discard(key)
                return
        self._pool.submit(self._run, key, tries)

    @property
    def idle(self) -> bool:
        with self._lock:
            return not self._busy

    def close(self) -> None:
        """Finish what is running; drop the pending new tries (their requests stay stored)."""
        with self._lock:
            self._closed = True
            timers = list(self._timers.values())
            self._timers.clear()
        for timer in timers:
            timer.cancel()
        self._pool.shutdown(wait=True)


class InlineExecutor(Executor):
    """Runs what is submitted at once, in the submitting thread: in the work process, a
    listener's ``later`` work then belongs to its request (done when the listener returns)."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # the kind only: never content
            log.error("work failed: %s", type(error).__name__)
            future.set_exception(error)
        return future


def lower_priority() -> None:
    """Let acks go first: this process yields the CPU to the serving processes.

    Linux's ``SCHED_IDLE`` where there is one: a serving thread that wakes up then takes
    the CPU from the work at once (at ``nice`` 19 alone it waits for the work's time slice
    to end: measured, ack p99 of 5–7 ms at 50 requests/s against a bare app's 2–3 ms).
    Called first thing in the process: its threads inherit the policy."""
    try:
        os.nice(WORK_NICENESS)
    except OSError:  # not allowed here: the work still runs, at the same priority
        log.warning("could not lower the work process's priority")
    idle = getattr(os, "SCHED_IDLE", None)
    if idle is not None:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, idle, os.sched_param(0))
