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
from bot.services import claims
from bot.services.access import (
    Actor,
    PermissionDenied,
    Standing,
    deny,
    require_contributor,
    standing,
    with_account,
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
from bot.services.meetings import (
    head_being_posted,
    is_meeting_channel,
    parse_ref,
    refresh_thread,
)
from bot.services.messages import RECEIVED_REACTION
from bot.services.people import learn_name_later
from bot.services.ports import UnitOfWork

INPUT_FORM = "shien_input_form"
FIELDS = (
    ("situation", texts.INPUTS.form_situation),
    ("issues", texts.INPUTS.form_issues),
    ("proposal", texts.INPUTS.form_proposal),
)


class ReplyOutcome(StrEnum):
    NOT_A_CASE_THREAD = "not_a_case_thread"  # not a meeting channel: none of the bot's business
    OTHER_THREAD = "other_thread"  # a thread of a meeting channel that heads no case: told
    NO_TEXT = "no_text"  # files only: nothing to record, the author is asked for text
    RECORDED = "recorded"
    HELD = "held"  # author has not confirmed the secrecy notice yet
    REJECTED = "rejected"  # author is not a member of an agency asked for the case
    ALREADY_RECORDED = "already_recorded"  # a retried event
    DELETED = "deleted"  # deleted before its own event was handled: nothing to record


class NotYetKnown(Exception):
    """A reply's outcome cannot be decided yet (the thread it answers is having its head
    recorded right now): nothing was done, and the caller tries again shortly."""


def _thread_item(uow: UnitOfWork, channel_id: str, thread_id: str) -> AgendaItem | None:
    return uow.agenda.by_thread(MessageRef(channel_id, thread_id).key())


def _deleted_key(source_ref: str) -> str:
    """Marks a reply deleted before its own event was handled (Slack was retrying it)."""
    return f"deleted:{source_ref}"


def _edit_key(source_ref: str, edited: str) -> str:
    """Marks an edit applied; ``edited`` is the platform's fixed-width time of the edit."""
    return f"edit:{source_ref}:{edited}"


def _once(uow: UnitOfWork, what: str, source_ref: str) -> bool:
    """Whether the author of ``source_ref`` is to be told ``what`` now (once per message,
    however often its events come)."""
    return uow.processed.claim(f"told:{what}:{source_ref}")


def _tell(ctx: ServiceContext, where: MessageRef | str, user_id: str, text: str, body: str) -> None:
    """Tell the author of a reply, privately, in the reply's thread (``where``; or in a
    channel, given its ID)."""
    thread = where if isinstance(where, MessageRef) else None
    channel_id = where.channel_id if isinstance(where, MessageRef) else where
    ctx.later(
        "tell author",
        lambda c: c.chat.post_ephemeral(
            channel_id, user_id, Message(text, (Paragraph(body),)), thread=thread
        ),
    )


def record_reply(
    ctx: ServiceContext,
    channel_id: str,
    thread_id: str,
    message_id: str,
    user_id: str,
    text: str,
    *,
    files: int = 0,
) -> ReplyOutcome:
    """A reply in a case thread becomes the author's agency's input for that case.

    Anyone may post in the channel; only members of an agency asked for the case are
    recorded. A member who has not confirmed the notice is held until they do. Every reply
    in a thread of a meeting channel ends recorded, held, or with its author told why not
    (privately, in the thread): a thread that heads no case, an author not asked, a reply
    that is only files (``files`` counts the attachments; a file never counts as an
    answer, and only the text of a reply is recorded).

    Audited as ``input.recorded`` / ``input.held`` / ``access.denied`` (with the author's
    standing). Retried events have one effect: the message's ID is the input's unique
    source, and each author is told each thing once per message. Raises
    ``ChatUnavailable`` (the author's account could not be checked) or ``NotYetKnown``
    before deciding anything: the caller tries again.
    """
    source_ref = MessageRef(channel_id, message_id).key()
    thread = MessageRef(channel_id, thread_id)
    actor = Actor(user_id)
    text = clean_user_text(text, max_length=40_000)
    with ctx.uow() as uow:
        if not is_meeting_channel(uow, channel_id):
            return ReplyOutcome.NOT_A_CASE_THREAD
        item = _thread_item(uow, channel_id, thread_id)
        if item is None:
            if head_being_posted(ctx, uow, channel_id):
                raise NotYetKnown(source_ref)
            if _once(uow, "other_thread", source_ref):
                uow.commit()
                _tell(
                    ctx, thread, user_id, texts.INPUTS.other_thread_text, texts.INPUTS.other_thread
                )
            return ReplyOutcome.OTHER_THREAD
        if uow.inputs.by_source(InputSource.THREAD, source_ref) is not None or (
            uow.processed.is_claimed(f"rejected:{source_ref}")
        ):
            return ReplyOutcome.ALREADY_RECORDED
        if uow.processed.is_claimed(_deleted_key(source_ref)):
            return ReplyOutcome.DELETED
    # Asked outside any transaction (SQLite's write lock must not wait for Slack). If Slack
    # cannot be asked, ChatUnavailable leaves before anything is decided.
    active = ctx.chat.user_is_active(user_id)
    with ctx.uow() as uow:
        item = _thread_item(uow, channel_id, thread_id)
        assert item is not None
        if uow.inputs.by_source(InputSource.THREAD, source_ref) is not None:
            return ReplyOutcome.ALREADY_RECORDED
        meeting, case = uow.meetings.get(item.meeting_id), uow.cases.get(item.case_id)
        assert meeting is not None and case is not None
        access = standing(ctx, uow, actor, meeting, case, active=active)
        agencies = access.agencies
        code = str(case.code)
        coordinator = meeting.created_by
        if not agencies:
            if not uow.processed.claim(f"rejected:{source_ref}"):
                return ReplyOutcome.ALREADY_RECORDED  # a retried event: tell no one twice
            uow.commit()
            reason = "no_agency" if access.standing is Standing.COORDINATOR else access.standing
            deny(ctx, uow, actor, "case", code, f"reply:{reason}")
        elif not text:
            if _once(uow, "no_text", source_ref):
                uow.commit()
                _tell(ctx, thread, user_id, texts.INPUTS.files_only_text, texts.INPUTS.files_only)
            return ReplyOutcome.NO_TEXT
        else:
            confirmed = access.confirmed
            agency_input = AgencyInput(
                meeting_id=meeting.id,
                case_id=case.id,
                agency_id=agencies[0].id,
                author_user_id=user_id,
                text=text,
                source=InputSource.THREAD,
                source_ref=source_ref,
                state=InputState.RECORDED if confirmed else InputState.HELD,
                created_at=ctx.clock(),
            )
            try:
                uow.inputs.add(agency_input)
            except Duplicate:
                return ReplyOutcome.ALREADY_RECORDED
            action = AuditAction.INPUT_RECORDED if confirmed else AuditAction.INPUT_HELD
            audit(ctx, uow, actor, action, "input", agency_input.id, f"case={code}")
            kinds = _flag(ctx, uow, actor, agency_input.id, code, agency_input.text)
            tell_files = bool(files) and _once(uow, "files", source_ref)
            uow.commit()

    if agencies:
        learn_name_later(ctx, user_id)  # the name the minutes show for this input
    if not agencies:
        _tell(
            ctx,
            thread,
            user_id,
            texts.INPUTS.not_recorded_text,
            texts.INPUTS.not_recorded.format(code=code),
        )
        ctx.later(
            "tell coordinator",
            lambda c: c.chat.send_direct(
                coordinator,
                Message(
                    texts.INPUTS.outsider_posted_text.format(code=code),
                    (
                        Paragraph(
                            texts.INPUTS.outsider_posted.format(code=code, user=mention(user_id))
                        ),
                    ),
                ),
            ),
        )
        return ReplyOutcome.REJECTED
    if kinds:
        _warn_identifiers(ctx, thread, user_id, coordinator, code, kinds, editable=True)
    if tell_files:
        _tell(ctx, thread, user_id, texts.INPUTS.files_dropped_text, texts.INPUTS.files_dropped)
    if not confirmed:
        _tell(ctx, thread, user_id, texts.INPUTS.held_text, texts.INPUTS.held)
        return ReplyOutcome.HELD
    received = MessageRef(channel_id, message_id)
    ctx.later("reaction", lambda c: c.chat.add_reaction(received, RECEIVED_REACTION))
    meeting_id, case_id = item.meeting_id, item.case_id
    ctx.later("thread head", lambda c: refresh_thread(c, meeting_id, case_id))
    return ReplyOutcome.RECORDED


def _own_input(
    ctx: ServiceContext,
    uow: UnitOfWork,
    channel_id: str,
    message_id: str,
    what: str,
    active: bool | None = None,
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
    access = require_contributor(
        ctx, uow, author, meeting, case, what=what, held_ok=True, active=active
    )
    if agency_input.agency_id not in {agency.id for agency in access.agencies}:
        deny(ctx, uow, author, "case", str(case.code), f"{what}:agency_not_asked")
        raise PermissionDenied(texts.ACCESS.not_asked_case.format(code=case.code))
    return agency_input, meeting, str(case.code)


def _live_input(ctx: ServiceContext, channel_id: str, message_id: str) -> AgencyInput | None:
    """The input a thread message became, unless it was withdrawn (read-only)."""
    with ctx.uow() as uow:
        found = uow.inputs.by_source(InputSource.THREAD, MessageRef(channel_id, message_id).key())
    return found if found is not None and found.state is not InputState.WITHDRAWN else None


def _tell_refused(
    ctx: ServiceContext,
    channel_id: str,
    user_id: str,
    error: PermissionDenied,
    thread: MessageRef | None,
) -> None:
    message = Message(
        texts.INPUTS.change_not_recorded,
        (Paragraph(texts.INPUTS.change_not_recorded + error.message),),
    )
    ctx.later(
        "tell author",
        lambda c: c.chat.post_ephemeral(channel_id, user_id, message, thread=thread),
    )


def edit_reply(
    ctx: ServiceContext,
    channel_id: str,
    message_id: str,
    text: str,
    user_id: str = "",
    *,
    thread_id: str = "",
    files: int = 0,
    edited: str = "",
) -> bool:
    """An edited reply updates the input it became, if its author may still change it.
    Audited as ``input.edited`` (or ``access.denied``; the author is told). A change that
    leaves the text as it was (a link preview, a file added) changes nothing; an edit that
    removes all text withdraws the input (a file never counts as an answer). A reply that
    never became an input (its event was lost, or it was only files until now) is handled
    as the reply it now is. ``edited`` is the platform's time of the edit: an edit whose
    event comes again after a later edit was applied changes nothing. Raises
    ``ChatUnavailable`` before deciding anything when the author's account could not be
    checked."""
    thread = MessageRef(channel_id, thread_id) if thread_id else None
    text = clean_user_text(text, max_length=40_000)
    source_ref = MessageRef(channel_id, message_id).key()
    existing = _live_input(ctx, channel_id, message_id)
    if existing is None:
        if not (thread_id and user_id and thread_id != message_id):
            return False
        outcome = record_reply(ctx, channel_id, thread_id, message_id, user_id, text, files=files)
        if outcome in (ReplyOutcome.RECORDED, ReplyOutcome.HELD):
            if edited:
                claims.claim(ctx, _edit_key(source_ref, edited))
            return True
        if outcome is not ReplyOutcome.ALREADY_RECORDED:
            return False
        # The reply's own event was recorded in the meantime: apply the edit to it.
        existing = _live_input(ctx, channel_id, message_id)
        if existing is None:
            return False
    if existing.text == text:
        return False  # a preview, a file or a language tag came: the words did not change
    if not text:
        withdrawn = withdraw_reply(ctx, channel_id, message_id, user_id, thread_id=thread_id)
        if withdrawn and thread is not None:
            _tell(
                ctx,
                thread,
                existing.author_user_id,
                texts.INPUTS.emptied_text,
                texts.INPUTS.emptied,
            )
        return withdrawn
    active = ctx.chat.user_is_active(existing.author_user_id)
    refused: PermissionDenied | None = None
    with ctx.uow() as uow:
        try:
            found = _own_input(ctx, uow, channel_id, message_id, "edit", active)
        except PermissionDenied as error:
            refused = error
        else:
            if found is None:
                return False
            agency_input, meeting, code = found
            if agency_input.text == text:
                return False  # a retried event: this edit is recorded already
            if edited:
                key = _edit_key(source_ref, edited)
                if uow.processed.claimed_after(key, _edit_key(source_ref, "")):
                    return False  # a later edit is recorded: this one comes too late
                if not uow.processed.claim(key):
                    return False
            before = set(identifiers.detect(agency_input.text))
            agency_input.edit(text, at=ctx.clock())
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
            _tell_refused(ctx, channel_id, user_id, refused, thread)
        return False
    if kinds:
        where = thread or MessageRef(channel_id, message_id)
        _warn_identifiers(
            ctx, where, author.user_id, meeting.created_by, code, kinds, editable=True
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
    thread: MessageRef | str,
    user_id: str,
    coordinator: str,
    code: str,
    kinds: tuple[IdentifierKind, ...],
    *,
    editable: bool,
) -> None:
    """The author is warned privately, in the case's thread; the coordinator is told who
    and which kinds (never the text)."""
    what = identifiers.labels(kinds)
    fix = texts.INPUTS.fix_reply if editable else texts.INPUTS.fix_form
    _tell(
        ctx,
        thread,
        user_id,
        texts.INPUTS.identifiers_text.format(code=code, what=what),
        texts.INPUTS.identifiers.format(code=code, what=what, fix=fix),
    )
    told = Message(
        texts.INPUTS.identifiers_coordinator_text.format(code=code),
        (
            Paragraph(
                texts.INPUTS.identifiers_coordinator.format(
                    code=code, user=mention(user_id), what=what
                )
            ),
        ),
    )
    ctx.later("tell coordinator", lambda c: c.chat.send_direct(coordinator, told))


def withdraw_reply(
    ctx: ServiceContext,
    channel_id: str,
    message_id: str,
    user_id: str = "",
    *,
    thread_id: str = "",
) -> bool:
    """A deleted reply withdraws its input, if its author may still change it. Audited as
    ``input.withdrawn`` (or ``access.denied``; the author is told). Raises
    ``ChatUnavailable`` before deciding anything when the author's account could not be
    checked."""
    existing = _live_input(ctx, channel_id, message_id)
    if existing is None:
        source_ref = MessageRef(channel_id, message_id).key()
        with ctx.uow() as uow:
            if not is_meeting_channel(uow, channel_id):
                return False
            if uow.inputs.by_source(InputSource.THREAD, source_ref) is None:
                # A reply whose own event is still to come (Slack retrying it) must not be
                # recorded after it was deleted.
                uow.processed.claim(_deleted_key(source_ref))
                uow.commit()
                return False
        # Recorded in the meantime (its event was being handled as this one arrived):
        # withdraw it as usual.
        existing = _live_input(ctx, channel_id, message_id)
        if existing is None:
            return False
    thread = MessageRef(channel_id, thread_id) if thread_id else None
    active = ctx.chat.user_is_active(existing.author_user_id)
    refused: PermissionDenied | None = None
    with ctx.uow() as uow:
        try:
            found = _own_input(ctx, uow, channel_id, message_id, "withdraw", active)
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
            _tell_refused(ctx, channel_id, user_id, refused, thread)
        return False
    ctx.later("thread head", lambda c: refresh_thread(c, meeting_id, case_id))
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
    actor = with_account(ctx, actor)  # asked before the transaction, not inside it
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
    learn_name_later(ctx, actor.user_id)  # the name the minutes show for this input
    if kinds:
        # In the case's thread, where the form was opened (the channel if it has none yet).
        where = parse_ref(item.thread_ref) if item.thread_ref else None
        _warn_identifiers(
            ctx,
            where or meeting.channel_id,
            actor.user_id,
            meeting.created_by,
            code,
            kinds,
            editable=False,
        )
    meeting_id, case_id = item.meeting_id, item.case_id
    ctx.later("thread head", lambda c: refresh_thread(c, meeting_id, case_id))
    return texts.INPUTS.form_recorded.format(code=code, agency=agency.name)
