"""What the documents show: display-ready views of a meeting's minutes and role assignments.

Services assemble these from the repositories (choosing what each reader may see: an agency's
extract holds only its own tasks); document renderers turn them into ``.docx``. The views hold
plain text as people typed it — escaping and sanitising are the renderer's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.confidentiality import SecrecyNotice


@dataclass(frozen=True)
class AttendeeView:
    """出席者 (or 欠席者): one agency (or 事務局) and the people who attended for it (or were
    absent). An absentee line without people is the whole agency absent."""

    agency_name: str
    people: tuple[str, ...]


@dataclass(frozen=True)
class AcknowledgementView:
    """守秘義務の確認: who confirmed the notice, and when (in the municipality's time zone)."""

    person: str
    agency_name: str  # "事務局" for coordinators
    acknowledged_at: datetime
    notice_version: str


@dataclass(frozen=True)
class AgencyInputView:
    """各機関からの情報: one recorded input, in the order it arrived."""

    agency_name: str
    author: str
    text: str
    received_at: datetime


@dataclass(frozen=True)
class RoleView:
    """役割分担の一行: 機関 | 担当者 | 役割・支援内容 | 期限. ``assignee`` is the person at the
    agency who does it ("" when nobody is named)."""

    agency_name: str
    assignee: str
    task: str
    due_on: date | None
    lead: bool


@dataclass(frozen=True)
class CaseMinutesView:
    """One case in the minutes. ``consent_on`` is None when no consent is recorded (無); the
    minutes show consent only at a 重層的支援会議, which needs it."""

    code: str  # 事例番号, e.g. R8-001
    kind_label: str  # the meeting's kind: 支援会議 / 重層的支援会議
    consent_on: date | None
    purpose: str  # 検討の目的; for 重層 the occasion label (プラン策定時 …) leads it
    situation: str  # 状況と問題点
    inputs: tuple[AgencyInputView, ...]
    support_policy: str  # 支援方針
    roles: tuple[RoleView, ...]
    lead_agency_name: str  # 主担当機関 ("" when none)
    next_monitoring_on: date | None
    outcome_label: str  # 継続 / 終結 / 中断 / 重層的支援会議へ移行 ("" before a decision)
    decisions: str  # 決定事項
    urgent: bool = False
    discussion: str = ""  # 協議内容
    urgency_label: str = ""  # 緊急度: 高 / 中 / 低 ("" when not assessed)
    urgency_reason: str = ""  # its reason
    monitoring_on: date | None = None  # brought back by this 次回モニタリング date


@dataclass(frozen=True)
class MinutesView:
    """議事録 of one meeting: the meeting as held (its 会議記録) and each case discussed.
    ``notice`` is the meeting's own secrecy notice: its kind decides the legal footing."""

    meeting_name: str  # 会議名, e.g. 架空市支援会議（定例）
    kind_label: str
    starts_at: datetime  # aware, in the municipality's time zone
    place: str  # 場所
    attendees: tuple[AttendeeView, ...]  # 出席者, by agency (事務局 first)
    acknowledgements: tuple[AcknowledgementView, ...]
    cases: tuple[CaseMinutesView, ...]
    next_meeting_at: datetime | None
    author: str  # 作成者
    created_on: date  # 作成日 (never before the meeting)
    notice: SecrecyNotice
    draft: bool = True  # 案 until a coordinator finalises the minutes
    multilayer: bool = False  # a 重層的支援会議 (consent is shown per case)
    ends_at: datetime | None = None  # 終了
    method: str = ""  # 方法: 対面 / オンライン / 併用
    chair: str = ""  # 司会
    recorder: str = ""  # 記録者
    absentees: tuple[AttendeeView, ...] = ()  # 欠席者
    others_present: str = ""  # 出席者（その他）
    recorded: bool = True  # whether the 会議記録 has been saved


@dataclass(frozen=True)
class TaskView:
    """One task of an agency in the role-assignment summary."""

    case_code: str
    task: str
    assignee: str
    due_on: date | None
    lead: bool
    next_monitoring_on: date | None


@dataclass(frozen=True)
class AgencyTasksView:
    agency_name: str
    tasks: tuple[TaskView, ...]


@dataclass(frozen=True)
class CaseLeadView:
    """Which agency leads a case (主担当機関), and its next monitoring date."""

    case_code: str
    lead_agency_name: str  # "" when none is named yet
    next_monitoring_on: date | None


@dataclass(frozen=True)
class RoleSummaryView:
    """役割分担表: per case, the lead agency; per agency, its tasks across the meeting's cases.

    The coordinator's copy lists every agency; an agency's extract lists only that agency
    (and the lead agency of the cases it has tasks in).
    """

    meeting_name: str
    kind_label: str
    starts_at: datetime
    agencies: tuple[AgencyTasksView, ...]
    created_on: date
    notice: SecrecyNotice
    leads: tuple[CaseLeadView, ...] = ()
    ends_at: datetime | None = None  # 終了, once the meeting is recorded
