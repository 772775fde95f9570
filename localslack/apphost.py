"""Serve an app's Request URL over plain HTTP for local runs (tests, the offline demo).

Framework-neutral: give it a function that turns a raw request into a response. For Bolt::

    def handle(body: str, query: str, headers: dict[str, str]):
        answer = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
        return answer.status, answer.headers, answer.body

    with AppHttpHost(handle) as host:
        driver = SlackDriver(server, host.url, signing_secret)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

AppHandler = Callable[
    [str, str, dict[str, str]], tuple[int, Mapping[str, Sequence[str] | str], str]
]


class AppHttpHost:
    """A threaded HTTP server passing POSTs on one path to ``handler``.

    Args:
        handler: ``(body, query, headers) -> (status, headers, body)``.
        host: Interface to bind.
        port: Port; 0 picks a free one.
        path: The Request URL path.
    """

    def __init__(
        self,
        handler: AppHandler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        path: str = "/slack/events",
    ) -> None:
        self.path = path
        self.host = host
        app_handler = handler
        request_path = path

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # Request lines may carry data; Slack apps must not log bodies.

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if parts.path != request_path:
                    self._reply(404, {}, "not_found")
                    return
                status, headers, body = app_handler(
                    raw.decode("utf-8"), parts.query, dict(self.headers.items())
                )
                self._reply(status, headers, body)

            def _reply(
                self, status: int, headers: Mapping[str, Sequence[str] | str], body: str
            ) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                for name, values in headers.items():
                    if name.lower() == "content-length":
                        continue
                    for value in [values] if isinstance(values, str) else values:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The Request URL to give the driver."""
        return f"http://{self.host}:{self._httpd.server_address[1]}{self.path}"

    def start(self) -> AppHttpHost:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="app-http-host",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> AppHttpHost:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
