"""A small world of 架空市 on the fakes, built through the services themselves: a coordinator,
a meeting channel, two agencies with one member each, and helpers for cases, meetings,
agendas and the audit rows a test wrote.

The clock stands at ``NOW`` (Tuesday 2026-11-24 10:00 JST, 令和8年度); ``MEETING_DAY`` is a
Tuesday two weeks later, outside its collection window (which opens 7 days before).
"""

from __future__ import annotations

from datetime import date, datetime, time

from fakes.chat import Posted, RecordingChat
from fakes.context import NOW, Fakes, FixedClock, RecordingScheduler, fake_context
from fakes.memory import MemoryStore

from bot.domain.model import (
    AgencyInput,
    AgendaItem,
    AuditAction,
    AuditEvent,
    Case,
    Meeting,
    MeetingKind,
)
from bot.services import admin, cases, meetings, records
from bot.services.access import Actor
from bot.services.chat import FormValues, MessageRef
from bot.services.context import ServiceContext

CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
HOUKATSU = "U0HOUKATSU"  # answers for 地域包括支援センター (houkatsu)
CSW = "U0CSW"  # answers for 社会福祉協議会 (csw)
OUTSIDER = "U0OUTSIDER"  # registered nowhere
COORD = Actor(COORDINATOR)
MEETING_DAY = date(2026, 12, 8)  # Tue
START = time(14, 0)
HOUKATSU_NAME = "架空市中央地域包括支援センター"
CSW_NAME = "架空市社会福祉協議会"


class World:
    """The fakes and the services' view of them, with helpers for the usual steps."""

    def __init__(self, fakes: Fakes) -> None:
        self.fakes = fakes
        self.ctx: ServiceContext = fakes.ctx
        self.store: MemoryStore = fakes.store
        self.chat: RecordingChat = fakes.chat
        self.clock: FixedClock = fakes.clock
        self._audit_mark = 0

    @property
    def scheduler(self) -> RecordingScheduler:
        assert self.fakes.scheduler is not None
        return self.fakes.scheduler

    # ------------------------------------------------------------------ building

    def setup(self) -> World:
        admin.ensure_coordinators(self.ctx, [COORDINATOR])
        admin.setup_channel(self.ctx, COORD, CHANNEL)
        admin.register_agency(self.ctx, COORD, "houkatsu", HOUKATSU_NAME, [HOUKATSU])
        admin.register_agency(self.ctx, COORD, "csw", CSW_NAME, [CSW])
        return self

    def mark(self) -> None:
        """Forget the calls and audit rows so far: assertions see only what follows."""
        self.chat.clear()
        self._audit_mark = len(self.store.audit_events())
        if self.fakes.scheduler is not None:
            self.scheduler.planned.clear()
            self.scheduler.unplanned.clear()

    def new_case(
        self, *keys: str, kind: MeetingKind = MeetingKind.SUPPORT, consent_on: date | None = None
    ) -> str:
        request = cases.NewCase(agency_keys=list(keys), kind=kind, consent_on=consent_on)
        return str(cases.create_case(self.ctx, COORD, request))

    def new_meeting(
        self, day: date = MEETING_DAY, kind: MeetingKind = MeetingKind.SUPPORT, start: time = START
    ) -> Meeting:
        meetings.schedule_adhoc(self.ctx, COORD, CHANNEL, day, start, kind)
        found = self.meeting(day)
        assert found is not None
        return found

    def put_on_agenda(self, code: str, day: date = MEETING_DAY) -> None:
        meetings.add_to_agenda(self.ctx, COORD, CHANNEL, code, day)

    def open(self, day: date = MEETING_DAY) -> str:
        return meetings.open_collection(self.ctx, COORD, CHANNEL, day)

    def ack(self, user_id: str, day: date = MEETING_DAY) -> str:
        return meetings.acknowledge(self.ctx, Actor(user_id), channel_id=CHANNEL, day=day)

    def record(
        self,
        day: date = MEETING_DAY,
        *,
        present: dict[str, tuple[str, ...]] | None = None,
        **values: object,
    ) -> str:
        """Save the meeting's 会議記録 through its form. ``present`` maps an agency key (or
        ``"jimu"`` for the secretariat) to the people ticked; other keyword arguments are
        the form's values by field (texts, dates, times or choices by their type)."""
        form = records.record_form(self.ctx, COORD, CHANNEL, day)
        form_values = FormValues()
        with self.ctx.uow() as uow:
            ids = {a.key: a.id for a in uow.agencies.list()}
        for key, people in (present or {}).items():
            group = records.SECRETARIAT if key == "jimu" else ids[key]
            form_values.choices[f"present_{group}"] = people
        for field_id, value in values.items():
            if isinstance(value, str):
                form_values.texts[field_id] = value
            elif isinstance(value, time):
                form_values.times[field_id] = value
            elif isinstance(value, date):
                form_values.dates[field_id] = value
            elif isinstance(value, tuple):
                form_values.choices[field_id] = value
        return records.submit_record(self.ctx, COORD, form.metadata, form_values)

    def collecting(self, *codes: str, day: date = MEETING_DAY) -> Meeting:
        """A meeting on ``day`` with ``codes`` on its agenda, collection open."""
        meeting = self.new_meeting(day)
        for code in codes:
            self.put_on_agenda(code, day)
        self.open(day)
        return meeting

    # ------------------------------------------------------------------ reading

    def meeting(self, day: date = MEETING_DAY) -> Meeting | None:
        with self.ctx.uow() as uow:
            return uow.meetings.on_date(CHANNEL, day)

    def agency_id(self, key: str) -> str:
        with self.ctx.uow() as uow:
            agency = uow.agencies.by_key(key)
        assert agency is not None
        return agency.id

    def case(self, code: str) -> Case:
        with self.ctx.uow() as uow:
            found = cases.find_case(uow, code)
        return found

    def item(self, code: str, day: date = MEETING_DAY) -> AgendaItem:
        meeting, case = self.meeting(day), self.case(code)
        assert meeting is not None
        with self.ctx.uow() as uow:
            found = uow.agenda.get(meeting.id, case.id)
        assert found is not None
        return found

    def meeting_items(self, day: date = MEETING_DAY) -> list[AgendaItem]:
        meeting = self.meeting(day)
        assert meeting is not None
        with self.ctx.uow() as uow:
            return list(uow.agenda.for_meeting(meeting.id))

    def thread(self, code: str, day: date = MEETING_DAY) -> MessageRef:
        """The message heading the case's thread."""
        ref = self.item(code, day).thread_ref
        assert ref is not None
        return meetings.parse_ref(ref)

    def inputs(self, day: date = MEETING_DAY) -> list[AgencyInput]:
        meeting = self.meeting(day)
        assert meeting is not None
        with self.ctx.uow() as uow:
            return list(uow.inputs.for_meeting(meeting.id))

    def audit(self, action: AuditAction | None = None) -> list[AuditEvent]:
        """Committed audit rows since the last ``mark`` (of one action, if given)."""
        events = self.store.audit_events()[self._audit_mark :]
        return [e for e in events if action is None or e.action is action]

    def actions(self) -> list[str]:
        return [e.action.value for e in self.audit()]

    def denials(self) -> list[AuditEvent]:
        return self.audit(AuditAction.ACCESS_DENIED)

    def room(self, day: date = MEETING_DAY) -> str:
        """The meeting's own private channel, where its notice and case threads are."""
        meeting = self.meeting(day)
        assert meeting is not None and meeting.room_id is not None
        return meeting.room_id

    def posts(self) -> list[Posted]:
        """What the bot posted in the meetings' channels (never in the coordinators')."""
        assert not self.chat.posts(CHANNEL), "case content in the coordinators' channel"
        return [p for p in self.chat.posts() if p.channel_id.startswith("G")]


def make_world(*, now: datetime = NOW, scheduler: bool = True) -> World:
    """A world with nothing in it yet (``World.setup`` adds the usual people)."""
    return World(fake_context(now=now, scheduler=scheduler))
