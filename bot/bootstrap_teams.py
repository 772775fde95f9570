"""The composition root of a Teams deployment: the services in the direct delivery mode,
the Teams gateway and bot, and the ASGI endpoint. (``bot.bootstrap`` is Slack's.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microsoft_teams.api import ClientCredentials

from bot.bootstrap import attach_scheduler, document_renderer, system_clock
from bot.chat.teams.app import TeamsBot
from bot.chat.teams.connector import TeamsConnector
from bot.chat.teams.gateway import TeamsGateway
from bot.chat.teams.serve import build_asgi
from bot.chat.teams.settings_check import is_loopback
from bot.domain.calendar import JapaneseCalendar
from bot.services.admin import ensure_coordinators
from bot.services.context import DocumentRenderer, ServiceContext
from bot.services.delivery import Delivery
from bot.settings import Settings
from storage import Database
from storage.direct_cards import SqlDirectCards

log = logging.getLogger(__name__)


@dataclass
class TeamsRuntime:
    database: Database
    context: ServiceContext
    gateway: TeamsGateway
    bot: TeamsBot
    asgi: Any
    scheduler: Any = None

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.gateway.close()
        self.database.dispose()


def build_teams_runtime(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = system_clock,
    background: Executor | None = None,
    renderer: DocumentRenderer | None = None,
    scheduler: bool = False,
    run_jobs: bool = True,
) -> TeamsRuntime:
    """Upgrade the database and assemble the Teams bot. The settings must have passed
    ``teams_problems`` (credentials, or unauthenticated testing on this machine only)."""
    assert settings.teams_tenant_id is not None
    unauthenticated = settings.teams_allow_unauthenticated
    if unauthenticated and not is_loopback(settings.teams_service_url):
        raise ValueError("unauthenticated Teams testing needs a connector on this machine")
    credentials = None
    if settings.teams_client_id and settings.teams_client_secret is not None:
        credentials = ClientCredentials(
            client_id=settings.teams_client_id,
            client_secret=settings.teams_client_secret.get_secret_value(),
            tenant_id=settings.teams_tenant_id,
        )
    database = Database(settings.resolved_database_url)
    database.upgrade()
    background = background or ThreadPoolExecutor(max_workers=16, thread_name_prefix="shien")

    def rooms() -> list[str]:
        with database.unit_of_work() as uow:
            return [channel.channel_id for channel in uow.channels.list()]

    gateway = TeamsGateway(
        TeamsConnector(settings.teams_service_url, credentials),
        settings.teams_tenant_id,
        bot_name=settings.teams_bot_name,
        teams=rooms(),
        loopback_only=unauthenticated,
    )
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=gateway,
        clock=clock,
        tz=settings.tz,
        documents=renderer or document_renderer(settings),
        calendar=JapaneseCalendar(settings.extra_holidays),
        municipality=settings.municipality,
        platform="Teams",
        timeline=settings.timeline,
        multilayer_statutory=settings.multilayer_statutory,
        delivery=Delivery.DIRECT,
        cards=SqlDirectCards(database.engine),
    )
    ensure_coordinators(context, [c.upper() for c in settings.coordinators])
    bot = TeamsBot(
        context,
        gateway,
        background,
        tenant_id=settings.teams_tenant_id,
        rooms=rooms,
        loopback_only=unauthenticated,
    )
    asgi = build_asgi(bot, credentials, allow_unauthenticated=unauthenticated)
    runner = attach_scheduler(database, context, settings, run_jobs=run_jobs) if scheduler else None
    return TeamsRuntime(database, context, gateway, bot, asgi, runner)
