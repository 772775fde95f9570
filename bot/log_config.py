"""The shipped logging configuration, safe at every level it offers.

The bot's own loggers write command names, error kinds and IDs, never case content or
request bodies. Third-party libraries are another matter: at DEBUG, ``slack_sdk`` logs every
Web API request with its body (a thread head, a DM, a file comment) and every response,
``slack_bolt`` logs the answers it sends, SQLAlchemy echoes statements. So, in every mode:

- those libraries' loggers are pinned at WARNING (their records below it are never made), and
- the one handler this configuration installs drops any of their records below WARNING
  anyway, so that a library raising its own level, or someone setting one by hand while
  debugging, still cannot put a request body into the log.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

# Loggers of libraries that may log request or response bodies, SQL or job arguments.
THIRD_PARTY = (
    "slack_sdk",
    "slack_bolt",
    "urllib3",
    "requests",
    "http.client",
    "websocket",
    "aiohttp",
    "sqlalchemy",
    "alembic",
    "apscheduler",
    "docxtpl",
    # Teams: the SDK, its HTTP client, server and token libraries.
    "microsoft_teams",
    "httpx",
    "httpcore",
    "msal",
    "uvicorn",
    "fastapi",
)
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def is_third_party(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in THIRD_PARTY)


class ContentSafetyFilter(logging.Filter):
    """Lets through the bot's records, and third-party records at WARNING or above only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not is_third_party(record.name)


class _ShippedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so that configuring again replaces it."""


def configure(verbose: bool = False, stream: TextIO | None = None) -> logging.Handler:
    """Root at DEBUG (``verbose``) or INFO, one stderr handler with the safety filter,
    third-party loggers pinned at WARNING. Calling it again replaces the handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _ShippedHandler):
            root.removeHandler(handler)
    handler = _ShippedHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContentSafetyFilter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler
