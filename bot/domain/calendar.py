"""Japanese calendar rules (working days, 和暦, 年度, case codes). Pure functions.

Filled in by the calendar work; ``HolidayPolicy`` is part of the model's contract.
"""

from __future__ import annotations

from enum import StrEnum


class HolidayPolicy(StrEnum):
    """What happens to a regular meeting whose date is a closed day (per municipality)."""

    NEXT = "next"  # move to the next working day
    PREVIOUS = "prev"  # move to the previous working day
    SKIP = "skip"  # no meeting that month


# Provisional (to be replaced by the calendar work, same signatures).
def format_case_code(fiscal_year: int, seq: int) -> str:
    return f"R{fiscal_year - 2018}-{seq:03d}"


def parse_case_code(text: str) -> tuple[int, int]:
    era_year, seq = text.strip().upper().lstrip("R").split("-")
    return int(era_year) + 2018, int(seq)
