"""The handlers the scheduler's jobs call (with IDs only) along each meeting's timeline:
opening input collection, reminders, the meeting day's notice, the post-meeting prompt,
monitoring, and the daily extension of regular meetings. The commands coordinators run and
the planning of timelines are in :mod:`bot.services.scheduling`.

Every send is claimed with an idempotency key (``uow.processed.claim``) and committed
*before* it is sent, and released if the chat platform refuses it: a double fire, a restart
or a second process therefore sends each reminder once, and a failed send can be retried.
Jobs drop their work when the meeting is cancelled, has moved since they were planned, or
has already started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from bot import texts
from bot.domain.calendar import format_wareki
from bot.domain.errors import DomainError
from bot.domain.model import (
    CaseStatus,
    Meeting,
    MeetingState,
)
from bot.domain.timeline import (
    PlannedSend,
    SendKind,
    monitoring_date_of,
    open_key,
    plan_meeting,
    stamp,
    stamp_of,
)
from bot.services import claims, meetings, monitoring
from bot.services.access import SYSTEM
from bot.services.chat import ChatUnavailable, Message, Note, Paragraph
from bot.services.context import ServiceContext
from bot.services.delivery import Delivery
from bot.services.messages import meeting_label, prompt_dm
from bot.services.ports import UnitOfWork

# The once-only sends and the materialising of regular meetings are shared with the commands.
from bot.services.scheduling import (
    _dm,
    _materialise,
    _plan_dates,
    _tell,
    plan_meetings,
)

MAX_LEAD = timedelta(days=120)  # longer than any offset (they are capped at 92 days)


class JobResult(StrEnum):
    """What a job did (for logs and tests; never content)."""

    SENT = "sent"  # something was sent (or opened)
    SKIPPED = "skipped"  # nothing to do now: already done, or nothing pending
    DROPPED = "dropped"  # stale: the meeting passed, moved or was cancelled


def extend_series(ctx: ServiceContext) -> int:
    """Keep every active regular meeting materialised twelve months ahead (a daily job).
    Returns how many meetings were created."""
    created: list[Meeting] = []
    with ctx.uow() as uow:
        for channel in uow.channels.list():
            for series in uow.series.for_channel(channel.channel_id):
                created += _materialise(ctx, uow, series, _plan_dates(ctx, series))
        uow.commit()
    plan_meetings(ctx, created)
    return len(created)


# --------------------------------------------------------------------------- jobs


def _stale(ctx: ServiceContext, meeting: Meeting | None, key: str | None = None) -> bool:
    """Nothing more is sent for a meeting that is gone, cancelled, held or started, nor for a
    key planned for a start the meeting no longer has (it moved)."""
    if meeting is None or meeting.state in (MeetingState.CANCELLED, MeetingState.HELD):
        return True
    start = meeting.starts_at(ctx.tz)
    if key is not None and stamp_of(key) not in (None, stamp(start)):
        return True
    return ctx.now() >= start


def _superseded(ctx: ServiceContext, meeting: Meeting, key: str) -> bool:
    """After downtime, of several reminders that all fell due only the latest is sent."""
    start = meeting.starts_at(ctx.tz)
    every = plan_meeting(meeting.id, start, start - MAX_LEAD, ctx.calendar, ctx.timeline)
    dues = {s.key: s.due for s in every if s.kind is SendKind.REMIND}
    mine, now = dues.get(key), ctx.now()
    return mine is not None and any(mine < due <= now for due in dues.values())


def _coordinators(uow: UnitOfWork) -> list[str]:
    return [c.user_id for c in uow.coordinators.list(active_only=True)]


def open_due(ctx: ServiceContext, meeting_id: str) -> JobResult:
    """The opening of input collection fell due: the same operation as ``/shien open``, by
    the system. An opening left incomplete (a post or DM the chat platform refused, by this
    job or by hand) is completed.

    With an empty agenda a regular meeting tells the coordinators once; an ad-hoc one waits
    (adding its first case opens it). If the channel is not fit for case content (someone
    outside the roster), nothing about cases is posted and the coordinators are told why.
    """
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or _stale(ctx, meeting):
            return JobResult.DROPPED
        if meeting.state not in (MeetingState.SCHEDULED, MeetingState.COLLECTING):
            return JobResult.SKIPPED
        complete = meetings.opened_completely(uow, meeting)
        empty = not uow.agenda.for_meeting(meeting.id)
        coordinators = _coordinators(uow)
        label = meeting_label(meeting, ctx.tz)
    if meeting.state is MeetingState.COLLECTING and complete:
        # Opened already (by hand, or by this job before it was refused a DM): only the
        # members not asked yet are asked.
        sent, unreachable = meetings.prompt_members(ctx, meeting.id)
        if unreachable:
            raise ChatUnavailable("prompts", "unreachable")
        return JobResult.SENT if sent else JobResult.SKIPPED
    if empty:
        if meeting.adhoc:
            return JobResult.SKIPPED
        _tell(
            ctx,
            coordinators,
            f"open-empty:{meeting.id}:{stamp(meeting.starts_at(ctx.tz))}",
            _dm(texts.SCHEDULED.open_empty.format(label=label)),
        )
        return JobResult.SKIPPED
    if not claims.claim(ctx, open_key(meeting.id)):
        return JobResult.SKIPPED
    try:
        opening = meetings.open_meeting(ctx, SYSTEM, meeting.channel_id, meeting.date)
        if opening.unreachable:  # the job's retry asks them
            raise ChatUnavailable("prompts", "unreachable")
    except ChatUnavailable:
        claims.release(ctx, open_key(meeting.id))
        raise
    except DomainError as error:
        claims.release(ctx, open_key(meeting.id))
        _tell(
            ctx,
            coordinators,
            f"open-failed:{meeting.id}:{ctx.now():%Y%m%dT%H}",
            _dm(texts.SCHEDULED.open_failed.format(label=label, reason=error.message)),
        )
        return JobResult.SKIPPED
    return JobResult.SENT


def remind_due(ctx: ServiceContext, meeting_id: str, key: str) -> JobResult:
    """A reminder fell due: each member of an agency that has not answered gets one DM per
    key, ever."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or _stale(ctx, meeting, key):
            return JobResult.DROPPED
        if meeting.state is not MeetingState.COLLECTING:
            return JobResult.SKIPPED
        if _superseded(ctx, meeting, key):
            return JobResult.DROPPED
        pending = meetings.pending_members(uow, meeting.id)
        label = meeting_label(meeting, ctx.tz)
        notice = ctx.notice(meeting)
    sent = 0
    for user_id, codes in pending.items():
        one_to_one = ctx.delivery is Delivery.DIRECT
        sent += _tell(
            ctx, [user_id], key, prompt_dm(codes, label, notice, reminder=True, direct=one_to_one)
        )
    return JobResult.SENT if sent else JobResult.SKIPPED


def morning_due(ctx: ServiceContext, meeting_id: str, key: str) -> JobResult:
    """The meeting day's notice in the meeting channel: the time and the agenda (codes)."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or _stale(ctx, meeting, key):
            return JobResult.DROPPED
        codes = [
            str(case.code)
            for item in uow.agenda.for_meeting(meeting.id)
            if (case := uow.cases.get(item.case_id)) is not None
        ]
        label = meeting_label(meeting, ctx.tz)
        room_id = meeting.room_id
    # Case codes belong in the meeting's own channel, never the coordinators'.
    if not codes or room_id is None or not claims.claim(ctx, key):
        return JobResult.SKIPPED
    agenda = "、".join(codes)
    message = Message(
        texts.SCHEDULED.morning_text.format(label=label),
        (
            Paragraph(texts.SCHEDULED.morning.format(label=label, count=len(codes), codes=agenda)),
            Note(texts.SCHEDULED.morning_note),
        ),
    )
    try:
        if ctx.delivery is Delivery.DIRECT:  # nothing in a channel: each person, 1:1
            from bot.services import direct

            direct.tell_meeting(ctx, meeting.id, message)
        else:
            ctx.chat.post(room_id, message)
    except ChatUnavailable:
        claims.release(ctx, key)
        raise
    return JobResult.SENT


def after_due(ctx: ServiceContext, meeting_id: str, key: str) -> JobResult:
    """After the meeting: the coordinators are asked to record decisions and fetch minutes."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or meeting.state is MeetingState.CANCELLED:
            return JobResult.DROPPED
        if stamp_of(key) != stamp(meeting.starts_at(ctx.tz)):
            return JobResult.DROPPED
        codes = [
            str(case.code)
            for item in uow.agenda.for_meeting(meeting.id)
            if (case := uow.cases.get(item.case_id)) is not None
        ]
        coordinators = _coordinators(uow)
        label = meeting_label(meeting, ctx.tz)
    if not codes:
        return JobResult.SKIPPED
    first = codes[0]
    text = texts.SCHEDULED.after.format(
        label=label, codes="、".join(codes), first=first, date=meeting.date.isoformat()
    )
    sent = _tell(ctx, coordinators, key, _dm(text))
    return JobResult.SENT if sent else JobResult.SKIPPED


@dataclass(frozen=True)
class _Monitoring:
    channel_id: str
    code: str
    on: date
    lead_members: list[str]
    coordinators: list[str]
    target: Meeting | None


def _monitoring(ctx: ServiceContext, meeting_id: str, case_id: str, key: str) -> _Monitoring | None:
    """The monitoring date of the decision, if it still stands, and the meeting it goes to."""
    on = monitoring_date_of(key)
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        case = uow.cases.get(case_id)
        decision = uow.decisions.get(meeting_id, case_id)
        if (
            on is None
            or meeting is None
            or case is None
            or decision is None
            or decision.next_monitoring_on != on
            or on < ctx.today()
        ):
            return None
        if case.status is not CaseStatus.OPEN:
            return None
        # The meeting the case was brought back to by this date (bot.services.monitoring).
        candidates = [
            m
            for item in uow.agenda.for_case(case_id)
            if item.monitoring_on == on
            and (m := uow.meetings.get(item.meeting_id)) is not None
            and m.state is not MeetingState.CANCELLED
        ]
        leads = {r.agency_id for r in uow.roles.for_case(case_id) if r.lead}
        members = [m.user_id for agency_id in leads for m in uow.memberships.for_agency(agency_id)]
        return _Monitoring(
            meeting.channel_id,
            str(case.code),
            on,
            members,
            _coordinators(uow),
            candidates[-1] if candidates else None,
        )


def agenda_due(ctx: ServiceContext, meeting_id: str, case_id: str, key: str) -> JobResult:
    """Put a case with a monitoring date on the agenda of the first meeting on or after it
    (``bot.services.monitoring``), posting its thread if that meeting is collecting."""
    found = _monitoring(ctx, meeting_id, case_id, key)
    if found is None:
        return JobResult.DROPPED
    carried = monitoring.carry(ctx, found.channel_id)
    if not any(c.code == found.code for c in carried):
        return JobResult.SKIPPED  # no meeting after the date yet: the reminder says so
    return JobResult.SENT


def monitoring_due(ctx: ServiceContext, meeting_id: str, case_id: str, key: str) -> JobResult:
    """A monitoring date is near: the lead agency's members and the coordinators are told
    (case code and date only), and the case is on the agenda of the last meeting before it."""
    agenda_due(ctx, meeting_id, case_id, key)
    found = _monitoring(ctx, meeting_id, case_id, key)
    if found is None:
        return JobResult.DROPPED
    where = (
        texts.SCHEDULED.monitoring_on_agenda.format(label=meeting_label(found.target, ctx.tz))
        if found.target is not None
        else texts.SCHEDULED.monitoring_no_meeting
    )
    text = texts.SCHEDULED.monitoring.format(
        code=found.code, on=format_wareki(found.on), where=where
    )
    recipients = list(dict.fromkeys([*found.lead_members, *found.coordinators]))
    sent = _tell(ctx, recipients, key, _dm(text))
    return JobResult.SENT if sent else JobResult.SKIPPED


JOBS: dict[SendKind, Callable[[ServiceContext, PlannedSend], JobResult]] = {
    SendKind.OPEN: lambda ctx, s: open_due(ctx, s.meeting_id),
    SendKind.REMIND: lambda ctx, s: remind_due(ctx, s.meeting_id, s.key),
    SendKind.MORNING: lambda ctx, s: morning_due(ctx, s.meeting_id, s.key),
    SendKind.AFTER: lambda ctx, s: after_due(ctx, s.meeting_id, s.key),
    SendKind.AGENDA: lambda ctx, s: agenda_due(ctx, s.meeting_id, s.case_id or "", s.key),
    SendKind.MONITORING: lambda ctx, s: monitoring_due(ctx, s.meeting_id, s.case_id or "", s.key),
}


def run_send(ctx: ServiceContext, send: PlannedSend) -> JobResult:
    """Run one planned send now (what the scheduler's jobs call)."""
    return JOBS[send.kind](ctx, send)
