"""A ``ServiceContext`` on fakes: the in-memory unit of work, the recording chat, a fixed
clock in Asia/Tokyo, a renderer that describes the view instead of making a .docx, and
either ``NoScheduler`` or a scheduler that records what was planned and can run it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.timeline import PlannedSend, TimelineSettings
from bot.services.context import NoScheduler, ServiceContext
from bot.services.document_views import MinutesView, RoleSummaryView
from bot.services.scheduled import JobResult, run_send
from fakes.chat import RecordingChat
from fakes.memory import MemoryStore

__all__ = [
    "JST",
    "NOW",
    "DescribingRenderer",
    "Fakes",
    "FixedClock",
    "RecordingScheduler",
    "fake_context",
]

JST = ZoneInfo("Asia/Tokyo")
# A Tuesday morning of 令和8年度 (fiscal year 2026), two weeks before a Tuesday meeting.
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=JST)


class FixedClock:
    """Always the same moment until told otherwise."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set(self, now: datetime) -> None:
        self.now = now


def describe_minutes(view: MinutesView) -> str:
    lines = [
        f"minutes draft={view.draft} name={view.meeting_name} starts={view.starts_at:%Y-%m-%d %H:%M}",
        f"author={view.author} attendees="
        + ";".join(f"{a.agency_name}:{','.join(a.people)}" for a in view.attendees),
        "acks=" + ",".join(a.person for a in view.acknowledgements),
    ]
    for case in view.cases:
        lines.append(
            f"case {case.code} kind={case.kind_label} consent={case.consent_on} "
            f"inputs={len(case.inputs)} roles={len(case.roles)} lead={case.lead_agency_name} "
            f"outcome={case.outcome_label} monitoring={case.next_monitoring_on}"
        )
    return "\n".join(lines)


def describe_role_summary(view: RoleSummaryView) -> str:
    lines = [f"roles name={view.meeting_name} starts={view.starts_at:%Y-%m-%d %H:%M}"]
    for agency in view.agencies:
        tasks = ",".join(f"{t.case_code}:{t.task}{'*' if t.lead else ''}" for t in agency.tasks)
        lines.append(f"agency {agency.agency_name}: {tasks}")
    return "\n".join(lines)


@dataclass
class DescribingRenderer:
    """Implements ``DocumentRenderer``: the bytes are a short description of the view
    (UTF-8), and every view rendered is kept for assertions."""

    minutes: list[MinutesView] = field(default_factory=list)
    role_summaries: list[RoleSummaryView] = field(default_factory=list)

    def render_minutes(self, view: MinutesView) -> bytes:
        self.minutes.append(view)
        return describe_minutes(view).encode()

    def render_role_summary(self, view: RoleSummaryView) -> bytes:
        self.role_summaries.append(view)
        return describe_role_summary(view).encode()


class RecordingScheduler:
    """Implements ``JobScheduler``: keeps the planned sends by key (planning a key again
    replaces it), records every call, and runs what is due when told to."""

    def __init__(self) -> None:
        self.jobs: dict[str, PlannedSend] = {}
        self.planned: list[PlannedSend] = []
        self.unplanned: list[str] = []

    def plan(self, sends: Sequence[PlannedSend], *, within: object = None) -> None:
        for send in sends:
            self.jobs[send.key] = send
            self.planned.append(send)

    def unplan(self, keys: Sequence[str], *, within: object = None) -> None:
        for key in keys:
            self.jobs.pop(key, None)
            self.unplanned.append(key)

    def due(self, now: datetime) -> list[PlannedSend]:
        return sorted(s for s in self.jobs.values() if s.due <= now)

    def run_due(self, ctx: ServiceContext) -> list[tuple[str, JobResult]]:
        """The scheduler waking up at the clock's now: each due job runs once."""
        results = []
        for send in self.due(ctx.now()):
            del self.jobs[send.key]
            results.append((send.kind.value, run_send(ctx, send)))
        return results


@dataclass
class Fakes:
    ctx: ServiceContext
    store: MemoryStore
    chat: RecordingChat
    clock: FixedClock
    renderer: DescribingRenderer
    scheduler: RecordingScheduler | None


def fake_context(
    *,
    now: datetime = NOW,
    scheduler: bool = True,
    municipality: str = "架空市",
    timeline: TimelineSettings | None = None,
) -> Fakes:
    """A context on fakes. ``scheduler=False`` wires ``NoScheduler`` (as the demo does)."""
    clock = FixedClock(now)
    store = MemoryStore(clock)
    chat = RecordingChat(in_transaction=lambda: store.in_transaction)
    renderer = DescribingRenderer()
    recording = RecordingScheduler() if scheduler else None
    ctx = ServiceContext(
        uow=store.unit_of_work,
        chat=chat,
        clock=clock,
        tz=JST,
        documents=renderer,
        municipality=municipality,
        scheduler=recording if recording is not None else NoScheduler(),
        timeline=timeline or TimelineSettings(),
    )
    return Fakes(ctx, store, chat, clock, renderer, recording)
