"""The functions APScheduler's stored jobs call: module-level, with string IDs as arguments
(jobs are pickled into the database, so they carry references and IDs, never objects or
content). Each worker thread of a scheduler is bound to that scheduler's services.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.timeline import PlannedSend, SendKind
from bot.services import rooms, scheduled
from bot.services.chat import ChatUnavailable
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

# A send the chat platform refused is tried again after these delays, then given up.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))


class Retrier(Protocol):
    def retry(self, send: PlannedSend, attempt: int, due: datetime) -> None: ...


class _Binding(threading.local):
    context: ServiceContext | None = None
    retrier: Retrier | None = None


_bound = _Binding()


def bind(context: ServiceContext, retrier: Retrier) -> None:
    """The worker thread initialiser: this thread runs jobs for ``context``."""
    _bound.context = context
    _bound.retrier = retrier


def fire(kind: str, meeting_id: str, key: str, case_id: str | None = None, attempt: int = 0) -> str:
    """Run one planned send now. Logs name the kind and outcome, never content."""
    context, retrier = _bound.context, _bound.retrier
    if context is None or retrier is None:  # pragma: no cover - a misconfigured executor
        raise RuntimeError("scheduler worker thread has no services bound")
    send = PlannedSend(context.now(), SendKind(kind), key, meeting_id, case_id)
    try:
        result = scheduled.run_send(context, send).value
    except ChatUnavailable:
        if attempt < len(RETRY_DELAYS):
            retrier.retry(send, attempt + 1, context.now() + RETRY_DELAYS[attempt])
            log.warning("scheduled %s: chat unavailable, retry %d planned", kind, attempt + 1)
            return "retry"
        log.error("scheduled %s: chat unavailable, given up after %d attempts", kind, attempt)
        return "failed"
    log.info("scheduled %s: %s", kind, result)
    return result


def extend() -> str:
    """The daily job: keep regular meetings materialised twelve months ahead."""
    context = _bound.context
    if context is None:  # pragma: no cover
        raise RuntimeError("scheduler worker thread has no services bound")
    created = scheduled.extend_series(context)
    log.info("regular meetings extended: %d created", created)
    return f"created={created};{meeting_channels()}"


def meeting_channels() -> str:
    """Daily, and once when this process starts running jobs (a release may bring a new
    notice version): a new notice version posted to the meeting channels still open, and
    channels past their meeting archived."""
    context = _bound.context
    if context is None:  # pragma: no cover
        raise RuntimeError("scheduler worker thread has no services bound")
    try:
        reposted = rooms.refresh_notices(context)
        archived = rooms.archive_due(context)
    except ChatUnavailable:
        log.warning("meeting channels: chat unavailable, tried again at the next run")
        return "channels=unavailable"
    log.info("meeting channels: %d notices posted, %d archived", reposted, archived)
    return f"notices={reposted};archived={archived}"
