"""SHIEN_OPEN_BEFORE, SHIEN_REMINDERS, SHIEN_REMINDER_TIME and SHIEN_EXTRA_HOLIDAYS."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.timeline import Offset
from bot.settings import SettingsError, load_settings


def _load(**env: str):  # type: ignore[no-untyped-def]
    return load_settings(_env_file=None, **env)


def test_defaults() -> None:
    timeline = _load().timeline
    assert timeline.open_before == Offset(7, "d")
    assert timeline.reminders == (Offset(3, "d"), Offset(1, "d"))
    assert timeline.reminder_time == time(9, 0)
    assert _load().extra_holidays == ()


def test_values_are_parsed() -> None:
    settings = _load(
        SHIEN_OPEN_BEFORE="10d",
        SHIEN_REMINDERS="2d, 12h,30m",
        SHIEN_REMINDER_TIME="８：３０",
        SHIEN_EXTRA_HOLIDAYS="2026-11-03, 2027/06/01",
    )
    assert settings.timeline.open_before == Offset(10, "d")
    assert settings.timeline.reminders == (Offset(2, "d"), Offset(12, "h"), Offset(30, "m"))
    assert settings.timeline.reminder_time == time(8, 30)
    assert settings.extra_holidays == (date(2026, 11, 3), date(2027, 6, 1))
    assert _load(SHIEN_REMINDERS="").timeline.reminders == ()


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("SHIEN_OPEN_BEFORE", "1week", "7d"),
        ("SHIEN_REMINDERS", "3d,x", "7d"),
        ("SHIEN_REMINDER_TIME", "25:00", "14:00"),
        ("SHIEN_EXTRA_HOLIDAYS", "2026-02-30", "存在しない日付"),
    ],
)
def test_malformed_values_are_one_japanese_line_naming_the_variable(
    variable: str, value: str, fragment: str
) -> None:
    with pytest.raises(SettingsError) as error:
        _load(**{variable: value})
    assert error.value.variable == variable
    assert fragment in error.value.message
    assert "\n" not in str(error.value)
