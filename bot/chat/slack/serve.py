"""Serving the Bolt app: HTTP mode (one ``/slack/events`` endpoint, ``/healthz``) and
Socket Mode (no public endpoint, what most city halls can allow).

In HTTP mode every request first passes the edge (:mod:`bot.chat.slack.edge`): size limit,
read deadline, timestamp window, signature and replay checks, and a well-formed body, before
Bolt parses anything. Bolt's own verification stays on behind it. A request the edge refuses
gets a short plain-text answer and the connection is closed; nothing is ever written to
stderr. Access logs show method, path and status only — never a body.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App

from bot.chat.slack.edge import MALFORMED, MAX_BODY, READ_TIMEOUT, Rejection, SlackEdge
from bot.chat.slack.wsgi import bolt_request

log = logging.getLogger(__name__)

__all__ = ["MAX_BODY", "READ_TIMEOUT", "SlackHTTPServer", "serve_socket_mode"]

_TEXT = {"Content-Type": "text/plain; charset=utf-8"}


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        # Every wait on the socket (request line, headers, body, an idle keep-alive) is
        # bounded; a client that stops sending is answered or dropped, never waited for.
        super().setup()
        self.connection.settimeout(self.server.edge.read_timeout)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # see _log: never the request line's query or any body

    def _log(self, status: int) -> None:
        log.debug("%s %s -> %d", self.command, self.path.split("?")[0], status)

    def _send(self, status: int, body: bytes, headers: dict[str, Any] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            if name.lower() in ("content-length", "connection"):
                continue
            for item in value if isinstance(value, list) else [value]:
                self.send_header(name, str(item))
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self._log(status)

    def _refuse(self, rejection: Rejection) -> None:
        # The body may be unread (or half read): this connection cannot carry another request.
        self.close_connection = True
        self._send(rejection.status, rejection.body, _TEXT)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/healthz":
            ready = self.server.ready.is_set()
            self._send(200 if ready else 503, b"ok" if ready else b"starting", _TEXT)
        else:
            self._send(404, b"not found", _TEXT)

    def do_POST(self) -> None:
        verdict = self.server.edge.check(
            self.command, self.path, self.headers.items(), self.rfile.read1
        )
        if isinstance(verdict, Rejection):
            self._refuse(verdict)
            return
        try:
            request = bolt_request(verdict, "")
        except Exception:  # a shape Bolt cannot take: the sender's problem, not ours
            self._refuse(MALFORMED)
            return
        try:
            response = self.server.app.dispatch(request)
        except Exception as error:  # never a traceback: the kind of error only
            log.error("dispatch failed: %s", type(error).__name__)
            self.close_connection = True
            self._send(500, b"internal error", _TEXT)
            return
        self._send(response.status, response.body.encode("utf-8"), response.headers)


class SlackHTTPServer(ThreadingHTTPServer):
    """``POST /slack/events`` for commands, interactivity and events; ``GET /healthz``."""

    daemon_threads = True

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        edge: SlackEdge | None,
    ) -> None:
        if edge is None:
            raise ValueError("HTTP mode needs the edge checks (SLACK_SIGNING_SECRET)")
        super().__init__((host, port), _Handler)
        self.app = app
        self.edge = edge
        self.ready = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished mid-answer (reset, broken pipe) is not worth a traceback
        # on stderr, and a traceback could quote a request.
        log.debug("connection error from a client")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"

    def start_background(self) -> threading.Thread:
        # A short poll interval makes shutdown() quick (tests and the demo stop servers often).
        thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="slack-http",
            daemon=True,
        )
        thread.start()
        self.ready.set()
        return thread


def serve_socket_mode(app: App, app_token: str, api_url: str) -> None:
    """Connect out to Slack over a WebSocket; no inbound port is opened. The connection is
    requested (apps.connections.open) from ``api_url`` like every other Web API call."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk import WebClient

    handler = SocketModeHandler(app, app_token, web_client=WebClient(base_url=api_url))
    handler.start()  # type: ignore[no-untyped-call]
