"""Tests for the Japanese calendar rules (working days, 和暦, 年度, case codes)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import (
    WEEKDAY_JA,
    HolidayPolicy,
    JapaneseCalendar,
    PlannedDate,
    era_of,
    fiscal_year,
    fiscal_year_label,
    format_case_code,
    format_wareki,
    format_wareki_datetime,
    format_wareki_short,
    national_holidays,
    nth_weekday,
    ordinal_weekday_label,
    parse_case_code,
    parse_date,
    parse_time,
    parse_weekday,
)
from bot.domain.errors import InvalidValue

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def cal() -> JapaneseCalendar:
    return JapaneseCalendar()


# --------------------------------------------------------------------------- nth_weekday


@pytest.mark.parametrize(
    ("year", "month", "weekday", "n", "expected"),
    [
        (2026, 8, TUE, 1, date(2026, 8, 4)),
        (2026, 8, TUE, 2, date(2026, 8, 11)),
        (2020, 2, TUE, 2, date(2020, 2, 11)),
        (2025, 2, TUE, 2, date(2025, 2, 11)),
        (2026, 9, TUE, 5, date(2026, 9, 29)),
        (2026, 8, TUE, 5, None),
        (2026, 4, FRI, -1, date(2026, 4, 24)),  # April 30 is a Thursday
        (2026, 7, FRI, -1, date(2026, 7, 31)),  # last day itself
        (2026, 2, SUN, 4, date(2026, 2, 22)),  # 28-day February
        (2026, 2, SUN, 5, None),
    ],
)
def test_nth_weekday(year: int, month: int, weekday: int, n: int, expected: date | None) -> None:
    result = nth_weekday(year, month, weekday, n)
    assert result == expected
    if result is not None:
        assert result.weekday() == weekday


@pytest.mark.parametrize(("weekday", "n"), [(TUE, 0), (TUE, 6), (TUE, -2), (7, 1), (-1, 1)])
def test_nth_weekday_rejects_bad_arguments(weekday: int, n: int) -> None:
    with pytest.raises(InvalidValue):
        nth_weekday(2026, 8, weekday, n)


def test_ordinal_weekday_label() -> None:
    assert ordinal_weekday_label(2, TUE) == "第2火曜日"
    assert ordinal_weekday_label(-1, FRI) == "最終金曜日"
    assert WEEKDAY_JA[SUN] == "日"


# --------------------------------------------------------------------------- working days


def test_yama_no_hi_2026_is_the_second_tuesday_and_closed(cal: JapaneseCalendar) -> None:
    yama = date(2026, 8, 11)
    assert nth_weekday(2026, 8, TUE, 2) == yama
    assert not cal.is_working_day(yama)
    assert cal.closed_reason(yama) == "山の日"

    # The neighbours are ordinary working days (Monday and Wednesday).
    assert date(2026, 8, 10).weekday() == MON
    assert cal.is_working_day(date(2026, 8, 10))
    assert cal.is_working_day(date(2026, 8, 12))

    assert cal.shift(yama, HolidayPolicy.NEXT) == date(2026, 8, 12)
    assert cal.shift(yama, HolidayPolicy.PREVIOUS) == date(2026, 8, 10)
    assert cal.shift(yama, HolidayPolicy.SKIP) is None


@pytest.mark.parametrize("policy", list(HolidayPolicy))
def test_shift_keeps_a_working_day(cal: JapaneseCalendar, policy: HolidayPolicy) -> None:
    assert cal.shift(date(2026, 8, 18), policy) == date(2026, 8, 18)


def test_silver_week_2026(cal: JapaneseCalendar) -> None:
    # 9/22 lies between two holidays, so it becomes a 国民の休日.
    assert "敬老の日" in (cal.closed_reason(date(2026, 9, 21)) or "")
    assert "国民の休日" in (cal.closed_reason(date(2026, 9, 22)) or "")
    assert "秋分の日" in (cal.closed_reason(date(2026, 9, 23)) or "")
    # From Saturday 9/19 to Wednesday 9/23 the office is closed; Thursday 9/24 is open.
    assert cal.next_working_day(date(2026, 9, 19)) == date(2026, 9, 24)
    assert cal.previous_working_day(date(2026, 9, 23)) == date(2026, 9, 18)


def test_emperors_birthday_2027_is_a_closed_tuesday(cal: JapaneseCalendar) -> None:
    d = date(2027, 2, 23)
    assert d.weekday() == TUE
    assert cal.closed_reason(d) == "天皇誕生日"
    assert nth_weekday(2027, 2, TUE, 4) == d


def test_substitute_holiday(cal: JapaneseCalendar) -> None:
    # Constitution Day 2026-05-03 is a Sunday, so Wednesday 5/6 is a 振替休日.
    assert date(2026, 5, 3).weekday() == SUN
    assert cal.closed_reason(date(2026, 5, 6)) == "振替休日"
    assert cal.next_working_day(date(2026, 5, 2)) == date(2026, 5, 7)


@pytest.mark.parametrize("d", [date(2020, 2, 11), date(2025, 2, 11)])
def test_second_tuesdays_that_are_national_foundation_day(cal: JapaneseCalendar, d: date) -> None:
    assert nth_weekday(d.year, d.month, TUE, 2) == d
    assert cal.closed_reason(d) == "建国記念の日"


def test_new_year_closure_every_day(cal: JapaneseCalendar) -> None:
    closed = [date(2026, 12, 29) + timedelta(days=i) for i in range(6)]
    assert closed[-1] == date(2027, 1, 3)
    assert all(not cal.is_working_day(d) for d in closed)
    assert date(2026, 12, 29).weekday() == TUE
    assert cal.closed_reason(date(2026, 12, 29)) == "年末年始（閉庁日）"
    assert cal.closed_reason(date(2026, 12, 31)) == "年末年始（閉庁日）"
    # A holiday inside the closure is named as the holiday, a weekend as the weekend.
    assert cal.closed_reason(date(2027, 1, 1)) == "元日"
    assert cal.closed_reason(date(2027, 1, 2)) == "土曜日"
    assert cal.closed_reason(date(2027, 1, 3)) == "日曜日"
    # The last working day of the year and the first of the next.
    assert cal.is_working_day(date(2026, 12, 28))
    assert date(2027, 1, 4).weekday() == MON
    assert cal.is_working_day(date(2027, 1, 4))
    assert cal.next_working_day(date(2026, 12, 29)) == date(2027, 1, 4)
    assert cal.previous_working_day(date(2027, 1, 3)) == date(2026, 12, 28)


def test_new_year_closure_can_be_disabled() -> None:
    cal = JapaneseCalendar(new_year_closure=False)
    assert cal.is_working_day(date(2026, 12, 29))
    assert not cal.is_working_day(date(2027, 1, 1))  # 元日 is still a holiday


def test_extra_closed_day() -> None:
    founding_day = date(2026, 10, 1)  # a Thursday, e.g. a 市民の日
    cal = JapaneseCalendar([founding_day])
    assert cal.closed_reason(founding_day) == "自治体の休業日"
    assert cal.shift(founding_day, HolidayPolicy.NEXT) == date(2026, 10, 2)
    assert JapaneseCalendar().is_working_day(founding_day)


def test_weekends(cal: JapaneseCalendar) -> None:
    assert cal.closed_reason(date(2026, 8, 15)) == "土曜日"
    assert cal.closed_reason(date(2026, 8, 16)) == "日曜日"
    assert cal.closed_reason(date(2026, 8, 17)) is None


def test_inclusive_flag(cal: JapaneseCalendar) -> None:
    d = date(2026, 8, 12)  # a working Wednesday
    assert cal.next_working_day(d) == d
    assert cal.next_working_day(d, inclusive=False) == date(2026, 8, 13)
    assert cal.previous_working_day(d) == d
    assert cal.previous_working_day(d, inclusive=False) == date(2026, 8, 10)


def test_shift_may_cross_into_the_adjacent_month(cal: JapaneseCalendar) -> None:
    # First Friday of January 2027 is 元日; PREVIOUS moves it into December.
    first_friday = nth_weekday(2027, 1, FRI, 1)
    assert first_friday == date(2027, 1, 1)
    assert cal.shift(first_friday, HolidayPolicy.PREVIOUS) == date(2026, 12, 28)
    # Fifth Tuesday of December 2026 is in the closure; NEXT moves it into January.
    assert cal.shift(date(2026, 12, 29), HolidayPolicy.NEXT) == date(2027, 1, 4)


def test_closed_everywhere_is_a_configuration_error() -> None:
    start = date(2026, 1, 1)
    cal = JapaneseCalendar(start + timedelta(days=i) for i in range(800))
    with pytest.raises(InvalidValue):
        cal.next_working_day(start)


def test_holidays_are_cached_per_year() -> None:
    national_holidays.cache_clear()
    cal = JapaneseCalendar()
    for month in range(1, 13):
        cal.monthly_dates(2, TUE, start=date(2026, 1, 1), count=12, policy=HolidayPolicy.NEXT)
        cal.is_working_day(date(2026, month, 1))
    info = national_holidays.cache_info()
    assert info.misses == 1  # only 2026 was ever computed
    assert info.hits > 12


# --------------------------------------------------------------------------- monthly_dates


def test_second_tuesday_over_fiscal_2026_moves_august(cal: JapaneseCalendar) -> None:
    plan = cal.monthly_dates(2, TUE, start=date(2026, 4, 1), count=12, policy=HolidayPolicy.NEXT)
    expected_nominal = [
        date(2026, 4, 14),
        date(2026, 5, 12),
        date(2026, 6, 9),
        date(2026, 7, 14),
        date(2026, 8, 11),
        date(2026, 9, 8),
        date(2026, 10, 13),
        date(2026, 11, 10),
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
    ]
    assert [p.nominal for p in plan] == expected_nominal
    moved = [p for p in plan if p.moved]
    assert moved == [PlannedDate(date(2026, 8, 11), date(2026, 8, 12), "山の日")]
    assert all(p.actual == p.nominal and p.reason is None for p in plan if p is not moved[0])


def test_monthly_dates_previous_and_skip(cal: JapaneseCalendar) -> None:
    start = date(2026, 8, 1)
    prev = cal.monthly_dates(2, TUE, start=start, count=1, policy=HolidayPolicy.PREVIOUS)
    skip = cal.monthly_dates(2, TUE, start=start, count=1, policy=HolidayPolicy.SKIP)
    assert prev == [PlannedDate(date(2026, 8, 11), date(2026, 8, 10), "山の日")]
    assert skip == [PlannedDate(date(2026, 8, 11), None, "山の日")]
    assert skip[0].skipped


def test_monthly_dates_excludes_a_nominal_date_before_start(cal: JapaneseCalendar) -> None:
    plan = cal.monthly_dates(2, TUE, start=date(2026, 4, 15), count=2, policy=HolidayPolicy.NEXT)
    assert [p.nominal for p in plan] == [date(2026, 5, 12), date(2026, 6, 9)]
    on_the_day = cal.monthly_dates(
        2, TUE, start=date(2026, 4, 14), count=1, policy=HolidayPolicy.NEXT
    )
    assert on_the_day[0].nominal == date(2026, 4, 14)


def test_last_friday(cal: JapaneseCalendar) -> None:
    plan = cal.monthly_dates(
        -1, FRI, start=date(2027, 11, 1), count=3, policy=HolidayPolicy.PREVIOUS
    )
    assert plan == [
        PlannedDate(date(2027, 11, 26), date(2027, 11, 26), None),
        # 12/31 is in the closure (and 12/29, 12/30 too): back to Tuesday 12/28.
        PlannedDate(date(2027, 12, 31), date(2027, 12, 28), "年末年始（閉庁日）"),
        PlannedDate(date(2028, 1, 28), date(2028, 1, 28), None),
    ]


def test_fifth_tuesday_months(cal: JapaneseCalendar) -> None:
    plan = cal.monthly_dates(5, TUE, start=date(2026, 4, 1), count=12, policy=HolidayPolicy.NEXT)
    assert len(plan) == 12
    held = [(p.nominal, p.actual) for p in plan if p.actual is not None]
    assert held == [
        (date(2026, 6, 30), date(2026, 6, 30)),
        (date(2026, 9, 29), date(2026, 9, 29)),
        (date(2026, 12, 29), date(2027, 1, 4)),  # closure pushes it into January
        (date(2027, 3, 30), date(2027, 3, 30)),
    ]
    april = plan[0]
    assert april == PlannedDate(date(2026, 4, 1), None, "第5火曜日がない月", no_such_day=True)


def test_monthly_dates_count_zero_and_negative(cal: JapaneseCalendar) -> None:
    assert (
        cal.monthly_dates(1, MON, start=date(2026, 4, 1), count=0, policy=HolidayPolicy.NEXT) == []
    )
    with pytest.raises(InvalidValue):
        cal.monthly_dates(1, MON, start=date(2026, 4, 1), count=-1, policy=HolidayPolicy.NEXT)


# --------------------------------------------------------------------------- 和暦


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 12, 8), ("令和", "R", 8)),
        (date(2019, 5, 1), ("令和", "R", 1)),
        (date(2019, 4, 30), ("平成", "H", 31)),
        (date(1989, 1, 8), ("平成", "H", 1)),
        (date(1989, 1, 7), ("昭和", "S", 64)),
    ],
)
def test_era_of(d: date, expected: tuple[str, str, int]) -> None:
    assert era_of(d) == expected


def test_era_of_rejects_dates_before_meiji() -> None:
    with pytest.raises(InvalidValue):
        era_of(date(1800, 1, 1))


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 12, 8), "令和8年（2026年）12月8日（火）"),
        (date(2019, 5, 1), "令和元年（2019年）5月1日（水）"),
        (date(2019, 4, 30), "平成31年（2019年）4月30日（火）"),
        (date(2027, 1, 4), "令和9年（2027年）1月4日（月）"),
    ],
)
def test_format_wareki(d: date, expected: str) -> None:
    assert format_wareki(d) == expected


def test_format_wareki_variants() -> None:
    d = date(2026, 12, 8)
    assert format_wareki_short(d) == "令和8年12月8日（火）"
    assert format_wareki(d, gregorian=False, weekday=False) == "令和8年12月8日"
    assert format_wareki(d, weekday=False) == "令和8年（2026年）12月8日"


def test_format_wareki_datetime_uses_the_wall_clock() -> None:
    dt = datetime(2026, 12, 8, 14, 0, tzinfo=JST)
    assert format_wareki_datetime(dt) == "令和8年（2026年）12月8日（火）14:00"
    assert (
        format_wareki_datetime(datetime(2026, 12, 8, 9, 5)) == "令和8年（2026年）12月8日（火）09:05"
    )


# --------------------------------------------------------------------------- 年度


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2027, 3, 31), 2026),
        (date(2027, 4, 1), 2027),
        (date(2026, 12, 31), 2026),
        (date(2027, 1, 1), 2026),
    ],
)
def test_fiscal_year(d: date, expected: int) -> None:
    assert fiscal_year(d) == expected


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2026, "令和8年度"),
        (1988, "昭和63年度"),  # 平成 began in January 1989, too late to rename FY1988
        (1989, "平成元年度"),
    ],
)
def test_fiscal_year_label(fy: int, expected: str) -> None:
    assert fiscal_year_label(fy) == expected


# --------------------------------------------------------------------------- case codes


@pytest.mark.parametrize(
    ("fy", "seq", "code"),
    [
        (2026, 1, "R8-001"),
        (2026, 42, "R8-042"),
        (2026, 1000, "R8-1000"),
        (2019, 1, "R1-001"),
        (2018, 1, "H30-001"),
        (2027, 999, "R9-999"),
    ],
)
def test_case_code_round_trip(fy: int, seq: int, code: str) -> None:
    assert format_case_code(fy, seq) == code
    assert parse_case_code(code) == (fy, seq)


@pytest.mark.parametrize("seq", [0, -1])
def test_format_case_code_rejects_non_positive_seq(seq: int) -> None:
    with pytest.raises(InvalidValue):
        format_case_code(2026, seq)


@pytest.mark.parametrize(
    "text",
    [
        " R8-001 ",
        "r8-001",
        "r8-1",
        "R8-0001",
        "Ｒ８－００１",
        "ｒ８－１",
        "R8‐001",  # U+2010 hyphen
        "R8−001",  # U+2212 minus sign
        "R8ー001",  # chōon typed instead of a hyphen
        "R8ｰ001",  # half-width chōon
        "R8–001",  # en dash
        "\u3000R8-001\u3000",  # ideographic spaces
    ],
)
def test_parse_case_code_accepts_typed_variants(text: str) -> None:
    assert parse_case_code(text) == (2026, 1)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "R8",
        "R8-",
        "-001",
        "R8001",
        "R8_001",
        "R8-000",
        "R0-001",
        "X8-001",
        "R8 - 001",
        "R8-001a",
        "RR8-001",
        "8-001",
        "H31-001",  # FY2019 is 令和元年度: the code is R1-001
        "H32-001",
        "R8-1234567",
        "山田太郎",
    ],
)
def test_parse_case_code_rejects(text: str) -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_case_code(text)
    assert "R8-001 のように入力してください" in excinfo.value.message


def test_case_code_error_never_echoes_names() -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_case_code("山田太郎")
    assert "山田" not in excinfo.value.message
    with pytest.raises(InvalidValue) as excinfo:
        parse_case_code("R8_001")
    assert "「R8_001」" not in excinfo.value.message
    with pytest.raises(InvalidValue) as excinfo:
        parse_case_code("X8-001")
    assert excinfo.value.message.startswith("事例番号「X8-001」の形式が正しくありません。")


# --------------------------------------------------------------------------- command input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-08", date(2026, 12, 8)),
        ("2026/12/08", date(2026, 12, 8)),
        ("2026-12-8", date(2026, 12, 8)),
        (" ２０２６－１２－０８ ", date(2026, 12, 8)),
        ("２０２６／１２／０８", date(2026, 12, 8)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "2026-12", "20261208", "2026-12/08", "26-12-08", "2026-13-01", "2026-02-30", "明日"],
)
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_date(text)
    assert "日付" in excinfo.value.message


def test_parse_date_message_has_an_example() -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_date("12/8")
    assert "2026-12-08 のように" in excinfo.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", time(14, 0)),
        ("9:30", time(9, 30)),
        ("09:30", time(9, 30)),
        ("１４：００", time(14, 0)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "14:60", "14", "14:0", "1400", "午後2時", "", "-1:00"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(InvalidValue) as excinfo:
        parse_time(text)
    assert "14:00 のように" in excinfo.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("月", MON),
        ("火", TUE),
        ("水曜", WED),
        ("木曜日", THU),
        ("金", FRI),
        ("土曜日", SAT),
        ("日", SUN),
        ("mon", MON),
        ("Tue", TUE),
        ("TUESDAY", TUE),
        ("wednesday", WED),
        ("thu", THU),
        ("Friday", FRI),
        ("sat", SAT),
        ("Sunday", SUN),
        (" ｔｕｅ ", TUE),
    ],
)
def test_parse_weekday(text: str, expected: int) -> None:
    assert parse_weekday(text) == expected


@pytest.mark.parametrize("text", ["", "火水", "曜日", "tu", "mondays", "祝", "1"])
def test_parse_weekday_rejects(text: str) -> None:
    with pytest.raises(InvalidValue):
        parse_weekday(text)


def test_shift_accepts_the_stored_string_value(cal: JapaneseCalendar) -> None:
    # Policies come back from storage as plain strings; they must behave like the members.
    assert cal.shift(date(2026, 8, 11), "prev") == date(2026, 8, 10)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        cal.shift(date(2026, 8, 11), "later")  # type: ignore[arg-type]
