"""Scheduling: the monthly regular meeting, the meeting list, cancel and move, and the jobs
the scheduler runs (with IDs only) along each meeting's timeline.

Every send is claimed with an idempotency key (``uow.processed.claim``) and committed
*before* it is sent, and released if the chat platform refuses it: a double fire, a restart
or a second process therefore sends each reminder once, and a failed send can be retried.
Jobs drop their work when the meeting is cancelled, has moved since they were planned, or
has already started.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.calendar import (
    HolidayPolicy,
    PlannedDate,
    format_wareki,
    format_wareki_datetime,
    ordinal_weekday_label,
)
from bot.domain.errors import DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    AuditAction,
    CaseStatus,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
)
from bot.domain.timeline import (
    PlannedSend,
    SendKind,
    monitoring_date_of,
    open_key,
    plan_meeting,
    plan_monitoring,
    stamp,
    stamp_of,
)
from bot.services import meetings
from bot.services.access import (
    SYSTEM,
    Actor,
    PermissionDenied,
    agencies_of,
    deny,
    is_coordinator,
    require_coordinator,
)
from bot.services.audit import audit
from bot.services.chat import ChatUnavailable, Message, Note, Paragraph
from bot.services.context import ServiceContext
from bot.services.messages import meeting_label, notice_message, prompt_dm
from bot.services.ports import UnitOfWork

MONTHS_AHEAD = 12  # how far a regular meeting is materialised as meetings
SHOWN_DATES = 6  # how many dates /shien monthly answers with
MAX_LEAD = timedelta(days=120)  # longer than any offset (they are capped at 92 days)
POLICY_LABELS = {
    HolidayPolicy.NEXT: "翌開庁日に変更",
    HolidayPolicy.PREVIOUS: "前の開庁日に変更",
    HolidayPolicy.SKIP: "休会",
}


class JobResult(StrEnum):
    """What a job did (for logs and tests; never content)."""

    SENT = "sent"  # something was sent (or opened)
    SKIPPED = "skipped"  # nothing to do now: already done, or nothing pending
    DROPPED = "dropped"  # stale: the meeting passed, moved or was cancelled


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


def plan_meetings(ctx: ServiceContext, upcoming: Iterable[Meeting]) -> int:
    """Hand the timelines of ``upcoming`` to the scheduler; returns the number of sends."""
    sends = [send for meeting in upcoming for send in timeline(ctx, meeting)]
    if sends:
        ctx.scheduler.plan(sends)
    return len(sends)


def _is_past(ctx: ServiceContext, day: date, start: time) -> bool:
    now = ctx.now()
    return day < now.date() or (day == now.date() and start <= now.time().replace(tzinfo=None))


def _materialise(
    ctx: ServiceContext, uow: UnitOfWork, series: MeetingSeries, plan: list[PlannedDate]
) -> list[Meeting]:
    """Create the series' meetings on the planned working days that have none yet."""
    created = []
    for planned in plan:
        day = planned.actual
        if day is None or _is_past(ctx, day, series.start_time):
            continue
        if uow.meetings.on_date(series.channel_id, day) is not None:
            continue  # an ad-hoc meeting, a cancelled one, or this series' own
        meeting = Meeting(
            channel_id=series.channel_id,
            kind=series.kind,
            date=day,
            start_time=series.start_time,
            created_by=series.created_by,
            series_id=series.id,
            created_at=ctx.clock(),
        )
        uow.meetings.add(meeting)
        created.append(meeting)
    return created


def _plan_dates(ctx: ServiceContext, series: MeetingSeries) -> list[PlannedDate]:
    return ctx.calendar.monthly_dates(
        series.ordinal,
        series.weekday,
        start=ctx.today(),
        count=MONTHS_AHEAD,
        policy=series.holiday_policy,
    )


def _describe(planned: PlannedDate, start: time, policy: HolidayPolicy) -> str:
    if planned.actual is None:
        why = planned.reason or "休業日"
        return f"• {_day(planned.nominal)} — {why}のため休会"
    when = format_wareki_datetime(datetime.combine(planned.actual, start))
    if planned.moved:
        return f"• {when} — {_day(planned.nominal)}は{planned.reason}のため{POLICY_LABELS[policy]}"
    return f"• {when}"


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
                kept.append(f"{meeting_label(meeting, ctx.tz)}（{meeting.state.label}）")
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
        uow.commit()
        upcoming = [m for m in uow.meetings.upcoming(channel_id, ctx.today())]
    ctx.scheduler.unplan(stale_keys)
    plan_meetings(ctx, upcoming)

    rule = f"毎月{ordinal_weekday_label(ordinal, weekday)} {start:%H:%M} {kind.label}"
    shown = [p for p in plan if p.actual is None or not _is_past(ctx, p.actual, start)]
    lines = [
        f"定例会議を設定しました: {rule}（閉庁日の場合: {POLICY_LABELS[policy]}）",
        f"今後{SHOWN_DATES}回の予定:",
        *(_describe(p, start, policy) for p in shown[:SHOWN_DATES]),
        f"{MONTHS_AHEAD}か月先までの会議を登録しました（新規 {len(created)}回）。"
        f"情報収集は{ctx.timeline.open_before.japanese}に開始し、未回答の機関には"
        f"{'・'.join(o.japanese for o in ctx.timeline.reminders) or '（なし）'}に"
        "リマインドします。",
    ]
    if replaced:
        lines.append(f"以前の定例の規則による予定 {replaced}回を取り消しました。")
    if kept:
        lines.append(
            "次の会議は情報収集中または議題があるため変更していません"
            "（必要なら /shien move または /shien cancel）: " + "、".join(kept)
        )
    return "\n".join(lines)


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


# --------------------------------------------------------------------------- commands


def list_meetings(ctx: ServiceContext, actor: Actor, channel_id: str) -> str:
    """Coordinators and members: the channel's upcoming meetings with their agenda counts
    and states (no case codes)."""
    with ctx.uow() as uow:
        if not (is_coordinator(uow, actor) or agencies_of(uow, actor.user_id)):
            deny(ctx, uow, actor, "command", "meetings", "not_member")
            raise PermissionDenied(
                "会議の一覧は事務局と関係機関の構成員だけが見られます。事務局にお問い合わせください。"
            )
        meetings.require_channel(uow, channel_id)
        upcoming = list(uow.meetings.upcoming(channel_id, ctx.today()))
        rows = [(m, len(uow.agenda.for_meeting(m.id))) for m in upcoming[:24]]
        series = list(uow.series.for_channel(channel_id))
    lines = []
    if series:
        s = series[-1]
        lines.append(
            f"定例: 毎月{ordinal_weekday_label(s.ordinal, s.weekday)} {s.start_time:%H:%M}"
            f"（閉庁日の場合: {POLICY_LABELS[s.holiday_policy]}）"
        )
    if not rows:
        lines.append(
            "今後の会議は登録されていません（/shien monthly 2 火 14:00 または /shien adhoc）。"
        )
    else:
        lines.append(f"今後の会議（{len(upcoming)}件）:")
        lines += [
            f"• {meeting_label(m, ctx.tz)} — 議題 {count}件・{m.state.label}" for m, count in rows
        ]
        if len(upcoming) > len(rows):
            lines.append(f"…ほか {len(upcoming) - len(rows)}件")
    return "\n".join(lines)


def _check_new_day(ctx: ServiceContext, day: date, start: time, example: str) -> None:
    if _is_past(ctx, day, start):
        suggestion = ctx.calendar.next_working_day(ctx.today(), inclusive=False)
        raise InvalidValue(
            f"過去の日時は指定できません（現在 {ctx.now():%Y-%m-%d %H:%M}）。"
            f"例: {example.format(day=suggestion.isoformat(), time=f'{start:%H:%M}')}"
        )
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        nxt = ctx.calendar.next_working_day(day)
        raise InvalidValue(
            f"{_day(day)} は{reason}のため会議日にできません。直近の開庁日は {_day(nxt)} です。"
            f"例: {example.format(day=nxt.isoformat(), time=f'{start:%H:%M}')}"
        )


def _live_meeting(uow: UnitOfWork, channel_id: str, day: date) -> Meeting:
    meeting = uow.meetings.on_date(channel_id, day)
    if meeting is None or meeting.state is MeetingState.CANCELLED:
        raise NotFound(
            f"{_day(day)} の会議はこのチャンネルにありません。/shien meetings で確認してください。"
        )
    if meeting.state is MeetingState.HELD:
        raise DomainError("開催済みの会議は変更できません。")
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
        if not _claim(ctx, f"{key}:{user_id}"):
            continue
        try:
            ctx.chat.send_direct(user_id, message)
        except ChatUnavailable:
            _release(ctx, f"{key}:{user_id}")
            raise
        sent += 1
    return sent


def _claim(ctx: ServiceContext, key: str) -> bool:
    with ctx.uow() as uow:
        claimed = uow.processed.claim(key)
        uow.commit()
    return claimed


def _release(ctx: ServiceContext, key: str) -> None:
    with ctx.uow() as uow:
        uow.processed.release(key)
        uow.commit()


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
        _dm(f"{label} は中止になりました。この会議への情報提供は不要です。"),
    )
    extra = f"情報提供を依頼済みの {told}人にDMで知らせました。" if told else ""
    return f"{label} を中止しました。{extra}"


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
                state = "中止済みの会議" if other.state is MeetingState.CANCELLED else "会議"
                raise Duplicate(f"{_day(to_day)} にはすでに{state}が登録されています。")
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
                meetings.parse_ref(meeting.notice_ref), notice_message(meeting, label, items)
            )
    told = _tell(
        ctx,
        prompted,
        f"moved:{meeting.id}:{stamp(meeting.starts_at(ctx.tz))}",
        _dm(f"{old_label} は {label} に変更になりました。"),
    )
    extra = f"情報提供を依頼済みの {told}人にDMで知らせました。" if told else ""
    return f"{old_label} を {label} に変更しました。{extra}"


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
    """The opening of input collection fell due: the same as ``/shien open`` by the system.

    With an empty agenda a regular meeting tells the coordinators once; an ad-hoc one waits
    (adding its first case opens it). If the channel is not fit for case content (someone
    outside the roster), nothing about cases is posted and the coordinators are told why.
    """
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or _stale(ctx, meeting):
            return JobResult.DROPPED
        if meeting.state is not MeetingState.SCHEDULED:
            return JobResult.SKIPPED  # opened by hand already
        empty = not uow.agenda.for_meeting(meeting.id)
        coordinators = _coordinators(uow)
        label = meeting_label(meeting, ctx.tz)
    if empty:
        if meeting.adhoc:
            return JobResult.SKIPPED
        _tell(
            ctx,
            coordinators,
            f"open-empty:{meeting.id}:{stamp(meeting.starts_at(ctx.tz))}",
            _dm(
                f"{label} の情報収集の開始日ですが、議題がありません。"
                "/shien agenda add R8-001 で事例を追加してから /shien open を実行してください。"
            ),
        )
        return JobResult.SKIPPED
    if not _claim(ctx, open_key(meeting.id)):
        return JobResult.SKIPPED
    try:
        meetings.open_collection(ctx, SYSTEM, meeting.channel_id, meeting.date)
    except ChatUnavailable:
        _release(ctx, open_key(meeting.id))
        raise
    except DomainError as error:
        _release(ctx, open_key(meeting.id))
        _tell(
            ctx,
            coordinators,
            f"open-failed:{meeting.id}:{ctx.now():%Y%m%dT%H}",
            _dm(f"{label} の情報収集を自動で開始できませんでした。\n{error.message}"),
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
    sent = 0
    for user_id, codes in pending.items():
        sent += _tell(ctx, [user_id], key, prompt_dm(codes, label, reminder=True))
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
    if not codes or not _claim(ctx, key):
        return JobResult.SKIPPED
    agenda = "、".join(codes)
    message = Message(
        f"本日の会議: {label}",
        (
            Paragraph(f"本日は {label} です。\n議題（{len(codes)}件）: {agenda}"),
            Note("守秘義務の確認がまだの方は、会議の前に /shien ack をお願いします。"),
        ),
    )
    try:
        ctx.chat.post(meeting.channel_id, message)
    except ChatUnavailable:
        _release(ctx, key)
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
    text = (
        f"{label} お疲れさまでした。\n"
        f"事例（{'、'.join(codes)}）ごとに /shien decide {first} で決定事項を記録し、"
        f"/shien minutes {meeting.date.isoformat()} で議事録を受け取ってください。"
    )
    sent = _tell(ctx, coordinators, key, _dm(text))
    return JobResult.SENT if sent else JobResult.SKIPPED


def monitoring_planned(ctx: ServiceContext, meeting_id: str, case_id: str, on: date) -> None:
    """A decision recorded a monitoring date: plan its agenda placement and its reminder.
    Quick (the scheduler's store only): called before a form's ack."""
    ctx.scheduler.plan(
        plan_monitoring(meeting_id, case_id, on, ctx.now(), ctx.calendar, ctx.timeline)
    )


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
        candidates = [
            m
            for m in uow.meetings.upcoming(meeting.channel_id, ctx.today())
            if m.date < on and m.id != meeting_id and ctx.now() < m.starts_at(ctx.tz)
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
    """Put a case with a monitoring date on the agenda of the last meeting before it."""
    found = _monitoring(ctx, meeting_id, case_id, key)
    if found is None:
        return JobResult.DROPPED
    if found.target is None:
        return JobResult.SKIPPED  # no meeting before the date yet: the reminder says so
    try:
        meetings.add_to_agenda(ctx, SYSTEM, found.channel_id, found.code, found.target.date)
    except DomainError:
        return JobResult.SKIPPED  # e.g. a 重層 meeting without consent: the coordinator decides
    return JobResult.SENT


def monitoring_due(ctx: ServiceContext, meeting_id: str, case_id: str, key: str) -> JobResult:
    """A monitoring date is near: the lead agency's members and the coordinators are told
    (case code and date only), and the case is on the agenda of the last meeting before it."""
    agenda_due(ctx, meeting_id, case_id, key)
    found = _monitoring(ctx, meeting_id, case_id, key)
    if found is None:
        return JobResult.DROPPED
    where = (
        f"{meeting_label(found.target, ctx.tz)} の議題に入っています。"
        if found.target is not None
        else "この日より前の会議がないため、必要なら /shien adhoc で会議を登録してください。"
    )
    text = f"事例 {found.code} の次回モニタリング日は {format_wareki(found.on)} です。{where}"
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
