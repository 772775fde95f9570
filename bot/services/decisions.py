"""What the meeting decides: role assignments (役割分担) and decisions (支援方針 …)."""

from __future__ import annotations

from datetime import date, timedelta

from bot import texts
from bot.domain.calendar import format_wareki
from bot.domain.errors import DomainError, InvalidValue, NotFound
from bot.domain.model import (
    AuditAction,
    Case,
    Decision,
    Meeting,
    MeetingState,
    Outcome,
    RoleAssignment,
    Urgency,
    designate_lead,
)
from bot.services import monitoring, scheduling
from bot.services.access import Actor, check_coordinator, refuse, require_coordinator
from bot.services.admin import resolve_agencies
from bot.services.audit import audit
from bot.services.cases import find_case
from bot.services.chat import (
    Choice,
    DateInput,
    Form,
    FormErrors,
    FormValues,
    SelectInput,
    TextInput,
    clean_user_text,
    mention,
)
from bot.services.context import ServiceContext
from bot.services.meetings import require_channel
from bot.services.messages import meeting_label
from bot.services.people import learn_name_later
from bot.services.ports import UnitOfWork

DECISION_FORM = "shien_decision_form"


def meeting_of_case(ctx: ServiceContext, uow: UnitOfWork, channel_id: str, case: Case) -> Meeting:
    """The channel's meeting where the case is discussed: the latest one up to today, else the
    next one."""
    meetings = [
        m
        for m in (uow.meetings.get(i.meeting_id) for i in uow.agenda.for_case(case.id))
        if m is not None and m.channel_id == channel_id and m.state is not MeetingState.CANCELLED
    ]
    if not meetings:
        raise NotFound(texts.DECISIONS.not_on_agenda.format(code=case.code))
    today = ctx.today()
    past = sorted((m for m in meetings if m.date <= today), key=lambda m: m.date)
    future = sorted((m for m in meetings if m.date > today), key=lambda m: m.date)
    return past[-1] if past else future[0]


def assign_role(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str,
    code_text: str,
    agency_key: str,
    task: str,
    due_on: date | None,
    lead: bool,
    assignee: str | None = None,
) -> str:
    """Coordinators only. Records a role; 主担当 moves the lead mark to this agency; 担当
    (``assignee``, a chat user ID) names the person at the agency, who must be one of its
    active registered members. The same task for the same agency and case is recorded once
    (naming a person again changes the 担当者). Audited as ``role.assigned``."""
    task = clean_user_text(task, max_length=500)
    if not task:
        raise InvalidValue(texts.DECISIONS.task_missing)
    if due_on is not None and due_on < ctx.today():
        example = ctx.today() + timedelta(days=14)
        raise InvalidValue(
            texts.DECISIONS.due_past.format(
                today=format_wareki(ctx.today()),
                code=code_text,
                agency_key=agency_key,
                task=task,
                example=example.isoformat(),
            )
        )
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "role")
        require_channel(uow, channel_id)
        case = find_case(uow, code_text)
        (agency,) = resolve_agencies(uow, [agency_key])
        if assignee is not None:
            membership = uow.memberships.get(agency.id, assignee)
            if membership is None or not membership.active:
                raise InvalidValue(
                    texts.DECISIONS.assignee_not_member.format(
                        user=mention(assignee), agency=agency.name, key=agency.key
                    )
                )
        meeting = meeting_of_case(ctx, uow, channel_id, case)
        existing = list(uow.roles.for_case(case.id))
        same = next((r for r in existing if r.agency_id == agency.id and r.task == task), None)
        if same is not None:
            assignment = same
            assignment.due_on = due_on or same.due_on
            assignment.assignee_user_id = assignee or same.assignee_user_id
        else:
            assignment = RoleAssignment(
                case_id=case.id,
                agency_id=agency.id,
                task=task,
                created_by=actor.user_id,
                meeting_id=meeting.id,
                assignee_user_id=assignee,
                due_on=due_on,
                created_at=ctx.clock(),
            )
            uow.roles.add(assignment)
            existing.append(assignment)
        if lead:
            designate_lead(existing, assignment)
            for other in existing:
                uow.roles.save(other)
        else:
            uow.roles.save(assignment)
        if agency.id not in case.asked_agency_ids:
            case.ask(agency.id)
            uow.cases.save(case)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.ROLE_ASSIGNED,
            "case",
            str(case.code),
            f"agency={agency.key}",
        )
        uow.commit()
    named = assignment.assignee_user_id
    for person in filter(None, (actor.user_id, named)):  # named in the documents
        learn_name_later(ctx, person)
    return texts.DECISIONS.role_recorded.format(
        code=case.code,
        again=texts.DECISIONS.role_updated if same is not None else "",
        lead=texts.DECISIONS.lead_mark if lead else "",
        agency=agency.name,
        assignee=texts.DECISIONS.role_assignee.format(user=mention(named)) if named else "",
        task=task,
        due=(
            texts.DECISIONS.role_due.format(due=format_wareki(assignment.due_on))
            if assignment.due_on
            else ""
        ),
    )


OUTCOME_CHOICES = tuple(Choice(o.value, o.label) for o in Outcome)
URGENCY_CHOICES = tuple(Choice(u.value, u.label) for u in Urgency)


def decision_form(ctx: ServiceContext, actor: Actor, channel_id: str, code_text: str) -> Form:
    """Coordinators only. The 決定事項 form, pre-filled with what was decided before."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "decide")
        case = find_case(uow, code_text)
        meeting = meeting_of_case(ctx, uow, channel_id, case)
        previous = uow.decisions.get(meeting.id, case.id)
    return Form(
        form_id=DECISION_FORM,
        title=texts.DECISIONS.form_title.format(code=case.code),
        submit_label=texts.DECISIONS.form_submit,
        metadata=f"{meeting.id}:{case.id}",
        fields=(
            TextInput(
                "discussion",
                texts.DECISIONS.form_discussion,
                multiline=True,
                optional=True,
                initial=previous.discussion if previous else "",
            ),
            SelectInput(
                "urgency",
                texts.DECISIONS.form_urgency,
                URGENCY_CHOICES,
                optional=True,
                initial=previous.urgency.value if previous and previous.urgency else None,
            ),
            TextInput(
                "urgency_reason",
                texts.DECISIONS.form_urgency_reason,
                multiline=True,
                optional=True,
                initial=previous.urgency_reason if previous else "",
                max_length=1000,
            ),
            TextInput(
                "policy",
                texts.DECISIONS.form_policy,
                multiline=True,
                optional=True,
                initial=previous.support_policy if previous else "",
            ),
            DateInput(
                "monitoring",
                texts.DECISIONS.form_monitoring,
                optional=True,
                initial=previous.next_monitoring_on if previous else None,
            ),
            SelectInput(
                "outcome",
                texts.DECISIONS.form_outcome,
                OUTCOME_CHOICES,
                initial=(previous.outcome if previous else Outcome.CONTINUE).value,
            ),
            TextInput(
                "notes",
                texts.DECISIONS.form_notes,
                multiline=True,
                optional=True,
                initial=previous.notes if previous else "",
            ),
        ),
    )


def submit_decision(ctx: ServiceContext, actor: Actor, metadata: str, values: FormValues) -> str:
    """Coordinators only (re-checked on submit). A re-submitted form replaces the decision.
    Audited as ``decision.recorded``."""
    meeting_id, _, case_id = metadata.partition(":")
    check_coordinator(ctx, actor, "decide")
    try:
        outcome = Outcome(values.choice("outcome") or Outcome.CONTINUE.value)
    except ValueError:
        raise FormErrors({"outcome": texts.DECISIONS.form_no_outcome}) from None
    urgency_value = values.choice("urgency")
    try:
        urgency = Urgency(urgency_value) if urgency_value else None
    except ValueError:
        raise FormErrors({"urgency": texts.DECISIONS.form_no_urgency}) from None
    urgency_reason = clean_user_text(values.text("urgency_reason"), max_length=1000)
    if urgency_reason and urgency is None:
        raise FormErrors({"urgency": texts.DECISIONS.form_no_urgency})
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "decide")
        meeting, case = uow.meetings.get(meeting_id), uow.cases.get(case_id)
        if meeting is None or case is None or uow.agenda.get(meeting.id, case.id) is None:
            # A form whose metadata names a case that is not on the meeting it names was not
            # made by the bot: refused and audited, never recorded.
            raise refuse(
                ctx,
                uow,
                actor,
                "form",
                metadata[:80],
                "decide:case_not_on_meeting",
                texts.DECISIONS.form_mismatch,
            )
        decision = Decision(
            meeting_id=meeting.id,
            case_id=case.id,
            decided_by=actor.user_id,
            support_policy=clean_user_text(values.text("policy")),
            next_monitoring_on=values.dates.get("monitoring"),
            outcome=outcome,
            notes=clean_user_text(values.text("notes")),
            decided_at=ctx.clock(),
            discussion=clean_user_text(values.text("discussion")),
            urgency=urgency,
            urgency_reason=urgency_reason,
        )
        try:
            decision.check_against(meeting)
        except InvalidValue as error:
            raise FormErrors({"monitoring": error.message}) from None
        try:
            decision.apply_to(case)
        except DomainError as error:
            raise FormErrors({"outcome": error.message}) from None
        uow.decisions.put(decision)
        uow.cases.save(case)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.DECISION_RECORDED,
            "case",
            str(case.code),
            f"outcome={outcome.value}",
        )
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
    carried: list[monitoring.Carried] = []
    if decision.next_monitoring_on is not None:
        scheduling.monitoring_planned(ctx, meeting.id, case.id, decision.next_monitoring_on)
        # Only on meetings not collecting yet: no chat call before the form's ack.
        carried = monitoring.carry(ctx, meeting.channel_id, actor=actor, quiet=True)
    answer = texts.DECISIONS.recorded.format(code=case.code, label=label, outcome=outcome.label)
    if decision.next_monitoring_on is not None and not carried:
        on = decision.next_monitoring_on
        return answer + monitoring.waiting(ctx, meeting.channel_id, case.id, on)
    return answer + monitoring.told(carried)
