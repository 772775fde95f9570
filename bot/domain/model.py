"""The domain model of 支援会議 and 重層的支援会議.

Entities are plain dataclasses with string IDs made here (opaque, safe to carry in chat form
metadata). Chat users are referred to by their chat user ID only (``user_id``); the chat
platform is not named here so that a Teams adapter can sit beside Slack.

Rules that involve one entity live on it (consent gate, lead agency, input states); rules
that need the database (uniqueness of codes, acknowledgements, inputs) are enforced by
storage as well, so that a retried request can never create a duplicate.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot import texts
from bot.domain.calendar import HolidayPolicy, format_case_code, parse_case_code
from bot.domain.errors import ConsentRequired, DomainError, InvalidValue
from bot.domain.text import clean_name, clean_user_text


def new_id() -> str:
    """An opaque identifier: carries no meaning and no personal data."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- enumerations


class MeetingKind(StrEnum):
    SUPPORT = "support"  # 支援会議 (社会福祉法第106条の6): no consent needed
    MULTILAYER = "multilayer"  # 重層的支援会議: consent required

    @property
    def label(self) -> str:
        return {
            "support": texts.MODEL.kind_support,
            "multilayer": texts.MODEL.kind_multilayer,
        }[self.value]


class MeetingState(StrEnum):
    SCHEDULED = "scheduled"  # 予定
    COLLECTING = "collecting"  # 情報収集中
    HELD = "held"  # 開催済み
    CANCELLED = "cancelled"  # 中止

    @property
    def label(self) -> str:
        return {
            "scheduled": texts.MODEL.state_scheduled,
            "collecting": texts.MODEL.state_collecting,
            "held": texts.MODEL.state_held,
            "cancelled": texts.MODEL.state_cancelled,
        }[self.value]


class Occasion(StrEnum):
    """The four occasions of a 重層的支援会議 (seed 001, あわら市)."""

    PLAN = "plan"
    REPLAN = "replan"
    CLOSURE = "closure"
    SUSPENSION = "suspension"

    @property
    def label(self) -> str:
        return {
            "plan": texts.MODEL.occasion_plan,
            "replan": texts.MODEL.occasion_replan,
            "closure": texts.MODEL.occasion_closure,
            "suspension": texts.MODEL.occasion_suspension,
        }[self.value]


class Outcome(StrEnum):
    CONTINUE = "continue"
    CLOSE = "close"
    SUSPEND = "suspend"
    TO_MULTILAYER = "to_multilayer"

    @property
    def label(self) -> str:
        return {
            "continue": texts.MODEL.outcome_continue,
            "close": texts.MODEL.outcome_close,
            "suspend": texts.MODEL.outcome_suspend,
            "to_multilayer": texts.MODEL.outcome_to_multilayer,
        }[self.value]


class Urgency(StrEnum):
    """緊急度・危険度: the meeting's assessment of a case, recorded with its reason."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def label(self) -> str:
        return {
            "high": texts.MODEL.urgency_high,
            "medium": texts.MODEL.urgency_medium,
            "low": texts.MODEL.urgency_low,
        }[self.value]


class MeetingMethod(StrEnum):
    """How a meeting was held (開催方法)."""

    IN_PERSON = "in_person"  # 対面
    ONLINE = "online"  # オンライン
    HYBRID = "hybrid"  # 併用

    @property
    def label(self) -> str:
        return {
            "in_person": texts.MODEL.method_in_person,
            "online": texts.MODEL.method_online,
            "hybrid": texts.MODEL.method_hybrid,
        }[self.value]


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # 終結
    SUSPENDED = "suspended"  # 中断


class InputSource(StrEnum):
    THREAD = "thread"  # a reply in the case's thread
    FORM = "form"  # the 入力する form


class InputState(StrEnum):
    RECORDED = "recorded"  # counts as the agency's input
    HELD = "held"  # posted before its author confirmed the secrecy notice; counts once they do
    WITHDRAWN = "withdrawn"  # the message was deleted


# --------------------------------------------------------------------------- value objects

AGENCY_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{1,31}$")
_USER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")


def validate_agency_key(key: str) -> str:
    """Agency keys are typed in commands: short lowercase ASCII (``houkatsu``, ``csw``)."""
    normalised = unicodedata.normalize("NFKC", key).strip().lower()
    if not AGENCY_KEY_PATTERN.match(normalised):
        raise InvalidValue(texts.MODEL.agency_key_invalid.format(key=key))
    return normalised


def validate_user_id(user_id: str) -> str:
    """A chat user ID (Slack ``U0123ABC``); never a person's name."""
    if not _USER_ID.match(user_id):
        raise InvalidValue(texts.MODEL.user_id_invalid.format(user_id=user_id))
    return user_id


@dataclass(frozen=True, order=True)
class CaseCode:
    """事例番号: numbered per 年度 (April–March), e.g. ``R8-001`` is the first of 令和8年度."""

    fiscal_year: int
    seq: int

    def __post_init__(self) -> None:
        if self.seq < 1 or self.seq > 999_999:
            raise InvalidValue(texts.MODEL.case_seq_invalid)

    def __str__(self) -> str:
        return format_case_code(self.fiscal_year, self.seq)

    @classmethod
    def parse(cls, text: str) -> CaseCode:
        fiscal_year, seq = parse_case_code(text)
        return cls(fiscal_year, seq)


@dataclass(frozen=True)
class Consent:
    """本人同意: when it was given, who recorded it, and whether it was withdrawn."""

    given_on: date
    recorded_by: str
    recorded_at: datetime
    withdrawn_on: date | None = None
    withdrawn_by: str | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None


# --------------------------------------------------------------------------- people


@dataclass
class Agency:
    """関係機関. ``key`` is what people type in commands (``houkatsu``)."""

    key: str
    name: str
    kind: str = ""  # 高齢・介護, 障害, 子ども・子育て, 生活困窮, 社協, ...
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.key = validate_agency_key(self.key)
        # Typed in a command: no bidi overrides, invisible characters or mention markers.
        self.name = clean_name(self.name, max_length=1000)
        self.kind = clean_name(self.kind, max_length=1000)
        if not self.name:
            raise InvalidValue(texts.MODEL.agency_name_missing)
        if len(self.name) > 100:
            raise InvalidValue(texts.MODEL.agency_name_too_long)


@dataclass
class AgencyMembership:
    """A chat user who answers for an agency (構成員). Removal ends access at once."""

    agency_id: str
    user_id: str
    added_by: str
    added_at: datetime = field(default_factory=utcnow)
    removed_at: datetime | None = None
    removed_by: str | None = None

    def __post_init__(self) -> None:
        validate_user_id(self.user_id)

    @property
    def active(self) -> bool:
        return self.removed_at is None

    def remove(self, by: str, at: datetime | None = None) -> None:
        if self.removed_at is None:
            self.removed_at = at or utcnow()
            self.removed_by = by

    def restore(self, by: str, at: datetime | None = None) -> None:
        self.removed_at = None
        self.removed_by = None
        self.added_by = by
        self.added_at = at or utcnow()


@dataclass
class Coordinator:
    """事務局・コーディネーター: registers cases, convenes agencies, runs the meeting."""

    user_id: str
    added_by: str
    added_at: datetime = field(default_factory=utcnow)
    removed_at: datetime | None = None

    def __post_init__(self) -> None:
        validate_user_id(self.user_id)

    @property
    def active(self) -> bool:
        return self.removed_at is None


@dataclass(frozen=True)
class Person:
    """A chat user's display name as the bot last learnt it from the chat platform.

    Stored when the bot records something a document names them for (an input, a secrecy
    confirmation, a role, a registration), so that documents render from the database alone.
    Personal data: shown in the minutes, never logged, never in a file name.
    """

    user_id: str
    display_name: str
    updated_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        validate_user_id(self.user_id)


# --------------------------------------------------------------------------- meetings


@dataclass(frozen=True)
class ChannelFacts:
    """What the chat platform says about a channel, as far as confidentiality cares."""

    is_private: bool
    is_shared_externally: bool  # Slack Connect and the like
    member_ids: frozenset[str] = frozenset()
    is_direct: bool = False  # a direct message or a group DM, never a channel


@dataclass
class MeetingChannel:
    """A private channel set up (``/shien setup``) to hold one team's meetings.

    Its name is the platform's business and must stay opaque (no personal data).
    """

    channel_id: str
    created_by: str
    created_at: datetime = field(default_factory=utcnow)

    @staticmethod
    def check_suitable(facts: ChannelFacts) -> None:
        """Case content may only ever be posted in private, unshared channels."""
        if facts.is_direct:
            raise DomainError(texts.MODEL.channel_direct)
        if not facts.is_private:
            raise DomainError(texts.MODEL.channel_public)
        if facts.is_shared_externally:
            raise DomainError(texts.MODEL.channel_shared)


@dataclass
class MeetingSeries:
    """A channel's regular meeting, e.g. 毎月第2火曜 14:00 (``ordinal=2, weekday=1``).

    ``ordinal`` is 1–5 for the n-th weekday of the month, or -1 for the last one.
    ``weekday`` follows Python: Monday is 0.
    """

    channel_id: str
    kind: MeetingKind
    ordinal: int
    weekday: int
    start_time: time
    holiday_policy: HolidayPolicy
    created_by: str
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    active: bool = True

    def __post_init__(self) -> None:
        if self.ordinal not in (1, 2, 3, 4, 5, -1):
            raise InvalidValue(texts.MODEL.series_ordinal_invalid)
        if not 0 <= self.weekday <= 6:
            raise InvalidValue(texts.MODEL.series_weekday_invalid)


@dataclass
class Meeting:
    """One 支援会議 or 重層的支援会議, named in chat by its date within a channel."""

    channel_id: str
    kind: MeetingKind
    date: date
    start_time: time
    created_by: str
    series_id: str | None = None
    place: str = ""  # 場所・方法 (e.g. 市役所第3会議室 / オンライン)
    state: MeetingState = MeetingState.SCHEDULED
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    notice_ref: str | None = None  # the chat message carrying the secrecy notice
    minutes_final_at: datetime | None = None
    minutes_sha256: str | None = None
    # The meeting's own private channel, where its notice and case threads live (issue 11);
    # the coordinators' channel (``channel_id``) never carries case content.
    room_id: str | None = None
    room_stopped: str = ""  # why posting case content there stopped ("" while it may go on)
    room_archived_at: datetime | None = None

    @property
    def adhoc(self) -> bool:
        """随時(臨時) meetings belong to no monthly series."""
        return self.series_id is None

    def starts_at(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=tz)

    @property
    def minutes_final(self) -> bool:
        return self.minutes_final_at is not None

    def open_collection(self) -> None:
        if self.state is MeetingState.CANCELLED:
            raise DomainError(texts.MODEL.cancelled_not_collecting)
        if self.state is MeetingState.SCHEDULED:
            self.state = MeetingState.COLLECTING

    def cancel(self) -> None:
        if self.state is MeetingState.HELD:
            raise DomainError(texts.MODEL.held_not_cancellable)
        self.state = MeetingState.CANCELLED

    def finalise_minutes(self, sha256: str, at: datetime | None = None) -> None:
        if self.minutes_final:
            raise DomainError(texts.MODEL.minutes_already_final)
        self.minutes_final_at = at or utcnow()
        self.minutes_sha256 = sha256


# --------------------------------------------------------------------------- cases


@dataclass
class Case:
    """事例. In chat only ``code`` is ever shown; ``summary`` lives in the database and minutes.

    ``asked_agency_ids`` are the agencies convened for this case (chosen case by case by the
    coordinator); only their confirmed members see it. A case belongs to no meeting kind: the
    meeting that discusses it decides the legal footing (支援会議 or 重層的支援会議), and
    consent is required only where a 重層的支援会議 discusses it (``check_may_be_discussed_at``).
    """

    code: CaseCode
    created_by: str
    asked_agency_ids: list[str] = field(default_factory=list)
    urgent: bool = False
    summary: str = ""  # 状況と問題点 (case content: never logged, never in chat)
    status: CaseStatus = CaseStatus.OPEN
    consent: Consent | None = None
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        # An ordered set: asking the same agency twice is one request.
        self.asked_agency_ids = list(dict.fromkeys(self.asked_agency_ids))

    @property
    def has_consent(self) -> bool:
        return self.consent is not None and self.consent.active

    def record_consent(self, given_on: date, by: str, at: datetime | None = None) -> None:
        self.consent = Consent(given_on=given_on, recorded_by=by, recorded_at=at or utcnow())

    def withdraw_consent(self, on: date, by: str) -> None:
        """撤回: the case may no longer go on a 重層 agenda; it may still go to a 支援会議."""
        if not self.has_consent:
            raise DomainError(texts.MODEL.no_active_consent.format(code=self.code))
        assert self.consent is not None
        self.consent = replace(self.consent, withdrawn_on=on, withdrawn_by=by)

    def ask(self, agency_id: str) -> None:
        if agency_id not in self.asked_agency_ids:
            self.asked_agency_ids.append(agency_id)

    def check_may_be_discussed_at(self, meeting_kind: MeetingKind) -> None:
        """The consent gate: a 重層的支援会議 may discuss only cases with recorded consent."""
        if self.status is not CaseStatus.OPEN:
            raise DomainError(texts.MODEL.case_not_open.format(code=self.code))
        if meeting_kind is MeetingKind.MULTILAYER and not self.has_consent:
            raise ConsentRequired(texts.MODEL.consent_gate.format(code=self.code))


@dataclass
class AgendaItem:
    """A case on a meeting's agenda. For 重層 the occasion (プラン策定時 …) is required."""

    meeting_id: str
    case_id: str
    added_by: str
    position: int = 0
    occasion: Occasion | None = None
    purpose: str = ""  # 検討の目的 (free text, optional)
    thread_ref: str | None = None  # the chat message that heads the case's thread
    # The 次回モニタリング date that brought the case back to this meeting (モニタリング).
    monitoring_on: date | None = None
    id: str = field(default_factory=new_id)
    added_at: datetime = field(default_factory=utcnow)

    @classmethod
    def place(
        cls,
        meeting: Meeting,
        case: Case,
        *,
        added_by: str,
        position: int,
        occasion: Occasion | None = None,
        monitoring_on: date | None = None,
    ) -> AgendaItem:
        """Put ``case`` on ``meeting``'s agenda, enforcing the consent gate and occasions.

        A case brought back by its monitoring date (``monitoring_on``) comes to a 重層的支援会議
        as a re-plan (再プラン策定時: the current plan is evaluated) unless told otherwise.
        """
        if meeting.state is MeetingState.CANCELLED:
            raise DomainError(texts.MODEL.agenda_meeting_cancelled)
        case.check_may_be_discussed_at(meeting.kind)
        if meeting.kind is MeetingKind.MULTILAYER:
            default = Occasion.REPLAN if monitoring_on is not None else Occasion.PLAN
            occasion = occasion or default
        elif occasion is not None:
            raise InvalidValue(texts.MODEL.occasion_multilayer_only)
        return cls(
            meeting_id=meeting.id,
            case_id=case.id,
            added_by=added_by,
            position=position,
            occasion=occasion,
            monitoring_on=monitoring_on,
        )


@dataclass
class AgencyInput:
    """各機関からの情報: one agency's input on one case for one meeting.

    ``source_ref`` identifies the chat message (or form submission) it came from; storage
    keeps one input per source, so a retried event updates instead of duplicating.
    """

    meeting_id: str
    case_id: str
    agency_id: str
    author_user_id: str
    text: str
    source: InputSource
    source_ref: str
    state: InputState = InputState.RECORDED
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)
    updated_at: datetime | None = None

    @property
    def counts(self) -> bool:
        return self.state is InputState.RECORDED

    def edit(self, text: str, at: datetime | None = None) -> None:
        if self.state is InputState.WITHDRAWN:
            return
        self.text = text
        self.updated_at = at or utcnow()

    def withdraw(self, at: datetime | None = None) -> None:
        self.state = InputState.WITHDRAWN
        self.updated_at = at or utcnow()

    def release(self, at: datetime | None = None) -> None:
        """The author confirmed the secrecy notice: a held input now counts."""
        if self.state is InputState.HELD:
            self.state = InputState.RECORDED
            self.updated_at = at or utcnow()


@dataclass(frozen=True)
class ConfidentialityAcknowledgement:
    """守秘義務の確認: ``user_id`` confirmed ``notice_version`` for ``meeting_id``."""

    meeting_id: str
    user_id: str
    notice_version: str
    acknowledged_at: datetime = field(default_factory=utcnow)
    via: str = "command"  # command | button


@dataclass
class RoleAssignment:
    """役割分担: what one agency does for a case, by when. One lead agency (主担当) per case."""

    case_id: str
    agency_id: str
    task: str
    created_by: str
    meeting_id: str | None = None
    assignee: str = ""  # 担当者 as free text (earlier versions; shown when no member is named)
    # 担当者: the agency's registered member who does the task (a chat user ID).
    assignee_user_id: str | None = None
    due_on: date | None = None
    lead: bool = False
    id: str = field(default_factory=new_id)
    created_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.task = clean_user_text(self.task, max_length=100_000)
        self.assignee = clean_name(self.assignee, max_length=1000)
        if not self.task:
            raise InvalidValue(texts.MODEL.role_task_missing)
        if self.assignee_user_id is not None:
            validate_user_id(self.assignee_user_id)


def designate_lead(assignments: list[RoleAssignment], lead: RoleAssignment) -> None:
    """Make ``lead``'s agency the case's 主担当機関; every other assignment loses the mark."""
    for assignment in assignments:
        if assignment.case_id == lead.case_id:
            assignment.lead = assignment.agency_id == lead.agency_id
    lead.lead = True


@dataclass
class Decision:
    """What the meeting discussed and decided for a case: 協議内容, 緊急度 (with its reason),
    支援方針, 次回モニタリング, 結果, 決定事項."""

    meeting_id: str
    case_id: str
    decided_by: str
    support_policy: str = ""
    next_monitoring_on: date | None = None
    outcome: Outcome = Outcome.CONTINUE
    notes: str = ""  # 決定事項
    decided_at: datetime = field(default_factory=utcnow)
    discussion: str = ""  # 協議内容: what was discussed
    urgency: Urgency | None = None  # 緊急度・危険度 as assessed
    urgency_reason: str = ""  # its reason

    def check_against(self, meeting: Meeting) -> None:
        if self.next_monitoring_on is not None and self.next_monitoring_on <= meeting.date:
            example = meeting.date + timedelta(days=42)
            raise InvalidValue(
                texts.MODEL.monitoring_after_meeting.format(example=example.isoformat())
            )

    def apply_to(self, case: Case) -> None:
        """The outcome changes the case: 終結 and 中断 end it; 重層へ移行 (the case goes on
        to a 重層的支援会議, which may discuss it only with consent) needs consent."""
        if self.outcome is Outcome.CLOSE:
            case.status = CaseStatus.CLOSED
        elif self.outcome is Outcome.SUSPEND:
            case.status = CaseStatus.SUSPENDED
        elif self.outcome is Outcome.TO_MULTILAYER:
            if not case.has_consent:
                raise ConsentRequired(
                    texts.MODEL.to_multilayer_needs_consent.format(code=case.code)
                )
            case.status = CaseStatus.OPEN
        else:
            case.status = CaseStatus.OPEN


@dataclass(frozen=True)
class Attendance:
    """One line of a meeting's attendance: a person present or absent for an agency (or for
    the secretariat, ``agency_id`` None), or a whole agency absent (``user_id`` None)."""

    agency_id: str | None
    user_id: str | None
    present: bool

    def __post_init__(self) -> None:
        if self.user_id is None and (self.agency_id is None or self.present):
            raise InvalidValue(texts.MODEL.attendance_invalid)
        if self.user_id is not None:
            validate_user_id(self.user_id)


@dataclass
class MeetingRecord:
    """会議記録: the meeting as it was held — place and method, start and end, who chaired
    and who wrote the record, who attended and who was absent, and the next meeting as
    announced. One per meeting; saving the form again replaces it."""

    meeting_id: str
    recorded_by: str
    place: str = ""  # 場所
    method: MeetingMethod | None = None  # 方法
    started_at: time | None = None  # 開始 (local time)
    ended_at: time | None = None  # 終了 (local time)
    chair_user_id: str | None = None  # 司会
    recorder_user_id: str | None = None  # 記録者
    attendance: tuple[Attendance, ...] = ()
    others_present: str = ""  # 出席者（その他）: people the bot does not know, as typed
    next_meeting_on: date | None = None  # 次回開催予定
    next_meeting_at: time | None = None
    recorded_at: datetime = field(default_factory=utcnow)

    def __post_init__(self) -> None:
        self.place = self.place.strip()
        if len(self.place) > 200:
            raise InvalidValue(texts.MODEL.record_place_too_long)
        if (
            self.started_at is not None
            and self.ended_at is not None
            and self.ended_at <= self.started_at
        ):
            raise InvalidValue(texts.MODEL.record_end_before_start)
        for user_id in (self.chair_user_id, self.recorder_user_id):
            if user_id is not None:
                validate_user_id(user_id)
        seen: set[tuple[str | None, str | None]] = set()
        unique = []
        for line in self.attendance:  # one line per person (or agency) and agency
            if (line.agency_id, line.user_id) not in seen:
                seen.add((line.agency_id, line.user_id))
                unique.append(line)
        self.attendance = tuple(unique)

    def check_against(self, meeting: Meeting) -> None:
        """The next meeting comes after this one."""
        if self.next_meeting_on is not None and self.next_meeting_on <= meeting.date:
            raise InvalidValue(texts.MODEL.record_next_after_meeting)

    @property
    def present(self) -> tuple[Attendance, ...]:
        return tuple(a for a in self.attendance if a.present)

    @property
    def absent(self) -> tuple[Attendance, ...]:
        return tuple(a for a in self.attendance if not a.present)


@dataclass(frozen=True)
class FinalDocument:
    """A document frozen when a coordinator finalises it: the exact bytes and their hash.

    Once final, the minutes are served from here, never regenerated, so what was filed is
    what anyone receives later; the hash is also recorded in the audit trail.
    """

    meeting_id: str
    kind: str  # "minutes"
    filename: str
    sha256: str
    data: bytes
    finalised_by: str
    finalised_at: datetime = field(default_factory=utcnow)


# --------------------------------------------------------------------------- audit


class AuditAction(StrEnum):
    """What an audit event records. Stored as text, so new actions need no migration."""

    COORDINATOR_ADDED = "coordinator.added"
    AGENCY_REGISTERED = "agency.registered"
    MEMBER_ADDED = "member.added"
    MEMBER_REMOVED = "member.removed"
    CHANNEL_SETUP = "channel.setup"
    CHANNEL_OUTSIDER = "channel.outsider"
    SERIES_SET = "series.set"
    MEETING_CREATED = "meeting.created"
    MEETING_CANCELLED = "meeting.cancelled"
    MEETING_MOVED = "meeting.moved"
    CASE_CREATED = "case.created"
    CASE_VIEWED = "case.viewed"
    CONSENT_RECORDED = "consent.recorded"
    CONSENT_WITHDRAWN = "consent.withdrawn"
    AGENDA_ADDED = "agenda.added"
    AGENDA_REMOVED = "agenda.removed"
    COLLECTION_OPENED = "collection.opened"
    ROOM_CREATED = "room.created"  # the meeting's own private channel (issue 11)
    ROOM_INVITED = "room.invited"
    ROOM_REMOVED = "room.removed"  # detail: reason=outsider|not_asked|not_confirmed
    ROOM_STOPPED = "room.stopped"  # case content no longer posted there (denied)
    ROOM_ARCHIVED = "room.archived"
    NOTICE_ACKNOWLEDGED = "notice.acknowledged"
    INPUT_RECORDED = "input.recorded"
    INPUT_HELD = "input.held"
    INPUT_EDITED = "input.edited"
    INPUT_WITHDRAWN = "input.withdrawn"
    INPUT_REJECTED = "input.rejected"  # written by earlier versions; now access.denied
    INPUT_FLAGGED = "input.flagged"  # looks like it carries direct identifiers (kinds only)
    INPUT_PURGED = "input.purged"  # deleted after the retention period: a tombstone
    ROLE_ASSIGNED = "role.assigned"
    MEETING_RECORDED = "meeting.recorded"  # 会議記録: place, times, attendance
    CASE_AGENCY_ASKED = "case.agency_asked"  # one more agency asked for a case
    REPORT_EXPORTED = "report.exported"  # the 年度's counts (no personal data)
    DECISION_RECORDED = "decision.recorded"
    DOCUMENT_DOWNLOADED = "document.downloaded"
    MINUTES_FINALISED = "minutes.finalised"
    AUDIT_VIEWED = "audit.viewed"
    ACCESS_DENIED = "access.denied"
    # The direct delivery mode (Teams): a card replaced because its reader lost access, and
    # a document whose delivery its recipient declined.
    CARD_WITHDRAWN = "card.withdrawn"
    DOCUMENT_DECLINED = "document.declined"


@dataclass(frozen=True)
class AuditEvent:
    """One line of the append-only audit trail: who did what to which object, and whether it
    was allowed. Never case content: ``target_id`` is an opaque ID or a case code and
    ``detail`` holds short codes such as ``notice=2026.1`` or ``reason=not_member``.
    """

    actor: str
    action: AuditAction
    target_type: str
    target_id: str
    allowed: bool = True
    detail: str = ""
    at: datetime = field(default_factory=utcnow)
    id: str = field(default_factory=new_id)
