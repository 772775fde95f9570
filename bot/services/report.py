"""The counts a municipality reports for the 重層的支援体制整備事業, per 年度 (April–March):
meetings held per kind and month, cases discussed (new and continuing), the outcomes
decided, and the occasions of the 重層的支援会議. Counts only — no case code, no name, no
content — as CSV for ``shienbot report``.

A meeting counts as held when it was not cancelled, its day has come, and it was recorded
as held (``/shien record`` on or after the day) or had a case on its agenda. A case
discussed at a held meeting is *new* there when no earlier held meeting discussed it, else
*continuing*. The 実数 rows count each case once (per month, and once for the year: new when
first discussed in this 年度).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from bot import texts
from bot.domain.model import (
    AuditAction,
    AuditEvent,
    Meeting,
    MeetingKind,
    MeetingState,
    Occasion,
    Outcome,
)
from bot.services.access import Actor
from bot.services.ports import UnitOfWork

MONTHS = (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)  # a 年度, April first


@dataclass(frozen=True)
class Row:
    """One line of the report: its section, its item, a count per month (April first)."""

    section: str
    item: str
    months: tuple[int, ...]
    total: int


def _month_index(day: date) -> int:
    return MONTHS.index(day.month)


def _held(uow: UnitOfWork, meeting: Meeting, today: date) -> bool:
    if meeting.state is MeetingState.CANCELLED or meeting.date > today:
        return False
    return meeting.state is MeetingState.HELD or bool(uow.agenda.for_meeting(meeting.id))


def fiscal_year_rows(uow: UnitOfWork, fiscal_year: int, today: date) -> list[Row]:
    """The report's rows for the 年度 that starts in April of ``fiscal_year``."""
    first, last = date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)
    held = sorted(
        (
            m
            for channel in uow.channels.list()
            for m in uow.meetings.upcoming(channel.channel_id, date.min)
            if m.date <= last and _held(uow, m, today)
        ),
        key=lambda m: (m.date, m.start_time, m.id),
    )
    meetings: Counter[tuple[MeetingKind, int]] = Counter()
    discussed: Counter[tuple[MeetingKind, bool, int]] = Counter()  # (kind, new, month)
    distinct: dict[int, dict[str, bool]] = {}  # month → case → new in that month
    year_cases: dict[str, bool] = {}  # case → first discussed in this 年度
    outcomes: Counter[tuple[Outcome, int]] = Counter()
    occasions: Counter[tuple[Occasion, int]] = Counter()
    seen: set[str] = set()
    for meeting in held:  # earliest first: "new" means no earlier held meeting
        in_year = meeting.date >= first
        month = _month_index(meeting.date) if in_year else -1
        if in_year:
            meetings[(meeting.kind, month)] += 1
        for item in uow.agenda.for_meeting(meeting.id):
            new = item.case_id not in seen
            seen.add(item.case_id)
            if not in_year:
                continue
            discussed[(meeting.kind, new, month)] += 1
            distinct.setdefault(month, {}).setdefault(item.case_id, new)
            year_cases.setdefault(item.case_id, new)
            if meeting.kind is MeetingKind.MULTILAYER and item.occasion is not None:
                occasions[(item.occasion, month)] += 1
        if in_year:
            for decision in uow.decisions.for_meeting(meeting.id):
                outcomes[(decision.outcome, month)] += 1

    r = texts.REPORT
    rows: list[Row] = []

    def add(section: str, item: str, counts: list[int], total: int | None = None) -> None:
        rows.append(Row(section, item, tuple(counts), sum(counts) if total is None else total))

    for kind in MeetingKind:
        add(r.section_meetings, kind.label, [meetings[(kind, m)] for m in range(12)])
    for kind in MeetingKind:
        for new in (True, False):
            add(
                r.section_discussed,
                r.kind_and_status.format(kind=kind.label, status=r.new if new else r.continuing),
                [discussed[(kind, new, m)] for m in range(12)],
            )
    for new in (True, False):
        add(
            r.section_cases,
            r.new if new else r.continuing,
            [sum(1 for v in distinct.get(m, {}).values() if v is new) for m in range(12)],
            total=sum(1 for v in year_cases.values() if v is new),
        )
    for outcome in Outcome:
        add(r.section_outcomes, outcome.label, [outcomes[(outcome, m)] for m in range(12)])
    for occasion in Occasion:
        add(r.section_occasions, occasion.label, [occasions[(occasion, m)] for m in range(12)])
    return rows


def report_csv(
    uow_factory: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    today: date,
    actor: Actor,
    fiscal_year: int,
) -> str:
    """The 年度's counts as CSV text (the caller writes it as UTF-8 with a BOM, for Excel).
    The export is audited as ``report.exported``."""
    r = texts.REPORT
    with uow_factory() as uow:
        rows = fiscal_year_rows(uow, fiscal_year, today)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(
            [r.header_section, r.header_item, *(r.month.format(month=m) for m in MONTHS), r.total]
        )
        for row in rows:
            writer.writerow([row.section, row.item, *row.months, row.total])
        uow.audit.append(
            AuditEvent(
                actor=actor.user_id,
                action=AuditAction.REPORT_EXPORTED,
                target_type="report",
                target_id=f"fy{fiscal_year}",
                at=clock(),
            )
        )
        uow.commit()
    return buffer.getvalue()
