"""Meetings: ad-hoc scheduling, the agenda, opening input collection, the secrecy
confirmation, status and reminders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import partial

from bot import texts
from bot.domain.calendar import format_wareki, format_wareki_datetime
from bot.domain.errors import DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    AgendaItem,
    AuditAction,
    Case,
    ConfidentialityAcknowledgement,
    InputSource,
    InputState,
    Meeting,
    MeetingChannel,
    MeetingKind,
    MeetingState,
    Occasion,
)
from bot.domain.timeline import PlannedSend, SendKind, open_key, opening_time, plan_meeting
from bot.services import claims, rooms
from bot.services.access import (
    SYSTEM,
    Actor,
    Standing,
    refuse,
    require_coordinator,
    require_known,
    require_reader,
    roster,
    standing,
    with_account,
)
from bot.services.audit import audit
from bot.services.cases import find_case
from bot.services.chat import (
    ChatUnavailable,
    Message,
    MessageRef,
    Paragraph,
    channel_link,
    mention,
)
from bot.services.context import ServiceContext
from bot.services.delivery import Delivery
from bot.services.messages import (
    RECEIVED_REACTION,
    AgencyStatus,
    case_thread_message,
    meeting_label,
    prompt_dm,
)
from bot.services.people import learn_name_later
from bot.services.ports import UnitOfWork


def _day(d: date) -> str:
    return format_wareki(d, gregorian=False)


def require_channel(uow: UnitOfWork, channel_id: str) -> None:
    if not is_meeting_channel(uow, channel_id):
        raise DomainError(texts.MEETINGS.channel_not_set_up)


def is_meeting_channel(uow: UnitOfWork, channel_id: str) -> bool:
    """The coordinators' channel of a team (``/shien setup``), or one meeting's own."""
    return uow.channels.get(channel_id) is not None or uow.meetings.by_room(channel_id) is not None


def find_meeting(
    ctx: ServiceContext, uow: UnitOfWork, channel_id: str, day: date | None
) -> Meeting:
    """The channel's meeting on ``day``, or its next one; unknown dates list the valid ones.
    In a meeting's own channel, that meeting."""
    if uow.channels.get(channel_id) is None and (room := uow.meetings.by_room(channel_id)):
        return room
    upcoming = list(uow.meetings.upcoming(channel_id, ctx.today()))
    if day is None:
        if upcoming:
            return upcoming[0]
        raise NotFound(texts.MEETINGS.no_upcoming)
    meeting = uow.meetings.on_date(channel_id, day)
    if meeting is None or meeting.state is MeetingState.CANCELLED:
        dates = "、".join(_day(m.date) for m in upcoming[:6]) or texts.MEETINGS.no_dates
        raise NotFound(texts.MEETINGS.no_meeting_on.format(day=_day(day), dates=dates))
    return meeting


def schedule_adhoc(
    ctx: ServiceContext, actor: Actor, channel_id: str, day: date, start: time, kind: MeetingKind
) -> str:
    """Coordinators only. An ad-hoc (随時) meeting on a working day in the future.

    Audited as ``meeting.created``.
    """
    now = ctx.now()
    if day < now.date() or (day == now.date() and start <= now.time().replace(tzinfo=None)):
        suggestion = ctx.calendar.next_working_day(now.date(), inclusive=False)
        raise InvalidValue(
            texts.MEETINGS.past.format(
                now=format_wareki_datetime(now), suggestion=suggestion.isoformat()
            )
        )
    reason = ctx.calendar.closed_reason(day)
    if reason is not None:
        nxt = ctx.calendar.next_working_day(day)
        raise InvalidValue(
            texts.MEETINGS.closed_day.format(
                day=_day(day),
                reason=reason,
                next_day=_day(nxt),
                next_date=nxt.isoformat(),
                start=f"{start:%H:%M}",
            )
        )
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "adhoc")
        require_channel(uow, channel_id)
        existing = uow.meetings.on_date(channel_id, day)
        if existing is not None and existing.state is not MeetingState.CANCELLED:
            raise Duplicate(
                texts.MEETINGS.already_scheduled.format(
                    day=_day(day), label=meeting_label(existing, ctx.tz)
                )
            )
        if existing is not None:  # a cancelled meeting on that day comes back
            existing.kind, existing.start_time, existing.state = kind, start, MeetingState.SCHEDULED
            uow.meetings.save(existing)
            meeting = existing
        else:
            meeting = Meeting(
                channel_id=channel_id,
                kind=kind,
                date=day,
                start_time=start,
                created_by=actor.user_id,
                created_at=ctx.clock(),
            )
            uow.meetings.add(meeting)
        audit(ctx, uow, actor, AuditAction.MEETING_CREATED, "meeting", meeting.id, f"date={day}")
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
    ctx.scheduler.plan(
        plan_meeting(meeting.id, meeting.starts_at(ctx.tz), ctx.now(), ctx.calendar, ctx.timeline)
    )
    return texts.MEETINGS.scheduled.format(label=label, date=day.isoformat())


def add_to_agenda(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    code_text: str,
    day: date | None,
    occasion: Occasion | None = None,
    monitoring_on: date | None = None,
) -> str:
    """Coordinators only. Enforces the consent gate. Audited as ``agenda.added``.

    If collection is already open, the case's thread is posted at once. ``monitoring_on``
    marks a case brought back by its 次回モニタリング date (``bot.services.monitoring``).
    """
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agenda.add")
        require_channel(uow, channel_id)
        meeting = find_meeting(ctx, uow, channel_id, day)
        case = find_case(uow, code_text)
        if uow.agenda.get(meeting.id, case.id) is not None:
            return texts.MEETINGS.already_on_agenda.format(
                code=case.code, label=meeting_label(meeting, ctx.tz)
            )
        position = len(uow.agenda.for_meeting(meeting.id)) + 1
        item = AgendaItem.place(
            meeting,
            case,
            added_by=actor.user_id,
            position=position,
            occasion=occasion,
            monitoring_on=monitoring_on,
        )
        item.added_at = ctx.clock()
        uow.agenda.add(item)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.AGENDA_ADDED,
            "case",
            str(case.code),
            f"meeting={meeting.id}",
        )
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
        collecting = meeting.state is MeetingState.COLLECTING
    if collecting and ctx.delivery is Delivery.DIRECT:
        from bot.services import direct

        return direct.added_while_collecting(ctx, meeting.id, str(case.code), label)
    if collecting:
        _open_threads(ctx, meeting.id)
        prompted, _ = _prompt_members(ctx, meeting.id)
        return texts.MEETINGS.added_and_posted.format(
            code=case.code, label=label, prompted=prompted
        )
    _open_soon_if_due(ctx, meeting)
    return texts.MEETINGS.added.format(code=case.code, label=label, position=position)


def _open_soon_if_due(ctx: ServiceContext, meeting: Meeting) -> None:
    """An ad-hoc meeting inside its collection window opens as soon as it has an agenda."""
    now, start = ctx.now(), meeting.starts_at(ctx.tz)
    if meeting.state is MeetingState.SCHEDULED and (
        opening_time(start, ctx.calendar, ctx.timeline) <= now < start
    ):
        ctx.scheduler.plan([PlannedSend(now, SendKind.OPEN, open_key(meeting.id), meeting.id)])


@dataclass(frozen=True)
class Opening:
    """What opening collection did: the meeting, its case threads, the heads this call
    posted, the members it asked by DM and those it could not reach (asked next time)."""

    meeting_id: str
    label: str
    threads: int
    posted: int
    prompted: int
    unreachable: int


def open_collection(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """``/shien open``: see ``open_meeting``; the answer for the coordinator."""
    opening = open_meeting(ctx, actor, channel_id, day)
    if ctx.delivery is Delivery.DIRECT:  # threads: the cases; posted: notices; prompted: cards
        from bot.services import direct

        return direct.opened(opening.label, opening.threads, opening.posted, opening.prompted)
    answer = texts.MEETINGS.opened.format(
        label=opening.label,
        threads=opening.threads,
        posted=opening.posted,
        prompted=opening.prompted,
    )
    if opening.unreachable:
        answer += texts.MEETINGS.open_prompts_failed.format(failed=opening.unreachable)
    return answer


def open_meeting(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> Opening:
    """Coordinators (or the scheduler). Posts the secrecy notice, one thread per agenda case,
    and a DM to each member asked. One operation however it is triggered (the scheduler,
    ``agenda add`` inside the collection window, ``/shien open``, two processes at once):
    each message is claimed in the database before it is posted, so each case has exactly
    one thread head; what was already posted is not posted again, so a crash or a refused
    post mid-way is mended by running it once more.

    Before anything about cases is posted, the channel must be private, unshared, and hold
    no one outside the meeting's roster. Audited as ``collection.opened`` when collection
    starts (or ``channel.outsider``, denied).
    """
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "open")
        adopting = not is_meeting_channel(uow, channel_id)
    if adopting:  # an empty private channel a coordinator made for the meeting
        adopted = rooms.adopt_room(ctx, actor, channel_id, day)
        channel_id, day = adopted.channel_id, adopted.date
    with ctx.uow() as uow:
        require_channel(uow, channel_id)
        meeting = find_meeting(ctx, uow, channel_id, day)
        channel_id = meeting.channel_id  # run in the meeting's own channel: its team's
        if not uow.agenda.for_meeting(meeting.id):
            raise DomainError(texts.MEETINGS.no_agenda.format(label=meeting_label(meeting, ctx.tz)))
    if ctx.delivery is Delivery.DIRECT:  # nothing is posted in a channel: 1:1 cards instead
        from bot.services import direct

        label, count, notices, cards = direct.open_meeting(ctx, actor, meeting.id)
        return Opening(meeting.id, label, count, notices, cards, 0)
    # Asked outside any transaction: a Slack call must not hold SQLite's write lock.
    # The coordinators' channel carries no case content, but it must still be private.
    MeetingChannel.check_suitable(ctx.chat.channel_facts(channel_id))
    with ctx.uow() as uow:
        current = uow.meetings.get(meeting.id)
        assert current is not None
        meeting = current
        items = list(uow.agenda.for_meeting(meeting.id))
        if meeting.state is not MeetingState.COLLECTING:
            # Saved only when it changes: a second opener must not write back the notice
            # reference it read before the first one recorded it.
            meeting.open_collection()
            uow.meetings.save(meeting)
            audit(ctx, uow, actor, AuditAction.COLLECTION_OPENED, "meeting", meeting.id)
            uow.commit()
        meeting_id, label = meeting.id, meeting_label(meeting, ctx.tz)

    if rooms.ensure_room(ctx, meeting_id) is None:  # another opener is creating it
        return Opening(meeting_id, label, len(items), 0, 0, 0)
    if actor != SYSTEM:  # the coordinators say the channel is mended: check it again
        rooms.resume(ctx, meeting_id)
    posted = _open_threads(ctx, meeting_id)
    prompted, unreachable = _prompt_members(ctx, meeting_id)
    return Opening(meeting_id, label, len(items), posted, prompted, unreachable)


def opened_completely(uow: UnitOfWork, meeting: Meeting) -> bool:
    """The notice and every case's thread head have been posted (and recorded)."""
    return meeting.notice_ref is not None and all(
        item.thread_ref is not None for item in uow.agenda.for_meeting(meeting.id)
    )


def _case(uow: UnitOfWork, case_id: str) -> Case:
    case = uow.cases.get(case_id)
    if case is None:  # pragma: no cover - foreign keys make this impossible
        raise NotFound(texts.MEETINGS.case_missing)
    return case


# A claim whose poster has not recorded its message after this long is taken to have died
# mid-way (a crash between claim and record); longer than any rate-limit wait of one post.
POST_CLAIM_TIMEOUT = timedelta(minutes=10)


def notice_key(meeting_id: str) -> str:
    """Claims the posting of a meeting's secrecy notice."""
    return f"notice:{meeting_id}"


def head_key(item_id: str) -> str:
    """Claims the posting of an agenda item's thread head."""
    return f"thread-head:{item_id}"


def _post_once(
    ctx: ServiceContext,
    key: str,
    posted: Callable[[UnitOfWork], bool],
    post: Callable[[], MessageRef],
    record: Callable[[UnitOfWork, MessageRef], None],
) -> bool:
    """Post a message that must exist once. It is claimed in the database first (unless it
    was posted already, or someone else is posting it), recorded as soon as it exists, and
    released if the chat platform refuses it, so a later attempt posts it. True if this
    call posted it."""
    with ctx.uow() as uow:
        if posted(uow) or not uow.processed.claim(key, take_over_after=POST_CLAIM_TIMEOUT):
            return False
        uow.commit()
    try:
        ref = post()
    except ChatUnavailable:
        claims.release(ctx, key)
        raise
    with ctx.uow() as uow:
        record(uow, ref)
        uow.commit()
    return True


def _open_threads(ctx: ServiceContext, meeting_id: str) -> int:
    """Post the notice and the missing case threads in the meeting's own channel, each once
    (see ``_post_once``), after checking the channel (``rooms.check_room``): if it is not
    right, nothing about a case is posted.

    Chat calls happen outside any unit of work: on SQLite a transaction holds the database's
    write lock, and a post may wait (pacing, rate limits) far longer than other writers may.
    """
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        if meeting.room_id is None:
            # Its opener is creating the channel; it reads the agenda after recording it,
            # so it posts this case too.
            return 0
        items = list(uow.agenda.for_meeting(meeting_id))
        room_id = meeting.room_id
    rooms.post_notice(ctx, meeting_id)
    if not any(item.thread_ref is None for item in items):
        return 0
    if not rooms.check_room(ctx, meeting_id).may_post:
        return 0
    posted = 0
    for item in items:
        if _post_head(ctx, room_id, meeting_id, item.id):
            posted += 1
    return posted


def _post_head(ctx: ServiceContext, channel_id: str, meeting_id: str, item_id: str) -> bool:
    def head_posted(uow: UnitOfWork) -> bool:
        current = uow.agenda.by_id(item_id)
        return current is None or current.thread_ref is not None

    def post() -> MessageRef:
        with ctx.uow() as uow:
            item = uow.agenda.by_id(item_id)
            meeting = uow.meetings.get(meeting_id)
            assert item is not None and meeting is not None
            case = _case(uow, item.case_id)
            message = case_thread_message(
                meeting, case, item, _statuses(uow, meeting_id, case), ctx.notice(meeting)
            )
        return ctx.chat.post(channel_id, message)

    def record(uow: UnitOfWork, ref: MessageRef) -> None:
        current = uow.agenda.by_id(item_id)
        assert current is not None
        current.thread_ref = ref.key()
        uow.agenda.save(current)

    return _post_once(ctx, head_key(item_id), head_posted, post, record)


def head_being_posted(ctx: ServiceContext, uow: UnitOfWork, channel_id: str) -> bool:
    """Whether a case thread head of the channel's meetings is claimed but not recorded yet:
    a reply in a thread the bot does not know may be a reply to it."""
    room = uow.meetings.by_room(channel_id)
    for meeting in [room] if room else uow.meetings.upcoming(channel_id, ctx.today()):
        for item in uow.agenda.for_meeting(meeting.id):
            if item.thread_ref is None and uow.processed.is_claimed(head_key(item.id)):
                return True
    return False


def _statuses(uow: UnitOfWork, meeting_id: str, case: Case) -> list[AgencyStatus]:
    counts = uow.inputs.recorded_counts(meeting_id, case.id)
    statuses = []
    for agency_id in case.asked_agency_ids:
        agency = uow.agencies.get(agency_id)
        if agency is not None:
            statuses.append(AgencyStatus(agency.name, counts.get(agency_id, 0)))
    return statuses


def refresh_thread(ctx: ServiceContext, meeting_id: str, case_id: str) -> None:
    """Keep the case's thread head showing who has answered (one refresh of a case at a
    time: replies arriving during one are shown by one more)."""
    ctx.refreshing.run(
        ("thread head", meeting_id, case_id), lambda: _refresh_thread(ctx, meeting_id, case_id)
    )


def _refresh_thread(ctx: ServiceContext, meeting_id: str, case_id: str) -> None:
    with ctx.uow() as uow:
        item = uow.agenda.get(meeting_id, case_id)
        meeting = uow.meetings.get(meeting_id)
        if item is None or item.thread_ref is None or meeting is None:
            return
        case = _case(uow, case_id)
        message = case_thread_message(
            meeting, case, item, _statuses(uow, meeting_id, case), ctx.notice(meeting)
        )
    if not rooms.check_room(ctx, meeting_id).may_post:
        return
    ctx.chat.update(parse_ref(item.thread_ref), message)


def parse_ref(key: str) -> MessageRef:
    channel_id, _, message_id = key.partition(":")
    return MessageRef(channel_id, message_id)


def _asked_members(uow: UnitOfWork, cases: list[Case]) -> dict[str, list[Case]]:
    """Each active member of an asked agency, with the cases their agency is asked for."""
    per_user: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        for agency_id in case.asked_agency_ids:
            for membership in uow.memberships.for_agency(agency_id, active_only=True):
                if case not in per_user[membership.user_id]:
                    per_user[membership.user_id].append(case)
    return per_user


def pending_members(uow: UnitOfWork, meeting_id: str) -> dict[str, list[str]]:
    """Each active member of an agency that has not answered a case, with those case codes."""
    per_user: dict[str, list[str]] = defaultdict(list)
    for item in uow.agenda.for_meeting(meeting_id):
        case = _case(uow, item.case_id)
        answered = uow.inputs.recorded_counts(meeting_id, case.id)
        for agency_id in case.asked_agency_ids:
            if agency_id in answered:
                continue
            for membership in uow.memberships.for_agency(agency_id, active_only=True):
                if str(case.code) not in per_user[membership.user_id]:
                    per_user[membership.user_id].append(str(case.code))
    return per_user


def asked_members(uow: UnitOfWork, meeting_id: str) -> list[str]:
    """Every active member of an agency asked for a case on the meeting's agenda."""
    cases = [_case(uow, i.case_id) for i in uow.agenda.for_meeting(meeting_id)]
    return list(_asked_members(uow, cases))


def prompted_key(meeting_id: str, user_id: str) -> str:
    """Marks that a member was asked for input for a meeting (they must hear of changes)."""
    return f"prompt:{meeting_id}:{user_id}"


def _prompt_key(meeting_id: str, case_id: str, user_id: str) -> str:
    return f"prompt:{meeting_id}:{case_id}:{user_id}"


def _prompt_members(ctx: ServiceContext, meeting_id: str) -> tuple[int, int]:
    """Ask each member of the agencies asked for the meeting's cases, by DM, naming only
    their cases. A case is prompted once per member, ever (idempotency keys guard re-runs),
    so a case added after opening reaches exactly the members newly asked for it. A DM
    that fails (or a member Slack could not tell us about) is left for a later attempt.
    Returns (members asked now, members who could not be reached)."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        cases = [_case(uow, i.case_id) for i in uow.agenda.for_meeting(meeting_id)]
        per_user = {
            user_id: new
            for user_id, user_cases in _asked_members(uow, cases).items()
            if (
                new := [
                    c
                    for c in user_cases
                    if not uow.processed.is_claimed(_prompt_key(meeting_id, c.id, user_id))
                ]
            )
        }
        label = meeting_label(meeting, ctx.tz)
        notice = ctx.notice(meeting)
        room_id = meeting.room_id
    sent, failed = 0, 0
    for user_id, user_cases in per_user.items():
        try:
            if not ctx.chat.user_is_active(user_id):
                continue
        except ChatUnavailable:  # not asked now: nothing is claimed, so a re-run asks them
            failed += 1
            continue
        with ctx.uow() as uow:
            claimed = [
                key
                for case in user_cases
                if uow.processed.claim(key := _prompt_key(meeting_id, case.id, user_id))
            ]
            if not claimed:
                continue
            if uow.processed.claim(prompted_key(meeting_id, user_id)):
                claimed.append(prompted_key(meeting_id, user_id))
            uow.commit()
        codes = [
            str(c.code) for c in user_cases if _prompt_key(meeting_id, c.id, user_id) in claimed
        ]
        try:
            ctx.chat.send_direct(
                user_id, prompt_dm(codes, label, notice, meeting_id=meeting_id, room_id=room_id)
            )
        except ChatUnavailable:
            claims.release(ctx, *claimed)
            failed += 1
            continue
        sent += 1
    return sent, failed


def prompt_members(ctx: ServiceContext, meeting_id: str) -> tuple[int, int]:
    """The scheduler's catch-up of the prompts an opening could not send (see
    ``_prompt_members``)."""
    return _prompt_members(ctx, meeting_id)


def acknowledge(
    ctx: ServiceContext,
    actor: Actor,
    *,
    channel_id: str | None = None,
    day: date | None = None,
    meeting_id: str | None = None,
    via: str = "command",
    version: str | None = None,
) -> str:
    """Coordinators and members of agencies asked for the meeting. Records the confirmation
    of the current notice version once; held replies of the member then count.

    Audited as ``notice.acknowledged`` (and ``input.recorded`` per released reply).
    """
    actor = with_account(ctx, actor)  # asked before the transaction, not inside it
    with ctx.uow() as uow:
        if meeting_id is not None:
            meeting = uow.meetings.get(meeting_id)
            if meeting is None:
                raise NotFound(texts.MEETINGS.ack_meeting_missing)
        else:
            assert channel_id is not None
            require_known(ctx, uow, actor, "ack")
            meeting = find_meeting(ctx, uow, channel_id, day)
        access = standing(ctx, uow, actor, meeting)
        if not access.may_confirm:
            raise refuse(
                ctx,
                uow,
                actor,
                "meeting",
                meeting.id,
                f"ack:{access.standing}",
                texts.MEETINGS.ack_not_member,
            )
        label = meeting_label(meeting, ctx.tz)
        notice = ctx.notice(meeting)
        if version is not None and version != notice.version:
            # A button confirms the version it showed, never a newer one.
            raise refuse(
                ctx,
                uow,
                actor,
                "meeting",
                meeting.id,
                f"ack:old_notice={version}",
                texts.ROOMS.old_button.format(shown=version, version=notice.version),
            )
        existing = uow.acknowledgements.get(meeting.id, actor.user_id, notice.version)
        if existing is not None:
            at = existing.acknowledged_at.astimezone(ctx.tz)
            return texts.MEETINGS.already_confirmed_at.format(
                label=label, at=format_wareki_datetime(at, gregorian=False)
            )
        try:
            uow.acknowledgements.add(
                ConfidentialityAcknowledgement(
                    meeting_id=meeting.id,
                    user_id=actor.user_id,
                    notice_version=notice.version,
                    acknowledged_at=ctx.clock(),
                    via=via,
                )
            )
        except Duplicate:  # a double click raced us: the first one recorded it
            return texts.MEETINGS.already_confirmed.format(label=label)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.NOTICE_ACKNOWLEDGED,
            "meeting",
            meeting.id,
            f"notice={notice.version}",
        )
        released_cases: set[str] = set()
        released_messages: list[str] = []
        for agency_input in uow.inputs.for_meeting(meeting.id):
            if (
                agency_input.author_user_id == actor.user_id
                and agency_input.state is InputState.HELD
            ):
                agency_input.release(at=ctx.clock())
                uow.inputs.save(agency_input)
                released_cases.add(agency_input.case_id)
                if agency_input.source is InputSource.THREAD:
                    released_messages.append(agency_input.source_ref)
                audit(
                    ctx,
                    uow,
                    actor,
                    AuditAction.INPUT_RECORDED,
                    "input",
                    agency_input.id,
                    "released",
                )
        uow.commit()
        meeting_id = meeting.id
    learn_name_later(ctx, actor.user_id)  # the name the minutes show as confirmed
    ctx.later("invite", partial(_invite_confirmed, meeting_id, actor.user_id))
    for source_ref in released_messages:
        received = parse_ref(source_ref)
        ctx.later("reaction", partial(_react, received))
    for case_id in released_cases:
        ctx.later("thread head", partial(_refresh, meeting_id, case_id))
    if ctx.delivery is Delivery.DIRECT:  # the notice card shows it; the case cards follow
        from bot.services import direct

        direct.after_acknowledged(ctx, meeting_id, actor.user_id)
    now = ctx.now()
    extra = texts.MEETINGS.released.format(count=len(released_cases)) if released_cases else ""
    return texts.MEETINGS.confirmed.format(
        label=label, at=format_wareki_datetime(now, gregorian=False), released=extra
    )


def status(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """Coordinators see every case; a confirmed member sees the cases their agency is asked
    for; others see nothing about cases. Audited as ``case.viewed`` per case shown (or
    ``access.denied``)."""
    with ctx.uow() as uow:
        require_known(ctx, uow, actor, "status")
        meeting = find_meeting(ctx, uow, channel_id, day)
        access = require_reader(ctx, uow, actor, meeting, what="status")
        coordinator = access.standing is Standing.COORDINATOR
        cases = [_case(uow, i.case_id) for i in uow.agenda.for_meeting(meeting.id)]
        if not coordinator:
            mine = {agency.id for agency in access.agencies}
            cases = [c for c in cases if mine.intersection(c.asked_agency_ids)]
        lines = [
            texts.MEETINGS.status_title.format(
                label=meeting_label(meeting, ctx.tz), state=meeting.state.label
            )
        ]
        members: list[tuple[str, bool]] = []
        room_id = meeting.room_id
        version = ctx.notice(meeting).version
        if coordinator:
            acks = {
                a.user_id: a
                for a in uow.acknowledgements.for_meeting(meeting.id)
                if a.notice_version == version
            }
            people = sorted(roster(uow, cases) - {c.user_id for c in uow.coordinators.list()})
            confirmed = [mention(u) for u in people if u in acks]
            waiting = [mention(u) for u in people if u not in acks]
            lines.append(
                texts.MEETINGS.status_confirmed.format(
                    count=len(confirmed), people=" ".join(confirmed)
                )
            )
            lines.append(
                texts.MEETINGS.status_waiting.format(count=len(waiting), people=" ".join(waiting))
            )
            members = [(u, u in acks and acks[u].notice_version == version) for u in people]
        for case in cases:
            parts = [
                texts.MEETINGS.status_answered.format(agency=s.agency_name, count=s.answered)
                if s.answered
                else texts.MEETINGS.status_unanswered.format(agency=s.agency_name)
                for s in _statuses(uow, meeting.id, case)
            ]
            lines.append(
                texts.MEETINGS.status_case.format(code=case.code, agencies=" / ".join(parts))
            )
        if not cases:
            lines.append(texts.MEETINGS.status_no_cases)
        # Every allowed read of case data leaves its trace, like every refusal.
        for case in cases:
            audit(
                ctx,
                uow,
                actor,
                AuditAction.CASE_VIEWED,
                "case",
                str(case.code),
                f"via=status;meeting={meeting.id}",
            )
        uow.commit()
    if coordinator:
        lines += _room_lines(ctx, room_id, members)
    return "\n".join(lines)


def _room_lines(
    ctx: ServiceContext, room_id: str | None, members: list[tuple[str, bool]]
) -> list[str]:
    """Per member asked: confirmed or not, in the meeting's channel or not (Slack's answer)."""
    r = texts.ROOMS
    if room_id is None:
        return [r.status_no_room]
    try:
        present = ctx.chat.channel_facts(room_id).member_ids
    except (ChatUnavailable, DomainError):
        present = frozenset()
    lines = [r.status_members_title.format(room=channel_link(room_id))]
    for user_id, confirmed in members:
        lines.append(
            r.status_member.format(
                user=mention(user_id),
                confirmed=r.yes if confirmed else r.no,
                present=r.present if user_id in present else r.absent,
            )
        )
    return lines


def remind(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """Coordinators only. DMs each member of an agency that has not answered a case."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "remind")
        meeting = find_meeting(ctx, uow, channel_id, day)
        if meeting.state is not MeetingState.COLLECTING:
            raise DomainError(texts.MEETINGS.not_collecting)
        per_user = pending_members(uow, meeting.id)
        label = meeting_label(meeting, ctx.tz)
        notice = ctx.notice(meeting)
        meeting_id, room_id = meeting.id, meeting.room_id
    sent, failed = 0, 0
    for user_id, codes in per_user.items():
        try:
            if not ctx.chat.user_is_active(user_id):
                continue
            one_to_one = ctx.delivery is Delivery.DIRECT
            ctx.chat.send_direct(
                user_id,
                prompt_dm(
                    codes,
                    label,
                    notice,
                    reminder=True,
                    direct=one_to_one,
                    meeting_id=None if one_to_one else meeting_id,
                    room_id=None if one_to_one else room_id,
                ),
            )
            sent += 1
        except ChatUnavailable:  # one unreachable DM must not stop the others
            failed += 1
    if not sent and not failed:
        return texts.MEETINGS.nobody_pending
    answer = texts.MEETINGS.reminded.format(sent=sent)
    if failed:
        answer += texts.MEETINGS.remind_failed.format(failed=failed)
    return answer


def member_joined(ctx: ServiceContext, channel_id: str, user_id: str, event_ref: str = "") -> bool:
    """Someone joined a meeting channel: if they are outside the roster of its upcoming
    meetings, the coordinators are told at once (a DM naming the person, no case content).
    A retried event (same ``event_ref``) tells them once. Audited as ``channel.outsider``
    (denied)."""
    if rooms.member_joined_room(ctx, channel_id, user_id):
        return True
    with ctx.uow() as uow:
        if uow.channels.get(channel_id) is None:
            return False
        cases = [
            _case(uow, item.case_id)
            for meeting in uow.meetings.upcoming(channel_id, ctx.today())
            for item in uow.agenda.for_meeting(meeting.id)
        ]
        if user_id in roster(uow, cases):
            return False
        if event_ref and not uow.processed.claim(f"joined:{channel_id}:{user_id}:{event_ref}"):
            return True  # a retried event: the coordinators were told already
        audit(
            ctx,
            uow,
            Actor(user_id),
            AuditAction.CHANNEL_OUTSIDER,
            "channel",
            channel_id,
            "joined",
            allowed=False,
        )
        uow.commit()
        coordinators = [c.user_id for c in uow.coordinators.list(active_only=True)]
    message = Message(
        texts.MEETINGS.outsider_joined_text,
        (Paragraph(texts.MEETINGS.outsider_joined.format(user=mention(user_id))),),
    )
    for coordinator in coordinators:
        ctx.later("tell coordinator", partial(_tell_active, coordinator, message))
    return True


def _invite_confirmed(meeting_id: str, user_id: str, ctx: ServiceContext) -> None:
    rooms.invite_confirmed(ctx, meeting_id, user_id)


def _react(received: MessageRef, ctx: ServiceContext) -> None:
    ctx.chat.add_reaction(received, RECEIVED_REACTION)


def _refresh(meeting_id: str, case_id: str, ctx: ServiceContext) -> None:
    refresh_thread(ctx, meeting_id, case_id)


def _tell_active(user_id: str, message: Message, ctx: ServiceContext) -> None:
    if ctx.chat.user_is_active(user_id):
        ctx.chat.send_direct(user_id, message)
