"""The meeting timeline: offsets, planned sends and their keys, with fixed datetimes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import HolidayPolicy, JapaneseCalendar
from bot.domain.errors import InvalidValue
from bot.domain.timeline import (
    Offset,
    SendKind,
    TimelineSettings,
    last_meeting_before,
    monitoring_date_of,
    opening_time,
    parse_offset,
    parse_offsets,
    plan_meeting,
    plan_monitoring,
    stamp_of,
)

JST = ZoneInfo("Asia/Tokyo")
CAL = JapaneseCalendar()
DEFAULT = TimelineSettings()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=JST)


def kinds(sends: list) -> list[tuple[str, datetime]]:  # type: ignore[type-arg]
    return [(s.kind.value, s.due) for s in sends]


# --------------------------------------------------------------------------- offsets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", Offset(7, "d")),
        ("12h", Offset(12, "h")),
        ("30m", Offset(30, "m")),
        ("３Ｄ", Offset(3, "d")),
        (" 2日 ", Offset(2, "d")),
        ("6時間", Offset(6, "h")),
        ("45分", Offset(45, "m")),
    ],
)
def test_parse_offset(text: str, expected: Offset) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["", "7", "d", "7w", "-1d", "0d", "1.5d", "7 days", "架空"])
def test_parse_offset_rejects_with_japanese_message(text: str) -> None:
    with pytest.raises(InvalidValue) as error:
        parse_offset(text)
    assert "7d" in error.value.message or "1以上" in error.value.message


def test_parse_offset_never_echoes_non_ascii_input() -> None:
    with pytest.raises(InvalidValue) as error:
        parse_offset("架空花子")
    assert "架空花子" not in error.value.message


def test_parse_offset_rejects_absurd_lengths() -> None:
    with pytest.raises(InvalidValue, match="92日以内"):
        parse_offset("365d")


def test_parse_offsets_sorts_longest_first_and_dedupes() -> None:
    assert parse_offsets("1d,3d,12h,3d") == (Offset(3, "d"), Offset(1, "d"), Offset(12, "h"))
    assert parse_offsets("3d、1d") == (Offset(3, "d"), Offset(1, "d"))
    assert parse_offsets("") == ()
    with pytest.raises(InvalidValue):
        parse_offsets("3d,x")


def test_offset_labels() -> None:
    assert Offset(3, "d").label == "3d" and Offset(3, "d").japanese == "3日前"
    assert Offset(12, "h").japanese == "12時間前" and Offset(30, "m").delta == timedelta(minutes=30)


# --------------------------------------------------------------------------- a meeting


def test_default_timeline_of_a_regular_meeting() -> None:
    # Tuesday 2026-12-08 14:00; planned a month ahead.
    sends = plan_meeting("m1", at(2026, 12, 8, 14), at(2026, 11, 1, 10), CAL, DEFAULT)
    assert kinds(sends) == [
        ("open", at(2026, 12, 1, 9)),  # 7 days before, at 09:00
        ("remind", at(2026, 12, 4, 9)),  # 3d before is Saturday 12/5 → Friday 12/4
        ("remind", at(2026, 12, 7, 9)),  # 1d before (Monday)
        ("morning", at(2026, 12, 8, 9)),
        ("after", at(2026, 12, 8, 16)),
    ]
    assert [s.key for s in sends] == [
        "open:m1",
        "remind:m1:20261208T1400:3d",
        "remind:m1:20261208T1400:1d",
        "morning:m1:20261208T1400",
        "after:m1:20261208T1400",
    ]


def test_day_offsets_land_on_working_days_and_collisions_are_sent_once() -> None:
    # Monday 2027-01-11 is 成人の日; the meeting is Tuesday 1/12. 1d before is the holiday →
    # Friday 1/8; 3d before is Saturday 1/9 → also Friday 1/8: one reminder.
    sends = plan_meeting("m", at(2027, 1, 12, 14), at(2026, 12, 1), CAL, DEFAULT)
    reminders = [s for s in sends if s.kind is SendKind.REMIND]
    assert [s.due for s in reminders] == [at(2027, 1, 8, 9)]
    # Opening 7d before is 1/5 (a working day after 年末年始).
    assert sends[0].due == at(2027, 1, 5, 9)


def test_opening_inside_the_new_year_closure_comes_forward() -> None:
    # Meeting Thursday 2027-01-07: 7 days before is 12/31 (閉庁) → 12/28.
    assert opening_time(at(2027, 1, 7, 14), CAL, DEFAULT) == at(2026, 12, 28, 9)


def test_hour_and_minute_offsets_are_exact() -> None:
    settings = TimelineSettings(
        open_before=Offset(2, "d"), reminders=(Offset(12, "h"), Offset(30, "m"))
    )
    sends = plan_meeting("m", at(2026, 12, 8, 14), at(2026, 11, 1), CAL, settings)
    assert kinds(sends) == [
        ("open", at(2026, 12, 4, 9)),  # 2d before is Sunday 12/6 → Friday 12/4
        ("remind", at(2026, 12, 8, 2)),
        ("morning", at(2026, 12, 8, 9)),
        ("remind", at(2026, 12, 8, 13, 30)),
        ("after", at(2026, 12, 8, 16)),
    ]


def test_reminder_time_and_early_meetings() -> None:
    settings = TimelineSettings(reminder_time=time(8, 30))
    sends = plan_meeting("m", at(2026, 12, 8, 9), at(2026, 11, 1), CAL, settings)
    morning = next(s for s in sends if s.kind is SendKind.MORNING)
    assert morning.due == at(2026, 12, 8, 8)  # an hour before a 09:00 start, at the latest
    assert sends[0].due == at(2026, 12, 1, 8, 30)


def test_adhoc_inside_the_window_opens_now_and_keeps_only_future_reminders() -> None:
    now = at(2026, 12, 6, 20)  # Sunday evening; meeting Tuesday 12/8 14:00
    sends = plan_meeting("m", at(2026, 12, 8, 14), now, CAL, DEFAULT)
    assert kinds(sends) == [
        ("open", now),
        ("remind", at(2026, 12, 7, 9)),
        ("morning", at(2026, 12, 8, 9)),
        ("after", at(2026, 12, 8, 16)),
    ]


def test_adhoc_tomorrow_morning_drops_passed_reminders() -> None:
    now = at(2026, 12, 7, 10)  # after the 1d reminder's 09:00
    sends = plan_meeting("m", at(2026, 12, 8, 14), now, CAL, DEFAULT)
    assert [s.kind for s in sends] == [SendKind.OPEN, SendKind.MORNING, SendKind.AFTER]


def test_a_started_meeting_gets_only_its_prompt() -> None:
    sends = plan_meeting("m", at(2026, 12, 8, 14), at(2026, 12, 8, 15), CAL, DEFAULT)
    assert kinds(sends) == [("after", at(2026, 12, 8, 16))]
    assert plan_meeting("m", at(2026, 12, 8, 14), at(2026, 12, 9), CAL, DEFAULT) == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError):
        plan_meeting("m", datetime(2026, 12, 8, 14), at(2026, 12, 1), CAL, DEFAULT)


def test_keys_change_when_the_meeting_moves() -> None:
    before = plan_meeting("m", at(2026, 12, 8, 14), at(2026, 11, 1), CAL, DEFAULT)
    after = plan_meeting("m", at(2026, 12, 10, 14), at(2026, 11, 1), CAL, DEFAULT)
    assert before[0].key == after[0].key == "open:m"  # opening happens once per meeting
    assert {s.key for s in before[1:]}.isdisjoint({s.key for s in after[1:]})
    assert stamp_of(before[1].key) == "20261208T1400" and stamp_of("open:m") is None


def test_extra_closed_days_move_reminders() -> None:
    calendar = JapaneseCalendar(extra_closed_days=[date(2026, 12, 7)])
    sends = plan_meeting("m", at(2026, 12, 8, 14), at(2026, 11, 1), calendar, DEFAULT)
    reminders = [s.due for s in sends if s.kind is SendKind.REMIND]
    assert reminders == [at(2026, 12, 4, 9)]  # 1d → 12/7 closed → 12/4, same as the 3d one


# --------------------------------------------------------------------------- hard dates


def test_second_tuesday_on_yama_no_hi_under_each_policy() -> None:
    start = date(2026, 8, 1)
    nxt = CAL.monthly_dates(2, 1, start=start, count=1, policy=HolidayPolicy.NEXT)[0]
    prev = CAL.monthly_dates(2, 1, start=start, count=1, policy=HolidayPolicy.PREVIOUS)[0]
    skip = CAL.monthly_dates(2, 1, start=start, count=1, policy=HolidayPolicy.SKIP)[0]
    assert nxt.nominal == date(2026, 8, 11) and nxt.reason == "山の日"
    assert nxt.actual == date(2026, 8, 12)
    assert prev.actual == date(2026, 8, 10)
    assert skip.actual is None and skip.skipped


def test_timeline_of_a_meeting_moved_off_a_holiday() -> None:
    # The moved meeting (Wed 2026-08-12): its 1d reminder falls on the holiday 8/11 → 8/10.
    sends = plan_meeting("m", at(2026, 8, 12, 14), at(2026, 7, 1), CAL, DEFAULT)
    assert [s.due for s in sends if s.kind is SendKind.REMIND] == [
        at(2026, 8, 7, 9),  # 3d: Sunday 8/9 → Friday 8/7
        at(2026, 8, 10, 9),  # 1d: 山の日 → Monday 8/10
    ]


# --------------------------------------------------------------------------- monitoring


def test_monitoring_plans_agenda_at_once_and_a_reminder_ahead() -> None:
    now = at(2026, 12, 8, 15)
    agenda, reminder = plan_monitoring("m", "c", date(2027, 2, 15), now, CAL, DEFAULT)
    assert agenda.kind is SendKind.AGENDA and agenda.due == now
    assert reminder.kind is SendKind.MONITORING
    assert reminder.due == at(2027, 2, 8, 9)  # 7 days before, a Monday
    assert reminder.key == "monitoring:c:20270215" and reminder.case_id == "c"
    assert monitoring_date_of(reminder.key) == date(2027, 2, 15)
    assert monitoring_date_of("agenda:c:20270215") == date(2027, 2, 15)
    assert monitoring_date_of("remind:m:x:3d") is None


def test_monitoring_soon_reminds_now_and_past_dates_plan_nothing() -> None:
    now = at(2026, 12, 8, 15)
    sends = plan_monitoring("m", "c", date(2026, 12, 10), now, CAL, DEFAULT)
    assert [s.due for s in sends] == [now, now]
    assert plan_monitoring("m", "c", date(2026, 12, 1), now, CAL, DEFAULT) == []


def test_last_meeting_before() -> None:
    meetings = [(date(2027, 1, 12), "jan"), (date(2027, 2, 9), "feb"), (date(2027, 3, 9), "mar")]
    assert last_meeting_before(meetings, date(2027, 2, 15)) == "feb"
    assert last_meeting_before(meetings, date(2027, 2, 9)) == "jan"
    assert last_meeting_before(meetings, date(2027, 1, 1)) is None
