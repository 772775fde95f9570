"""Serving the Bolt app: HTTP mode (one ``/slack/events`` endpoint, ``/healthz``) and
Socket Mode (no public endpoint, what most city halls can allow).

Bolt's request verification stays on in HTTP mode: every request's signature is checked
and requests older than five minutes are refused. Access logs show method, path and
status only — never a body.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


class _Handler(BaseHTTPRequestHandler):
    server: SlackHTTPServer
    protocol_version = "HTTP/1.1"

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
        self.end_headers()
        self.wfile.write(body)
        self._log(status)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/healthz":
            ready = self.server.ready.is_set()
            self._send(
                200 if ready else 503,
                b"ok" if ready else b"starting",
                {"Content-Type": "text/plain"},
            )
        else:
            self._send(404, b"not found", {"Content-Type": "text/plain"})

    def do_POST(self) -> None:
        if self.path.split("?")[0] != "/slack/events":
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._send(413, b"too large", {"Content-Type": "text/plain"})
            return
        body = self.rfile.read(length).decode("utf-8")
        grouped: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            grouped.setdefault(name.lower(), []).append(value)
        headers: dict[str, str | Sequence[str]] = dict(grouped)
        response = self.server.app.dispatch(BoltRequest(body=body, headers=headers))
        self._send(response.status, response.body.encode("utf-8"), response.headers)


class SlackHTTPServer(ThreadingHTTPServer):
    """``POST /slack/events`` for commands, interactivity and events; ``GET /healthz``."""

    daemon_threads = True

    def __init__(self, app: App, host: str = "127.0.0.1", port: int = 3000) -> None:
        super().__init__((host, port), _Handler)
        self.app = app
        self.ready = threading.Event()

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
