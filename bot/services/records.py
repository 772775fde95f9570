"""The meeting on record (会議記録): where and how it was held, when it started and ended, who
chaired and who wrote the record, who attended and who was absent, and the next meeting.

``/shien record [date]`` opens the form; attendance is pre-filled from who confirmed the
secrecy notice (grouped by agency) until the coordinator saves it, and re-opening shows what
was saved. Saving on or after the meeting's day marks the meeting as held. The minutes take
everything from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot import texts
from bot.domain.errors import DomainError, InvalidValue
from bot.domain.model import (
    Agency,
    Attendance,
    AuditAction,
    Meeting,
    MeetingMethod,
    MeetingRecord,
    MeetingState,
)
from bot.services.access import Actor, check_coordinator, refuse, require_coordinator
from bot.services.audit import audit
from bot.services.chat import (
    Choice,
    DateInput,
    Form,
    FormErrors,
    FormValues,
    Paragraph,
    SelectInput,
    TextInput,
    TimeInput,
    clean_user_text,
)
from bot.services.context import ServiceContext
from bot.services.meetings import find_meeting, require_channel
from bot.services.messages import meeting_label
from bot.services.ports import UnitOfWork

RECORD_FORM = "shien_record_form"
SECRETARIAT = "coordinators"  # the attendance group of the coordinators (事務局)
_PRESENT = "present_"  # + an agency's ID, or SECRETARIAT
# How far back ``/shien record`` without a date looks for the meeting just held.
_LOOK_BACK = timedelta(days=92)


def meeting_to_record(
    ctx: ServiceContext, uow: UnitOfWork, channel_id: str, day: date | None
) -> Meeting:
    """With a date, that meeting; without, the channel's latest meeting up to today (the one
    just held), else its next one."""
    if day is not None:
        return find_meeting(ctx, uow, channel_id, day)
    today = ctx.today()
    held = [m for m in uow.meetings.upcoming(channel_id, today - _LOOK_BACK) if m.date <= today]
    return held[-1] if held else find_meeting(ctx, uow, channel_id, None)


@dataclass(frozen=True)
class Group:
    """One attendance group of the form: an agency (or the secretariat) and its people."""

    field_id: str
    agency: Agency | None  # None: the secretariat (事務局)
    people: tuple[str, ...]  # user IDs, in the roster's order


def groups(uow: UnitOfWork, meeting: Meeting, record: MeetingRecord | None) -> list[Group]:
    """The secretariat, then every agency asked for a case on the agenda (in the agenda's
    order), each with its active members; people a saved record names stay listed."""
    saved: dict[str | None, list[str]] = {}
    for line in record.attendance if record else ():
        if line.user_id is not None:
            saved.setdefault(line.agency_id, []).append(line.user_id)
    coordinators = [c.user_id for c in uow.coordinators.list(active_only=True)]
    found = [
        Group(
            _PRESENT + SECRETARIAT,
            None,
            tuple(dict.fromkeys([*coordinators, *saved.get(None, [])])),
        )
    ]
    agency_ids: list[str] = []
    for item in uow.agenda.for_meeting(meeting.id):
        case = uow.cases.get(item.case_id)
        if case is not None:
            agency_ids += [a for a in case.asked_agency_ids if a not in agency_ids]
    agency_ids += [a for a in saved if a is not None and a not in agency_ids]
    for agency_id in agency_ids:
        agency = uow.agencies.get(agency_id)
        if agency is None:
            continue
        members = [m.user_id for m in uow.memberships.for_agency(agency.id, active_only=True)]
        people = tuple(dict.fromkeys([*members, *saved.get(agency.id, [])]))
        found.append(Group(_PRESENT + agency.id, agency, people))
    return found


def _prefilled_present(
    uow: UnitOfWork, meeting: Meeting, found: Sequence[Group], record: MeetingRecord | None
) -> dict[str, tuple[str, ...]]:
    """Per group, who is ticked: what was saved, else who confirmed the secrecy notice of
    this meeting (each person once, in their first group)."""
    if record is not None:
        return {
            g.field_id: tuple(
                line.user_id
                for line in record.present
                if line.user_id is not None
                and line.agency_id == (g.agency.id if g.agency else None)
            )
            for g in found
        }
    confirmed = {a.user_id for a in uow.acknowledgements.for_meeting(meeting.id)}
    ticked: set[str] = set()
    result = {}
    for group in found:
        mine = tuple(u for u in group.people if u in confirmed and u not in ticked)
        ticked.update(mine)
        result[group.field_id] = mine
    return result


def _next_meeting(uow: UnitOfWork, meeting: Meeting) -> Meeting | None:
    """The channel's next meeting after ``meeting`` (from its series, or ad hoc)."""
    later = [
        m
        for m in uow.meetings.upcoming(meeting.channel_id, meeting.date + timedelta(days=1))
        if m.state is not MeetingState.CANCELLED
    ]
    return later[0] if later else None


def record_form(ctx: ServiceContext, actor: Actor, channel_id: str, day: date | None) -> Form:
    """Coordinators only. The 会議記録 form of the meeting, pre-filled with what was saved,
    else with the meeting's start, who confirmed the notice and the next registered meeting."""
    r = texts.RECORDS
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "record")
        require_channel(uow, channel_id)
        meeting = meeting_to_record(ctx, uow, channel_id, day)
        record = uow.records.get(meeting.id)
        found = groups(uow, meeting, record)
        ticked = _prefilled_present(uow, meeting, found, record)
        nxt = _next_meeting(uow, meeting)
        label = meeting_label(meeting, ctx.tz)
    name = ctx.chat.display_name
    everyone = list(dict.fromkeys(u for g in found for u in g.people))
    people = tuple(Choice(u, name(u)) for u in everyone)
    method = record.method if record and record.method else None
    fields: list[TextInput | DateInput | TimeInput | SelectInput] = [
        TextInput("place", r.form_place, optional=True, initial=record.place if record else ""),
        SelectInput(
            "method",
            r.form_method,
            tuple(Choice(m.value, m.label) for m in MeetingMethod),
            optional=True,
            initial=method.value if method else None,
        ),
        TimeInput(
            "started",
            r.form_started,
            optional=True,
            initial=record.started_at if record else meeting.start_time,
        ),
        TimeInput(
            "ended", r.form_ended, optional=True, initial=record.ended_at if record else None
        ),
        SelectInput(
            "chair",
            r.form_chair,
            people,
            optional=True,
            initial=record.chair_user_id if record else None,
        ),
        SelectInput(
            "recorder",
            r.form_recorder,
            people,
            optional=True,
            initial=record.recorder_user_id if record else None,
        ),
    ]
    for group in found:
        if not group.people:
            continue
        fields.append(
            SelectInput(
                group.field_id,
                r.form_present.format(
                    agency=group.agency.name
                    if group.agency
                    else texts.DOCUMENTS.coordinators_agency
                ),
                tuple(Choice(u, name(u)) for u in group.people),
                optional=True,
                multiple=True,
                checkboxes=True,
                initial_many=ticked.get(group.field_id, ()),
            )
        )
    agencies = [g.agency for g in found if g.agency is not None]
    absent_agencies = {a.agency_id for a in record.absent if a.user_id is None} if record else set()
    absent_people = (
        {f"{a.agency_id or ''}:{a.user_id}" for a in record.absent if a.user_id}
        if record
        else set()
    )
    fields += [
        TextInput(
            "others",
            r.form_others,
            optional=True,
            initial=record.others_present if record else "",
            max_length=500,
        ),
        SelectInput(
            "absent_agencies",
            r.form_absent_agencies,
            tuple(Choice(a.id, a.name) for a in agencies),
            optional=True,
            multiple=True,
            initial_many=tuple(a.id for a in agencies if a.id in absent_agencies),
        ),
        SelectInput(
            "absent_people",
            r.form_absent_people,
            tuple(
                Choice(
                    f"{g.agency.id if g.agency else ''}:{u}",
                    r.person_of.format(
                        person=name(u),
                        agency=g.agency.name if g.agency else texts.DOCUMENTS.coordinators_agency,
                    ),
                )
                for g in found
                for u in g.people
            )[:100],
            optional=True,
            multiple=True,
            initial_many=tuple(sorted(absent_people)),
        ),
        DateInput(
            "next_on",
            r.form_next_on,
            optional=True,
            initial=record.next_meeting_on if record else (nxt.date if nxt else None),
        ),
        TimeInput(
            "next_at",
            r.form_next_at,
            optional=True,
            initial=record.next_meeting_at if record else (nxt.start_time if nxt else None),
        ),
    ]
    intro = r.form_intro_saved if record else r.form_intro
    return Form(
        form_id=RECORD_FORM,
        title=r.form_title.format(month=meeting.date.month, day=meeting.date.day),
        submit_label=r.form_submit,
        fields=tuple(fields),
        metadata=meeting.id,
        intro=(Paragraph(intro.format(label=label)),),
    )


def _attendance(
    ctx: ServiceContext, uow: UnitOfWork, meeting: Meeting, values: FormValues
) -> tuple[Attendance, ...]:
    """Present and absent lines from the form; every person must belong where they are put."""
    found = groups(uow, meeting, uow.records.get(meeting.id))
    allowed = {g.field_id: (g.agency.id if g.agency else None, set(g.people)) for g in found}
    for field_id in values.choices:
        if field_id.startswith(_PRESENT) and field_id not in allowed:
            raise FormErrors({field_id: texts.RECORDS.form_stale})
    lines: list[Attendance] = []
    for group in found:  # in the form's order: 事務局, then the agencies asked
        agency_id, people = allowed[group.field_id]
        for user_id in values.choices.get(group.field_id, ()):
            if user_id not in people:
                raise FormErrors({group.field_id: texts.RECORDS.form_stale})
            lines.append(Attendance(agency_id, user_id, present=True))
    asked = {g.agency.id: g.agency for g in found if g.agency is not None}
    for agency_id in values.choices.get("absent_agencies", ()):
        if agency_id not in asked:
            raise FormErrors({"absent_agencies": texts.RECORDS.form_stale})
        if any(line.agency_id == agency_id for line in lines):
            raise FormErrors(
                {
                    "absent_agencies": texts.RECORDS.form_agency_both.format(
                        agency=asked[agency_id].name
                    )
                }
            )
        lines.append(Attendance(agency_id, None, present=False))
    present = {(line.agency_id, line.user_id) for line in lines if line.present}
    for value in values.choices.get("absent_people", ()):
        agency_part, _, user_id = value.partition(":")
        agency_id = agency_part or None
        key = _PRESENT + (agency_id or SECRETARIAT)
        if key not in allowed or user_id not in allowed[key][1]:
            raise FormErrors({"absent_people": texts.RECORDS.form_stale})
        if (agency_id, user_id) in present:
            raise FormErrors(
                {
                    "absent_people": texts.RECORDS.form_both.format(
                        person=ctx.chat.display_name(user_id)
                    )
                }
            )
        lines.append(Attendance(agency_id, user_id, present=False))
    return tuple(lines)


def submit_record(ctx: ServiceContext, actor: Actor, metadata: str, values: FormValues) -> str:
    """Coordinators only (re-checked on submit). Saves (or replaces) the meeting's record;
    on or after the meeting's day the meeting counts as held. Refused once the minutes are
    final (what was filed stays as it was). Audited as ``meeting.recorded``."""
    check_coordinator(ctx, actor, "record")
    method_value = values.choice("method")
    try:
        method = MeetingMethod(method_value) if method_value else None
    except ValueError:
        raise FormErrors({"method": texts.RECORDS.form_stale}) from None
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "record")
        meeting = uow.meetings.get(metadata)
        if meeting is None or meeting.state is MeetingState.CANCELLED:
            raise refuse(
                ctx,
                uow,
                actor,
                "form",
                metadata[:80],
                "record:no_meeting",
                texts.RECORDS.form_no_meeting,
            )
        if meeting.minutes_final:
            raise DomainError(texts.RECORDS.minutes_final)
        known = {u for g in groups(uow, meeting, uow.records.get(meeting.id)) for u in g.people}
        for field_id in ("chair", "recorder"):
            chosen = values.choice(field_id)
            if chosen is not None and chosen not in known:
                raise FormErrors({field_id: texts.RECORDS.form_stale})
        attendance = _attendance(ctx, uow, meeting, values)
        try:
            record = MeetingRecord(
                meeting_id=meeting.id,
                recorded_by=actor.user_id,
                place=clean_user_text(values.text("place"), max_length=200),
                method=method,
                started_at=values.times.get("started"),
                ended_at=values.times.get("ended"),
                chair_user_id=values.choice("chair"),
                recorder_user_id=values.choice("recorder"),
                attendance=attendance,
                others_present=clean_user_text(values.text("others"), max_length=500),
                next_meeting_on=values.dates.get("next_on"),
                next_meeting_at=values.times.get("next_at"),
                recorded_at=ctx.clock(),
            )
        except InvalidValue as error:
            raise FormErrors({"ended": error.message}) from None
        try:
            record.check_against(meeting)
        except InvalidValue as error:
            raise FormErrors({"next_on": error.message}) from None
        uow.records.put(record)
        if meeting.date <= ctx.today() and meeting.state in (
            MeetingState.SCHEDULED,
            MeetingState.COLLECTING,
        ):
            meeting.state = MeetingState.HELD
            uow.meetings.save(meeting)
        present, absent = len(record.present), len(record.absent)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.MEETING_RECORDED,
            "meeting",
            meeting.id,
            f"present={present};absent={absent}",
        )
        uow.commit()
        label = meeting_label(meeting, ctx.tz)
    return texts.RECORDS.saved.format(
        label=label, present=present, absent=absent, date=meeting.date.isoformat()
    )
