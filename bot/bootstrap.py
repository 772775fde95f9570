"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.chat.followups import DELAYS, FollowUps
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
    from bot.scheduling import ShienScheduler

log = logging.getLogger(__name__)


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
    followups: FollowUps
    forms: Executor
    scheduler: ShienScheduler | None = None
    # HTTP mode's edge checks (signature, replays shared through the database); None
    # without a signing secret.
    edge: SlackEdge | None = None

    @property
    def gateway(self) -> SlackGateway:
        chat = self.context.chat
        assert isinstance(chat, SlackGateway)
        return chat

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.followups.close()
        self.forms.shutdown(wait=True)
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
    follow_up_delays: Sequence[float] = DELAYS,
    forms: Executor | None = None,
) -> Runtime:
    """Upgrade the database, connect to Slack, and assemble the Bolt app and services.

    With ``scheduler``, meeting timelines are planned in the database's job store, and run
    here if this process holds the scheduler lease and ``run_jobs`` is set."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    database = Database(settings.resolved_database_url)
    database.upgrade()  # an empty database is brought up to date on start
    background = background or ThreadPoolExecutor(max_workers=16, thread_name_prefix="shien")
    client = make_client(token, settings.slack_api_url)
    bot_user_id = str(client.auth_test()["user_id"])
    gateway = SlackGateway(client, bot_user_id)
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=gateway,
        clock=clock,
        tz=settings.tz,
        documents=renderer or document_renderer(settings),
        calendar=JapaneseCalendar(settings.extra_holidays),
        municipality=settings.municipality,
        timeline=settings.timeline,
        multilayer_statutory=settings.multilayer_statutory,
        archive_after_days=settings.archive_after_days,
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
    followups = FollowUps(context, background, follow_up_delays)
    # Opening a form must not wait behind other work: its trigger_id lives 3 seconds.
    forms = forms or ThreadPoolExecutor(max_workers=4, thread_name_prefix="shien-form")
    register(
        app,
        context,
        background,
        quick=gateway.quick(),
        forms=forms,
        followups=followups,
        bot_user_id=bot_user_id,
    )
    edge = SlackEdge(signing_secret, SqlReplayGuard(database.engine)) if signing_secret else None
    runner = attach_scheduler(database, context, settings, run_jobs=run_jobs) if scheduler else None
    return Runtime(
        database=database,
        client=client,
        context=context,
        app=app,
        followups=followups,
        forms=forms,
        scheduler=runner,
        edge=edge,
    )


def build_terminal_context(
    settings: Settings, *, clock: Callable[[], datetime] = system_clock
) -> tuple[Database, ServiceContext]:
    """Services for terminal commands (documents for coordinators, the privacy officer):
    the database and the document renderer, never the chat platform — documents name people
    from the database (``bot.services.people``), so these commands work, and are fast, on a
    terminal that cannot reach Slack. Nothing is ever posted from here."""
    from bot.chat.offline import OfflineChat

    database = Database(settings.resolved_database_url)
    database.upgrade()
    chat = OfflineChat()
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=chat,
        clock=clock,
        tz=settings.tz,
        documents=document_renderer(settings),
        calendar=JapaneseCalendar(settings.extra_holidays),
        municipality=settings.municipality,
        timeline=settings.timeline,
        multilayer_statutory=settings.multilayer_statutory,
        archive_after_days=settings.archive_after_days,
    )
    return database, context
