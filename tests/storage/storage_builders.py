"""Domain objects with every field filled in, for storage tests."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from bot.domain.calendar import HolidayPolicy
from bot.domain.model import (
    Agency,
    Case,
    CaseCode,
    Consent,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingState,
)
from storage import Database

JST = timezone(timedelta(hours=9), "JST")
# Microseconds and a non-UTC zone: both databases must give back the same instant.
AT = datetime(2026, 11, 10, 14, 30, 15, 123456, tzinfo=JST)
SUMMARY = "本人は80代、長男と二人暮らし。近隣から大声が聞こえるとの通報あり。"


def agency(key: str = "houkatsu", **changes: Any) -> Agency:
    made = Agency(key=key, name="地域包括支援センター", kind="高齢・介護", created_at=AT)
    return replace(made, **changes)


def series(channel_id: str = "C0MEETING") -> MeetingSeries:
    return MeetingSeries(
        channel_id=channel_id,
        kind=MeetingKind.SUPPORT,
        ordinal=2,
        weekday=1,
        start_time=time(14, 0),
        holiday_policy=HolidayPolicy.NEXT,
        created_by="U0COORD",
        created_at=AT,
    )


def meeting(
    day: date = date(2026, 11, 10), channel_id: str = "C0MEETING", **changes: Any
) -> Meeting:
    made = Meeting(
        channel_id=channel_id,
        kind=MeetingKind.SUPPORT,
        date=day,
        start_time=time(14, 0),
        created_by="U0COORD",
        place="市役所第3会議室",
        created_at=AT,
    )
    return replace(made, **changes)


def case(code: CaseCode | None = None, asked: list[str] | None = None, **changes: Any) -> Case:
    made = Case(
        code=code or CaseCode(2026, 1),
        created_by="U0COORD",
        asked_agency_ids=asked or [],
        summary=SUMMARY,
        created_at=AT,
    )
    return replace(made, **changes)


def multilayer_case(code: CaseCode, asked: list[str]) -> Case:
    """A case with consent, as a 重層的支援会議 needs."""
    consent = Consent(given_on=date(2026, 10, 1), recorded_by="U0COORD", recorded_at=AT)
    return case(code, asked, consent=consent, urgent=True)


@dataclass
class Seed:
    """IDs of a small world: two agencies, a meeting and a case on it."""

    agency_id: str
    other_agency_id: str
    meeting_id: str
    case_id: str


def seed(database: Database) -> Seed:
    first, second = agency("houkatsu"), agency("csw", name="社会福祉協議会", kind="社協")
    the_meeting = meeting(state=MeetingState.COLLECTING)
    the_case = case(asked=[first.id, second.id])
    with database.unit_of_work() as uow:
        uow.agencies.add(first)
        uow.agencies.add(second)
        uow.meetings.add(the_meeting)
        uow.cases.add(the_case)
        uow.commit()
    return Seed(first.id, second.id, the_meeting.id, the_case.id)
