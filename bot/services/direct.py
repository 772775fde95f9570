"""The direct delivery mode (see :mod:`bot.services.delivery`): case content reaches each
confirmed member in their 1:1 chat with the bot, never a channel or a group chat.

- Opening a meeting (``/shien open``, the scheduler, or a case added while collecting)
  sends each active member of an agency asked, and each coordinator, the secrecy notice as
  a card with the confirmation action (carrying the notice's version).
- Confirming (the card's action, or ``ack``) records the acknowledgement through
  :func:`bot.services.meetings.acknowledge`; then the member receives one card per case
  their agency is asked for: the request and a form (状況, 課題, 支援内容・提案).
- Submitting the card records the member's agency's input; submitting it again edits the
  same input; the card then shows what was recorded.
- Whoever loses access (removed from their agency, the case off the agenda, an account
  deactivated) has their cards replaced by "この事例は表示できなくなりました" at once
  (:func:`reconcile`), audited as ``card.withdrawn``.

The same need-to-know policy (``bot.services.access``) decides every card; nothing here is
platform-specific. Chat calls are made between units of work, never inside one.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, tzinfo

from bot import texts
from bot.domain import identifiers
from bot.domain.confidentiality import SecrecyNotice
from bot.domain.errors import NotFound
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgendaItem,
    AuditAction,
    Case,
    InputSource,
    InputState,
    Meeting,
    MeetingState,
)
from bot.services import claims
from bot.services.access import (
    Actor,
    PermissionDenied,
    has_confirmed,
    require_contributor,
    standing,
)
from bot.services.audit import audit
from bot.services.chat import (
    Button,
    Buttons,
    ChatUnavailable,
    Divider,
    Fields,
    Form,
    FormErrors,
    FormValues,
    Header,
    Message,
    Note,
    Paragraph,
    TextInput,
    clean_user_text,
    mention,
)
from bot.services.context import ServiceContext
from bot.services.delivery import (
    Card,
    CardKind,
    DirectCard,
    DirectChat,
    case_key,
    notice_key,
)
from bot.services.messages import meeting_label
from bot.services.people import learn_name_later
from bot.services.ports import UnitOfWork

log = logging.getLogger(__name__)

ACK_ACTION = "shien_direct_ack"  # the notice card's action; value: "<meeting id>|<version>"
INPUT_FORM = "shien_direct_input"  # the case card's form; metadata: the agenda item's id
FIELDS = (
    ("situation", texts.INPUTS.form_situation),
    ("issues", texts.INPUTS.form_issues),
    ("proposal", texts.INPUTS.form_proposal),
)


def chat_of(ctx: ServiceContext) -> DirectChat:
    """The gateway, which the direct mode needs to send and replace cards."""
    chat = ctx.chat
    if not isinstance(chat, DirectChat):  # a wiring mistake of the composition root
        raise TypeError("the direct delivery mode needs a gateway with send_card/update_card")
    return chat


# --------------------------------------------------------------------------- the cards


def notice_card(meeting: Meeting, label: str, case_count: int, notice: SecrecyNotice) -> Card:
    """The meeting's own secrecy notice, before anything about its cases."""
    m = texts.MESSAGES
    return Card(
        Message(
            text=m.notice_text.format(title=notice.title, label=label),
            blocks=(
                Header(m.notice_header.format(title=notice.title)),
                Paragraph(notice.text),
                Paragraph(m.notice_chat_rule),
                Fields(
                    (
                        (m.notice_meeting, label),
                        (m.notice_case_count, m.notice_cases.format(count=case_count)),
                    )
                ),
                Paragraph(texts.DIRECT.notice_ask),
                Buttons(
                    (
                        Button(
                            m.notice_button,
                            ACK_ACTION,
                            f"{meeting.id}|{notice.version}",
                            primary=True,
                        ),
                    )
                ),
                Note(m.notice_version.format(version=notice.version)),
            ),
        )
    )


def confirmed_notice_card(label: str, at: datetime, notice: SecrecyNotice) -> Card:
    m = texts.MESSAGES
    return Card(
        Message(
            text=m.notice_text.format(title=notice.title, label=label),
            blocks=(
                Header(m.notice_header.format(title=notice.title)),
                Paragraph(notice.text),
                Fields(((m.notice_meeting, label),)),
                Paragraph(texts.DIRECT.notice_confirmed.format(at=f"{at:%Y-%m-%d %H:%M}")),
                Note(m.notice_version.format(version=notice.version)),
            ),
        )
    )


def _parts(text: str) -> dict[str, str]:
    """The form's fields back from a recorded input (``【状況】…`` parts), to prefill it."""
    found: dict[str, str] = {}
    current: str | None = None
    labels = {texts.INPUTS.form_part.format(label=label, text=""): fid for fid, label in FIELDS}
    for line in text.split("\n"):
        head = next((h for h in labels if line.startswith(h)), None)
        if head is not None:
            current = labels[head]
            found[current] = line[len(head) :]
        elif current is not None:
            found[current] += "\n" + line
    return found


def case_card(
    meeting: Meeting,
    case: Case,
    item: AgendaItem,
    agency: Agency,
    recorded: AgencyInput | None,
    tz: tzinfo,
    notice: SecrecyNotice,
) -> Card:
    """One case for one member: the request, what their agency's input is now, the form."""
    m = texts.MESSAGES
    kind = meeting.kind.label
    if item.occasion:
        kind = m.kind_with_occasion.format(kind=kind, occasion=item.occasion.label)
    if item.monitoring_on is not None:
        kind = m.kind_with_occasion.format(kind=kind, occasion=m.monitoring)
    urgent = texts.CASES.urgent_mark if case.urgent else ""
    if recorded is not None:
        at = (recorded.updated_at or recorded.created_at).astimezone(tz)
        status = texts.DIRECT.case_recorded.format(at=f"{at:%Y-%m-%d %H:%M}", text=recorded.text)
        initial = _parts(recorded.text)
    else:
        status, initial = texts.DIRECT.case_not_yet, {}
    message = Message(
        text=m.thread_text.format(urgent=urgent, code=case.code, kind=kind),
        blocks=(
            Note(notice.one_line),
            Header(m.thread_header.format(urgent=urgent, code=case.code, kind=kind)),
            Paragraph(texts.DIRECT.case_ask.format(agency=agency.name)),
            Divider(),
            Paragraph(status),
        ),
    )
    form = Form(
        form_id=INPUT_FORM,
        title=texts.INPUTS.form_title.format(code=case.code),
        submit_label=texts.INPUTS.form_submit,
        metadata=item.id,
        intro=(Note(texts.INPUTS.form_intro),),
        fields=tuple(
            TextInput(fid, label, multiline=True, optional=True, initial=initial.get(fid, ""))
            for fid, label in FIELDS
        ),
    )
    return Card(message, form)


def withdrawn_card(kind: CardKind) -> Card:
    text = (
        texts.DIRECT.withdrawn_text if kind is CardKind.CASE else texts.DIRECT.notice_withdrawn_text
    )
    return Card(Message(text, (Paragraph(text), Note(texts.DIRECT.withdrawn_note))))


# --------------------------------------------------------------------------- opening


def _asked(uow: UnitOfWork, meeting_id: str) -> dict[str, list[Case]]:
    """Each active member of an agency asked for a case on the agenda, with those cases."""
    per_user: dict[str, list[Case]] = defaultdict(list)
    for item in uow.agenda.for_meeting(meeting_id):
        case = uow.cases.get(item.case_id)
        if case is None:
            continue
        for agency_id in case.asked_agency_ids:
            for membership in uow.memberships.for_agency(agency_id, active_only=True):
                if case not in per_user[membership.user_id]:
                    per_user[membership.user_id].append(case)
    return per_user


def open_meeting(ctx: ServiceContext, actor: Actor, meeting_id: str) -> tuple[str, int, int, int]:
    """Opening collection in the direct mode (the caller checked the coordinator and the
    agenda): no channel is checked or posted to; the notice and the cases go to each
    person's 1:1 chat. Audited as ``collection.opened`` when collection starts. Safe to
    repeat: each card is sent once. Returns (label, cases, notices sent, case cards sent)."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        if meeting.state is not MeetingState.COLLECTING:
            meeting.open_collection()
            uow.meetings.save(meeting)
            audit(ctx, uow, actor, AuditAction.COLLECTION_OPENED, "meeting", meeting.id, "direct")
            uow.commit()
        label = meeting_label(meeting, ctx.tz)
        count = len(uow.agenda.for_meeting(meeting.id))
    notices, cards = deliver(ctx, meeting_id)
    return label, count, notices, cards


def opened(label: str, cases: int, notices: int, cards: int) -> str:
    """The coordinator's answer to ``open`` in the direct mode."""
    return texts.DIRECT.opened.format(label=label, cases=cases, notices=notices, cards=cards)


def added_while_collecting(ctx: ServiceContext, meeting_id: str, code: str, label: str) -> str:
    """A case added to a meeting that is already collecting reaches the members asked."""
    notices, cards = deliver(ctx, meeting_id)
    return texts.DIRECT.added_and_sent.format(code=code, label=label, notices=notices, cards=cards)


def deliver(ctx: ServiceContext, meeting_id: str) -> tuple[int, int]:
    """Send what is missing: the notice to every member asked (and every coordinator) who
    has not confirmed it, and the case cards to those who have. Returns (notices, cards)."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or meeting.state is not MeetingState.COLLECTING:
            return 0, 0
        per_user = _asked(uow, meeting_id)
        coordinators = [c.user_id for c in uow.coordinators.list(active_only=True)]
        people = list(dict.fromkeys([*per_user, *coordinators]))
        confirmed = {u for u in people if has_confirmed(ctx, uow, meeting, u)}
    notices = cards = 0
    for user_id in people:
        if not ctx.chat.user_is_active(user_id):
            continue
        try:
            if user_id in confirmed:
                cards += deliver_cases(ctx, meeting_id, user_id)
            elif _send_notice(ctx, meeting_id, user_id):
                notices += 1
        except ChatUnavailable:  # one unreachable person must not stop the others
            log.warning("a direct card could not be sent")
    return notices, cards


def _send_notice(ctx: ServiceContext, meeting_id: str, user_id: str) -> bool:
    key = notice_key(meeting_id, user_id)
    if ctx.cards.get(key) is not None:
        return False
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        assert meeting is not None
        if not uow.processed.claim(f"direct:{key}"):
            return False
        uow.commit()
        card = notice_card(
            meeting,
            meeting_label(meeting, ctx.tz),
            len(uow.agenda.for_meeting(meeting_id)),
            ctx.notice(meeting),
        )
    _send_card(ctx, key, CardKind.NOTICE, meeting_id, user_id, card)
    return True


def _send_card(
    ctx: ServiceContext,
    key: str,
    kind: CardKind,
    meeting_id: str,
    user_id: str,
    card: Card,
    item_id: str | None = None,
) -> None:
    """Send a card claimed under ``direct:{key}`` and keep it; if the platform refuses,
    release the claim (the next delivery tries again) and raise ``ChatUnavailable``."""
    try:
        ref = chat_of(ctx).send_card(user_id, card)
    except ChatUnavailable:
        claims.release(ctx, f"direct:{key}")
        raise
    ctx.cards.put(
        DirectCard(
            key=key,
            kind=kind,
            meeting_id=meeting_id,
            user_id=user_id,
            conversation_id=ref.channel_id,
            message_id=ref.message_id,
            created_at=ctx.clock(),
            item_id=item_id,
        )
    )


def _readable_items(
    ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, user_id: str
) -> list[tuple[AgendaItem, Case, Agency]]:
    """The agenda items whose case ``user_id`` may read *and* answer for: a confirmed, active
    member of an agency asked for it (a coordinator who is no member gets no case cards)."""
    found = []
    for item in uow.agenda.for_meeting(meeting.id):
        case = uow.cases.get(item.case_id)
        if case is None:
            continue
        access = standing(ctx, uow, Actor(user_id), meeting, case)
        if access.may_read and access.agencies and access.confirmed:
            found.append((item, case, access.agencies[0]))
    return found


def _current_input(uow: UnitOfWork, item: AgendaItem, user_id: str) -> AgencyInput | None:
    found = uow.inputs.by_source(InputSource.FORM, _source_ref(item.id, user_id))
    return found if found is not None and found.state is not InputState.WITHDRAWN else None


def _source_ref(item_id: str, user_id: str) -> str:
    """One input per member and case card: submitting the card again edits it."""
    return f"card:{item_id}:{user_id}"


def deliver_cases(ctx: ServiceContext, meeting_id: str, user_id: str) -> int:
    """The case cards a confirmed member has not received yet. Each delivery is an allowed
    read of the case: audited as ``case.viewed`` (``via=card``)."""
    # Read before the unit of work: the cards' store commits on its own connection.
    have = {card.key for card in ctx.cards.for_user(user_id)}
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None or meeting.state is not MeetingState.COLLECTING:
            return 0
        todo = []
        for item, case, agency in _readable_items(ctx, uow, meeting, user_id):
            key = case_key(item.id, user_id)
            if key in have or not uow.processed.claim(f"direct:{key}"):
                continue
            todo.append(
                (
                    key,
                    item,
                    case_card(
                        meeting,
                        case,
                        item,
                        agency,
                        _current_input(uow, item, user_id),
                        ctx.tz,
                        ctx.notice(meeting),
                    ),
                )
            )
            audit(
                ctx,
                uow,
                Actor(user_id),
                AuditAction.CASE_VIEWED,
                "case",
                str(case.code),
                f"via=card;meeting={meeting_id}",
            )
        uow.commit()
    sent = 0
    for key, item, card in todo:
        try:
            _send_card(ctx, key, CardKind.CASE, meeting_id, user_id, card, item.id)
        except ChatUnavailable:
            continue
        sent += 1
    return sent


# --------------------------------------------------------------------------- confirming


def acknowledge_card(ctx: ServiceContext, actor: Actor, value: str) -> str:
    """The notice card's 守秘義務を確認しました: the card carries the version of the notice it
    showed. A card showing an older version is replaced by the current notice, and nothing
    is recorded until that one is confirmed."""
    from bot.services import meetings

    meeting_id, _, version = value.partition("|")
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None:
            raise NotFound(texts.MEETINGS.ack_meeting_missing)
        notice = ctx.notice(meeting)
        fresh = notice_card(
            meeting, meeting_label(meeting, ctx.tz), len(uow.agenda.for_meeting(meeting_id)), notice
        )
    if version != notice.version:
        card = ctx.cards.get(notice_key(meeting_id, actor.user_id))
        if card is not None:
            chat_of(ctx).update_card(card.ref, fresh)
        return texts.DIRECT.notice_outdated
    return meetings.acknowledge(ctx, actor, meeting_id=meeting_id, via="card")


def after_acknowledged(ctx: ServiceContext, meeting_id: str, user_id: str) -> None:
    """Called once a confirmation is recorded (by the card or by ``ack``): the notice card
    shows it, and the member's case cards follow."""
    card = ctx.cards.get(notice_key(meeting_id, user_id))
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None:
            return
        notice = ctx.notice(meeting)
        ack = uow.acknowledgements.get(meeting_id, user_id, notice.version)
        if ack is None:
            return
        label = meeting_label(meeting, ctx.tz)
    if card is not None and not card.withdrawn:
        try:
            chat_of(ctx).update_card(
                card.ref,
                confirmed_notice_card(label, ack.acknowledged_at.astimezone(ctx.tz), notice),
            )
        except ChatUnavailable:
            log.warning("a notice card could not be updated")
    deliver_cases(ctx, meeting_id, user_id)


# --------------------------------------------------------------------------- input


def submit_case_input(ctx: ServiceContext, actor: Actor, item_id: str, values: FormValues) -> str:
    """The case card's form: re-checks access (a confirmed, active member of an agency asked
    for the case), then records the member's agency's input, or edits it when the card was
    submitted before. The card then shows what was recorded. Audited as ``input.recorded``
    or ``input.edited`` (and ``input.flagged`` with the kinds of identifiers it may carry).
    A refused member's card is withdrawn."""
    parts = [(label, clean_user_text(values.text(fid))) for fid, label in FIELDS]
    if not any(text for _, text in parts):
        raise FormErrors({"situation": texts.INPUTS.form_empty})
    text = "\n".join(
        texts.INPUTS.form_part.format(label=label, text=body) for label, body in parts if body
    )
    with ctx.uow() as uow:
        item = uow.agenda.by_id(item_id)
        if item is None:
            raise NotFound(texts.INPUTS.item_gone)
        meeting, case = uow.meetings.get(item.meeting_id), uow.cases.get(item.case_id)
        assert meeting is not None and case is not None
        refused: PermissionDenied | None = None
        try:
            access = require_contributor(ctx, uow, actor, meeting, case, what="card_input")
        except PermissionDenied as error:  # audited by require_contributor
            refused = error
    if refused is not None:
        reconcile(ctx, user_id=actor.user_id)
        raise refused
    agency = access.agencies[0]
    code = str(case.code)
    with ctx.uow() as uow:
        existing = _current_input(uow, item, actor.user_id)
        if existing is not None:
            before = set(identifiers.detect(existing.text))
            existing.edit(text, at=ctx.clock())
            uow.inputs.save(existing)
            audit(
                ctx, uow, actor, AuditAction.INPUT_EDITED, "input", existing.id, f"case={code};card"
            )
            recorded = existing
            kinds = tuple(k for k in identifiers.detect(text) if k not in before)
        else:
            recorded = AgencyInput(
                meeting_id=meeting.id,
                case_id=case.id,
                agency_id=agency.id,
                author_user_id=actor.user_id,
                text=text,
                source=InputSource.FORM,
                source_ref=_source_ref(item.id, actor.user_id),
                created_at=ctx.clock(),
            )
            uow.inputs.add(recorded)
            audit(
                ctx,
                uow,
                actor,
                AuditAction.INPUT_RECORDED,
                "input",
                recorded.id,
                f"case={code};card",
            )
            kinds = identifiers.detect(text)
        if kinds:
            audit(
                ctx,
                uow,
                actor,
                AuditAction.INPUT_FLAGGED,
                "input",
                recorded.id,
                f"case={code};kinds={identifiers.codes(kinds)}",
            )
        uow.commit()
        card = case_card(meeting, case, item, agency, recorded, ctx.tz, ctx.notice(meeting))
        coordinator = meeting.created_by
    learn_name_later(ctx, actor.user_id)  # the name the minutes show for this input
    placed = ctx.cards.get(case_key(item.id, actor.user_id))
    if placed is not None and not placed.withdrawn:
        chat_of(ctx).update_card(placed.ref, card)
    if kinds:
        _warn_identifiers(ctx, actor.user_id, coordinator, code, kinds)
    answer = texts.DIRECT.edited if existing is not None else texts.DIRECT.recorded
    return answer.format(code=code, agency=agency.name)


def _warn_identifiers(
    ctx: ServiceContext,
    user_id: str,
    coordinator: str,
    code: str,
    kinds: tuple[identifiers.IdentifierKind, ...],
) -> None:
    """The author is told in their 1:1 chat; the coordinator who and which kinds, never the
    text (as for thread replies)."""
    what = identifiers.labels(kinds)
    try:
        ctx.chat.send_direct(
            user_id,
            Message(
                texts.INPUTS.identifiers_text.format(code=code, what=what),
                (
                    Paragraph(
                        texts.INPUTS.identifiers.format(
                            code=code, what=what, fix=texts.DIRECT.fix_card
                        )
                    ),
                ),
            ),
        )
        ctx.chat.send_direct(
            coordinator,
            Message(
                texts.INPUTS.identifiers_coordinator_text.format(code=code),
                (
                    Paragraph(
                        texts.INPUTS.identifiers_coordinator.format(
                            code=code, user=mention(user_id), what=what
                        )
                    ),
                ),
            ),
        )
    except ChatUnavailable:
        log.warning("an identifier warning could not be sent")


# --------------------------------------------------------------------------- losing access


def _still_allowed(ctx: ServiceContext, uow: UnitOfWork, card: DirectCard) -> bool:
    meeting = uow.meetings.get(card.meeting_id)
    if meeting is None or meeting.state is MeetingState.CANCELLED:
        return False
    if card.kind is CardKind.NOTICE:
        return standing(ctx, uow, Actor(card.user_id), meeting).may_confirm
    item = uow.agenda.by_id(card.item_id or "")
    case = uow.cases.get(item.case_id) if item is not None else None
    if item is None or case is None or item.meeting_id != meeting.id:
        return False
    access = standing(ctx, uow, Actor(card.user_id), meeting, case)
    return access.may_read and bool(access.agencies)


def reconcile(
    ctx: ServiceContext, *, user_id: str | None = None, meeting_id: str | None = None
) -> int:
    """Replace every live card whose reader may no longer see it (removed from their agency,
    no longer asked, the case off the agenda, the meeting cancelled, the account
    deactivated) with "この事例は表示できなくなりました". Audited as ``card.withdrawn`` (the
    card's kind and meeting). Returns how many cards were replaced."""
    if user_id is not None:
        cards = list(ctx.cards.for_user(user_id))
    elif meeting_id is not None:
        cards = list(ctx.cards.for_meeting(meeting_id))
    else:
        return 0
    gone: list[DirectCard] = []
    with ctx.uow() as uow:
        for card in cards:
            if card.withdrawn or _still_allowed(ctx, uow, card):
                continue
            gone.append(card)
    withdrawn = 0
    for card in gone:
        try:
            chat_of(ctx).update_card(card.ref, withdrawn_card(card.kind))
        except ChatUnavailable:
            log.warning("a card could not be withdrawn; it will be tried again")
            continue
        ctx.cards.put(replace(card, withdrawn=True, updated_at=ctx.clock()))
        with ctx.uow() as uow:
            audit(
                ctx,
                uow,
                Actor("system"),
                AuditAction.CARD_WITHDRAWN,
                "meeting",
                card.meeting_id,
                f"kind={card.kind};user={card.user_id}",
            )
            uow.commit()
        withdrawn += 1
    return withdrawn


# --------------------------------------------------------------------------- documents


def file_declined(ctx: ServiceContext, actor: Actor, filename: str) -> None:
    """The recipient declined a document offered to them (Teams' file consent): recorded as
    ``document.declined`` (the file name only, never its content); nothing else is sent."""
    with ctx.uow() as uow:
        audit(ctx, uow, actor, AuditAction.DOCUMENT_DECLINED, "document", filename[:200])
        uow.commit()


# --------------------------------------------------------------------------- messages to a meeting


def tell_meeting(ctx: ServiceContext, meeting_id: str, message: Message) -> int:
    """What the channel mode posts in the meeting channel (the meeting day's notice) goes,
    in the direct mode, to each coordinator and each member who confirmed, one by one."""
    with ctx.uow() as uow:
        meeting = uow.meetings.get(meeting_id)
        if meeting is None:
            return 0
        people = list(
            dict.fromkeys(
                [
                    *(c.user_id for c in uow.coordinators.list(active_only=True)),
                    *(u for u in _asked(uow, meeting_id) if has_confirmed(ctx, uow, meeting, u)),
                ]
            )
        )
    sent = 0
    for user_id in people:
        if not ctx.chat.user_is_active(user_id):
            continue
        try:
            ctx.chat.send_direct(user_id, message)
            sent += 1
        except ChatUnavailable:
            log.warning("a meeting message could not be sent")
    return sent


__all__ = [
    "ACK_ACTION",
    "INPUT_FORM",
    "acknowledge_card",
    "added_while_collecting",
    "after_acknowledged",
    "deliver",
    "deliver_cases",
    "file_declined",
    "open_meeting",
    "opened",
    "reconcile",
    "submit_case_input",
    "tell_meeting",
]
