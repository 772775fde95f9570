"""A meeting's agenda as the coordinator manages it: listing it (``/shien agenda``), taking a
case off (``/shien agenda remove``), and asking one more agency for a case
(``/shien case ask``). Adding a case is ``bot.services.meetings.add_to_agenda``."""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from bot import texts
from bot.domain.errors import DomainError, InvalidValue
from bot.domain.model import AuditAction, MeetingState, Occasion
from bot.services import meetings, monitoring, rooms
from bot.services.access import Actor, require_coordinator
from bot.services.admin import resolve_agencies
from bot.services.audit import audit
from bot.services.cases import find_case
from bot.services.chat import ChatUnavailable, Message, Paragraph, clean_user_text
from bot.services.context import ServiceContext
from bot.services.delivery import Delivery
from bot.services.messages import meeting_label

_SEPARATOR = "、"


def add(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    code_text: str,
    day: date | None,
    occasion: Occasion | None = None,
    purpose: str = "",
) -> str:
    """``/shien agenda add``: puts the case on the meeting (``meetings.add_to_agenda``), and
    records its 検討の目的 when given — also for a case already on the agenda, which is how
    the purpose is changed. Coordinators only (checked by ``add_to_agenda`` first)."""
    purpose = clean_user_text(purpose, max_length=1000)
    if len(purpose) > 200:
        raise InvalidValue(texts.AGENDA.purpose_too_long)
    answer = meetings.add_to_agenda(ctx, actor, channel_id, code_text, day, occasion)
    if not purpose:
        return answer
    with ctx.uow() as uow:
        meeting = meetings.find_meeting(ctx, uow, channel_id, day)
        case = find_case(uow, code_text)
        item = uow.agenda.get(meeting.id, case.id)
        if item is None:  # pragma: no cover - added a moment ago
            return answer
        item.purpose = purpose
        uow.agenda.save(item)
        uow.commit()
    return f"{answer}\n{texts.AGENDA.purpose_recorded.format(code=case.code)}"


def list_agenda(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """Coordinators only. The meeting's agenda in order: each case's code, urgency, occasion
    or モニタリング, and the agencies asked (codes and agency names only)."""
    a = texts.AGENDA
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agenda")
        meetings.require_channel(uow, channel_id)
        meeting = meetings.find_meeting(ctx, uow, channel_id, day)
        label = meeting_label(meeting, ctx.tz)
        items = list(uow.agenda.for_meeting(meeting.id))
        agencies = {agency.id: agency.name for agency in uow.agencies.list()}
        lines = []
        for number, item in enumerate(items, start=1):
            case = uow.cases.get(item.case_id)
            if case is None:  # pragma: no cover - foreign keys make this impossible
                continue
            marks = []
            if item.occasion is not None:
                marks.append(item.occasion.label)
            if item.monitoring_on is not None:
                marks.append(a.monitoring)
            lines.append(
                a.line.format(
                    number=number,
                    urgent=texts.CASES.urgent_mark if case.urgent else "",
                    code=case.code,
                    marks=a.marks.format(marks=_SEPARATOR.join(marks)) if marks else "",
                    asked=_SEPARATOR.join(
                        agencies[i] for i in case.asked_agency_ids if i in agencies
                    ),
                )
            )
    if not lines:
        return a.empty.format(label=label, date=meeting.date.isoformat())
    return "\n".join([a.title.format(label=label, count=len(lines)), *lines])


def remove_from_agenda(
    ctx: ServiceContext, actor: Actor, channel_id: str, code_text: str, day: date | None
) -> str:
    """Coordinators only. Takes a case off a meeting that has not been held; its thread (if
    collection had started) says so, and a case brought back by its monitoring date is not
    brought back to this meeting again. Audited as ``agenda.removed``."""
    a = texts.AGENDA
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "agenda.remove")
        meetings.require_channel(uow, channel_id)
        meeting = meetings.find_meeting(ctx, uow, channel_id, day)
        case = find_case(uow, code_text)
        label = meeting_label(meeting, ctx.tz)
        item = uow.agenda.get(meeting.id, case.id)
        if item is None:
            return a.not_on_agenda.format(code=case.code, label=label)
        if meeting.state is MeetingState.HELD or meeting.minutes_final:
            raise DomainError(a.held.format(label=label))
        uow.agenda.remove(item.id)
        if item.monitoring_on is not None:
            uow.processed.claim(monitoring.declined_key(meeting.id, case.id))
        audit(
            ctx,
            uow,
            actor,
            AuditAction.AGENDA_REMOVED,
            "case",
            str(case.code),
            f"meeting={meeting.id};reason=coordinator",
        )
        uow.commit()
        code = str(case.code)
    answer = a.removed.format(code=code, label=label)
    if ctx.delivery is Delivery.DIRECT:  # the case's cards are replaced at once
        from bot.services import direct

        direct.reconcile(ctx, meeting_id=meeting.id)
    else:
        rooms.keep_rooms_right_later(ctx)  # agencies asked for no other case there leave
    if item.thread_ref is not None:
        # The agenda is what counts; the old thread head is only a courtesy.
        with suppress(ChatUnavailable):
            ctx.chat.update(
                meetings.parse_ref(item.thread_ref),
                Message(
                    a.thread_text.format(code=code),
                    (Paragraph(a.thread_removed.format(code=code)),),
                ),
            )
        answer += a.removed_thread
    if item.monitoring_on is not None:
        answer += a.removed_monitoring
    return answer


def ask_agency(ctx: ServiceContext, actor: Actor, code_text: str, agency_key: str) -> str:
    """Coordinators only. Asks one more agency for a case: on every meeting collecting input
    for it, the case's thread head shows the agency (未回答) and the agency's members get
    the prompt DM. Asking again sends what did not go out before (a prompt reaches each
    member once), so a run that Slack interrupted is mended by running it again. Audited
    as ``case.agency_asked``."""
    a = texts.AGENDA
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "case.ask")
        case = find_case(uow, code_text)
        (agency,) = resolve_agencies(uow, [agency_key])
        code = str(case.code)
        already = agency.id in case.asked_agency_ids
        if not already:
            case.ask(agency.id)
            uow.cases.save(case)
            audit(
                ctx,
                uow,
                actor,
                AuditAction.CASE_AGENCY_ASKED,
                "case",
                code,
                f"agency={agency.key}",
            )
        collecting = [
            meeting
            for item in uow.agenda.for_case(case.id)
            if (meeting := uow.meetings.get(item.meeting_id)) is not None
            and meeting.state is MeetingState.COLLECTING
        ]
        members = len(uow.memberships.for_agency(agency.id, active_only=True))
        uow.commit()
    prompted = 0
    for meeting in collecting:
        if ctx.delivery is Delivery.DIRECT:  # the notice, or the case's card, in 1:1 chats
            from bot.services import direct

            prompted += sum(direct.deliver(ctx, meeting.id))
            continue
        meetings.refresh_thread(ctx, meeting.id, case.id)
        prompted += meetings._prompt_members(ctx, meeting.id)[0]
    if already:
        answer = a.already_asked.format(code=code, agency=agency.name)
        return answer + (a.prompted_now.format(prompted=prompted) if prompted else "")
    answer = a.asked.format(code=code, agency=agency.name)
    if collecting:
        labels = _SEPARATOR.join(meeting_label(m, ctx.tz) for m in collecting)
        answer += a.asked_collecting.format(labels=labels, agency=agency.name, prompted=prompted)
    else:
        answer += a.asked_later
    if not members:
        answer += a.asked_no_members.format(key=agency.key)
    return answer
