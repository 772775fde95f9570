"""Fictional views that exercise every part of the templates.

``validate_templates`` renders these so that a broken municipal template is found at start-up,
not in front of a meeting; the benchmark uses them at larger sizes. The households and
agencies are those of the fictional city 架空市 — no real person is behind them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.confidentiality import notice_for
from bot.domain.model import MeetingKind
from bot.services.document_views import (
    AcknowledgementView,
    AgencyInputView,
    AgencyTasksView,
    AttendeeView,
    CaseLeadView,
    CaseMinutesView,
    MinutesView,
    RoleSummaryView,
    RoleView,
    TaskView,
)

JST = ZoneInfo("Asia/Tokyo")
MEETING_START = datetime(2026, 12, 8, 14, 0, tzinfo=JST)

AGENCIES = (
    "架空市中央地域包括支援センター",
    "架空市基幹相談支援センター",
    "架空市子ども家庭支援センター",
    "架空市くらし自立相談センター",
    "架空市社会福祉協議会 (CSW)",
    "架空市生活福祉課",
    "架空市立第一中学校",
    "架空市保健センター",
)

_INPUT_TEXTS = (
    "要介護認定の申請を支援中。母は物忘れが進み、服薬管理ができていない。",
    "長男は十年前に一度相談歴あり。その後は途絶。精神科受診歴は不明。",
    "次男の登校バスに乗れない日が週二回ほどある。送迎支援の制度を確認中。",
    "世帯収入は母の年金のみ。家賃の滞納が二か月。",
    "民生委員から郵便物がたまっていると情報提供。長男は訪問に応じない。",
    "車の保有が理由で生活保護の申請をためらっている。保有が認められる場合を説明予定。",
    "欠席が増えている。本人は祖母の世話をしていると話した。",
    "乳幼児健診の受診状況を確認した。\n次回の家庭訪問で体調を確認する。",
)

_TASKS = (
    "母の介護保険サービス導入",
    "長男への手紙による継続的な働きかけ（アウトリーチ）",
    "家計改善支援と家賃の相談",
)


def _case(index: int, *, inputs: int, roles: int, multilayer: bool) -> CaseMinutesView:
    received = MEETING_START - timedelta(days=3)
    return CaseMinutesView(
        code=f"R8-{index + 1:03d}",
        kind_label="重層的支援会議" if multilayer else "支援会議",
        consent_on=date(2026, 11, 20) if multilayer else None,
        purpose="プラン策定時\n支援方針と役割分担の決定" if multilayer else "情報共有と役割分担",
        situation="母の認知症が進み、長男は十年ほど外出していない。\n郵便物がたまっている。",
        inputs=tuple(
            AgencyInputView(
                agency_name=AGENCIES[i % len(AGENCIES)],
                author=f"担当{i + 1}",
                text=_INPUT_TEXTS[i % len(_INPUT_TEXTS)],
                received_at=received + timedelta(hours=i),
            )
            for i in range(inputs)
        ),
        support_policy="母の介護サービス導入を入口に、世帯全体への継続的な関わりをつくる。",
        roles=tuple(
            RoleView(
                agency_name=AGENCIES[i % len(AGENCIES)],
                assignee=f"担当{i + 1}",
                task=_TASKS[i % len(_TASKS)],
                due_on=date(2027, 1, 8) if i == 0 else None,
                lead=i == 0,
            )
            for i in range(roles)
        ),
        lead_agency_name=AGENCIES[0] if roles else "",
        next_monitoring_on=date(2027, 1, 19) if roles else None,
        outcome_label="継続" if roles else "",
        decisions="役割分担のとおり支援を開始する。" if roles else "",
        urgent=index % 3 == 2,
        discussion="母の受診と介護保険の申請を先に進め、長男への関わりは手紙から始める。"
        if roles
        else "",
        urgency_label="中" if roles else "",
        urgency_reason="生命の危険はないが、服薬管理ができていない。" if roles else "",
        monitoring_on=date(2026, 11, 24) if index == 1 else None,
    )


def sample_minutes_view(
    cases: int = 3,
    *,
    inputs: int = 4,
    roles: int = 3,
    draft: bool = True,
    multilayer: bool = False,
) -> MinutesView:
    """Minutes with ``cases`` cases; the last case has no inputs and no roles when cases > 1."""
    case_views = [_case(i, inputs=inputs, roles=roles, multilayer=multilayer) for i in range(cases)]
    if cases > 1:
        case_views[-1] = _case(cases - 1, inputs=0, roles=0, multilayer=multilayer)
    kind = MeetingKind.MULTILAYER if multilayer else MeetingKind.SUPPORT
    return MinutesView(
        meeting_name=f"架空市{kind.label}（定例）",
        kind_label=kind.label,
        starts_at=MEETING_START,
        ends_at=MEETING_START + timedelta(minutes=90),
        place="架空市役所 本庁舎3階 第1会議室",
        method="併用（対面・オンライン）",
        chair="事務局　井上",
        recorder="事務局　木村",
        attendees=(
            AttendeeView(agency_name="事務局", people=("事務局 井上", "事務局 木村")),
            *(
                AttendeeView(agency_name=name, people=(f"担当{i + 1}",))
                for i, name in enumerate(AGENCIES[:-1])
            ),
        ),
        absentees=(AttendeeView(agency_name=AGENCIES[-1], people=()),),
        others_present="民生委員 1名",
        acknowledgements=tuple(
            AcknowledgementView(
                person=f"担当{i + 1}",
                agency_name=name,
                acknowledged_at=MEETING_START - timedelta(minutes=10 - i),
                notice_version=notice_for(kind).version,
            )
            for i, name in enumerate(AGENCIES)
        ),
        cases=tuple(case_views),
        next_meeting_at=datetime(2027, 1, 12, 14, 0, tzinfo=JST),
        author="事務局",
        created_on=date(2026, 12, 9),
        draft=draft,
        notice=notice_for(kind),
        multilayer=multilayer,
    )


def sample_role_summary_view(agencies: int = 3) -> RoleSummaryView:
    """A role summary with ``agencies`` agencies; the last one has no tasks when agencies > 1."""
    views = []
    for i in range(agencies):
        tasks = (
            ()
            if agencies > 1 and i == agencies - 1
            else (
                TaskView(
                    case_code="R8-001",
                    task=_TASKS[i % len(_TASKS)],
                    assignee=f"担当{i + 1}",
                    due_on=date(2027, 1, 8),
                    lead=i == 0,
                    next_monitoring_on=date(2027, 1, 19),
                ),
                TaskView(
                    case_code="R8-002",
                    task="本人との面談を継続",
                    assignee="",
                    due_on=None,
                    lead=False,
                    next_monitoring_on=None,
                ),
            )
        )
        views.append(AgencyTasksView(agency_name=AGENCIES[i % len(AGENCIES)], tasks=tasks))
    return RoleSummaryView(
        meeting_name="架空市支援会議（定例）",
        kind_label="支援会議",
        starts_at=MEETING_START,
        agencies=tuple(views),
        created_on=date(2026, 12, 9),
        notice=notice_for(MeetingKind.SUPPORT),
        leads=(
            CaseLeadView("R8-001", AGENCIES[0], date(2027, 1, 19)),
            CaseLeadView("R8-002", "", None),
        ),
    )
