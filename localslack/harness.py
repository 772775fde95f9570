"""The real bot, served over HTTP, wired to a local Slack workspace: for the demo and e2e tests.

Nothing is mocked: the Bolt app verifies the driver's signatures, the services write to a
real database, and every Web API call crosses HTTP to the local server.
"""

from __future__ import annotations

import threading
import time
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
        self.driver = SlackDriver(
            self.server, f"{self.http.url}/slack/events", self.server.signing_secret
        )
        return self

    def stop(self) -> None:
        if self.driver is not None:
            self.driver.close()
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
        follow-ups."""
        deadline = time.monotonic() + timeout
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
