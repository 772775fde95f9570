"""What every use case needs, bundled once by the composition root."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from bot.domain.calendar import JapaneseCalendar
from bot.domain.timeline import PlannedSend, TimelineSettings
from bot.services.chat import ChatGateway
from bot.services.document_views import MinutesView, RoleSummaryView
from bot.services.ports import JobScheduler, UnitOfWork


class DocumentRenderer(Protocol):
    def render_minutes(self, view: MinutesView) -> bytes: ...
    def render_role_summary(self, view: RoleSummaryView) -> bytes: ...


Clock = Callable[[], datetime]  # aware "now"


class NoScheduler:
    """No scheduler wired in (the demo, terminal commands, most tests): nothing is planned."""

    def plan(self, sends: Sequence[PlannedSend], *, within: object = None) -> None:
        return None

    def unplan(self, keys: Sequence[str], *, within: object = None) -> None:
        return None


@dataclass
class ServiceContext:
    """Dependencies of the use cases. ``clock`` returns an aware datetime (any zone)."""

    uow: Callable[[], UnitOfWork]
    chat: ChatGateway
    clock: Clock
    tz: tzinfo
    documents: DocumentRenderer
    calendar: JapaneseCalendar = field(default_factory=JapaneseCalendar)
    municipality: str = ""  # 自治体名, used in meeting names ("架空市")
    # Scheduled sends (opening, reminders, notices): none unless a scheduler is wired in.
    scheduler: JobScheduler = field(default_factory=lambda: NoScheduler())
    timeline: TimelineSettings = field(default_factory=TimelineSettings)

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def today(self) -> date:
        return self.now().date()
