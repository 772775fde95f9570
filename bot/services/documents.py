"""Minutes (議事録) and role-assignment summaries (役割分担表): assembling what each reader may
see, rendering, and delivering by DM."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from bot import texts
from bot.domain.confidentiality import SECRECY_NOTICE
from bot.domain.documents import minutes_filename, role_summary_filename, sha256_of
from bot.domain.errors import Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    Agency,
    AgencyInput,
    AuditAction,
    Case,
    FinalDocument,
    InputState,
    Meeting,
    MeetingState,
)
from bot.services.access import Actor, Standing, require_coordinator, standing
from bot.services.admin import resolve_agencies
from bot.services.audit import audit
from bot.services.chat import ChatUnavailable, FileToSend, Message, Note, Paragraph
from bot.services.context import ServiceContext
from bot.services.document_views import (
    AcknowledgementView,
    AgencyInputView,
    AgencyTasksView,
    AttendeeView,
    CaseMinutesView,
    MinutesView,
    RoleSummaryView,
    RoleView,
    TaskView,
)
from bot.services.meetings import find_meeting
from bot.services.messages import meeting_label
from bot.services.ports import UnitOfWork


def _meeting_name(ctx: ServiceContext, meeting: Meeting) -> str:
    cadence = texts.MODEL.adhoc if meeting.adhoc else texts.MODEL.regular
    return texts.DOCUMENTS.meeting_name.format(
        municipality=ctx.municipality, kind=meeting.kind.label, cadence=cadence
    )


def _cases(uow: UnitOfWork, meeting: Meeting) -> list[tuple[Case, str]]:
    result = []
    for item in uow.agenda.for_meeting(meeting.id):
        case = uow.cases.get(item.case_id)
        if case is not None:
            purpose = item.occasion.label if item.occasion else ""
            if item.purpose:
                purpose = f"{purpose}　{item.purpose}".strip()
            result.append((case, purpose))
    return result


def _per_agency(case: Case, inputs: Sequence[AgencyInput]) -> list[AgencyInput]:
    """Inputs grouped by agency in the case's order of asking, each agency's in arrival order."""
    order = {agency_id: n for n, agency_id in enumerate(case.asked_agency_ids)}
    return sorted(inputs, key=lambda i: (order.get(i.agency_id, len(order)), i.created_at))


def build_minutes_view(
    ctx: ServiceContext,
    uow: UnitOfWork,
    meeting: Meeting,
    author: str,
    *,
    draft: bool = True,
) -> MinutesView:
    agencies = {a.id: a for a in uow.agencies.list()}
    name = ctx.chat.display_name
    cases = _cases(uow, meeting)
    acks = list(uow.acknowledgements.for_meeting(meeting.id))
    coordinators = {c.user_id for c in uow.coordinators.list(active_only=False)}
    agency_of_user: dict[str, str] = {}
    for agency in agencies.values():
        for membership in uow.memberships.for_agency(agency.id, active_only=False):
            agency_of_user.setdefault(membership.user_id, agency.name)

    attendees: dict[str, list[str]] = defaultdict(list)
    for ack in acks:
        agency_name = (
            texts.DOCUMENTS.coordinators_agency
            if ack.user_id in coordinators
            else agency_of_user.get(ack.user_id, "")
        )
        attendees[agency_name].append(name(ack.user_id))

    case_views = []
    for case, purpose in cases:
        inputs = [
            AgencyInputView(
                agency_name=agencies[i.agency_id].name if i.agency_id in agencies else "",
                author=name(i.author_user_id),
                text=i.text,
                received_at=i.created_at.astimezone(ctx.tz),
            )
            for i in _per_agency(case, uow.inputs.for_case(meeting.id, case.id))
            if i.state is InputState.RECORDED
        ]
        roles = [r for r in uow.roles.for_case(case.id)]
        lead = next((r for r in roles if r.lead), None)
        decision = uow.decisions.get(meeting.id, case.id)
        case_views.append(
            CaseMinutesView(
                code=str(case.code),
                kind_label=case.kind.label,
                consent_on=case.consent.given_on if case.consent and case.consent.active else None,
                purpose=purpose,
                situation=case.summary,
                inputs=tuple(inputs),
                support_policy=decision.support_policy if decision else "",
                roles=tuple(
                    RoleView(
                        agency_name=agencies[r.agency_id].name if r.agency_id in agencies else "",
                        assignee=r.assignee,
                        task=r.task,
                        due_on=r.due_on,
                        lead=r.lead,
                    )
                    for r in roles
                ),
                lead_agency_name=agencies[lead.agency_id].name
                if lead and lead.agency_id in agencies
                else "",
                next_monitoring_on=decision.next_monitoring_on if decision else None,
                outcome_label=decision.outcome.label if decision else "",
                decisions=decision.notes if decision else "",
                urgent=case.urgent,
            )
        )
    later = [
        m for m in uow.meetings.upcoming(meeting.channel_id, meeting.date) if m.date > meeting.date
    ]
    return MinutesView(
        meeting_name=_meeting_name(ctx, meeting),
        kind_label=meeting.kind.label,
        starts_at=meeting.starts_at(ctx.tz),
        place=meeting.place or texts.DOCUMENTS.place_unset,
        attendees=tuple(
            AttendeeView(agency, tuple(people)) for agency, people in attendees.items()
        ),
        acknowledgements=tuple(
            AcknowledgementView(
                person=name(a.user_id),
                agency_name=texts.DOCUMENTS.coordinators_agency
                if a.user_id in coordinators
                else agency_of_user.get(a.user_id, ""),
                acknowledged_at=a.acknowledged_at.astimezone(ctx.tz),
                notice_version=a.notice_version,
            )
            for a in acks
        ),
        cases=tuple(case_views),
        next_meeting_at=later[0].starts_at(ctx.tz) if later else None,
        author=name(author),
        created_on=ctx.today(),
        draft=draft,
        notice=SECRECY_NOTICE,
    )


def build_role_summary_view(
    ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, only: Agency | None = None
) -> RoleSummaryView:
    """The coordinator's copy (every agency), or ``only``'s extract (its own tasks, nothing else)."""
    agencies = {a.id: a for a in uow.agencies.list()}
    per_agency: dict[str, list[TaskView]] = defaultdict(list)
    for case, _ in _cases(uow, meeting):
        decision = uow.decisions.get(meeting.id, case.id)
        for role in uow.roles.for_case(case.id):
            if only is not None and role.agency_id != only.id:
                continue
            per_agency[role.agency_id].append(
                TaskView(
                    case_code=str(case.code),
                    task=role.task,
                    assignee=role.assignee,
                    due_on=role.due_on,
                    lead=role.lead,
                    next_monitoring_on=decision.next_monitoring_on if decision else None,
                )
            )
    return RoleSummaryView(
        meeting_name=_meeting_name(ctx, meeting),
        kind_label=meeting.kind.label,
        starts_at=meeting.starts_at(ctx.tz),
        agencies=tuple(
            AgencyTasksView(agencies[agency_id].name, tuple(tasks))
            for agency_id, tasks in per_agency.items()
            if agency_id in agencies
        ),
        created_on=ctx.today(),
        notice=SECRECY_NOTICE,
    )


MINUTES = "minutes"


def minutes_document(
    ctx: ServiceContext, actor: Actor, channel_id: str | None, day: date | None
) -> tuple[Meeting, str, bytes, bool]:
    """Coordinators (or an operator at the terminal). The meeting's minutes: the frozen final
    version once there is one, else a fresh draft. Returns (meeting, file name, bytes, final).
    Audited as ``document.downloaded``."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "minutes")
        meeting = _meeting_for_documents(ctx, uow, channel_id, day)
        final = uow.final_documents.get(meeting.id, MINUTES)
        view = None if final else build_minutes_view(ctx, uow, meeting, actor.user_id)
        filename = final.filename if final else minutes_filename(meeting.date, True)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.DOCUMENT_DOWNLOADED,
            "meeting",
            meeting.id,
            f"file={filename}",
        )
        uow.commit()
    if final is not None:
        return meeting, final.filename, final.data, True
    assert view is not None
    return meeting, filename, ctx.documents.render_minutes(view), False


def deliver_minutes(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> str:
    """Coordinators only. Sends the minutes (draft, or the frozen final version) by DM."""
    meeting, filename, data, final = minutes_document(ctx, actor, channel_id, day)
    label = meeting_label(meeting, ctx.tz)
    ctx.chat.send_file(
        actor.user_id,
        FileToSend(
            filename=filename,
            data=data,
            title=texts.DOCUMENTS.minutes_title.format(date=meeting.date.isoformat()),
        ),
        comment=texts.DOCUMENTS.minutes_comment.format(
            label=label,
            state=texts.DOCUMENTS.final_mark if final else texts.DOCUMENTS.draft_mark,
        ),
    )
    return texts.DOCUMENTS.minutes_sent.format(filename=filename)


def finalise_minutes(
    ctx: ServiceContext, actor: Actor, channel_id: str | None, day: date | None
) -> tuple[Meeting, FinalDocument, bool]:
    """Coordinators only. Renders the minutes without the 案 mark and freezes them: the bytes
    are stored and their SHA-256 recorded, and from then on ``minutes`` returns exactly
    these bytes. Finalising again changes nothing. Audited as ``minutes.finalised`` with
    the hash. Returns (meeting, the final document, whether it was finalised just now).
    """
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "minutes.final")
        meeting = _meeting_for_documents(ctx, uow, channel_id, day)
        existing = uow.final_documents.get(meeting.id, MINUTES)
        if existing is not None:
            return meeting, existing, False
        view = build_minutes_view(ctx, uow, meeting, actor.user_id, draft=False)
    data = ctx.documents.render_minutes(view)
    document = FinalDocument(
        meeting_id=meeting.id,
        kind=MINUTES,
        filename=minutes_filename(meeting.date, False),
        sha256=sha256_of(data),
        data=data,
        finalised_by=actor.user_id,
        finalised_at=ctx.clock(),
    )
    with ctx.uow() as uow:
        current = uow.meetings.get(meeting.id)
        assert current is not None
        try:
            uow.final_documents.add(document)
        except Duplicate:  # another coordinator finalised it a moment ago: theirs stands
            uow.rollback()
            winner = uow.final_documents.get(meeting.id, MINUTES)
            assert winner is not None
            return current, winner, False
        current.finalise_minutes(document.sha256, at=document.finalised_at)
        uow.meetings.save(current)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.MINUTES_FINALISED,
            "meeting",
            meeting.id,
            f"sha256={document.sha256}",
        )
        uow.commit()
    return current, document, True


def deliver_final_minutes(
    ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None
) -> str:
    """``/shien minutes final``: finalise, then send the final version by DM."""
    meeting, document, now = finalise_minutes(ctx, actor, channel_id, day)
    label = meeting_label(meeting, ctx.tz)
    ctx.chat.send_file(
        actor.user_id,
        FileToSend(
            filename=document.filename,
            data=document.data,
            title=texts.DOCUMENTS.final_title.format(date=meeting.date.isoformat()),
        ),
        comment=texts.DOCUMENTS.minutes_comment.format(
            label=label, state=texts.DOCUMENTS.final_mark
        ),
    )
    at = document.finalised_at.astimezone(ctx.tz)
    head = (
        texts.DOCUMENTS.finalised_now
        if now
        else texts.DOCUMENTS.finalised_before.format(at=f"{at:%Y-%m-%d %H:%M}")
    )
    return texts.DOCUMENTS.final_sent.format(
        head=head, filename=document.filename, sha256=document.sha256[:16]
    )


def role_summary_document(
    ctx: ServiceContext,
    actor: Actor,
    channel_id: str | None,
    day: date | None,
    agency_key: str | None = None,
) -> tuple[Meeting, str, bytes]:
    """Coordinators (or an operator at the terminal). The 役割分担表: every agency, or one
    agency's extract. Audited as ``document.downloaded``."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "roles")
        meeting = _meeting_for_documents(ctx, uow, channel_id, day)
        only = resolve_agencies(uow, [agency_key])[0] if agency_key else None
        view = build_role_summary_view(ctx, uow, meeting, only=only)
        filename = role_summary_filename(meeting.date, only.key if only else None)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.DOCUMENT_DOWNLOADED,
            "meeting",
            meeting.id,
            f"file={filename}",
        )
        uow.commit()
    return meeting, filename, ctx.documents.render_role_summary(view)


def deliver_role_summaries(
    ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None
) -> str:
    """Coordinators only. The full 役割分担表 to the requester; each agency's active members get
    a DM with only their agency's tasks. Audited as ``document.downloaded`` per file."""
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "roles")
        meeting = _meeting_for_documents(ctx, uow, channel_id, day)
        full = build_role_summary_view(ctx, uow, meeting)
        extracts = []
        skipped = 0
        for agency in uow.agencies.list():
            view = build_role_summary_view(ctx, uow, meeting, only=agency)
            if not view.agencies:
                continue
            # Tasks go only to members who may read this meeting's cases: active, asked,
            # and confirmed the notice of this meeting. The others are counted, not sent.
            members, unconfirmed = [], 0
            for membership in uow.memberships.for_agency(agency.id, active_only=True):
                access = standing(ctx, uow, Actor(membership.user_id), meeting)
                if access.may_read and agency in access.agencies:
                    members.append(membership.user_id)
                elif access.standing is Standing.UNCONFIRMED:
                    unconfirmed += 1
            skipped += unconfirmed
            extracts.append((agency, view, members))
        audit(
            ctx,
            uow,
            actor,
            AuditAction.DOCUMENT_DOWNLOADED,
            "meeting",
            meeting.id,
            f"file={role_summary_filename(meeting.date)}",
        )
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
    ctx.chat.send_file(
        actor.user_id,
        FileToSend(
            role_summary_filename(meeting.date),
            ctx.documents.render_role_summary(full),
            texts.DOCUMENTS.roles_title.format(date=meeting.date.isoformat()),
        ),
        comment=texts.DOCUMENTS.roles_comment.format(label=label),
    )
    sent, failed = 0, 0
    for agency, view, members in extracts:
        data = ctx.documents.render_role_summary(view)
        lines = [
            texts.DOCUMENTS.role_line.format(
                code=t.case_code,
                lead=texts.DECISIONS.lead_mark if t.lead else "",
                task=t.task,
                due=texts.DECISIONS.role_due.format(due=t.due_on.isoformat()) if t.due_on else "",
            )
            for a in view.agencies
            for t in a.tasks
        ]
        message = Message(
            texts.DOCUMENTS.agency_roles_text.format(agency=agency.name),
            (
                Paragraph(
                    texts.DOCUMENTS.agency_roles.format(
                        label=label, agency=agency.name, lines="\n".join(lines)
                    )
                ),
                Note(SECRECY_NOTICE.one_line),
            ),
        )
        extract = FileToSend(
            role_summary_filename(meeting.date, agency.key),
            data,
            texts.DOCUMENTS.extract_title.format(agency=agency.name),
        )
        for user_id in members:
            try:
                ctx.chat.send_direct(user_id, message)
                ctx.chat.send_file(user_id, extract, comment=texts.DOCUMENTS.extract_comment)
            except ChatUnavailable:  # one unreachable member must not stop the others
                failed += 1
                continue
            sent += 1
            # Audited as soon as it has gone out (inactive accounts get none), so nothing
            # that happens to a later delivery can leave a delivered file unaudited.
            with ctx.uow() as uow:
                audit(
                    ctx,
                    uow,
                    actor,
                    AuditAction.DOCUMENT_DOWNLOADED,
                    "meeting",
                    meeting.id,
                    f"file={role_summary_filename(meeting.date, agency.key)};to={user_id}",
                )
                uow.commit()
    answer = texts.DOCUMENTS.roles_sent.format(agencies=len(extracts), sent=sent)
    if skipped:
        answer += texts.DOCUMENTS.roles_skipped_unconfirmed.format(count=skipped)
    if failed:
        answer += texts.DOCUMENTS.roles_failed.format(failed=failed)
    return answer


def _meeting_for_documents(
    ctx: ServiceContext, uow: UnitOfWork, channel_id: str | None, day: date | None
) -> Meeting:
    """With a date, that meeting; without, today's meeting, else the channel's next one.

    From the terminal there is no channel: the date alone must name one meeting.
    """
    if channel_id is None:
        if day is None:
            raise InvalidValue(texts.DOCUMENTS.meeting_date_needed)
        found = [
            m
            for c in uow.channels.list()
            if (m := uow.meetings.on_date(c.channel_id, day)) is not None
            and m.state is not MeetingState.CANCELLED
        ]
        if not found:
            raise NotFound(texts.DOCUMENTS.no_meeting_on.format(date=day.isoformat()))
        if len(found) > 1:
            channels = "、".join(m.channel_id for m in found)
            raise InvalidValue(
                texts.DOCUMENTS.several_channels.format(date=day.isoformat(), channels=channels)
            )
        return found[0]
    if day is not None:
        return find_meeting(ctx, uow, channel_id, day)
    today = ctx.today()
    todays = uow.meetings.on_date(channel_id, today)
    if todays is not None and todays.state is not MeetingState.CANCELLED:
        return todays
    return find_meeting(ctx, uow, channel_id, None)
