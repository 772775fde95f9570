"""The timeline of a meeting: what the bot sends, and when. Pure functions.

From a meeting's start, ``now``, the calendar and the municipality's offsets, ``plan_meeting``
computes the planned sends: input collection opens, reminders go to members who have not
answered, a morning notice on the meeting day and, afterwards, a prompt to the coordinator.
``plan_monitoring`` does the same for a monitoring date recorded in a decision.

Every send carries an idempotency key. Keys of reminders, notices and prompts name the
meeting's date and time, so a moved meeting gets a fresh timeline while a double fire, a
restart or a second process sends the same key only once.

Offsets in days fall on that day at the reminder time (``SHIEN_REMINDER_TIME``) and, like
meetings, on working days: a day-offset send that lands on a closed day comes forward to
the previous working day (so members still have the time it promised them); two reminders
that land on the same moment are sent once. Offsets in hours or minutes are exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot import texts
from bot.domain.calendar import JapaneseCalendar
from bot.domain.errors import InvalidValue

__all__ = [
    "Offset",
    "PlannedSend",
    "SendKind",
    "TimelineSettings",
    "agenda_key",
    "last_meeting_before",
    "monitoring_date_of",
    "monitoring_key",
    "open_key",
    "opening_time",
    "parse_offset",
    "parse_offsets",
    "plan_meeting",
    "plan_monitoring",
    "stamp",
    "stamp_of",
]

_UNITS = {"d": "d", "日": "d", "h": "h", "時間": "h", "m": "m", "分": "m"}
_OFFSET_RE = re.compile(r"(\d{1,4})\s*(d|日|h|時間|m|分)", re.IGNORECASE)
_ECHO_RE = re.compile(r"[0-9A-Za-z,\s]{1,20}")
# A timeline longer than this is a typo (7000d), not a plan.
_MAX_OFFSET = timedelta(days=92)


class SendKind(StrEnum):
    """What a planned send does."""

    OPEN = "open"  # input collection opens (the same as /shien open)
    REMIND = "remind"  # members who have not answered are reminded
    MORNING = "morning"  # the meeting day's notice with the agenda
    AFTER = "after"  # after the meeting: the coordinator records decisions, fetches minutes
    MONITORING = "monitoring"  # a monitoring date is near: lead agency and coordinator
    AGENDA = "agenda"  # a monitoring date goes on the agenda of the last meeting before it


@dataclass(frozen=True, order=True)
class Offset:
    """A time before an event: ``7d``, ``12h``, ``30m``."""

    amount: int
    unit: str  # "d", "h" or "m"

    @property
    def in_days(self) -> bool:
        return self.unit == "d"

    @property
    def delta(self) -> timedelta:
        return {
            "d": timedelta(days=self.amount),
            "h": timedelta(hours=self.amount),
            "m": timedelta(minutes=self.amount),
        }[self.unit]

    @property
    def label(self) -> str:
        """The canonical text, also used in idempotency keys: ``3d``, ``12h``, ``30m``."""
        return f"{self.amount}{self.unit}"

    @property
    def japanese(self) -> str:
        """For people: ``3日前``, ``12時間前``, ``30分前``."""
        template = {
            "d": texts.TIMELINE.days_before,
            "h": texts.TIMELINE.hours_before,
            "m": texts.TIMELINE.minutes_before,
        }[self.unit]
        return template.format(amount=self.amount)


def _echo(text: str) -> str:
    return f"「{text}」" if _ECHO_RE.fullmatch(text) else ""


def parse_offset(text: str) -> Offset:
    """Parse one offset: ``7d``, ``12h``, ``30m`` (also ``7日``, ``12時間``, ``30分``, full-width).

    Raises:
        InvalidValue: With a Japanese message and an example.
    """
    normalised = unicodedata.normalize("NFKC", text).strip()
    match = _OFFSET_RE.fullmatch(normalised)
    if match is None:
        raise InvalidValue(texts.TIMELINE.offset_invalid.format(echo=_echo(normalised)))
    offset = Offset(int(match.group(1)), _UNITS[match.group(2).lower()])
    if offset.amount <= 0:
        raise InvalidValue(texts.TIMELINE.offset_not_positive.format(echo=_echo(normalised)))
    if offset.delta > _MAX_OFFSET:
        raise InvalidValue(texts.TIMELINE.offset_too_long.format(echo=_echo(normalised)))
    return offset


def parse_offsets(text: str) -> tuple[Offset, ...]:
    """Parse a comma-separated list such as ``3d,1d`` (``、`` works too), longest first.

    An empty text means no offsets. Duplicates count once.

    Raises:
        InvalidValue: If any item is malformed.
    """
    normalised = unicodedata.normalize("NFKC", text).replace("、", ",").strip()
    if not normalised:
        return ()
    offsets = {parse_offset(part) for part in normalised.split(",") if part.strip()}
    return tuple(sorted(offsets, key=lambda o: o.delta, reverse=True))


@dataclass(frozen=True)
class TimelineSettings:
    """The municipality's rhythm (``SHIEN_OPEN_BEFORE``, ``SHIEN_REMINDERS``,
    ``SHIEN_REMINDER_TIME``). ``after_meeting`` is when the coordinator is prompted,
    counted from the start (meetings have no end time); ``monitoring_before`` is how long
    before a monitoring date the lead agency is reminded."""

    open_before: Offset = Offset(7, "d")
    reminders: tuple[Offset, ...] = (Offset(3, "d"), Offset(1, "d"))
    reminder_time: time = time(9, 0)
    after_meeting: timedelta = timedelta(hours=2)
    monitoring_before: Offset = Offset(7, "d")


@dataclass(frozen=True, order=True)
class PlannedSend:
    """One send of a meeting's (or a monitoring date's) timeline.

    ``due`` is aware, in the zone of the meeting's start. ``key`` is the idempotency key,
    also the scheduler's job ID.
    """

    due: datetime
    kind: SendKind
    key: str
    meeting_id: str
    case_id: str | None = None


def _day_send(start: datetime, offset: Offset, at: time, calendar: JapaneseCalendar) -> datetime:
    """``offset`` days before ``start``'s day at ``at``, on the previous working day if that
    day is closed."""
    day = calendar.previous_working_day(start.date() - offset.delta)
    return datetime.combine(day, at, tzinfo=start.tzinfo)


def _before(start: datetime, offset: Offset, at: time, calendar: JapaneseCalendar) -> datetime:
    if offset.in_days:
        return _day_send(start, offset, at, calendar)
    return start - offset.delta


def stamp(start: datetime) -> str:
    """A meeting start as it appears in keys."""
    return f"{start:%Y%m%dT%H%M}"


def opening_time(
    start: datetime, calendar: JapaneseCalendar, settings: TimelineSettings
) -> datetime:
    """When input collection opens for a meeting starting at ``start`` (before any clamping)."""
    return _before(start, settings.open_before, settings.reminder_time, calendar)


def open_key(meeting_id: str) -> str:
    return f"open:{meeting_id}"


def stamp_of(key: str) -> str | None:
    """The meeting start a key was planned for (``20260811T1400``), or None (open keys)."""
    parts = key.split(":")
    return parts[2] if len(parts) > 2 and parts[0] in ("remind", "morning", "after") else None


def plan_meeting(
    meeting_id: str,
    start: datetime,
    now: datetime,
    calendar: JapaneseCalendar,
    settings: TimelineSettings,
) -> list[PlannedSend]:
    """The timeline of one meeting, in due order.

    - Opening ``open_before`` before the start; when that moment has passed (an ad-hoc
      meeting inside the window, or a regular one set up late) it is due ``now``.
    - One reminder per offset, only those still in the future and after the opening.
    - A morning notice on the meeting day at the reminder time (an hour before the start at
      the latest), if still in the future.
    - A prompt to the coordinator ``after_meeting`` after the start.

    A meeting that has already started gets only its prompt (if that is still ahead).

    Args:
        meeting_id: The meeting's opaque ID.
        start: The meeting's start, timezone-aware.
        now: The current moment, timezone-aware.
        calendar: Working days.
        settings: The offsets.
    """
    if start.tzinfo is None or now.tzinfo is None:
        raise ValueError("start and now must be timezone-aware")
    at = stamp(start)
    sends: list[PlannedSend] = []
    if now < start:
        opening = max(opening_time(start, calendar, settings), now)
        sends.append(PlannedSend(opening, SendKind.OPEN, open_key(meeting_id), meeting_id))
        seen: set[datetime] = set()
        for offset in settings.reminders:
            due = _before(start, offset, settings.reminder_time, calendar)
            if due <= now or due <= opening or due >= start or due in seen:
                continue
            seen.add(due)
            sends.append(
                PlannedSend(
                    due, SendKind.REMIND, f"remind:{meeting_id}:{at}:{offset.label}", meeting_id
                )
            )
        morning = min(
            datetime.combine(start.date(), settings.reminder_time, tzinfo=start.tzinfo),
            start - timedelta(hours=1),
        )
        if morning > now and morning > opening:
            sends.append(
                PlannedSend(morning, SendKind.MORNING, f"morning:{meeting_id}:{at}", meeting_id)
            )
    after = start + settings.after_meeting
    if after > now:
        sends.append(PlannedSend(after, SendKind.AFTER, f"after:{meeting_id}:{at}", meeting_id))
    return sorted(sends)


def monitoring_key(case_id: str, on: date) -> str:
    return f"monitoring:{case_id}:{on:%Y%m%d}"


def plan_monitoring(
    meeting_id: str,
    case_id: str,
    on: date,
    now: datetime,
    calendar: JapaneseCalendar,
    settings: TimelineSettings,
) -> list[PlannedSend]:
    """The sends of a monitoring date recorded at ``meeting_id``: at once, putting the case
    on the agenda of the last meeting before ``on``; and ``monitoring_before`` ahead (at the
    reminder time, on a working day, or ``now`` if that has passed), reminding the lead
    agency and the coordinators. Nothing once the date has passed.

    Args:
        meeting_id: The meeting whose decision set the date.
        case_id: The case.
        on: The monitoring date.
        now: The current moment, timezone-aware (its zone is the municipality's).
    """
    if on < now.date():
        return []
    start = datetime.combine(on, settings.reminder_time, tzinfo=now.tzinfo)
    due = max(_before(start, settings.monitoring_before, settings.reminder_time, calendar), now)
    return [
        PlannedSend(now, SendKind.AGENDA, agenda_key(case_id, on), meeting_id, case_id=case_id),
        PlannedSend(
            due, SendKind.MONITORING, monitoring_key(case_id, on), meeting_id, case_id=case_id
        ),
    ]


def agenda_key(case_id: str, on: date) -> str:
    return f"agenda:{case_id}:{on:%Y%m%d}"


def monitoring_date_of(key: str) -> date | None:
    """The monitoring date a monitoring or agenda key was planned for."""
    parts = key.split(":")
    if len(parts) == 3 and parts[0] in ("monitoring", "agenda") and len(parts[2]) == 8:
        try:
            return date(int(parts[2][:4]), int(parts[2][4:6]), int(parts[2][6:]))
        except ValueError:
            return None
    return None


def last_meeting_before(meetings: Sequence[tuple[date, str]], on: date) -> str | None:
    """The ID of the last meeting strictly before ``on`` among ``(date, id)`` pairs."""
    earlier = [(d, mid) for d, mid in meetings if d < on]
    return max(earlier)[1] if earlier else None
