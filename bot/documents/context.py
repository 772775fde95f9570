"""The variables the Word templates see: display-ready, sanitised strings built from the views.

Templates never receive the view objects themselves, only plain dicts, lists and strings, so
what a municipality's template can reach is exactly what docs_templates/README.md lists.
Dates are formatted in 和暦 here (with the Gregorian year where a cell is wide enough).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot import texts
from bot.documents.text import clean_text
from bot.domain.calendar import format_wareki, format_wareki_datetime, format_wareki_short
from bot.domain.confidentiality import SecrecyNotice
from bot.services.document_views import (
    AgencyInputView,
    AttendeeView,
    CaseMinutesView,
    MinutesView,
    RoleSummaryView,
)

Context = dict[str, Any]

NONE = texts.DOCUMENT_FIELDS.none
NOT_RECORDED = texts.DOCUMENT_FIELDS.not_recorded
UNDECIDED = texts.DOCUMENT_FIELDS.undecided
NO_DUE = "—"
LEAD = texts.DOCUMENT_FIELDS.lead
LEAD_PREFIX = texts.DECISIONS.lead_mark
URGENT = texts.CASES.urgent_mark
DRAFT = texts.DOCUMENT_FIELDS.draft
NOT_RECORDED_YET = texts.DOCUMENT_FIELDS.not_recorded_yet


def _text(value: str, empty: str = NOT_RECORDED) -> str:
    cleaned = clean_text(value).strip("\n")
    return cleaned if cleaned.strip() else empty


def _day(value: date | None, empty: str = UNDECIDED) -> str:
    """A date in a wide cell: 令和8年(2026年)12月8日(火)."""
    return format_wareki(value) if value is not None else empty


def _short_day(value: date | None, empty: str = NO_DUE) -> str:
    """A date in a narrow table column: 令和8年12月8日(火)."""
    return format_wareki_short(value) if value is not None else empty


def _due(value: date | None) -> str:
    """A due date in the narrowest column: 令和9年1月8日."""
    return format_wareki(value, gregorian=False, weekday=False) if value is not None else NO_DUE


def _moment(value: datetime | None, empty: str = UNDECIDED) -> str:
    return format_wareki_datetime(value) if value is not None else empty


def _notice(notice: SecrecyNotice) -> Context:
    return {
        "basis": clean_text(notice.basis),
        "notice_title": clean_text(notice.title),
        "notice_text": clean_text(notice.text),
        "notice_one_line": clean_text(notice.one_line),
        "notice_version": clean_text(notice.version),
    }


def _inputs_by_agency(inputs: tuple[AgencyInputView, ...]) -> list[Context]:
    """One entry per agency, agencies in the order of their first input, texts in order."""
    grouped: dict[str, list[AgencyInputView]] = {}
    for item in inputs:
        grouped.setdefault(item.agency_name, []).append(item)
    result = []
    for agency, items in grouped.items():
        authors = list(dict.fromkeys(clean_text(i.author) for i in items if i.author.strip()))
        result.append(
            {
                "agency": _text(agency),
                "text": "\n".join(_text(i.text) for i in items),
                "authors": (
                    texts.DOCUMENT_FIELDS.authors.format(names="、".join(authors))
                    if authors
                    else ""
                ),
                "entries": [
                    {
                        "author": clean_text(i.author),
                        "text": _text(i.text),
                        "received_at": _moment(i.received_at),
                    }
                    for i in items
                ],
            }
        )
    return result


def _consent(consent_on: date | None) -> str:
    if consent_on is None:
        return texts.DOCUMENT_FIELDS.consent_none
    return texts.DOCUMENT_FIELDS.consent_given.format(date=format_wareki(consent_on))


def _case(case: CaseMinutesView) -> Context:
    return {
        "code": clean_text(case.code),
        "monitoring": case.monitoring_on is not None,
        "monitoring_mark": texts.DOCUMENT_FIELDS.monitoring_mark if case.monitoring_on else "",
        "discussion": _text(case.discussion),
        "urgency": _text(case.urgency_label, texts.DOCUMENT_FIELDS.not_assessed),
        "urgency_reason": _text(case.urgency_reason),
        "kind": _text(case.kind_label),
        "consent": _consent(case.consent_on),
        "consent_given": case.consent_on is not None,
        "consent_on": _day(case.consent_on, ""),
        "purpose": _text(case.purpose),
        "situation": _text(case.situation),
        "inputs": _inputs_by_agency(case.inputs),
        "support_policy": _text(case.support_policy),
        "roles": [
            {
                "agency": _text(role.agency_name),
                "assignee": _text(role.assignee, texts.DOCUMENT_FIELDS.unnamed),
                "task": _text(role.task),
                "due": _due(role.due_on),
                "lead": role.lead,
                "lead_mark": LEAD if role.lead else "",
            }
            for role in case.roles
        ],
        "lead_agency": _text(case.lead_agency_name, UNDECIDED),
        "next_monitoring": _day(case.next_monitoring_on),
        "outcome": _text(case.outcome_label, UNDECIDED),
        "decisions": _text(case.decisions, NONE),
        "urgent": case.urgent,
        "urgent_mark": URGENT if case.urgent else "",
    }


def _attendees(lines: tuple[AttendeeView, ...], *, empty: str) -> list[Context]:
    return [
        {
            "agency": _text(a.agency_name),
            "people": "、".join(clean_text(p) for p in a.people) or empty,
        }
        for a in lines
    ]


def _held_at(starts_at: datetime, ends_at: datetime | None) -> str:
    """開催日時: 令和8年（2026年）12月8日（火）14:00〜15:30 (or 〜 alone before the end is
    recorded)."""
    start = _moment(starts_at)
    if ends_at is None:
        return texts.DOCUMENT_FIELDS.held_from.format(start=start)
    return texts.DOCUMENT_FIELDS.held_from_to.format(start=start, end=f"{ends_at:%H:%M}")


def minutes_context(view: MinutesView) -> Context:
    """Everything ``minutes.docx`` may use (listed in docs_templates/README.md)."""
    unrecorded = NOT_RECORDED_YET if not view.recorded else NOT_RECORDED
    return {
        **_notice(view.notice),
        "draft": view.draft,
        "draft_mark": DRAFT if view.draft else "",
        "multilayer": view.multilayer,
        "recorded": view.recorded,
        "meeting_name": _text(view.meeting_name),
        "kind_label": _text(view.kind_label),
        "starts_at": _moment(view.starts_at),
        "ends_at": f"{view.ends_at:%H:%M}" if view.ends_at is not None else unrecorded,
        "held_at": _held_at(view.starts_at, view.ends_at),
        "meeting_date": format_wareki(view.starts_at.date()),
        "place": _text(view.place, unrecorded),
        "method": _text(view.method, unrecorded),
        "chair": _text(view.chair, unrecorded),
        "recorder": _text(view.recorder, unrecorded),
        "attendees": _attendees(view.attendees, empty=NOT_RECORDED),
        "others_present": clean_text(view.others_present).strip(),
        "absentees": _attendees(view.absentees, empty=texts.DOCUMENT_FIELDS.absent_agency),
        "acknowledgements": [
            {
                "person": clean_text(k.person),
                "agency": _text(k.agency_name),
                "at": format_wareki_datetime(k.acknowledged_at, gregorian=False),
                "version": clean_text(k.notice_version),
            }
            for k in view.acknowledgements
        ],
        "cases": [_case(case) for case in view.cases],
        "next_meeting_at": _moment(view.next_meeting_at),
        "author": _text(view.author),
        "created_on": _day(view.created_on),
    }


def role_summary_context(view: RoleSummaryView) -> Context:
    """Everything ``role_summary.docx`` may use (listed in docs_templates/README.md)."""
    agencies = [
        {
            "agency": _text(agency.agency_name),
            "tasks": [
                {
                    "case_code": clean_text(t.case_code),
                    "task": _text(t.task),
                    "assignee": _text(t.assignee, texts.DOCUMENT_FIELDS.unnamed),
                    "due": _due(t.due_on),
                    "lead": t.lead,
                    "lead_mark": LEAD_PREFIX if t.lead else "",
                    "next_monitoring": _short_day(t.next_monitoring_on, UNDECIDED),
                }
                for t in agency.tasks
            ],
        }
        for agency in view.agencies
    ]
    single = len(agencies) == 1
    return {
        **_notice(view.notice),
        "meeting_name": _text(view.meeting_name),
        "kind_label": _text(view.kind_label),
        "starts_at": _moment(view.starts_at),
        "held_at": _held_at(view.starts_at, view.ends_at),
        "meeting_date": format_wareki(view.starts_at.date()),
        "created_on": _day(view.created_on),
        "agencies": agencies,
        "leads": [
            {
                "case_code": clean_text(lead.case_code),
                "lead_agency": _text(lead.lead_agency_name, UNDECIDED),
                "next_monitoring": _short_day(lead.next_monitoring_on, UNDECIDED),
            }
            for lead in view.leads
        ],
        "scope_mark": texts.DOCUMENT_FIELDS.scope.format(agency=agencies[0]["agency"])
        if single
        else "",
    }
