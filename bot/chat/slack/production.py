"""HTTP mode in production: gunicorn, several worker processes, the edge in each.

Why gunicorn (see the README): the bot is a synchronous Bolt app on synchronous SQLAlchemy,
so a WSGI server runs it as it is (an ASGI server would only move every request to a
thread pool); gunicorn is the server Bolt's WSGI adapter names, pre-forks worker processes
(several cores, and one slow process does not hold the others), keeps a deep listen
backlog, stops gracefully on SIGTERM and limits request lines and headers.

Each worker process builds its own runtime after the fork (database engine, Slack client,
background executor, a scheduler that runs jobs only while it holds the database's lease)
and serves :class:`~bot.chat.slack.wsgi.SlackWSGIApp` from a thread pool. The worker class
:class:`ShienWorker` is gunicorn's threaded worker with the edge's time rules on the socket:

- a connection that sends nothing within the read timeout is closed (gunicorn would park it
  for seconds more);
- each request — request line, headers and body — must arrive within the read timeout of
  its first byte, and no single wait on the socket is longer than what is left of it. A
  request that stalls in its headers is dropped; one that stalls in its body is answered
  408 by the edge;
- the edge can ask for the connection to be closed after a refusal (its body may be unread).
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from bot.chat.slack.edge import READ_TIMEOUT
from bot.chat.slack.wsgi import CLOSE_CONNECTION, DEADLINE_PASSED

log = logging.getLogger(__name__)

__all__ = ["ServerOptions", "ShienWorker", "WSGIServer", "serve"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Any]

# Exit status of a worker that could not build its runtime: gunicorn then stops the whole
# server (it would otherwise restart the worker forever).
WORKER_BOOT_ERROR = 3


class _DeadlineSocket(socket.socket):
    """A client connection whose reads share one deadline per request. Past it, a read
    returns end-of-stream and :attr:`expired` is set: gunicorn's parser then drops a
    request stalled in its headers, and the edge answers 408 to one stalled in its body."""

    deadline: float | None = None
    expired: bool = False

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        deadline = self.deadline
        if deadline is None:
            return super().recv(bufsize, flags)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            self.expired = True
            return b""
        self.settimeout(remaining)
        try:
            return super().recv(bufsize, flags)
        except TimeoutError:
            self.expired = True
            return b""


class ShienWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's threaded worker with the edge's read deadline on every request (see the
    module's docstring), ``ServerOptions.read_timeout``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = getattr(self.app, "options", None)
        self.read_timeout = options.read_timeout if options is not None else READ_TIMEOUT
        self._local = threading.local()

    def accept(self, listener: Any) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        sock = _DeadlineSocket(client.family, client.type, client.proto, fileno=client.detach())
        sock.setblocking(True)
        self.enqueue_req(TConn(self.cfg, sock, address, listener.getsockname()))

    def handle(self, conn: Any) -> Any:
        # A new connection gets the read timeout to say something, then it is closed (not
        # parked for gunicorn's longer wait).
        if (
            not conn.initialized
            and not conn.data_ready
            and not conn.wait_for_data(self.read_timeout)
        ):
            return False
        sock = conn.sock
        if isinstance(sock, _DeadlineSocket):
            sock.deadline = time.monotonic() + self.read_timeout
            sock.expired = False
        self._local.sock = sock
        try:
            return super().handle(conn)
        finally:
            self._local.sock = None
            if isinstance(sock, _DeadlineSocket):
                sock.deadline = None

    def handle_request(self, req: Any, conn: Any) -> Any:
        self._local.req = req
        try:
            return super().handle_request(req, conn)
        finally:
            self._local.req = None

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app: Any = getattr(self, "wsgi")  # noqa: B009 - set by gunicorn, untyped
        local = self._local

        def with_connection_controls(environ: dict[str, Any], start_response: Any) -> Any:
            req, sock = getattr(local, "req", None), getattr(local, "sock", None)
            if req is not None:
                environ[CLOSE_CONNECTION] = lambda: setattr(req, "must_close", True)
            if isinstance(sock, _DeadlineSocket):
                environ[DEADLINE_PASSED] = lambda: sock.expired
            return app(environ, start_response)

        self.wsgi = with_connection_controls


@dataclass(frozen=True)
class ServerOptions:
    """How the HTTP server runs.

    Attributes:
        host: The address to listen on.
        port: The port.
        workers: Worker processes (``SHIEN_HTTP_WORKERS``).
        threads: Request threads per worker.
        read_timeout: Seconds a request (headers and body) may take to arrive.
        graceful_timeout: Seconds a stopping worker may take to finish its requests.
        keepalive: Seconds an idle kept-alive connection stays open.
        verbose: gunicorn's own log at INFO (starts, stops, workers) instead of WARNING.
    """

    host: str = "127.0.0.1"
    port: int = 3000
    workers: int = 2
    threads: int = 8
    read_timeout: float = READ_TIMEOUT
    graceful_timeout: float = 20.0
    keepalive: float = 5.0
    verbose: bool = False

    @property
    def bind(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def gunicorn_config(self) -> dict[str, Any]:
        return {
            "bind": [self.bind],
            "workers": self.workers,
            "worker_class": f"{__name__}.ShienWorker",
            "threads": self.threads,
            # Connections a worker holds at once (threads plus idle kept-alive ones).
            "worker_connections": max(100, self.threads * 8),
            "backlog": 2048,
            "keepalive": max(1, round(self.keepalive)),
            "timeout": 30,
            "graceful_timeout": max(1, round(self.graceful_timeout)),
            # Slack's requests have short request lines and few headers.
            "limit_request_line": 4094,
            "limit_request_fields": 50,
            "limit_request_field_size": 8190,
            "http_protocols": "h1",
            "accesslog": None,  # the app logs method, path and status at DEBUG: never bodies
            "errorlog": "-",
            "loglevel": "info" if self.verbose else "warning",
            "proc_name": "shienbot",
            "control_socket_disable": True,  # two servers on one machine must not share one
            "preload_app": False,  # each worker builds its own runtime after the fork
        }


class WSGIServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code, loading the app in each worker with ``load_app`` and
    calling ``on_worker_exit`` in the worker when it stops."""

    def __init__(
        self,
        options: ServerOptions,
        load_app: Callable[[], WSGIApp],
        on_worker_exit: Callable[[], None] = lambda: None,
    ) -> None:
        self.options = options
        self._load_app = load_app
        self._on_worker_exit = on_worker_exit
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.gunicorn_config().items():
            self.cfg.set(name, value)
        on_exit = self._on_worker_exit
        self.cfg.set("worker_exit", lambda arbiter, worker: on_exit())

    def load(self) -> WSGIApp:
        return self._load_app()


def serve(
    options: ServerOptions,
    load_app: Callable[[], WSGIApp],
    on_worker_exit: Callable[[], None] = lambda: None,
) -> int:
    """Run the server until SIGTERM or SIGINT (graceful) and return its exit status: 0, or
    :data:`WORKER_BOOT_ERROR` when a worker could not start."""
    master = os.getpid()
    try:
        WSGIServer(options, load_app, on_worker_exit).run()
    except SystemExit as stop:
        if os.getpid() != master:
            raise  # a worker process ends here, as gunicorn means it to
        code = stop.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def boot_failed(reason: str) -> None:
    """End a worker whose runtime could not be built, so that gunicorn stops the server."""
    print(reason, file=sys.stderr, flush=True)
    sys.exit(WORKER_BOOT_ERROR)
