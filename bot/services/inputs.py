"""Agency input (各機関からの情報): replies in a case's thread, and the 入力する form."""

from __future__ import annotations

from enum import StrEnum

from bot import texts
from bot.domain import identifiers
from bot.domain.errors import Duplicate, NotFound
from bot.domain.identifiers import IdentifierKind
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgendaItem,
    AuditAction,
    Case,
    InputSource,
    InputState,
    Meeting,
)
from bot.services.access import (
    Actor,
    PermissionDenied,
    Standing,
    deny,
    require_contributor,
    standing,
)
from bot.services.audit import audit
from bot.services.chat import (
    Form,
    FormErrors,
    FormValues,
    Message,
    MessageRef,
    Note,
    Paragraph,
    TextInput,
    clean_user_text,
    mention,
)
from bot.services.context import ServiceContext
from bot.services.meetings import refresh_thread
from bot.services.messages import RECEIVED_REACTION
from bot.services.people import remember_name
from bot.services.ports import UnitOfWork

INPUT_FORM = "shien_input_form"
FIELDS = (
    ("situation", texts.INPUTS.form_situation),
    ("issues", texts.INPUTS.form_issues),
    ("proposal", texts.INPUTS.form_proposal),
)


class ReplyOutcome(StrEnum):
    NOT_A_CASE_THREAD = "not_a_case_thread"
    RECORDED = "recorded"
    HELD = "held"  # author has not confirmed the secrecy notice yet
    REJECTED = "rejected"  # author is not a member of an agency asked for the case
    ALREADY_RECORDED = "already_recorded"  # a retried event


def _thread_item(uow: UnitOfWork, channel_id: str, thread_id: str) -> AgendaItem | None:
    return uow.agenda.by_thread(MessageRef(channel_id, thread_id).key())


def record_reply(
    ctx: ServiceContext, channel_id: str, thread_id: str, message_id: str, user_id: str, text: str
) -> ReplyOutcome:
    """A reply in a case thread becomes the author's agency's input for that case.

    Anyone may post in the channel; only members of an agency asked for the case are
    recorded. A member who has not confirmed the notice is held until they do. Audited as
    ``input.recorded`` / ``input.held`` / ``access.denied`` (with the author's standing).
    Retried events have one effect: the message's ID is the input's unique source.
    """
    source_ref = MessageRef(channel_id, message_id).key()
    actor = Actor(user_id)
    with ctx.uow() as uow:
        item = _thread_item(uow, channel_id, thread_id)
        if item is None:
            return ReplyOutcome.NOT_A_CASE_THREAD
        if uow.inputs.by_source(InputSource.THREAD, source_ref) is not None:
            return ReplyOutcome.ALREADY_RECORDED
        meeting, case = uow.meetings.get(item.meeting_id), uow.cases.get(item.case_id)
        assert meeting is not None and case is not None
        access = standing(ctx, uow, actor, meeting, case)
        agencies = access.agencies
        code = str(case.code)
        coordinator = meeting.created_by
        if not agencies:
            if not uow.processed.claim(f"rejected:{source_ref}"):
                return ReplyOutcome.ALREADY_RECORDED  # a retried event: tell no one twice
            uow.commit()
            reason = "no_agency" if access.standing is Standing.COORDINATOR else access.standing
            deny(ctx, uow, actor, "case", code, f"reply:{reason}")
        else:
            confirmed = access.confirmed
            agency_input = AgencyInput(
                meeting_id=meeting.id,
                case_id=case.id,
                agency_id=agencies[0].id,
                author_user_id=user_id,
                text=clean_user_text(text, max_length=40_000),
                source=InputSource.THREAD,
                source_ref=source_ref,
                state=InputState.RECORDED if confirmed else InputState.HELD,
                created_at=ctx.clock(),
            )
            try:
                uow.inputs.add(agency_input)
            except Duplicate:
                return ReplyOutcome.ALREADY_RECORDED
            remember_name(ctx, uow, user_id)  # the name the minutes show for this input
            action = AuditAction.INPUT_RECORDED if confirmed else AuditAction.INPUT_HELD
            audit(ctx, uow, actor, action, "input", agency_input.id, f"case={code}")
            kinds = _flag(ctx, uow, actor, agency_input.id, code, agency_input.text)
            uow.commit()

    if not agencies:
        ctx.chat.post_ephemeral(
            channel_id,
            user_id,
            Message(
                texts.INPUTS.not_recorded_text,
                (Paragraph(texts.INPUTS.not_recorded.format(code=code)),),
            ),
        )
        ctx.chat.send_direct(
            coordinator,
            Message(
                texts.INPUTS.outsider_posted_text.format(code=code),
                (Paragraph(texts.INPUTS.outsider_posted.format(code=code, user=mention(user_id))),),
            ),
        )
        return ReplyOutcome.REJECTED
    if kinds:
        _warn_identifiers(ctx, channel_id, user_id, coordinator, code, kinds, editable=True)
    if not confirmed:
        ctx.chat.post_ephemeral(
            channel_id,
            user_id,
            Message(texts.INPUTS.held_text, (Paragraph(texts.INPUTS.held),)),
        )
        return ReplyOutcome.HELD
    ctx.chat.add_reaction(MessageRef(channel_id, message_id), RECEIVED_REACTION)
    refresh_thread(ctx, item.meeting_id, item.case_id)
    return ReplyOutcome.RECORDED


def _own_input(
    ctx: ServiceContext, uow: UnitOfWork, channel_id: str, message_id: str, what: str
) -> tuple[AgencyInput, Meeting, str] | None:
    """The live input a thread message became, if its author may still change it: an
    active member of the input's agency, still asked for the case (held inputs included).
    Otherwise the change is refused (and audited): the record keeps what was recorded."""
    agency_input = uow.inputs.by_source(
        InputSource.THREAD, MessageRef(channel_id, message_id).key()
    )
    if agency_input is None or agency_input.state is InputState.WITHDRAWN:
        return None
    meeting = uow.meetings.get(agency_input.meeting_id)
    case = uow.cases.get(agency_input.case_id)
    assert meeting is not None and case is not None
    author = Actor(agency_input.author_user_id)
    access = require_contributor(ctx, uow, author, meeting, case, what=what, held_ok=True)
    if agency_input.agency_id not in {agency.id for agency in access.agencies}:
        deny(ctx, uow, author, "case", str(case.code), f"{what}:agency_not_asked")
        raise PermissionDenied(texts.ACCESS.not_asked_case.format(code=case.code))
    return agency_input, meeting, str(case.code)


def _tell_refused(
    ctx: ServiceContext, channel_id: str, user_id: str, error: PermissionDenied
) -> None:
    ctx.chat.post_ephemeral(
        channel_id,
        user_id,
        Message(
            texts.INPUTS.change_not_recorded,
            (Paragraph(texts.INPUTS.change_not_recorded + error.message),),
        ),
    )


def edit_reply(
    ctx: ServiceContext, channel_id: str, message_id: str, text: str, user_id: str = ""
) -> bool:
    """An edited reply updates the input it became, if its author may still change it.
    Audited as ``input.edited`` (or ``access.denied``; the author is told)."""
    refused: PermissionDenied | None = None
    with ctx.uow() as uow:
        try:
            found = _own_input(ctx, uow, channel_id, message_id, "edit")
        except PermissionDenied as error:
            refused = error
        else:
            if found is None:
                return False
            agency_input, meeting, code = found
            before = set(identifiers.detect(agency_input.text))
            agency_input.edit(clean_user_text(text, max_length=40_000), at=ctx.clock())
            uow.inputs.save(agency_input)
            author = Actor(agency_input.author_user_id)
            audit(ctx, uow, author, AuditAction.INPUT_EDITED, "input", agency_input.id)
            # Only kinds the edit added are flagged: a retried edit event adds none.
            kinds = tuple(k for k in identifiers.detect(agency_input.text) if k not in before)
            if kinds:
                audit(
                    ctx,
                    uow,
                    author,
                    AuditAction.INPUT_FLAGGED,
                    "input",
                    agency_input.id,
                    f"case={code};kinds={identifiers.codes(kinds)}",
                )
            uow.commit()
    if refused is not None:
        if user_id:
            _tell_refused(ctx, channel_id, user_id, refused)
        return False
    if kinds:
        _warn_identifiers(
            ctx, channel_id, author.user_id, meeting.created_by, code, kinds, editable=True
        )
    return True


def _flag(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, input_id: str, code: str, text: str
) -> tuple[IdentifierKind, ...]:
    """Audit ``input.flagged`` (the kinds only, never the text) if ``text`` looks like it
    carries direct identifiers. The input is recorded all the same."""
    kinds = identifiers.detect(text)
    if kinds:
        audit(
            ctx,
            uow,
            actor,
            AuditAction.INPUT_FLAGGED,
            "input",
            input_id,
            f"case={code};kinds={identifiers.codes(kinds)}",
        )
    return kinds


def _warn_identifiers(
    ctx: ServiceContext,
    channel_id: str,
    user_id: str,
    coordinator: str,
    code: str,
    kinds: tuple[IdentifierKind, ...],
    *,
    editable: bool,
) -> None:
    """The author is warned privately; the coordinator is told who and which kinds (never
    the text)."""
    what = identifiers.labels(kinds)
    fix = texts.INPUTS.fix_reply if editable else texts.INPUTS.fix_form
    ctx.chat.post_ephemeral(
        channel_id,
        user_id,
        Message(
            texts.INPUTS.identifiers_text.format(code=code, what=what),
            (Paragraph(texts.INPUTS.identifiers.format(code=code, what=what, fix=fix)),),
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


def withdraw_reply(
    ctx: ServiceContext, channel_id: str, message_id: str, user_id: str = ""
) -> bool:
    """A deleted reply withdraws its input, if its author may still change it. Audited as
    ``input.withdrawn`` (or ``access.denied``; the author is told)."""
    refused: PermissionDenied | None = None
    with ctx.uow() as uow:
        try:
            found = _own_input(ctx, uow, channel_id, message_id, "withdraw")
        except PermissionDenied as error:
            refused = error
        else:
            if found is None:
                return False
            agency_input = found[0]
            agency_input.withdraw(at=ctx.clock())
            uow.inputs.save(agency_input)
            audit(
                ctx,
                uow,
                Actor(agency_input.author_user_id),
                AuditAction.INPUT_WITHDRAWN,
                "input",
                agency_input.id,
            )
            uow.commit()
            meeting_id, case_id = agency_input.meeting_id, agency_input.case_id
    if refused is not None:
        if user_id:
            _tell_refused(ctx, channel_id, user_id, refused)
        return False
    refresh_thread(ctx, meeting_id, case_id)
    return True


def _checked_item(
    ctx: ServiceContext, uow: UnitOfWork, actor: Actor, item_id: str
) -> tuple[AgendaItem, Meeting, Case, Agency]:
    """The agenda item behind a button or form, re-checked for this actor (deny by default):
    a confirmed, active member of an agency asked for its case."""
    item = uow.agenda.by_id(item_id)
    if item is None:
        raise NotFound(texts.INPUTS.item_gone)
    meeting, case = uow.meetings.get(item.meeting_id), uow.cases.get(item.case_id)
    assert meeting is not None and case is not None
    access = require_contributor(ctx, uow, actor, meeting, case, what="input_form")
    return item, meeting, case, access.agencies[0]


def open_input_form(ctx: ServiceContext, actor: Actor, item_id: str, interaction_ref: str) -> None:
    """Members of an asked agency who confirmed the notice get the 入力する form."""
    with ctx.uow() as uow:
        item, _, case, _ = _checked_item(ctx, uow, actor, item_id)
        code = str(case.code)
    ctx.chat.open_form(
        interaction_ref,
        Form(
            form_id=INPUT_FORM,
            title=texts.INPUTS.form_title.format(code=code),
            submit_label=texts.INPUTS.form_submit,
            metadata=item.id,
            intro=(Note(texts.INPUTS.form_intro),),
            fields=tuple(
                TextInput(fid, label, multiline=True, optional=True) for fid, label in FIELDS
            ),
        ),
    )


def submit_input_form(
    ctx: ServiceContext, actor: Actor, item_id: str, values: FormValues, submission_id: str
) -> str:
    """Re-checks access, then records the form as the member's agency's input. A form
    submitted twice (same ``submission_id``) is recorded once."""
    parts = [(label, clean_user_text(values.text(fid))) for fid, label in FIELDS]
    if not any(text for _, text in parts):
        raise FormErrors({"situation": texts.INPUTS.form_empty})
    text = "\n".join(
        texts.INPUTS.form_part.format(label=label, text=body) for label, body in parts if body
    )
    with ctx.uow() as uow:
        item, meeting, case, agency = _checked_item(ctx, uow, actor, item_id)
        code = str(case.code)
        agency_input = AgencyInput(
            meeting_id=meeting.id,
            case_id=case.id,
            agency_id=agency.id,
            author_user_id=actor.user_id,
            text=text,
            source=InputSource.FORM,
            source_ref=submission_id,
            created_at=ctx.clock(),
        )
        try:
            uow.inputs.add(agency_input)
        except Duplicate:
            return texts.INPUTS.form_already_recorded.format(code=code)
        remember_name(ctx, uow, actor.user_id)  # the name the minutes show for this input
        audit(
            ctx,
            uow,
            actor,
            AuditAction.INPUT_RECORDED,
            "input",
            agency_input.id,
            f"case={code};form",
        )
        kinds = _flag(ctx, uow, actor, agency_input.id, code, text)
        uow.commit()
    if kinds:
        _warn_identifiers(
            ctx, meeting.channel_id, actor.user_id, meeting.created_by, code, kinds, editable=False
        )
    refresh_thread(ctx, item.meeting_id, item.case_id)
    return texts.INPUTS.form_recorded.format(code=code, agency=agency.name)
