"""Monitoring carried forward (モニタリング): a case whose 次回モニタリング date comes round
returns to a meeting by itself.

A decision's monitoring date belongs to the channel's first meeting on or after it (the one
before that meeting is earlier than the date): the case is put on that meeting's agenda,
marked モニタリング, as soon as both exist — when the decision is recorded, when the meeting
is registered (``/shien adhoc``, ``/shien monthly``) or when its collection opens — and the
coordinator is told in the answer. A 重層的支援会議 discusses only cases with consent, so a
case without it goes to the first meeting after the date that may discuss it. A case already
brought to a later meeting (by hand or before), closed, or suspended is left alone, and so is
one the coordinator took off that meeting (``/shien agenda remove``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from bot import texts
from bot.domain.calendar import format_wareki
from bot.domain.errors import DomainError
from bot.domain.model import (
    Case,
    CaseStatus,
    Decision,
    Meeting,
    MeetingKind,
    MeetingState,
)
from bot.services import meetings
from bot.services.access import SYSTEM, Actor
from bot.services.context import ServiceContext
from bot.services.messages import meeting_label
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class Carried:
    """A case put on a meeting's agenda by its monitoring date."""

    code: str
    on: date  # the 次回モニタリング date
    meeting_label: str
    meeting_date: date


def declined_key(meeting_id: str, case_id: str) -> str:
    """Marks that the coordinator took a monitoring case off a meeting: it stays off."""
    return f"monitoring-declined:{meeting_id}:{case_id}"


def _latest_decisions(
    uow: UnitOfWork, channel_meetings: list[Meeting]
) -> dict[str, tuple[Decision, Meeting]]:
    """Each case's decision at the channel's latest meeting that decided on it."""
    latest: dict[str, tuple[Decision, Meeting]] = {}
    for meeting in channel_meetings:  # earliest first
        for decision in uow.decisions.for_meeting(meeting.id):
            latest[decision.case_id] = (decision, meeting)
    return latest


def _target(
    uow: UnitOfWork,
    case: Case,
    on: date,
    decided_at: Meeting,
    channel_meetings: list[Meeting],
    today: date,
    *,
    states: tuple[MeetingState, ...],
) -> Meeting | None:
    """The first meeting on or after ``on`` (and after the deciding one) that may discuss
    the case, if the case is not already brought back and that meeting is still to come."""
    later = [m for m in channel_meetings if m.date > decided_at.date]
    on_agenda = {i.meeting_id for i in uow.agenda.for_case(case.id)}
    if any(m.id in on_agenda for m in later):
        return None  # already brought to a later meeting
    for meeting in later:
        if meeting.date < on:
            continue
        if meeting.state in (MeetingState.HELD, MeetingState.CANCELLED) or meeting.date < today:
            return None  # the meeting the date belonged to is past: the coordinator decides
        if meeting.kind is MeetingKind.MULTILAYER and not case.has_consent:
            continue
        if uow.processed.is_claimed(declined_key(meeting.id, case.id)):
            return None
        return meeting if meeting.state in states else None
    return None


def carry(
    ctx: ServiceContext,
    channel_id: str,
    *,
    actor: Actor = SYSTEM,
    quiet: bool = False,
) -> list[Carried]:
    """Put every case of the channel whose monitoring date has its meeting on that meeting's
    agenda. ``quiet`` places only on meetings not collecting yet (no chat call: a form's
    submission must be answered within seconds); otherwise a collecting meeting gets the
    case's thread and prompts at once, as ``/shien agenda add`` does."""
    states = (
        (MeetingState.SCHEDULED,) if quiet else (MeetingState.SCHEDULED, MeetingState.COLLECTING)
    )
    today = ctx.today()
    plan: list[tuple[str, date, Meeting]] = []
    with ctx.uow() as uow:
        if uow.channels.get(channel_id) is None:
            return []
        channel_meetings = list(uow.meetings.upcoming(channel_id, date.min))
        for case_id, (decision, decided_at) in _latest_decisions(uow, channel_meetings).items():
            on = decision.next_monitoring_on
            case = uow.cases.get(case_id)
            if on is None or case is None or case.status is not CaseStatus.OPEN:
                continue
            target = _target(uow, case, on, decided_at, channel_meetings, today, states=states)
            if target is not None:
                plan.append((str(case.code), on, target))
    carried = []
    for code, on, target in sorted(plan, key=lambda p: (p[2].date, p[0])):
        try:
            meetings.add_to_agenda(ctx, actor, channel_id, code, target.date, monitoring_on=on)
        except DomainError:  # e.g. consent withdrawn a moment ago: the coordinator decides
            continue
        carried.append(Carried(code, on, meeting_label(target, ctx.tz), target.date))
    return carried


def told(carried: list[Carried]) -> str:
    """What the coordinator reads about the cases brought back, or nothing."""
    if not carried:
        return ""
    lines = [
        texts.MONITORING.carried_line.format(
            code=c.code, on=format_wareki(c.on, gregorian=False), label=c.meeting_label
        )
        for c in carried
    ]
    first = carried[0]
    return texts.MONITORING.carried.format(
        lines="\n".join(lines), code=first.code, date=first.meeting_date.isoformat()
    )


def waiting(ctx: ServiceContext, channel_id: str, case_id: str, on: date) -> str:
    """What the coordinator reads after a monitoring date that no meeting takes yet: that
    the first meeting registered on or after it will, unless the case is already on a
    meeting after the date."""
    with ctx.uow() as uow:
        later = {m.id for m in uow.meetings.upcoming(channel_id, on)}
        if any(item.meeting_id in later for item in uow.agenda.for_case(case_id)):
            return ""
    return texts.MONITORING.waiting.format(on=format_wareki(on, gregorian=False))


def schedule_adhoc(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    day: date,
    start: time,
    kind: MeetingKind,
) -> str:
    """``/shien adhoc``: registers the meeting, then brings back the cases whose monitoring
    date it is the meeting of, and says so."""
    answer = meetings.schedule_adhoc(ctx, actor, channel_id, day, start, kind)
    return answer + told(carry(ctx, channel_id, actor=actor))


def open_collection(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """``/shien open``: brings back the monitoring cases first (so their threads are posted
    with the others), then opens collection, and names the cases brought back."""
    with ctx.uow() as uow:
        known = meetings.is_meeting_channel(uow, channel_id)
        room = uow.meetings.by_room(channel_id)
    if not known:  # an empty private channel a coordinator made for the meeting: adopted
        return meetings.open_collection(ctx, actor, channel_id, day)
    team = room.channel_id if room is not None else channel_id
    carried = carry(ctx, team, actor=actor, quiet=True)
    answer = meetings.open_collection(ctx, actor, channel_id, day)
    return answer + told(carried)
