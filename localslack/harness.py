"""The real bot, served over HTTP, wired to a local Slack workspace: for the demo and e2e tests.

Nothing is mocked: the Bolt app verifies the driver's signatures, the services write to a
real database, and every Web API call crosses HTTP to the local server.

Two ways to serve the bot: in this process (``SlackHTTPServer``, fast to start, and the
tests can wait for the bot's work to finish), or ``production=True``: ``shienbot serve
--http`` as its own process, on gunicorn with its worker processes, exactly as an operator
runs it (the edge tests and the serve tests use it).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from bot.bootstrap import Runtime, build_runtime, system_clock
from bot.chat.slack.serve import SlackHTTPServer
from bot.services.context import DocumentRenderer
from bot.settings import Settings
from localslack.driver import SlackDriver
from localslack.manifest import manifest_scopes
from localslack.server import LocalSlackServer
from storage import Database
from storage.inbox import inbox_for

P = ParamSpec("P")
FOLLOW_UP_DELAYS = (0.05, 0.2, 0.5, 1.0, 2.0)
T = TypeVar("T")


class _TrackingExecutor(Executor):
    """Bolt's listener executor, counting the work not finished yet (see ``settle``)."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner
        self._lock = threading.Lock()
        self._pending = 0

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._pending == 0

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        with self._lock:
            self._pending += 1
        try:
            future = self._inner.submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _: object) -> None:
        with self._lock:
            self._pending -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class BotProcess:
    """``shienbot serve --http`` in a process of its own (gunicorn and its workers), against
    a local Slack workspace: as an operator runs it.

    Args:
        server: The local workspace the bot calls.
        database_url: The bot's database.
        coordinators: ``SHIEN_COORDINATORS``.
        municipality: ``SHIEN_MUNICIPALITY``.
        templates_dir: ``SHIEN_TEMPLATES_DIR`` (None: the shipped templates).
        workers: ``SHIEN_HTTP_WORKERS``.
        read_timeout: ``SHIEN_HTTP_READ_TIMEOUT`` (None: the default).
        run_jobs: Run scheduled sends (while holding the lease); False: ``--no-scheduler``.
        env: More environment variables.
    """

    def __init__(
        self,
        server: LocalSlackServer,
        database_url: str,
        *,
        coordinators: tuple[str, ...] = (),
        municipality: str = "架空市",
        templates_dir: Path | None = None,
        workers: int = 2,
        read_timeout: int | None = None,
        run_jobs: bool = False,
        env: dict[str, str] | None = None,
    ) -> None:
        self.server = server
        self.database_url = database_url
        self.coordinators = coordinators
        self.municipality = municipality
        self.templates_dir = templates_dir
        self.workers = workers
        self.read_timeout = read_timeout
        self.run_jobs = run_jobs
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._log: Any = None
        self._data_dir: tempfile.TemporaryDirectory[str] | None = None

    def start(self, timeout: float = 60.0) -> BotProcess:
        """Start the process and wait until ``/healthz`` answers."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self._data_dir = tempfile.TemporaryDirectory(prefix="shien-serve-")
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "SHIEN_", "DATABASE_URL"))
        }
        env.update(
            SLACK_BOT_TOKEN=self.server.bot_token,
            SLACK_SIGNING_SECRET=self.server.signing_secret,
            SLACK_API_URL=self.server.api_url,
            DATABASE_URL=self.database_url,
            SHIEN_DATA_DIR=self._data_dir.name,
            SHIEN_COORDINATORS=",".join(self.coordinators),
            SHIEN_MUNICIPALITY=self.municipality,
            SHIEN_HTTP_WORKERS=str(self.workers),
            **self.extra_env,
        )
        if self.templates_dir is not None:
            env["SHIEN_TEMPLATES_DIR"] = str(self.templates_dir)
        if self.read_timeout is not None:
            env["SHIEN_HTTP_READ_TIMEOUT"] = str(self.read_timeout)
        command = [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)]
        if not self.run_jobs:
            command.append("--no-scheduler")
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=self._data_dir.name
        )
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start:\n{self.log()}")
            time.sleep(0.05)

    def log(self) -> str:
        """What the process wrote to stdout and stderr so far."""
        if self._log is None:
            return ""
        self._log.seek(0)
        return str(self._log.read().decode("utf-8", errors="replace"))

    def stop(self) -> None:
        """SIGTERM (gunicorn's graceful stop), then wait for the process to end."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self._data_dir is not None:
            self._data_dir.cleanup()
            self._data_dir = None
        if self._log is not None:
            self._log.close()
            self._log = None


class LocalWorkspace:
    """A local Slack workspace with the bot installed in it.

    ``command(user, channel, text)`` plays a person typing ``/shien text`` and returns the
    bot's answer as that person sees it (the ephemeral reply).
    """

    def __init__(
        self,
        database_url: str,
        *,
        coordinators: tuple[str, ...] = (),
        municipality: str = "架空市",
        clock: Callable[[], datetime] = system_clock,
        templates_dir: Path | None = None,
        rate_limit: float | None = None,
        renderer: DocumentRenderer | None = None,
        multilayer_statutory: bool = False,
        production: bool = False,
        workers: int = 2,
        read_timeout: int | None = None,
        run_jobs: bool = False,
    ) -> None:
        self.database_url = database_url
        self.multilayer_statutory = multilayer_statutory
        self.coordinators = coordinators
        self.municipality = municipality
        self.clock = clock
        self.templates_dir = templates_dir
        self.renderer = renderer  # None: the templates are loaded and checked at start
        # As strict as Slack: the token has exactly the scopes the app manifest asks for.
        self.server = LocalSlackServer(
            rate_limit_post_message_per_channel=rate_limit, scopes=manifest_scopes()
        )
        self.runtime: Runtime | None = None
        self.http: SlackHTTPServer | None = None
        self.driver: SlackDriver | None = None
        self._listeners = _TrackingExecutor(ThreadPoolExecutor(max_workers=5))
        self._forms = _TrackingExecutor(ThreadPoolExecutor(max_workers=2))
        # production=True: the bot is `shienbot serve --http` in a process of its own.
        self.production = production
        self.workers = workers
        self.read_timeout = read_timeout
        self.run_jobs = run_jobs
        self.bot: BotProcess | None = None
        self._bot_url = ""
        self._database: Database | None = None

    def __enter__(self) -> LocalWorkspace:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalWorkspace:
        self.server.start()
        if self.production:
            return self._start_process()
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            SLACK_BOT_TOKEN=self.server.bot_token,
            SLACK_SIGNING_SECRET=self.server.signing_secret,
            SLACK_API_URL=self.server.api_url,
            DATABASE_URL=self.database_url,
            SHIEN_COORDINATORS=",".join(self.coordinators),
            SHIEN_MUNICIPALITY=self.municipality,
            SHIEN_TEMPLATES_DIR=self.templates_dir,
            SHIEN_MULTILAYER_STATUTORY=self.multilayer_statutory,
        )
        # The bot's work after each ack runs in this counting executor, so tests can wait
        # until the bot has finished reacting (``settle``), also to assert that nothing happened.
        self.runtime = build_runtime(
            settings,
            clock=self.clock,
            background=self._listeners,
            renderer=self.renderer,
            forms=self._forms,
            # Slack's minutes, scaled down: a refused follow-up is tried again quickly.
            follow_up_delays=FOLLOW_UP_DELAYS,
        )
        self.http = SlackHTTPServer(self.runtime.app, "127.0.0.1", 0, edge=self.runtime.edge)
        self.http.start_background()
        self._bot_url = self.http.url
        self.driver = SlackDriver(
            self.server, f"{self.http.url}/slack/events", self.server.signing_secret
        )
        return self

    def _start_process(self) -> LocalWorkspace:
        self.bot = BotProcess(
            self.server,
            self.database_url,
            coordinators=self.coordinators,
            municipality=self.municipality,
            templates_dir=self.templates_dir,
            workers=self.workers,
            read_timeout=self.read_timeout,
            run_jobs=self.run_jobs,
            env={"SHIEN_MULTILAYER_STATUTORY": "true"} if self.multilayer_statutory else None,
        ).start()
        self._bot_url = self.bot.url
        self._database = Database(self.database_url)
        self.driver = SlackDriver(
            self.server, f"{self._bot_url}/slack/events", self.server.signing_secret
        )
        return self

    def server_log(self) -> str:
        """What ``shienbot serve`` wrote to stdout and stderr so far (production mode)."""
        return self.bot.log() if self.bot is not None else ""

    @property
    def url(self) -> str:
        """The bot's base URL (``/slack/events`` and ``/healthz`` are under it)."""
        return self._bot_url

    @property
    def address(self) -> tuple[str, int]:
        """Where the bot listens (host, port)."""
        host, _, port = self._bot_url.removeprefix("http://").rpartition(":")
        return host, int(port)

    @property
    def database(self) -> Database:
        """The bot's database (the bot's own engine when it runs in this process)."""
        if self.runtime is not None:
            return self.runtime.database
        assert self._database is not None, "start() the workspace first"
        return self._database

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.close()
        if self.bot is not None:
            self.bot.stop()
        if self._database is not None:
            self._database.dispose()
        if self.http is not None:
            self.http.shutdown()
            self.http.server_close()
        if self.runtime is not None:
            self.runtime.followups.close()
        self._listeners.shutdown(wait=True)
        if self.runtime is not None:
            self.runtime.close()
        self.server.stop()

    @property
    def slack(self) -> SlackDriver:
        assert self.driver is not None, "start() the workspace first"
        return self.driver

    def command(self, user_id: str, channel_id: str, text: str, *, timeout: float = 10.0) -> str:
        """Send ``/shien text`` and wait for the bot's ephemeral answer to ``user_id``."""
        before = len(self.server.ephemerals(user_id))
        views_before = len(self.server.views(user_id))
        response = self.slack.slash_command(user_id, channel_id, "/shien", text)
        if response.status != 200:
            raise AssertionError(f"the bot answered HTTP {response.status}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ephemerals = self.server.ephemerals(user_id)
            if len(ephemerals) > before:
                return _text_of(ephemerals[-1])
            if len(self.server.views(user_id)) > views_before:
                return ""  # a form opened instead of an answer
            time.sleep(0.01)
        raise TimeoutError(f"no answer to /shien {text.split()[0] if text else ''}")

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the bot has finished handling everything sent so far, including the
        events its own messages cause, Slack's retries of events and the bot's retries of
        follow-ups. (Production mode cannot see into the bot's processes: there it waits until
        the bot's inbox is empty and it has made no Web API call for 0.3 s.)"""
        deadline = time.monotonic() + timeout
        if self.production:
            inbox = inbox_for(self.database)
            quiet_since, count = time.monotonic(), self.server.api_call_count()
            while time.monotonic() - quiet_since < 0.3 or inbox.count():
                if time.monotonic() > deadline:
                    raise TimeoutError("the bot is still busy")
                self.slack.drain(timeout)
                time.sleep(0.02)
                if self.server.api_call_count() != count:
                    quiet_since, count = time.monotonic(), self.server.api_call_count()
            return
        while time.monotonic() < deadline:
            self.slack.drain(timeout)
            self.wait_until(self._idle, timeout)
            if self._idle() and self.slack.idle:
                return
        raise TimeoutError("the bot is still busy")

    def _idle(self) -> bool:
        followups = self.runtime.followups if self.runtime is not None else None
        return self._listeners.idle and self._forms.idle and (followups is None or followups.idle)

    def wait_until(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        return self.slack.wait_for(predicate, timeout=timeout)


def _text_of(message: dict[str, Any]) -> str:
    """The text a person reads: mrkdwn unescaped back to what it shows."""
    text = str(message.get("text") or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
