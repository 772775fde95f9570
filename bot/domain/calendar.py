"""Japanese calendar rules (working days, 和暦, 年度, case codes). Pure functions.

Everything here is deterministic and free of I/O: national holidays come from the
``holidays`` package (computed, not fetched), the municipal 年末年始 closure
(12/29–1/3) and any extra closed days are added on top.
"""

from __future__ import annotations

import calendar as _stdcal
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import NamedTuple

import holidays

from bot import texts
from bot.domain.errors import InvalidValue

__all__ = [
    "ERAS",
    "WEEKDAY_JA",
    "Era",
    "EraYear",
    "HolidayPolicy",
    "JapaneseCalendar",
    "PlannedDate",
    "era_of",
    "fiscal_year",
    "fiscal_year_era",
    "fiscal_year_label",
    "format_case_code",
    "format_wareki",
    "format_wareki_datetime",
    "format_wareki_month",
    "format_wareki_short",
    "national_holidays",
    "nth_weekday",
    "ordinal_weekday_label",
    "parse_case_code",
    "parse_date",
    "parse_time",
    "parse_weekday",
    "weekday_label",
]


class HolidayPolicy(StrEnum):
    """What happens to a regular meeting whose date is a closed day (per municipality)."""

    NEXT = "next"  # move to the next working day
    PREVIOUS = "prev"  # move to the previous working day
    SKIP = "skip"  # no meeting that month


WEEKDAY_JA = "月火水木金土日"
"""One-character weekday names indexed like ``date.weekday()`` (Monday=0)."""

NEW_YEAR_CLOSURE_REASON = texts.CALENDAR.new_year_closure
EXTRA_CLOSED_REASON = texts.CALENDAR.extra_closed_day

# A closure longer than this is a configuration mistake, not a calendar.
_MAX_SEARCH_DAYS = 366


# --------------------------------------------------------------------------- weekdays


def weekday_label(weekday: int) -> str:
    """Return the full Japanese weekday name.

    Args:
        weekday: Monday=0 … Sunday=6.

    Returns:
        For example "火曜日" for 1.

    Raises:
        InvalidValue: If ``weekday`` is outside 0..6.
    """
    _check_weekday(weekday)
    return texts.CALENDAR.weekday.format(weekday=WEEKDAY_JA[weekday])


def ordinal_weekday_label(ordinal: int, weekday: int) -> str:
    """Return the Japanese name of a monthly rule such as "第2火曜日" or "最終金曜日".

    Args:
        ordinal: 1..5, or -1 for the last such weekday of the month.
        weekday: Monday=0 … Sunday=6.

    Raises:
        InvalidValue: If ``ordinal`` or ``weekday`` is out of range.
    """
    _check_ordinal(ordinal)
    _check_weekday(weekday)
    if ordinal == -1:
        return texts.CALENDAR.last_weekday.format(weekday=WEEKDAY_JA[weekday])
    return texts.CALENDAR.nth_weekday.format(ordinal=ordinal, weekday=WEEKDAY_JA[weekday])


def _check_weekday(weekday: int) -> None:
    if not 0 <= weekday <= 6:
        raise InvalidValue(texts.CALENDAR.weekday_out_of_range.format(weekday=weekday))


def _check_ordinal(n: int) -> None:
    if n not in (1, 2, 3, 4, 5, -1):
        raise InvalidValue(texts.CALENDAR.ordinal_out_of_range.format(ordinal=n))


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date | None:
    """Return the ``n``-th ``weekday`` of a month.

    Args:
        year: Gregorian year.
        month: 1..12.
        weekday: Monday=0 … Sunday=6.
        n: 1..5, or -1 for the last such weekday of the month.

    Returns:
        The date, or None when ``n`` is 5 and the month has only four of that weekday.

    Raises:
        InvalidValue: If ``n`` or ``weekday`` is out of range.
        ValueError: If ``month`` is not a valid month.
    """
    _check_weekday(weekday)
    _check_ordinal(n)
    first_weekday, days_in_month = _stdcal.monthrange(year, month)
    if n == -1:
        last = date(year, month, days_in_month)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    day = 1 + (weekday - first_weekday) % 7 + 7 * (n - 1)
    return date(year, month, day) if day <= days_in_month else None


# --------------------------------------------------------------------------- working days


@cache
def national_holidays(year: int) -> Mapping[date, str]:
    """Return the national holidays of one year with their Japanese names (cached per year).

    Includes 振替休日 and 国民の休日. Years the ``holidays`` package does not cover
    (before 1949, far future) come back empty.

    Args:
        year: Gregorian year.

    Returns:
        A read-only mapping from date to name, e.g. ``{date(2026, 8, 11): "山の日", ...}``.
    """
    # Copied into a plain dict: the library's object expands itself on lookups of other
    # years, which would make the cache unbounded and not thread-safe.
    found = holidays.country_holidays("JP", language="ja", years=year)
    return MappingProxyType({d: str(name) for d, name in found.items()})


def _is_new_year_closure(d: date) -> bool:
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


@dataclass(frozen=True)
class PlannedDate:
    """One month's occurrence of a regular meeting.

    Attributes:
        nominal: The date the rule gives (e.g. the 2nd Tuesday). For a month that has no
            such day (no 5th Tuesday) this is the first day of that month.
        actual: The date the meeting is held, or None when it is not held that month.
        reason: Why ``actual`` differs from ``nominal`` (the closed-day reason such as
            "山の日", or "第5火曜日がない月"); None when the meeting is held as planned.
        no_such_day: The month has no such day (no 5th Tuesday); then it is named as a
            month, never by its first day.
    """

    nominal: date
    actual: date | None
    reason: str | None = None
    no_such_day: bool = False  # the month has no such day: ``nominal`` is only its first day

    @property
    def moved_to_another_month(self) -> bool:
        """A closed day moved by the policy into the month before or after."""
        return self.actual is not None and (self.actual.year, self.actual.month) != (
            self.nominal.year,
            self.nominal.month,
        )

    @property
    def moved(self) -> bool:
        """True when the meeting is held, but not on its nominal date."""
        return self.actual is not None and self.actual != self.nominal

    @property
    def skipped(self) -> bool:
        """True when there is no meeting in this month."""
        return self.actual is None


class JapaneseCalendar:
    """Working days of a Japanese municipal office.

    A day is closed when it is a Saturday, a Sunday, a national holiday (祝日, 振替休日,
    国民の休日), within the 年末年始 closure 12/29–1/3 (unless disabled) or one of the
    municipality's extra closed days.

    Holiday tables are cached per year at module level, so creating one calendar per
    channel is cheap.
    """

    def __init__(
        self, extra_closed_days: Iterable[date] = (), *, new_year_closure: bool = True
    ) -> None:
        """Create a calendar.

        Args:
            extra_closed_days: Municipality-specific closed days (e.g. a 市民の日).
            new_year_closure: Whether 12/29–1/3 is closed (the usual case).
        """
        self._extra: frozenset[date] = frozenset(extra_closed_days)
        self._new_year_closure = new_year_closure

    def closed_reason(self, d: date) -> str | None:
        """Return why ``d`` is closed, or None on a working day.

        When several reasons apply, the first of these wins: the holiday's name (so 1/1 is
        "元日", not 年末年始), the weekend ("土曜日"/"日曜日"), "年末年始（閉庁日）", then
        "自治体の休業日". The closure is only named when the day would otherwise be open.

        Args:
            d: The day to check.
        """
        name = national_holidays(d.year).get(d)
        if name is not None:
            return name
        if d.weekday() >= 5:
            return weekday_label(d.weekday())
        if self._new_year_closure and _is_new_year_closure(d):
            return NEW_YEAR_CLOSURE_REASON
        if d in self._extra:
            return EXTRA_CLOSED_REASON
        return None

    def is_working_day(self, d: date) -> bool:
        """Return True when the office is open on ``d``."""
        return self.closed_reason(d) is None

    def next_working_day(self, d: date, *, inclusive: bool = True) -> date:
        """Return the first working day on or after ``d`` (strictly after if not inclusive).

        Raises:
            InvalidValue: If no working day is found within a year (bad configuration).
        """
        return self._walk(d if inclusive else d + timedelta(days=1), 1)

    def previous_working_day(self, d: date, *, inclusive: bool = True) -> date:
        """Return the last working day on or before ``d`` (strictly before if not inclusive).

        Raises:
            InvalidValue: If no working day is found within a year (bad configuration).
        """
        return self._walk(d if inclusive else d - timedelta(days=1), -1)

    def _walk(self, d: date, step: int) -> date:
        for _ in range(_MAX_SEARCH_DAYS):
            if self.is_working_day(d):
                return d
            d += timedelta(days=step)
        raise InvalidValue(texts.CALENDAR.no_working_day)

    def shift(self, d: date, policy: HolidayPolicy) -> date | None:
        """Apply the municipality's holiday policy to a planned date.

        A move may cross into the adjacent month (e.g. a meeting on Friday 1/1 moved back
        to 12/28 under PREVIOUS); that is what the municipality chose, so it is not
        prevented here.

        Args:
            d: The planned date.
            policy: What to do when ``d`` is closed.

        Returns:
            ``d`` itself on a working day; otherwise the next or previous working day, or
            None under ``HolidayPolicy.SKIP``.
        """
        # Coerced so a plain "next"/"prev" read from storage behaves like the member.
        policy = HolidayPolicy(policy)
        if self.is_working_day(d):
            return d
        if policy is HolidayPolicy.NEXT:
            return self.next_working_day(d)
        if policy is HolidayPolicy.PREVIOUS:
            return self.previous_working_day(d)
        return None

    def monthly_dates(
        self,
        ordinal: int,
        weekday: int,
        *,
        start: date,
        count: int,
        policy: HolidayPolicy,
    ) -> list[PlannedDate]:
        """Plan a regular monthly meeting such as 毎月第2火曜 for ``count`` months.

        Months are taken consecutively from ``start``'s month; a month whose nominal date
        is before ``start`` is left out (for a month without a 5th weekday the nominal date
        is its first day). Every month taken yields exactly one entry, skipped ones
        included, so the result always has ``count`` entries.

        Under PREVIOUS, ``actual`` can be earlier than ``start`` when the first nominal
        date is closed; callers that must not plan in the past should check.

        Args:
            ordinal: 1..5, or -1 for the last such weekday.
            weekday: Monday=0 … Sunday=6.
            start: Earliest nominal date to include.
            count: Number of months to plan.
            policy: What to do with a nominal date that is a closed day.

        Returns:
            One PlannedDate per month, in order.

        Raises:
            InvalidValue: If ``ordinal``/``weekday`` are out of range or ``count`` < 0.
        """
        _check_ordinal(ordinal)
        _check_weekday(weekday)
        if count < 0:
            raise InvalidValue(texts.CALENDAR.month_count_invalid.format(count=count))
        result: list[PlannedDate] = []
        year, month = start.year, start.month
        while len(result) < count:
            found = nth_weekday(year, month, weekday, ordinal)
            if found is None:
                planned = PlannedDate(
                    nominal=date(year, month, 1),
                    actual=None,
                    reason=texts.CALENDAR.month_without_day.format(
                        rule=ordinal_weekday_label(ordinal, weekday)
                    ),
                    no_such_day=True,
                )
            else:
                planned = PlannedDate(
                    nominal=found,
                    actual=self.shift(found, policy),
                    reason=self.closed_reason(found),
                )
            if planned.nominal >= start:
                result.append(planned)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


# --------------------------------------------------------------------------- 和暦


class Era(NamedTuple):
    """A Japanese era: its name, its one-letter abbreviation and its first day."""

    name: str
    letter: str
    start: date


class EraYear(NamedTuple):
    """A year expressed in a Japanese era, e.g. ("令和", "R", 8)."""

    name: str
    letter: str
    year: int


# Newest first. Dates are the first day of each era in the Gregorian calendar.
ERAS: tuple[Era, ...] = (
    Era("令和", "R", date(2019, 5, 1)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("明治", "M", date(1868, 10, 23)),
)


def _era_containing(d: date) -> Era:
    for era in ERAS:
        if d >= era.start:
            return era
    raise InvalidValue(texts.CALENDAR.before_meiji.format(date=d.isoformat()))


def era_of(d: date) -> EraYear:
    """Return the era and era year of a date.

    Args:
        d: A date on or after 1868-10-23 (明治元年).

    Returns:
        For example ``("令和", "R", 8)`` for any day of 2026; 2019-04-30 gives
        ``("平成", "H", 31)`` and 2019-05-01 gives ``("令和", "R", 1)``.

    Raises:
        InvalidValue: If ``d`` is before 明治.
    """
    era = _era_containing(d)
    return EraYear(era.name, era.letter, d.year - era.start.year + 1)


def _era_year_text(year: int) -> str:
    return texts.CALENDAR.first_year if year == 1 else str(year)


def format_wareki(d: date, *, gregorian: bool = True, weekday: bool = True) -> str:
    """Format a date in 和暦, e.g. "令和8年（2026年）12月8日（火）".

    Year 1 of an era is written 元年: "令和元年（2019年）5月1日（水）".

    Args:
        d: The date.
        gregorian: Add the Gregorian year in parentheses.
        weekday: Add the weekday in parentheses.
    """
    era = era_of(d)
    return texts.CALENDAR.wareki.format(
        era=era.name,
        year=_era_year_text(era.year),
        gregorian=texts.CALENDAR.wareki_gregorian.format(year=d.year) if gregorian else "",
        month=d.month,
        day=d.day,
        weekday=(
            texts.CALENDAR.wareki_weekday.format(weekday=WEEKDAY_JA[d.weekday()]) if weekday else ""
        ),
    )


def format_wareki_month(d: date, *, gregorian: bool = True) -> str:
    """Format the month of a date in 和暦, e.g. "令和8年（2026年）4月" (a month, not a day)."""
    era = era_of(d)
    return texts.CALENDAR.wareki_month.format(
        era=era.name,
        year=_era_year_text(era.year),
        gregorian=texts.CALENDAR.wareki_gregorian.format(year=d.year) if gregorian else "",
        month=d.month,
    )


def format_wareki_short(d: date) -> str:
    """Format a date in 和暦 without the Gregorian year, e.g. "令和8年12月8日（火）"."""
    return format_wareki(d, gregorian=False)


def format_wareki_datetime(dt: datetime, *, gregorian: bool = True) -> str:
    """Format a date and time, e.g. "令和8年（2026年）12月8日（火）14:00".

    The datetime's own wall clock is used; callers pass datetimes already in JST.

    Args:
        dt: The moment, normally timezone-aware in Asia/Tokyo.
        gregorian: Add the Gregorian year in parentheses.
    """
    return texts.CALENDAR.wareki_datetime.format(
        date=format_wareki(dt.date(), gregorian=gregorian), time=f"{dt:%H:%M}"
    )


# --------------------------------------------------------------------------- 年度


def fiscal_year(d: date) -> int:
    """Return the 年度 (April–March) of a date: 2027-03-31 → 2026, 2027-04-01 → 2027."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_era(fy: int) -> EraYear:
    """Return the era a fiscal year is named in.

    Municipalities name a 年度 after the era in force at its end, counting the year from
    that era's first calendar year: 2019年度 is 令和元年度 although April 2019 was still
    平成31年, and 2018年度 is 平成30年度. An era that began in January–March of the
    following year (平成, from 1989-01-08) does not rename the 年度: 1988年度 stays
    昭和63年度.

    Args:
        fy: The fiscal year (the Gregorian year in which it starts).
    """
    era = _era_containing(date(fy + 1, 3, 31))
    if era.start.year > fy:
        era = _era_containing(date(fy, 4, 1))
    return EraYear(era.name, era.letter, fy - era.start.year + 1)


def fiscal_year_label(fy: int) -> str:
    """Return the Japanese name of a fiscal year, e.g. 2026 → "令和8年度", 2019 → "令和元年度"."""
    era = fiscal_year_era(fy)
    return texts.CALENDAR.fiscal_year.format(era=era.name, year=_era_year_text(era.year))


# --------------------------------------------------------------------------- case codes


def format_case_code(fiscal_year: int, seq: int) -> str:
    """Return the case code of the ``seq``-th case of a fiscal year.

    Args:
        fiscal_year: The 年度 the case was registered in.
        seq: 1-based number within the 年度.

    Returns:
        Era letter, era year, "-", and ``seq`` padded to at least 3 digits: "R8-001",
        "R8-1000"; 2019 → "R1-001"; 2018 → "H30-001".

    Raises:
        InvalidValue: If ``seq`` is not positive.
    """
    if seq < 1:
        raise InvalidValue(texts.CALENDAR.case_seq_invalid.format(seq=seq))
    era = fiscal_year_era(fiscal_year)
    return f"{era.letter}{era.year}-{seq:03d}"


# After NFKC, full-width forms are ASCII, but these dashes survive it: hyphen, non-breaking
# hyphen, figure/en/em dashes, horizontal bar, minus sign and the chōon "ー", which is
# commonly typed for "-" on Japanese keyboards.
_DASHES = "-‐‑‒–—―−ー"
_CASE_CODE_RE = re.compile(rf"([A-Z])(\d{{1,2}})[{_DASHES}](\d{{1,6}})", re.ASCII)
_ERA_BY_LETTER = {era.letter: era for era in ERAS}
_ECHO_RE = re.compile(r"[0-9A-Za-z:/\-]{1,20}")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _echo(text: str) -> str:
    """Quote the user's input in an error message only when it cannot be case content.

    Error messages must never carry names; a short run of ASCII letters, digits and
    separators cannot be one, anything else is left out.
    """
    normalised = _normalise(text)
    return f"「{normalised}」" if _ECHO_RE.fullmatch(normalised) else ""


def parse_case_code(text: str) -> tuple[int, int]:
    """Parse a case code as typed in chat.

    Accepts surrounding spaces, lowercase and the full-width forms typed on phones
    ("Ｒ８－００１", "r8-1", "R8ー001"). The era must be the one ``format_case_code``
    would use, so "H31-001" (that is, 令和元年度) is rejected.

    Args:
        text: The user's input.

    Returns:
        ``(fiscal_year, seq)``, e.g. ``(2026, 1)`` for "R8-001".

    Raises:
        InvalidValue: If the text is not a case code, with an example of the right form.
    """
    match = _CASE_CODE_RE.fullmatch(_normalise(text).upper())
    era = _ERA_BY_LETTER.get(match.group(1)) if match else None
    if match and era:
        era_year, seq = int(match.group(2)), int(match.group(3))
        fy = era.start.year + era_year - 1
        if era_year >= 1 and seq >= 1 and fiscal_year_era(fy) == (era.name, era.letter, era_year):
            return fy, seq
    raise InvalidValue(texts.CALENDAR.case_code_invalid.format(echo=_echo(text)))


# --------------------------------------------------------------------------- command input

_DATE_RE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})", re.ASCII)
_TIME_RE = re.compile(r"(\d{1,2}):(\d{2})", re.ASCII)


def parse_date(text: str) -> date:
    """Parse a date typed in a command: "2026-12-08", "2026/12/08" or full-width digits.

    Args:
        text: The user's input.

    Raises:
        InvalidValue: If the text is malformed or names a day that does not exist.
    """
    normalised = _normalise(text)
    match = _DATE_RE.fullmatch(normalised)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        except ValueError:
            raise InvalidValue(texts.CALENDAR.date_nonexistent.format(echo=_echo(text))) from None
    raise InvalidValue(texts.CALENDAR.date_invalid.format(echo=_echo(text)))


def parse_time(text: str) -> time:
    """Parse a time of day typed in a command: "14:00", "9:30", "１４：００".

    Args:
        text: The user's input.

    Raises:
        InvalidValue: If the text is malformed or out of range (24:00, 14:60).
    """
    match = _TIME_RE.fullmatch(_normalise(text))
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InvalidValue(texts.CALENDAR.time_invalid.format(echo=_echo(text)))


_WEEKDAY_SUFFIXES = ("", "曜", "曜日")  # 火, 火曜, 火曜日


def _weekday_words() -> dict[str, int]:
    english = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    words = {"tues": 1, "thur": 3, "thurs": 3}
    for i, name in enumerate(english):
        words[name] = words[name[:3]] = i
        for suffix in _WEEKDAY_SUFFIXES:
            words[WEEKDAY_JA[i] + suffix] = i
    return words


_WEEKDAY_WORDS = _weekday_words()


def parse_weekday(text: str) -> int:
    """Parse a weekday: 月, 月曜, 月曜日, mon, Monday … (case-insensitive).

    Args:
        text: The user's input.

    Returns:
        Monday=0 … Sunday=6.

    Raises:
        InvalidValue: If the text is not a weekday.
    """
    weekday = _WEEKDAY_WORDS.get(_normalise(text).lower())
    if weekday is None:
        raise InvalidValue(texts.CALENDAR.weekday_unknown.format(echo=_echo(text)))
    return weekday
