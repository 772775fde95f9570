"""Withdrawing consent (本人同意の撤回).

A case whose consent is withdrawn may no longer be discussed at a 重層的支援会議: it comes
off the agendas of the 重層 meetings that have not been held yet, and its thread there (if
collection had started) says so. It stays eligible for 支援会議, which need no consent.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date

from bot import texts
from bot.domain.calendar import format_wareki
from bot.domain.errors import InvalidValue
from bot.domain.model import AuditAction, MeetingKind, MeetingState
from bot.services import rooms
from bot.services.access import Actor, require_coordinator
from bot.services.audit import audit
from bot.services.cases import find_case
from bot.services.chat import ChatUnavailable, Message, Note, Paragraph
from bot.services.context import ServiceContext
from bot.services.delivery import Delivery
from bot.services.meetings import parse_ref

_STILL_TO_COME = (MeetingState.SCHEDULED, MeetingState.COLLECTING)


def withdraw_consent(ctx: ServiceContext, actor: Actor, code_text: str, on: date | None) -> str:
    """Coordinators only. Records the withdrawal (on ``on``, default today) and takes the
    case off future 重層 agendas. Audited as ``consent.withdrawn`` and ``agenda.removed``."""
    today = ctx.today()
    on = on or today
    if on > today:
        raise InvalidValue(texts.CONSENT.withdrawal_future)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "consent.withdraw")
        case = find_case(uow, code_text)
        if case.consent is not None and on < case.consent.given_on:
            raise InvalidValue(
                texts.CONSENT.withdrawal_before_consent.format(
                    given_on=format_wareki(case.consent.given_on)
                )
            )
        case.withdraw_consent(on, by=actor.user_id)
        uow.cases.save(case)
        code = str(case.code)
        removed: list[str] = []  # meeting dates
        left: list[str] = []  # their ids
        threads: list[str] = []
        for item in uow.agenda.for_case(case.id):
            meeting = uow.meetings.get(item.meeting_id)
            if (
                meeting is None
                or meeting.kind is not MeetingKind.MULTILAYER
                or meeting.state not in _STILL_TO_COME
                or meeting.date < today
            ):
                continue
            uow.agenda.remove(item.id)
            audit(
                ctx,
                uow,
                actor,
                AuditAction.AGENDA_REMOVED,
                "case",
                code,
                f"meeting={meeting.id};reason=consent_withdrawn",
            )
            removed.append(format_wareki(meeting.date))
            left.append(meeting.id)
            if item.thread_ref is not None:
                threads.append(item.thread_ref)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.CONSENT_WITHDRAWN,
            "case",
            code,
            f"on={on.isoformat()};removed={len(removed)}",
        )
        uow.commit()
    for thread_ref in threads:
        # The agenda is what counts; the old thread head is only a courtesy.
        with suppress(ChatUnavailable):
            ctx.chat.update(
                parse_ref(thread_ref),
                Message(
                    texts.CONSENT.thread_text.format(code=code),
                    (
                        Paragraph(texts.CONSENT.thread_removed.format(code=code)),
                        Note(texts.CONSENT.thread_note),
                    ),
                ),
            )
    if ctx.delivery is Delivery.DIRECT:  # the case's cards are replaced at once
        from bot.services import direct

        for meeting_id in left:
            direct.reconcile(ctx, meeting_id=meeting_id)
    elif removed:
        rooms.keep_rooms_right_later(ctx)
    answer = texts.CONSENT.withdrawn.format(code=code, on=format_wareki(on))
    if removed:
        answer += texts.CONSENT.removed_from.format(dates="、".join(removed))
    return answer + texts.CONSENT.still_support
