"""The Slack endpoint as a WSGI application: the edge (:mod:`bot.chat.slack.edge`) in front
of Bolt, for any WSGI server (gunicorn in production, see :mod:`bot.chat.slack.production`).

``GET /healthz`` answers the load balancer; every other request passes the edge's checks
(size limit, read deadline, timestamp window, signature, well-formed body, replay guard)
before Bolt sees a byte of it. A verified request is then either taken over as it is
(``hand_over``: stored for the production server's work process, and acked with an empty
200) or given to ``App.dispatch`` exactly as ``slack_bolt.adapter.wsgi.SlackRequestHandler``
hands it over (a ``BoltRequest`` of the body, query string and headers). The production
server turns Bolt's own signature check off behind the edge, which has just made it.

A refused request gets a short plain-text answer and its connection is closed (the body
may be unread). Nothing here logs or returns any part of a body; an error in the app is
logged by its kind only and answered 500.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from slack_bolt import App, BoltRequest

from bot.chat.slack.edge import MALFORMED, Accepted, Rejection, SlackEdge

log = logging.getLogger(__name__)

__all__ = ["CLOSE_CONNECTION", "DEADLINE_PASSED", "HEALTH_PATH", "SlackWSGIApp", "wsgi_headers"]

HEALTH_PATH = "/healthz"
# An environ key a server may set: a callable that makes it close the connection after
# this response (gunicorn's worker in bot.chat.slack.production sets it).
CLOSE_CONNECTION = "shienbot.close_connection"
# An environ key a server may set: a callable, True once the request's read deadline has
# passed (a read that came back empty then means "too slow", not "cut short").
DEADLINE_PASSED = "shienbot.deadline_passed"

_TEXT = [("Content-Type", "text/plain; charset=utf-8")]
_STATUS_TEXT = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_CHUNK = 65_536

StartResponse = Callable[..., Any]


def _status(code: int) -> str:
    return f"{code} {_STATUS_TEXT.get(code, 'Unknown')}"


def wsgi_headers(environ: dict[str, Any]) -> list[tuple[str, str]]:
    """The request's headers from a WSGI environ, as (lower-case name, value) pairs.

    A header repeated by the client arrives joined with commas (WSGI's rule), so a
    repeated ``Content-Length`` or signature no longer looks well-formed to the edge."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), str(value)))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value != "":
            headers.append((key.replace("_", "-").lower(), str(value)))
    return headers


def bolt_request(verdict: Accepted, query: str) -> BoltRequest:
    """The verified request as Bolt takes it (what ``SlackRequestHandler`` builds): with
    the body as the edge parsed it, when it did, so that it is not parsed twice (the raw
    body stays for Bolt's own signature check)."""
    headers: dict[str, str | Sequence[str]] = dict(verdict.headers)
    if verdict.parsed is None:
        return BoltRequest(body=verdict.body, query=query, headers=headers)
    request = BoltRequest(body=verdict.parsed, query=query, headers=headers, mode="socket_mode")
    request.raw_body, request.mode = verdict.body, "http"
    return request


class SlackWSGIApp:
    """``POST /slack/events`` through the edge into Bolt; ``GET /healthz``.

    Args:
        app: The Bolt app (``process_before_response=True``: its listeners ack in the
            request thread and hand their work to a background executor).
        edge: The edge checks, with the replay guard shared through the database.
        ready: Set once the app may serve; ``/healthz`` answers 503 until then. (A
            stopping gunicorn closes its listening socket first, so a load balancer sees
            a stopping server go away.)
        hand_over: Given each verified request first: True if it took the request over
            (stored it for the work process: ``bot.chat.slack.handoff``), which then only
            needs the empty 200 its listener would ack with; False to dispatch it here.
    """

    def __init__(
        self,
        app: App,
        edge: SlackEdge,
        ready: threading.Event | None = None,
        *,
        hand_over: Callable[[Accepted], bool] | None = None,
    ) -> None:
        self.app = app
        self.edge = edge
        self.hand_over = hand_over
        self.ready = ready or threading.Event()
        if ready is None:
            self.ready.set()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", ""))
        path = str(environ.get("PATH_INFO", "") or "/")
        if method in ("GET", "HEAD"):
            if path == HEALTH_PATH:
                healthy = self.ready.is_set()
                return self._answer(
                    environ,
                    start_response,
                    200 if healthy else 503,
                    b"ok" if healthy else b"unavailable",
                )
            return self._answer(environ, start_response, 404, b"not found")

        verdict = self.edge.check(method, path, wsgi_headers(environ), self._reader(environ))
        if isinstance(verdict, Rejection):
            return self._refuse(environ, start_response, verdict)
        if self.hand_over is not None and self.hand_over(verdict):
            return self._answer(environ, start_response, 200, b"")
        try:
            request = bolt_request(verdict, str(environ.get("QUERY_STRING", "")))
        except Exception:  # a shape Bolt cannot take: the sender's problem, not ours
            return self._refuse(environ, start_response, MALFORMED)
        try:
            response = self.app.dispatch(request)
        except Exception as error:  # never a traceback: the kind of error only
            log.error("dispatch failed: %s", type(error).__name__)
            return self._refuse(environ, start_response, Rejection(500, b"internal error"))
        body = response.body.encode("utf-8")
        headers = [
            (name, str(value))
            for name, values in response.headers.items()
            if name.lower() not in ("content-length", "connection")
            for value in (values if isinstance(values, list) else [values])
        ]
        headers.append(("Content-Length", str(len(body))))
        start_response(_status(response.status), headers)
        self._log(method, path, response.status)
        return [body]

    def _reader(self, environ: dict[str, Any]) -> Callable[[int], bytes]:
        stream = environ["wsgi.input"]
        deadline_passed = environ.get(DEADLINE_PASSED)

        def read(size: int) -> bytes:
            chunk: bytes = stream.read(min(size, _CHUNK))
            if not chunk and deadline_passed is not None and deadline_passed():
                raise TimeoutError("the request's read deadline passed")
            return chunk

        return read

    def _refuse(
        self, environ: dict[str, Any], start_response: StartResponse, rejection: Rejection
    ) -> Iterable[bytes]:
        # The body may be unread (or half read): this connection cannot carry another request.
        close = environ.get(CLOSE_CONNECTION)
        if close is not None:
            close()
        return self._answer(environ, start_response, rejection.status, rejection.body)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, status: int, body: bytes
    ) -> Iterable[bytes]:
        start_response(_status(status), [*_TEXT, ("Content-Length", str(len(body)))])
        self._log(str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", "")), status)
        return [body]

    @staticmethod
    def _log(method: str, path: str, status: int) -> None:
        log.debug("%s %s -> %d", method, path, status)
