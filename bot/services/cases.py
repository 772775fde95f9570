"""Registering cases (事例) and their consent (本人同意)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot import texts
from bot.domain.calendar import fiscal_year, format_wareki
from bot.domain.errors import ConsentRequired, DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    AuditAction,
    Case,
    CaseCode,
    MeetingKind,
)
from bot.services.access import Actor, check_coordinator, require_coordinator
from bot.services.admin import resolve_agencies
from bot.services.audit import audit
from bot.services.chat import (
    Choice,
    DateInput,
    Form,
    FormErrors,
    FormValues,
    SelectInput,
    TextInput,
    clean_user_text,
)
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class NewCase:
    """What a coordinator asks for in ``/shien case new`` or its form."""

    agency_keys: list[str]
    # Where the coordinator means to discuss it first. The case itself belongs to no kind;
    # 重層 only asks for the consent a 重層的支援会議 needs, now.
    kind: MeetingKind = MeetingKind.SUPPORT
    consent_on: date | None = None
    urgent: bool = False
    summary: str = ""
    request_id: str = ""  # a form submission's ID: the same submission registers one case


def create_case(ctx: ServiceContext, actor: Actor, request: NewCase) -> CaseCode:
    """Coordinators only. Allocates the next code of the 年度 and records the case.

    Audited as ``case.created`` (and ``consent.recorded`` when a consent date is given).
    Raises ``Duplicate`` for a request ID seen before (a form delivered twice).
    """
    if not request.agency_keys:
        raise InvalidValue(texts.CASES.agency_keys_missing)
    today = ctx.today()
    if request.consent_on is not None and request.consent_on > today:
        # A date still to come is no consent on record.
        raise ConsentRequired(texts.CASES.consent_date_future)
    if request.kind is MeetingKind.MULTILAYER and request.consent_on is None:
        raise ConsentRequired(texts.CASES.multilayer_needs_consent)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "case.new")
        agencies = resolve_agencies(uow, request.agency_keys)
        if request.request_id and not uow.processed.claim(f"case:{request.request_id}"):
            raise Duplicate(texts.CASES.already_registering)
        code = uow.cases.next_code(fiscal_year(today))
        case = Case(
            code=code,
            created_by=actor.user_id,
            asked_agency_ids=[a.id for a in agencies],
            urgent=request.urgent,
            summary=request.summary,
            created_at=ctx.clock(),
        )
        if request.consent_on is not None:
            case.record_consent(request.consent_on, by=actor.user_id, at=ctx.clock())
        uow.cases.add(case)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.CASE_CREATED,
            "case",
            str(code),
            f"kind={request.kind.value}",
        )
        if request.consent_on is not None:
            audit(ctx, uow, actor, AuditAction.CONSENT_RECORDED, "case", str(code))
        uow.commit()
    return code


def case_created(code: CaseCode) -> str:
    """The answer to a coordinator who registered a case (by command or form)."""
    return texts.CASES.created.format(code=code)


CASE_FORM = "shien_case_form"


def case_form(ctx: ServiceContext, actor: Actor) -> Form:
    """Coordinators only. The form behind ``/shien case new`` without arguments."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "case.new")
        agencies = list(uow.agencies.list())
    if not agencies:
        raise DomainError(texts.CASES.no_agencies)
    return Form(
        form_id=CASE_FORM,
        title=texts.CASES.form_title,
        submit_label=texts.CASES.form_submit,
        fields=(
            SelectInput(
                "agencies",
                texts.CASES.form_agencies,
                tuple(Choice(a.key, a.name) for a in agencies),
                multiple=True,
            ),
            DateInput("consent", texts.CASES.form_consent, optional=True),
            SelectInput(
                "urgent",
                texts.CASES.form_urgency,
                (Choice("no", texts.CASES.form_normal), Choice("yes", texts.CASES.form_urgent)),
                initial="no",
            ),
            TextInput(
                "summary",
                texts.CASES.form_summary,
                multiline=True,
                optional=True,
            ),
        ),
    )


def submit_case_form(
    ctx: ServiceContext, actor: Actor, values: FormValues, submission_id: str
) -> str:
    """Coordinators only (re-checked). Registers the case of the form; the same submission
    delivered twice registers one case. Errors are shown beside the field they concern."""
    check_coordinator(ctx, actor, "case.new")
    keys = list(values.choices.get("agencies") or ())
    if not keys:
        raise FormErrors({"agencies": texts.CASES.form_agencies_missing})
    try:
        code = create_case(
            ctx,
            actor,
            NewCase(
                agency_keys=keys,
                consent_on=values.dates.get("consent"),
                urgent=values.choice("urgent") == "yes",
                summary=clean_user_text(values.text("summary")),
                request_id=submission_id,
            ),
        )
    except Duplicate as error:  # the same form delivered again: one case
        return error.message
    except ConsentRequired as error:
        raise FormErrors({"consent": error.message}) from None
    except (InvalidValue, NotFound) as error:
        raise FormErrors({"agencies": error.message}) from None
    return case_created(code)


def find_case(uow: UnitOfWork, text: str) -> Case:
    """The case named by a code as typed; unknown codes get the valid ones of this 年度."""
    code = CaseCode.parse(text)
    case = uow.cases.by_code(code)
    if case is None:
        known = [str(c.code) for c in uow.cases.list(fiscal_year=code.fiscal_year)]
        hint = "、".join(known[-10:]) if known else texts.CASES.no_codes_this_year
        raise NotFound(texts.CASES.unknown_code.format(code=code, known=hint))
    return case


def record_consent(ctx: ServiceContext, actor: Actor, code_text: str, given_on: date) -> str:
    """Coordinators only. Audited as ``consent.recorded``."""
    if given_on > ctx.today():
        raise InvalidValue(texts.CASES.consent_future)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "consent")
        case = find_case(uow, code_text)
        case.record_consent(given_on, by=actor.user_id, at=ctx.clock())
        uow.cases.save(case)
        audit(ctx, uow, actor, AuditAction.CONSENT_RECORDED, "case", str(case.code))
        uow.commit()
        return texts.CASES.consent_recorded.format(code=case.code, on=format_wareki(given_on))
