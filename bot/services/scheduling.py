"""Scheduling commands: the monthly regular meeting, the meeting list, cancel and move, and
the planning of each meeting's timeline. The handlers the scheduler's jobs call along that
timeline are in :mod:`bot.services.scheduled`.

Every send is claimed with an idempotency key (``uow.processed.claim``) and committed
*before* it is sent, and released if the chat platform refuses it: a double fire, a restart
or a second process therefore sends each reminder once, and a failed send can be retried.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import date, datetime, time

from bot import texts
from bot.domain.calendar import (
    HolidayPolicy,
    PlannedDate,
    format_wareki,
    format_wareki_datetime,
    format_wareki_month,
    ordinal_weekday_label,
)
from bot.domain.errors import DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    AuditAction,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
)
from bot.domain.timeline import (
    PlannedSend,
    plan_meeting,
    plan_monitoring,
    stamp,
)
from bot.services import claims, meetings
from bot.services.access import (
    Actor,
    PermissionDenied,
    agencies_of,
    deny,
    is_coordinator,
    require_coordinator,
)
from bot.services.audit import audit
from bot.services.chat import ChatUnavailable, Message, Paragraph
from bot.services.context import ServiceContext
from bot.services.messages import meeting_label, notice_message
from bot.services.ports import UnitOfWork

MONTHS_AHEAD = 12  # how far a regular meeting is materialised as meetings
SHOWN_DATES = 6  # how many dates /shien monthly answers with
POLICY_LABELS = {
    HolidayPolicy.NEXT: texts.SCHEDULING.policy_next,
    HolidayPolicy.PREVIOUS: texts.SCHEDULING.policy_prev,
    HolidayPolicy.SKIP: texts.SCHEDULING.policy_skip,
}


def _day(d: date) -> str:
    return format_wareki(d, gregorian=False)


# --------------------------------------------------------------------------- planning


def timeline(ctx: ServiceContext, meeting: Meeting) -> list[PlannedSend]:
    """The sends still ahead for ``meeting`` (none for cancelled or held meetings)."""
    if meeting.state in (MeetingState.CANCELLED, MeetingState.HELD):
        return []
    return plan_meeting(
        meeting.id, meeting.starts_at(ctx.tz), ctx.now(), ctx.calendar, ctx.timeline
    )


def _planned_keys(ctx: ServiceContext, meeting: Meeting) -> list[str]:
    return [send.key for send in timeline(ctx, meeting)]


def plan_meetings(
    ctx: ServiceContext, upcoming: Iterable[Meeting], *, within: UnitOfWork | None = None
) -> int:
    """Hand the timelines of ``upcoming`` to the scheduler (``within`` an open unit of work:
    in its transaction); returns the number of sends."""
    sends = [send for meeting in upcoming for send in timeline(ctx, meeting)]
    if sends:
        ctx.scheduler.plan(sends, within=within)
    return len(sends)


def monitoring_planned(ctx: ServiceContext, meeting_id: str, case_id: str, on: date) -> None:
    """A decision recorded a monitoring date: plan its agenda placement and its reminder.
    Quick (the scheduler's store only): called before a form's ack."""
    ctx.scheduler.plan(
        plan_monitoring(meeting_id, case_id, on, ctx.now(), ctx.calendar, ctx.timeline)
    )


def _is_past(ctx: ServiceContext, day: date, start: time) -> bool:
    now = ctx.now()
    return day < now.date() or (day == now.date() and start <= now.time().replace(tzinfo=None))


def _materialise(
    ctx: ServiceContext, uow: UnitOfWork, series: MeetingSeries, plan: list[PlannedDate]
) -> list[Meeting]:
    """Create the series' meetings on the planned working days that have none yet (in one
    bulk insert)."""
    taken = uow.meetings.days(series.channel_id)  # an ad-hoc meeting, a cancelled one, …
    created = []
    for planned in plan:
        day = planned.actual
        if day is None or day in taken or _is_past(ctx, day, series.start_time):
            continue
        taken.add(day)
        created.append(
            Meeting(
                channel_id=series.channel_id,
                kind=series.kind,
                date=day,
                start_time=series.start_time,
                created_by=series.created_by,
                series_id=series.id,
                created_at=ctx.clock(),
            )
        )
    uow.meetings.add_many(created)
    return created


def _plan_dates(ctx: ServiceContext, series: MeetingSeries) -> list[PlannedDate]:
    return ctx.calendar.monthly_dates(
        series.ordinal,
        series.weekday,
        start=ctx.today(),
        count=MONTHS_AHEAD,
        policy=series.holiday_policy,
    )


def _month(d: date) -> str:
    return format_wareki_month(d, gregorian=False)


def _describe(
    planned: PlannedDate, start: time, policy: HolidayPolicy, plan: list[PlannedDate]
) -> str:
    """One month of the rule as the coordinator reads it: a month without such a day is
    named as a month; a meeting the policy moves into another month says whose meeting it
    is and that this leaves the other month with two (or none)."""
    s = texts.SCHEDULING
    if planned.actual is None:
        if planned.no_such_day:
            return s.month_skipped.format(month=_month(planned.nominal), reason=planned.reason)
        why = planned.reason or s.closed_day
        return s.date_skipped.format(day=_day(planned.nominal), reason=why)
    when = format_wareki_datetime(datetime.combine(planned.actual, start))
    if not planned.moved:
        return s.date_held.format(when=when)
    moved = s.date_moved.format(
        when=when, day=_day(planned.nominal), reason=planned.reason, policy=POLICY_LABELS[policy]
    )
    if (planned.actual.year, planned.actual.month) == (
        planned.nominal.year,
        planned.nominal.month,
    ):
        return moved
    month = (planned.actual.year, planned.actual.month)
    held_there = sum(
        1 for p in plan if p.actual is not None and (p.actual.year, p.actual.month) == month
    )
    note = s.moved_month_twice if held_there > 1 else s.moved_month
    return moved + note.format(
        nominal=_month(planned.nominal), actual=_month(planned.actual), count=held_there
    )


def set_monthly(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    ordinal: int,
    weekday: int,
    start: time,
    kind: MeetingKind = MeetingKind.SUPPORT,
    policy: HolidayPolicy = HolidayPolicy.NEXT,
) -> str:
    """Coordinators only. Sets (or replaces) the channel's regular meeting and materialises
    the next twelve months as meetings on working days, each with its timeline.

    Re-running replaces the rule: future meetings of the old rule that are still only
    scheduled and have no agenda move to the new dates (or are cancelled); meetings already
    collecting input, or with an agenda, are kept as they are and named in the answer, so
    nothing is moved silently. Audited as ``series.set``.
    """
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "monthly")
        meetings.require_channel(uow, channel_id)
        series = MeetingSeries(
            channel_id=channel_id,
            kind=kind,
            ordinal=ordinal,
            weekday=weekday,
            start_time=start,
            holiday_policy=policy,
            created_by=actor.user_id,
            created_at=ctx.clock(),
        )
        plan = _plan_dates(ctx, series)
        new_days = {
            p.actual for p in plan if p.actual is not None and not _is_past(ctx, p.actual, start)
        }
        old_ids = set()
        for old in uow.series.for_channel(channel_id):
            old.active = False
            uow.series.save(old)
            old_ids.add(old.id)
        uow.series.add(series)
        stale_keys: list[str] = []
        kept: list[str] = []
        replaced = 0
        for meeting in uow.meetings.upcoming(channel_id, ctx.today()):
            if meeting.series_id not in old_ids or _is_past(ctx, meeting.date, meeting.start_time):
                continue
            untouched = meeting.state is MeetingState.SCHEDULED and not uow.agenda.for_meeting(
                meeting.id
            )
            if untouched:
                stale_keys += _planned_keys(ctx, meeting)
                if meeting.date in new_days:
                    meeting.series_id = series.id
                    meeting.start_time, meeting.kind = start, kind
                else:
                    meeting.cancel()
                    replaced += 1
                uow.meetings.save(meeting)
            else:
                if meeting.date in new_days and meeting.start_time == start:
                    meeting.series_id = series.id
                    uow.meetings.save(meeting)
                kept.append(
                    texts.SCHEDULING.kept_meeting.format(
                        label=meeting_label(meeting, ctx.tz), state=meeting.state.label
                    )
                )
        created = _materialise(ctx, uow, series, plan)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.SERIES_SET,
            "series",
            series.id,
            f"rule={ordinal}/{weekday}/{start:%H%M} policy={policy.value} created={len(created)}",
        )
        # The rule's meetings and their timelines are stored in one transaction.
        ctx.scheduler.unplan(stale_keys, within=uow)
        plan_meetings(ctx, uow.meetings.upcoming(channel_id, ctx.today()), within=uow)
        uow.commit()

    rule = texts.SCHEDULING.rule.format(
        rule=ordinal_weekday_label(ordinal, weekday), start=f"{start:%H:%M}", kind=kind.label
    )
    shown = [p for p in plan if p.actual is None or not _is_past(ctx, p.actual, start)]
    reminders = texts.SCHEDULING.reminders_separator.join(
        o.japanese for o in ctx.timeline.reminders
    )
    lines = [
        texts.SCHEDULING.monthly_set.format(rule=rule, policy=POLICY_LABELS[policy]),
        texts.SCHEDULING.next_dates.format(count=SHOWN_DATES),
        *(_describe(p, start, policy, plan) for p in shown[:SHOWN_DATES]),
        texts.SCHEDULING.monthly_registered.format(
            months=MONTHS_AHEAD,
            created=len(created),
            open_before=ctx.timeline.open_before.japanese,
            reminders=reminders or texts.SCHEDULING.no_reminders,
        ),
    ]
    if replaced:
        lines.append(texts.SCHEDULING.monthly_replaced.format(count=replaced))
    if kept:
        lines.append(texts.SCHEDULING.monthly_kept.format(meetings="、".join(kept)))
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands


def list_meetings(ctx: ServiceContext, actor: Actor, channel_id: str) -> str:
    """Coordinators and members: the channel's upcoming meetings with their agenda counts
    and states (no case codes)."""
    with ctx.uow() as uow:
        if not (is_coordinator(uow, actor) or agencies_of(uow, actor.user_id)):
            deny(ctx, uow, actor, "command", "meetings", "not_member")
            raise PermissionDenied(texts.SCHEDULING.list_not_member)
        meetings.require_channel(uow, channel_id)
        upcoming = list(uow.meetings.upcoming(channel_id, ctx.today()))
        rows = [(m, len(uow.agenda.for_meeting(m.id))) for m in upcoming[:24]]
        series = list(uow.series.for_channel(channel_id))
    lines = []
    if series:
        s = series[-1]
        lines.append(
            texts.SCHEDULING.list_series.format(
                rule=ordinal_weekday_label(s.ordinal, s.weekday),
                start=f"{s.start_time:%H:%M}",
                policy=POLICY_LABELS[s.holiday_policy],
            )
        )
    if not rows:
        lines.append(texts.SCHEDULING.list_none)
    else:
        lines.append(texts.SCHEDULING.list_title.format(count=len(upcoming)))
        lines += [
            texts.SCHEDULING.list_meeting.format(
                label=meeting_label(m, ctx.tz), count=count, state=m.state.label
            )
            for m, count in rows
        ]
        if len(upcoming) > len(rows):
            lines.append(texts.SCHEDULING.list_more.format(count=len(upcoming) - len(rows)))
    return "\n".join(lines)


def _check_new_day(ctx: ServiceContext, day: date, start: time, example: str) -> None:
    if _is_past(ctx, day, start):
        suggestion = ctx.calendar.next_working_day(ctx.today(), inclusive=False)
        raise InvalidValue(
            texts.SCHEDULING.past.format(
                now=format_wareki_datetime(ctx.now()),
                example=example.format(day=suggestion.isoformat(), time=f"{start:%H:%M}"),
            )
        )
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        nxt = ctx.calendar.next_working_day(day)
        raise InvalidValue(
            texts.SCHEDULING.closed.format(
                day=_day(day),
                reason=reason,
                next_day=_day(nxt),
                example=example.format(day=nxt.isoformat(), time=f"{start:%H:%M}"),
            )
        )


def _live_meeting(uow: UnitOfWork, channel_id: str, day: date) -> Meeting:
    meeting = uow.meetings.on_date(channel_id, day)
    if meeting is None or meeting.state is MeetingState.CANCELLED:
        raise NotFound(texts.SCHEDULING.no_meeting_on.format(day=_day(day)))
    if meeting.state is MeetingState.HELD:
        raise DomainError(texts.SCHEDULING.held_unchangeable)
    return meeting


def _prompted(uow: UnitOfWork, meeting_id: str) -> list[str]:
    """Members already asked for input for this meeting (they must hear of changes)."""
    return [
        user_id
        for user_id in meetings.asked_members(uow, meeting_id)
        if uow.processed.is_claimed(meetings.prompted_key(meeting_id, user_id))
    ]


def _tell(ctx: ServiceContext, users: Iterable[str], key: str, message: Message) -> int:
    """One DM per user and key, ever; a failed DM is released for a later attempt."""
    sent = 0
    for user_id in users:
        if not ctx.chat.user_is_active(user_id):
            continue
        if not claims.claim(ctx, f"{key}:{user_id}"):
            continue
        try:
            ctx.chat.send_direct(user_id, message)
        except ChatUnavailable:
            claims.release(ctx, f"{key}:{user_id}")
            raise
        sent += 1
    return sent


def _dm(text: str) -> Message:
    return Message(text[:150], (Paragraph(text),))


def cancel_meeting(ctx: ServiceContext, actor: Actor, channel_id: str, day: date) -> str:
    """Coordinators only. Cancels one meeting; its pending sends are dropped and members
    already asked for input are told by DM. Audited as ``meeting.cancelled``."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "cancel")
        meeting = _live_meeting(uow, channel_id, day)
        keys = _planned_keys(ctx, meeting)
        prompted = _prompted(uow, meeting.id)
        label = meeting_label(meeting, ctx.tz)
        meeting.cancel()
        uow.meetings.save(meeting)
        audit(ctx, uow, actor, AuditAction.MEETING_CANCELLED, "meeting", meeting.id, f"date={day}")
        uow.commit()
    ctx.scheduler.unplan(keys)
    told = _tell(
        ctx,
        prompted,
        f"cancelled:{meeting.id}",
        _dm(texts.SCHEDULING.cancelled_dm.format(label=label)),
    )
    extra = texts.SCHEDULING.members_told.format(count=told) if told else ""
    return texts.SCHEDULING.cancelled.format(label=label, told=extra)


def move_meeting(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    day: date,
    to_day: date,
    start: time | None = None,
) -> str:
    """Coordinators only. Moves one meeting to another working day (and time); its timeline
    is planned anew, the secrecy notice shows the new date, and members already asked for
    input are told by DM. Audited as ``meeting.moved``."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "move")
        meeting = _live_meeting(uow, channel_id, day)
        new_start = start or meeting.start_time
        _check_new_day(ctx, to_day, new_start, f"/shien move {day.isoformat()} {{day}} {{time}}")
        if to_day != day:
            other = uow.meetings.on_date(channel_id, to_day)
            if other is not None:
                state = (
                    texts.SCHEDULING.taken_by_cancelled
                    if other.state is MeetingState.CANCELLED
                    else texts.SCHEDULING.taken_by_meeting
                )
                raise Duplicate(texts.SCHEDULING.date_taken.format(day=_day(to_day), what=state))
        old_keys = _planned_keys(ctx, meeting)
        prompted = _prompted(uow, meeting.id)
        old_label = meeting_label(meeting, ctx.tz)
        meeting.date, meeting.start_time = to_day, new_start
        uow.meetings.save(meeting)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.MEETING_MOVED,
            "meeting",
            meeting.id,
            f"from={day} to={to_day}",
        )
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
        items = len(uow.agenda.for_meeting(meeting.id))
    ctx.scheduler.unplan(old_keys)
    plan_meetings(ctx, [meeting])
    if meeting.notice_ref is not None:
        # The members' DMs below matter more than refreshing the notice's date.
        with suppress(ChatUnavailable):
            ctx.chat.update(
                meetings.parse_ref(meeting.notice_ref),
                notice_message(meeting, label, items, ctx.notice(meeting)),
            )
    told = _tell(
        ctx,
        prompted,
        f"moved:{meeting.id}:{stamp(meeting.starts_at(ctx.tz))}",
        _dm(texts.SCHEDULING.moved_dm.format(old=old_label, new=label)),
    )
    extra = texts.SCHEDULING.members_told.format(count=told) if told else ""
    return texts.SCHEDULING.moved.format(old=old_label, new=label, told=extra)
