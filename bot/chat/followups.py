"""Work done after a request has been answered, retried when the chat platform refuses it.

Services hand over what may wait (telling an author why a reply was not recorded, the
receipt reaction, refreshing a thread head, confirming a form by DM) through
``ServiceContext.later``. Here it runs in the background; a ``ChatUnavailable`` (a rate
limit, a network error, Slack's 5xx) or a ``NotYetKnown`` is tried again after each of
``delays`` seconds, then given up with an error in the log (kind and code only, never
content). Nested follow-ups are retried on their own, so a failed reaction never repeats a
message that was sent.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import replace

from bot.services.chat import ChatUnavailable
from bot.services.context import FollowUp, ServiceContext
from bot.services.inputs import NotYetKnown

log = logging.getLogger(__name__)

# About 20 minutes in all: past a short Slack outage, short of anyone's patience.
DELAYS = (2.0, 10.0, 60.0, 300.0, 900.0)
RETRYABLE = (ChatUnavailable, NotYetKnown)


class FollowUps:
    """Runs follow-ups on ``executor`` with ``context`` (whose own follow-ups come back here).

    Args:
        context: The services' context for background work (rate limits are waited out).
        executor: Where the work runs.
        delays: Seconds before each retry of work the platform refused.
    """

    def __init__(
        self, context: ServiceContext, executor: Executor, delays: Sequence[float] = DELAYS
    ) -> None:
        self._context = context
        self.executor = executor
        self.delays = tuple(delays)
        self._lock = threading.Lock()
        self._pending = 0
        self._timers: set[threading.Timer] = set()

    @property
    def context(self) -> ServiceContext:
        """The context follow-ups run with (made when they run: the composition root may
        still be wiring the one it was given, e.g. its scheduler)."""
        return replace(self._context, defer=self.submit)

    @property
    def idle(self) -> bool:
        """Nothing is running or waiting for its retry."""
        with self._lock:
            return self._pending == 0

    def submit(self, what: str, work: FollowUp) -> None:
        """Run ``work`` soon; ``what`` names it in the log."""
        with self._lock:
            self._pending += 1
        try:
            self.executor.submit(self._run, what, work, 0)
        except RuntimeError:  # shutting down
            self._done()
            log.warning("%s: not run, the bot is stopping", what)

    def close(self) -> None:
        """Forget the retries still waiting (the process is stopping)."""
        with self._lock:
            timers, self._timers = set(self._timers), set()
        for timer in timers:
            timer.cancel()

    def _run(self, what: str, work: FollowUp, attempt: int) -> None:
        try:
            work(self.context)
        except RETRYABLE as error:
            code = getattr(error, "code", "") or type(error).__name__
            if not getattr(error, "transient", True):
                log.warning("%s: %s, not retried", what, code)  # e.g. the message was deleted
            elif attempt < len(self.delays):
                delay = self.delays[attempt]
                log.warning("%s: %s, retry %d in %.0f s", what, code, attempt + 1, delay)
                self._later(delay, what, work, attempt + 1)
                return
            else:
                log.error("%s: %s, given up after %d attempts", what, code, attempt + 1)
        except Exception as error:
            # Never the message: it could carry content.
            log.error(
                "%s failed: %s\n%s",
                what,
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
        self._done()

    def _later(self, delay: float, what: str, work: FollowUp, attempt: int) -> None:
        def fire() -> None:
            with self._lock:
                self._timers.discard(timer)
            try:
                self.executor.submit(self._run, what, work, attempt)
            except RuntimeError:
                self._done()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()

    def _done(self) -> None:
        with self._lock:
            self._pending -= 1
