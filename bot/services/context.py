"""What every use case needs, bundled once by the composition root."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Protocol

from bot.domain.calendar import JapaneseCalendar
from bot.domain.confidentiality import SecrecyNotice, notice_for
from bot.domain.model import Meeting
from bot.domain.timeline import PlannedSend, TimelineSettings
from bot.services.chat import ChatGateway
from bot.services.delivery import Delivery, DirectCards, MemoryDirectCards
from bot.services.document_views import MinutesView, RoleSummaryView
from bot.services.ports import JobScheduler, UnitOfWork


class DocumentRenderer(Protocol):
    def render_minutes(self, view: MinutesView) -> bytes: ...
    def render_role_summary(self, view: RoleSummaryView) -> bytes: ...


Clock = Callable[[], datetime]  # aware "now"
FollowUp = Callable[["ServiceContext"], object]


class NoScheduler:
    """No scheduler wired in (the demo, terminal commands, most tests): nothing is planned."""

    def plan(self, sends: Sequence[PlannedSend], *, within: object = None) -> None:
        return None

    def unplan(self, keys: Sequence[str], *, within: object = None) -> None:
        return None


class OneAtATime:
    """Runs work for one key at a time in this process. A call for a key whose work is
    running returns at once, and that work runs once more when it ends: a burst of calls
    costs two runs, not one each, and what the last run saw is what stays (an older
    rendering never lands after a newer one). An exception ends it for the key; the
    caller's retry (``ServiceContext.later``'s) runs it again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._again: dict[Hashable, bool] = {}  # running keys -> asked for again meanwhile

    def run(self, key: Hashable, work: Callable[[], object]) -> None:
        with self._lock:
            if key in self._again:
                self._again[key] = True
                return
            self._again[key] = False
        try:
            while True:
                work()
                with self._lock:
                    if not self._again[key]:
                        del self._again[key]
                        return
                    self._again[key] = False
        except BaseException:
            with self._lock:
                self._again.pop(key, None)
            raise


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
    platform: str = "Slack"  # the chat platform's name, as people see it in messages
    # Scheduled sends (opening, reminders, notices): none unless a scheduler is wired in.
    scheduler: JobScheduler = field(default_factory=lambda: NoScheduler())
    timeline: TimelineSettings = field(default_factory=TimelineSettings)
    # SHIEN_MULTILAYER_STATUTORY: the municipality's 要綱 places its 重層的支援会議 under
    # 社会福祉法第106条の6, so they show the statutory secrecy notice too.
    multilayer_statutory: bool = False
    # SHIEN_ARCHIVE_AFTER_DAYS: a meeting's channel is archived this long after the meeting
    # (or as soon as its minutes are final).
    archive_after_days: int = 14
    # Where work that may wait until the request is answered goes (telling people, the
    # receipt reaction, refreshing a thread head): a chat adapter runs it in the background
    # and retries what the platform refused. Unset, it runs at once, in the caller.
    defer: Callable[[str, FollowUp], None] | None = None

    def later(self, what: str, work: FollowUp) -> None:
        """Run ``work`` with the context it should use: now, or after the answer (``defer``).
        ``what`` names it in logs (a kind, never content)."""
        if self.defer is None:
            work(self)
        else:
            self.defer(what, work)

    # How case content reaches people (bot.services.delivery): channel threads (Slack) or
    # cards in each confirmed member's 1:1 chat (Teams); the cards' places in ``cards``.
    delivery: Delivery = Delivery.CHANNEL
    cards: DirectCards = field(default_factory=MemoryDirectCards)
    # Refreshes of a case's thread head, one at a time per case (shared by the copies a
    # chat adapter makes of this context for each request).
    refreshing: OneAtATime = field(default_factory=OneAtATime)

    def now(self) -> datetime:
        return self.clock().astimezone(self.tz)

    def today(self) -> date:
        return self.now().date()

    def notice(self, meeting: Meeting) -> SecrecyNotice:
        """The secrecy notice of ``meeting``: its kind decides the legal footing."""
        return notice_for(meeting.kind, multilayer_statutory=self.multilayer_statutory)
