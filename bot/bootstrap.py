"""The composition root: the one place that picks concrete adapters and wires them."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_sdk import WebClient
from slack_sdk.web import SlackResponse

from bot.chat.followups import DELAYS, FollowUps
from bot.chat.slack.app import register
from bot.chat.slack.edge import SlackEdge
from bot.chat.slack.gateway import SlackGateway, make_client
from bot.domain.calendar import JapaneseCalendar
from bot.services.admin import ensure_coordinators
from bot.services.context import DocumentRenderer, ServiceContext
from bot.settings import Settings
from storage import Database
from storage.replay import replay_guard

if TYPE_CHECKING:
    from multiprocessing.context import SpawnProcess
    from multiprocessing.queues import Queue

    from bot.chat.slack.production import ServerOptions
    from bot.scheduling import ShienScheduler

log = logging.getLogger(__name__)

# Threads per process doing the work after the acks (Web API calls, database, documents).
BACKGROUND_THREADS = 16
# Threads per process running follow-ups (telling people, reactions, thread heads).
FOLLOW_UP_THREADS = 8


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
    # The executor of the work after each ack, when the runtime made it (a graceful stop
    # finishes that work before the database is closed).
    background: Executor | None = None

    @property
    def gateway(self) -> SlackGateway:
        chat = self.context.chat
        assert isinstance(chat, SlackGateway)
        return chat

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.followups.close()
        self.followups.executor.shutdown(wait=True)
        self.forms.shutdown(wait=True)
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
    follow_up_delays: Sequence[float] = DELAYS,
    forms: Executor | None = None,
    verify_requests: bool | None = None,
) -> Runtime:
    """Upgrade the database, connect to Slack, and assemble the Bolt app and services.

    With ``scheduler``, meeting timelines are planned in the database's job store, and run
    here if this process holds the scheduler lease and ``run_jobs`` is set. Requests are
    verified by Bolt unless they arrive over Socket Mode, or ``verify_requests`` is False
    (a work process dispatching requests the serving process verified)."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    database = Database(settings.resolved_database_url)
    database.upgrade()  # an empty database is brought up to date on start
    owned = background is None
    background = background or ThreadPoolExecutor(
        max_workers=BACKGROUND_THREADS, thread_name_prefix="shien"
    )
    client = make_client(token, settings.slack_api_url)
    identity = client.auth_test()
    bot_user_id = str(identity["user_id"])
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
        request_verification_enabled=(
            not socket_mode if verify_requests is None else verify_requests
        ),
        token_verification_enabled=False,  # auth.test was called above
        # Listeners ack in the request thread and hand their work to ``background``.
        process_before_response=True,
        listener_executor=background,
        logger=logging.getLogger("slack_bolt"),
    )
    # Follow-ups (retried after the ack) run in this process, in a pool of their own: in HTTP
    # mode ``background`` ships a request's work to the work process, which would decide the
    # request again (already decided: nothing to follow up) and drop the follow-up itself.
    followups = FollowUps(
        context,
        ThreadPoolExecutor(max_workers=FOLLOW_UP_THREADS, thread_name_prefix="shien-followup"),
        follow_up_delays,
    )
    # Opening a form must not wait behind other work: its trigger_id lives 3 seconds.
    forms = forms or ThreadPoolExecutor(max_workers=4, thread_name_prefix="shien-form")
    _share_identity(app, identity)
    register(
        app,
        context,
        background,
        quick=gateway.quick(),
        forms=forms,
        followups=followups,
        bot_user_id=bot_user_id,
    )
    edge = SlackEdge(signing_secret, replay_guard(database)) if signing_secret else None
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
        background=background if owned else None,
    )


def _share_identity(app: App, identity: SlackResponse) -> None:
    """Give Bolt the auth.test answer asked for above, so that its first request does not
    ask again (one Web API call less per process)."""
    for middleware in getattr(app, "_middleware_list", []):
        if isinstance(middleware, SingleTeamAuthorization) and not middleware.auth_test_result:
            middleware.auth_test_result = identity


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


def serve_http(
    settings: Settings,
    options: ServerOptions,
    *,
    run_jobs: bool = True,
    boot_error: Callable[[Exception], str] = lambda error: type(error).__name__,
) -> int:
    """HTTP mode on the production server: the database is migrated here, once; then each
    worker process builds its own runtime (after the fork: engines, threads and sockets are
    never shared) and serves the edge in front of Bolt. A request whose listener would only
    ack it (``bot.chat.slack.app.hands_over``) is stored in the inbox as verified, acked, and
    dispatched by a work process of the worker's own at a lower priority
    (``bot.chat.slack.handoff``), which also runs the scheduled sends while it holds the
    lease; the rest is dispatched in the worker. Returns the server's exit status (see :func:`bot.chat.slack.production.serve`)."""
    from bot.chat.slack.app import hands_over
    from bot.chat.slack.edge import Accepted
    from bot.chat.slack.handoff import Handoff
    from bot.chat.slack.production import boot_failed, serve
    from bot.chat.slack.wsgi import SlackWSGIApp
    from storage.inbox import inbox_for

    database = Database(settings.resolved_database_url)
    try:
        database.upgrade()
        left = inbox_for(database).count()
        if left:
            log.warning("%d requests stored and not yet worked on: taken over", left)
    finally:
        database.dispose()
    stops: list[Callable[[], None]] = []

    def start_work(queue: Queue[Any], results: Queue[Any]) -> SpawnProcess:
        process = multiprocessing.get_context("spawn").Process(
            target=work_process,
            args=(queue, results, run_jobs, options.verbose),
            name="shienbot-work",
            daemon=True,
        )
        process.start()
        return process

    def load_app() -> SlackWSGIApp:
        inbox_database = Database(settings.resolved_database_url)  # the inbox's connections
        try:
            handoff = Handoff(start_work, inbox_for(inbox_database))
            # Plans timelines (a form's monitoring date) but never runs them: jobs are work.
            runtime = build_runtime(
                settings,
                scheduler=True,
                run_jobs=False,
                background=handoff,
                # The edge in front verifies every request's signature (SlackWSGIApp
                # dispatches nothing it refused): Bolt would compute the same HMAC again.
                verify_requests=False,
            )
            handoff.start()
        except Exception as error:
            boot_failed(boot_error(error))
            raise
        assert runtime.edge is not None, "HTTP mode needs SLACK_SIGNING_SECRET"
        stops.extend([handoff.shutdown, runtime.close, inbox_database.dispose])
        bot_user_id = runtime.gateway.bot_user_id

        def hand_over(verdict: Accepted) -> bool:
            return hands_over(verdict.parsed, bot_user_id) and handoff.hand_over(
                verdict.body, verdict.headers
            )

        return SlackWSGIApp(runtime.app, runtime.edge, hand_over=hand_over)

    def on_worker_exit() -> None:
        for stop in stops:
            stop()
        stops.clear()

    return serve(options, load_app, on_worker_exit)


def work_process(queue: Queue[Any], results: Queue[Any], run_jobs: bool, verbose: bool) -> None:
    """A work process (see ``bot.chat.slack.handoff``): works on the requests its serving
    process stored and acked — dispatched through the same listeners, whose work then runs
    inline, at a lower CPU priority — and reports each key done on ``results``; runs the
    scheduled sends while it holds the lease. Ends after the key None, once the work it
    started has finished (requests still waiting for a new try stay stored)."""
    from slack_bolt import BoltRequest

    from bot.chat.slack.handoff import InlineExecutor, WorkQueue, lower_priority
    from bot.log_config import configure
    from bot.settings import load_settings
    from storage.inbox import inbox_for

    lower_priority()
    configure(verbose)
    runtime = build_runtime(
        load_settings(),
        scheduler=True,
        run_jobs=run_jobs,
        verify_requests=False,
        background=InlineExecutor(),
    )
    inbox = inbox_for(runtime.database)

    def dispatch(body: str, headers: dict[str, list[str]]) -> int:
        request = BoltRequest(body=body, headers=dict(headers.items()))
        return int(runtime.app.dispatch(request).status)

    work = WorkQueue(inbox.load, dispatch, results.put)
    try:
        while (key := queue.get()) is not None:
            work.take(key)
    finally:
        work.close()
        runtime.close()
