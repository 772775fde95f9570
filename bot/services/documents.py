"""Minutes (議事録) and role-assignment summaries (役割分担表): assembling what each reader may
see, rendering, and delivering by DM."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import partial

from bot import texts
from bot.domain.calendar import format_wareki, format_wareki_datetime
from bot.domain.documents import minutes_filename, role_summary_filename, sha256_of
from bot.domain.errors import DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    Agency,
    AgencyInput,
    AgendaItem,
    Attendance,
    AuditAction,
    Case,
    FinalDocument,
    InputState,
    Meeting,
    MeetingKind,
    MeetingRecord,
    MeetingState,
    RoleAssignment,
)
from bot.services import rooms
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
    CaseLeadView,
    CaseMinutesView,
    MinutesView,
    RoleSummaryView,
    RoleView,
    TaskView,
)
from bot.services.meetings import find_meeting
from bot.services.messages import meeting_label
from bot.services.people import Names
from bot.services.ports import UnitOfWork


def _meeting_name(ctx: ServiceContext, meeting: Meeting) -> str:
    cadence = texts.MODEL.adhoc if meeting.adhoc else texts.MODEL.regular
    return texts.DOCUMENTS.meeting_name.format(
        municipality=ctx.municipality, kind=meeting.kind.label, cadence=cadence
    )


def _cases(uow: UnitOfWork, meeting: Meeting) -> list[tuple[Case, AgendaItem]]:
    result = []
    for item in uow.agenda.for_meeting(meeting.id):
        case = uow.cases.get(item.case_id)
        if case is not None:
            result.append((case, item))
    return result


def _purpose(item: AgendaItem) -> str:
    """検討の目的: the 重層 occasion, モニタリング (with its date), then the free text."""
    parts = [item.occasion.label] if item.occasion else []
    if item.monitoring_on is not None:
        # No brackets inside the brackets: 令和9年1月19日
        on = format_wareki(item.monitoring_on, gregorian=False, weekday=False)
        parts.append(texts.DOCUMENTS.purpose_monitoring.format(on=on))
    if item.purpose:
        parts.append(item.purpose)
    return "\n".join(parts)


def _per_agency(case: Case, inputs: Sequence[AgencyInput]) -> list[AgencyInput]:
    """Inputs grouped by agency in the case's order of asking, each agency's in arrival order."""
    order = {agency_id: n for n, agency_id in enumerate(case.asked_agency_ids)}
    return sorted(inputs, key=lambda i: (order.get(i.agency_id, len(order)), i.created_at))


class _People:
    """Names people as the documents show them: by display name, and with their agency (or
    事務局) where a role is named."""

    def __init__(self, ctx: ServiceContext, uow: UnitOfWork) -> None:
        self.name = Names(ctx, uow)  # from the database: documents never wait for the chat platform
        self.agencies = {a.id: a for a in uow.agencies.list()}
        self.coordinators = {c.user_id for c in uow.coordinators.list(active_only=False)}
        self.agency_of: dict[str, str] = {}
        for agency in self.agencies.values():
            for membership in uow.memberships.for_agency(agency.id, active_only=False):
                self.agency_of.setdefault(membership.user_id, agency.name)

    def agency_name(self, agency_id: str | None) -> str:
        if agency_id is None:
            return texts.DOCUMENTS.coordinators_agency
        agency = self.agencies.get(agency_id)
        return agency.name if agency else ""

    def home(self, user_id: str) -> str:
        """The person's agency as the secrecy confirmations list it."""
        if user_id in self.coordinators:
            return texts.DOCUMENTS.coordinators_agency
        return self.agency_of.get(user_id, "")

    def with_agency(self, user_id: str | None, record: MeetingRecord | None) -> str:
        """司会・記録者: 「name（agency）」, the agency they attended for when recorded."""
        if user_id is None:
            return ""
        attended = (
            next((a for a in record.present if a.user_id == user_id), None) if record else None
        )
        agency = self.agency_name(attended.agency_id) if attended else self.home(user_id)
        name = self.name(user_id)
        return texts.DOCUMENTS.person_of.format(person=name, agency=agency) if agency else name


def _attendance(people: _People, lines: Sequence[Attendance]) -> tuple[AttendeeView, ...]:
    """Lines grouped by agency in the order they come (the form's: 事務局 first)."""
    grouped: dict[str | None, list[str]] = {}
    for line in lines:
        names = grouped.setdefault(line.agency_id, [])
        if line.user_id is not None:
            names.append(people.name(line.user_id))
    return tuple(
        AttendeeView(people.agency_name(agency_id), tuple(names))
        for agency_id, names in grouped.items()
    )


def build_minutes_view(
    ctx: ServiceContext,
    uow: UnitOfWork,
    meeting: Meeting,
    author: str,
    *,
    draft: bool = True,
) -> MinutesView:
    people = _People(ctx, uow)
    agencies = people.agencies
    name = people.name
    cases = _cases(uow, meeting)
    acks = list(uow.acknowledgements.for_meeting(meeting.id))
    record = uow.records.get(meeting.id)

    case_views = []
    for case, item in cases:
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
        roles = _lead_first(uow.roles.for_case(case.id))
        lead = next((r for r in roles if r.lead), None)
        decision = uow.decisions.get(meeting.id, case.id)
        case_views.append(
            CaseMinutesView(
                code=str(case.code),
                kind_label=meeting.kind.label,
                consent_on=case.consent.given_on if case.consent and case.consent.active else None,
                purpose=_purpose(item),
                situation=case.summary,
                inputs=tuple(inputs),
                support_policy=decision.support_policy if decision else "",
                roles=tuple(
                    RoleView(
                        agency_name=agencies[r.agency_id].name if r.agency_id in agencies else "",
                        assignee=_assignee(people, r),
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
                discussion=decision.discussion if decision else "",
                urgency_label=decision.urgency.label if decision and decision.urgency else "",
                urgency_reason=decision.urgency_reason if decision else "",
                monitoring_on=item.monitoring_on,
            )
        )
    next_at = _next_meeting_at(ctx, uow, meeting, record)
    starts_at, ends_at = _held_from_to(ctx, meeting, record)
    return MinutesView(
        meeting_name=_meeting_name(ctx, meeting),
        kind_label=meeting.kind.label,
        starts_at=starts_at,
        ends_at=ends_at,
        place=(record.place if record else "") or meeting.place or texts.DOCUMENTS.place_unset,
        method=record.method.label if record and record.method else "",
        chair=people.with_agency(record.chair_user_id if record else None, record),
        recorder=people.with_agency(record.recorder_user_id if record else None, record),
        attendees=_attendance(people, record.present) if record else (),
        absentees=_attendance(people, record.absent) if record else (),
        others_present=record.others_present if record else "",
        recorded=record is not None,
        acknowledgements=tuple(
            AcknowledgementView(
                person=name(a.user_id),
                agency_name=people.home(a.user_id),
                acknowledged_at=a.acknowledged_at.astimezone(ctx.tz),
                notice_version=a.notice_version,
            )
            for a in acks
        ),
        cases=tuple(case_views),
        next_meeting_at=next_at,
        author=name(author),
        # The record is made at or after the meeting: a draft printed before it is dated so.
        created_on=max(ctx.today(), meeting.date),
        draft=draft,
        notice=ctx.notice(meeting),
        multilayer=meeting.kind is MeetingKind.MULTILAYER,
    )


def _held_from_to(
    ctx: ServiceContext, meeting: Meeting, record: MeetingRecord | None
) -> tuple[datetime, datetime | None]:
    """開始・終了 as recorded; before the record, the time the meeting was called for."""
    start = record.started_at if record and record.started_at else meeting.start_time
    end = record.ended_at if record else None
    return (
        datetime.combine(meeting.date, start, tzinfo=ctx.tz),
        datetime.combine(meeting.date, end, tzinfo=ctx.tz) if end else None,
    )


def _lead_first(roles: Sequence[RoleAssignment]) -> list[RoleAssignment]:
    """The lead agency's tasks first, then the others in the order they were recorded."""
    return sorted(roles, key=lambda r: not r.lead)


def _assignee(people: _People, role: RoleAssignment) -> str:
    """担当者: the agency's member named for the task, else the name as typed earlier."""
    if role.assignee_user_id is not None:
        return people.name(role.assignee_user_id)
    return role.assignee


def _next_meeting_at(
    ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, record: MeetingRecord | None
) -> datetime | None:
    """次回開催予定: as announced in the meeting's record, else the channel's next meeting."""
    if record is not None and record.next_meeting_on is not None:
        at = record.next_meeting_at
        if at is None:
            nxt = uow.meetings.on_date(meeting.channel_id, record.next_meeting_on)
            at = nxt.start_time if nxt is not None else time(0, 0)
        return datetime.combine(record.next_meeting_on, at, tzinfo=ctx.tz)
    later = [
        m for m in uow.meetings.upcoming(meeting.channel_id, meeting.date) if m.date > meeting.date
    ]
    return later[0].starts_at(ctx.tz) if later else None


def build_role_summary_view(
    ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, only: Agency | None = None
) -> RoleSummaryView:
    """The coordinator's copy (every agency), or ``only``'s extract (its own tasks, and the
    lead agency of the cases it has tasks in — nothing else)."""
    people = _People(ctx, uow)
    agencies = people.agencies
    per_agency: dict[str, list[TaskView]] = defaultdict(list)
    leads: list[CaseLeadView] = []
    for case, _ in _cases(uow, meeting):
        decision = uow.decisions.get(meeting.id, case.id)
        monitoring = decision.next_monitoring_on if decision else None
        roles = _lead_first(uow.roles.for_case(case.id))
        mine = [r for r in roles if only is None or r.agency_id == only.id]
        for role in mine:
            per_agency[role.agency_id].append(
                TaskView(
                    case_code=str(case.code),
                    task=role.task,
                    assignee=_assignee(people, role),
                    due_on=role.due_on,
                    lead=role.lead,
                    next_monitoring_on=monitoring,
                )
            )
        if roles and (only is None or mine):
            lead = next((r for r in roles if r.lead), None)
            leads.append(
                CaseLeadView(
                    case_code=str(case.code),
                    lead_agency_name=people.agency_name(lead.agency_id) if lead else "",
                    next_monitoring_on=monitoring,
                )
            )
    starts_at, ends_at = _held_from_to(ctx, meeting, uow.records.get(meeting.id))
    return RoleSummaryView(
        meeting_name=_meeting_name(ctx, meeting),
        kind_label=meeting.kind.label,
        starts_at=starts_at,
        ends_at=ends_at,
        agencies=tuple(
            AgencyTasksView(agencies[agency_id].name, tuple(tasks))
            for agency_id, tasks in per_agency.items()
            if agency_id in agencies
        ),
        created_on=max(ctx.today(), meeting.date),
        notice=ctx.notice(meeting),
        leads=tuple(leads),
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
        if uow.records.get(meeting.id) is None:
            # Filed minutes say who attended: without the meeting's record they cannot.
            raise DomainError(texts.DOCUMENTS.record_missing.format(date=meeting.date.isoformat()))
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


def _archive(meeting_id: str, ctx: ServiceContext) -> None:
    rooms.archive_room(ctx, meeting_id)


def deliver_final_minutes(
    ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None
) -> str:
    """``/shien minutes final``: finalise, then send the final version by DM."""
    meeting, document, now = finalise_minutes(ctx, actor, channel_id, day)
    # The meeting is over on record: its channel is archived.
    ctx.later("archive", partial(_archive, meeting.id))
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
        else texts.DOCUMENTS.finalised_before.format(at=format_wareki_datetime(at, gregorian=False))
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
                due=texts.DECISIONS.role_due.format(due=format_wareki(t.due_on))
                if t.due_on
                else "",
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
                Note(ctx.notice(meeting).one_line),
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
