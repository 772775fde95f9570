"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.chat.slack.app import register
from bot.chat.slack.edge import SlackEdge
from bot.chat.slack.gateway import SlackGateway, make_client
from bot.domain.calendar import JapaneseCalendar
from bot.services.admin import ensure_coordinators
from bot.services.context import DocumentRenderer, ServiceContext
from bot.settings import Settings
from storage import Database
from storage.replay import SqlReplayGuard

if TYPE_CHECKING:
    from bot.chat.slack.production import ServerOptions
    from bot.scheduling import ShienScheduler

log = logging.getLogger(__name__)

# Threads per process doing the work after the acks (Web API calls, database, documents).
BACKGROUND_THREADS = 16


def system_clock() -> datetime:
    return datetime.now(UTC)


def document_renderer(settings: Settings) -> DocumentRenderer:
    from bot.documents import DocxRenderer

    renderer = DocxRenderer(settings.templates_dir)
    renderer.validate_templates()  # a broken municipal template is found now, not at a meeting
    return renderer


@dataclass
class Runtime:
    database: Database
    client: WebClient
    context: ServiceContext
    app: App
    scheduler: ShienScheduler | None = None
    # HTTP mode's edge checks (signature, replays shared through the database); None
    # without a signing secret.
    edge: SlackEdge | None = None
    # The executor of the work after each ack, when the runtime made it (a graceful stop
    # finishes that work before the database is closed).
    background: Executor | None = None

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.background is not None:
            self.background.shutdown(wait=True)
        self.database.dispose()


def attach_scheduler(
    database: Database, context: ServiceContext, settings: Settings, *, run_jobs: bool = True
) -> ShienScheduler:
    """Plan timelines through a scheduler on the bot's database; run them if this process
    gets the scheduler lease (``run_jobs``), paced to about one post per second per
    conversation."""
    from bot.scheduling import PacedChat, ShienScheduler

    jobs_context = replace(context, chat=PacedChat(context.chat))
    scheduler = ShienScheduler(database, jobs_context, tz=settings.tz, run_jobs=run_jobs)
    context.scheduler = jobs_context.scheduler = scheduler
    return scheduler.start()


def build_runtime(
    settings: Settings,
    *,
    socket_mode: bool = False,
    clock: Callable[[], datetime] = system_clock,
    background: Executor | None = None,
    renderer: DocumentRenderer | None = None,
    scheduler: bool = False,
    run_jobs: bool = True,
) -> Runtime:
    """Upgrade the database, connect to Slack, and assemble the Bolt app and services.

    With ``scheduler``, meeting timelines are planned in the database's job store, and run
    here if this process holds the scheduler lease and ``run_jobs`` is set."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    database = Database(settings.resolved_database_url)
    database.upgrade()  # an empty database is brought up to date on start
    owned = background is None
    background = background or ThreadPoolExecutor(
        max_workers=BACKGROUND_THREADS, thread_name_prefix="shien"
    )
    client = make_client(token, settings.slack_api_url)
    bot_user_id = str(client.auth_test()["user_id"])
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=SlackGateway(client, bot_user_id),
        clock=clock,
        tz=settings.tz,
        documents=renderer or document_renderer(settings),
        calendar=JapaneseCalendar(settings.extra_holidays),
        municipality=settings.municipality,
        timeline=settings.timeline,
    )
    ensure_coordinators(context, settings.coordinators)
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = App(
        client=client,  # carries the token and SLACK_API_URL
        signing_secret=signing_secret,
        # Socket Mode requests arrive over the app's own authenticated WebSocket; HTTP
        # requests are always verified.
        request_verification_enabled=not socket_mode,
        token_verification_enabled=False,  # auth.test was called above
        # Listeners ack in the request thread and hand their work to ``background``.
        process_before_response=True,
        listener_executor=background,
        logger=logging.getLogger("slack_bolt"),
    )
    register(app, context, background)
    edge = SlackEdge(signing_secret, SqlReplayGuard(database.engine)) if signing_secret else None
    runner = attach_scheduler(database, context, settings, run_jobs=run_jobs) if scheduler else None
    return Runtime(
        database=database,
        client=client,
        context=context,
        app=app,
        scheduler=runner,
        edge=edge,
        background=background if owned else None,
    )


def build_terminal_context(
    settings: Settings, *, clock: Callable[[], datetime] = system_clock
) -> tuple[Database, ServiceContext]:
    """Services for terminal commands (documents for coordinators, the privacy officer):
    the database, the document renderer, and Slack only to look up display names when a
    bot token is configured. Nothing is ever posted from here."""
    from bot.chat.offline import OfflineChat
    from bot.services.chat import ChatGateway

    database = Database(settings.resolved_database_url)
    database.upgrade()
    names = None
    if settings.slack_bot_token is not None:
        client = make_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
        names = SlackGateway(client, bot_user_id="").display_name
    chat: ChatGateway = OfflineChat(names)
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=chat,
        clock=clock,
        tz=settings.tz,
        documents=document_renderer(settings),
        calendar=JapaneseCalendar(settings.extra_holidays),
        municipality=settings.municipality,
        timeline=settings.timeline,
    )
    return database, context


def serve_http(
    settings: Settings,
    options: ServerOptions,
    *,
    run_jobs: bool = True,
    boot_error: Callable[[Exception], str] = lambda error: type(error).__name__,
) -> int:
    """HTTP mode on the production server: the database is migrated here, once, then each
    worker process builds its own runtime (after the fork: engines, threads and sockets
    are never shared) and serves the edge in front of Bolt. Returns the server's exit
    status (see :func:`bot.chat.slack.production.serve`)."""
    from bot.chat.slack.production import boot_failed, serve
    from bot.chat.slack.wsgi import SlackWSGIApp

    database = Database(settings.resolved_database_url)
    try:
        database.upgrade()
    finally:
        database.dispose()
    runtimes: list[Runtime] = []

    def load_app() -> SlackWSGIApp:
        try:
            runtime = build_runtime(settings, scheduler=True, run_jobs=run_jobs)
        except Exception as error:
            boot_failed(boot_error(error))
            raise
        assert runtime.edge is not None, "HTTP mode needs SLACK_SIGNING_SECRET"
        runtimes.append(runtime)
        return SlackWSGIApp(runtime.app, runtime.edge)

    def on_worker_exit() -> None:
        while runtimes:
            runtimes.pop().close()

    return serve(options, load_app, on_worker_exit)
