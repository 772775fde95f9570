"""Builders for the documents tests: the fictional households of 架空市 (shared/scenarios.md)
as display views, and helpers that read a rendered .docx back."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

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
START = datetime(2026, 12, 8, 14, 0, tzinfo=JST)

AGENCY = {
    "houkatsu": "架空市中央地域包括支援センター",
    "shogai": "架空市基幹相談支援センター",
    "kosodate": "架空市子ども家庭支援センター",
    "konkyu": "架空市くらし自立相談センター",
    "csw": "架空市社会福祉協議会 (CSW)",
    "seikatsu": "架空市生活福祉課",
    "gakko": "架空市立第一中学校",
    "hoken": "架空市保健センター",
}
STAFF = {
    "houkatsu": "山田",
    "shogai": "佐々木",
    "kosodate": "高橋",
    "konkyu": "中村",
    "csw": "小林",
    "seikatsu": "加藤",
    "gakko": "吉田",
    "hoken": "松本",
}

INPUTS_A = {
    "houkatsu": "要介護認定の申請を支援中。母は物忘れが進み、服薬管理ができていない。",
    "shogai": "長男は十年前に一度相談歴あり。その後は途絶。精神科受診歴は不明。",
    "konkyu": "世帯収入は母の年金のみ。家賃の滞納が二か月。",
    "csw": "民生委員から郵便物がたまっていると情報提供。長男は訪問に応じない。",
}
INPUTS_B = {
    "csw": "生活福祉資金の相談で来所。これまでの経緯を傾聴。複数の窓口に相談していることを把握。",
    "kosodate": "次男の登校バスに乗れない日が週二回ほどある。送迎支援の制度を確認中。",
    "shogai": "次男の放課後等デイサービスの利用を検討。",
    "seikatsu": "車の保有が理由で生活保護の申請をためらっている。保有が認められる場合を説明予定。",
}
INPUTS_D = {
    "gakko": "欠席が増えている。本人は祖母の世話をしていると話した。",
    "houkatsu": "祖母の介護サービス利用状況を確認する。",
    "kosodate": "ヤングケアラー支援の窓口につなぐ。",
}
# (agency key, task, due, lead)
ROLES_A = (
    ("houkatsu", "母の介護保険サービス導入", date(2027, 1, 8), True),
    ("csw", "長男への手紙による継続的な働きかけ（アウトリーチ）", None, False),
    ("konkyu", "家計改善支援と家賃の相談", None, False),
)
ROLES_B = (
    ("csw", "本人への伴走と想いの代弁", None, True),
    ("seikatsu", "生活保護の申請支援", None, False),
    ("kosodate", "子育て支援グループ（発達が気になる子の親の会）の紹介", None, False),
)
ROLES_D = (
    ("houkatsu", "祖母の介護サービスの見直し", date(2026, 12, 22), True),
    ("gakko", "本人との面談を継続", None, False),
)
MONITORING_A = START.date() + timedelta(weeks=6)  # 2027-01-19
MONITORING_B = date(2027, 2, 9)
MONITORING_D = date(2026, 12, 22)


def _inputs(texts: dict[str, str], *, first: datetime) -> tuple[AgencyInputView, ...]:
    return tuple(
        AgencyInputView(
            agency_name=AGENCY[key],
            author=STAFF[key],
            text=text,
            received_at=first + timedelta(hours=i),
        )
        for i, (key, text) in enumerate(texts.items())
    )


def _roles(rows: tuple[tuple[str, str, date | None, bool], ...]) -> tuple[RoleView, ...]:
    return tuple(
        RoleView(agency_name=AGENCY[key], assignee=STAFF[key], task=task, due_on=due, lead=lead)
        for key, task, due, lead in rows
    )


def case_a(**changes: object) -> CaseMinutesView:
    view = CaseMinutesView(
        code="R8-001",
        kind_label="支援会議",
        consent_on=None,
        purpose="8050世帯の状況共有と、支援の入口の検討",
        situation=(
            "母（82歳）と長男（54歳）の二人世帯。長男は約十年間外出していない。\n"
            "母の認知症が進行し、民生委員が郵便物がたまっていることに気づいた。長男は訪問を拒否。"
        ),
        inputs=_inputs(INPUTS_A, first=datetime(2026, 12, 1, 9, 0, tzinfo=JST)),
        support_policy="母の介護保険サービス導入を入口に、長男へは手紙で継続的に働きかける。",
        roles=_roles(ROLES_A),
        lead_agency_name=AGENCY["houkatsu"],
        next_monitoring_on=MONITORING_A,
        outcome_label="継続",
        decisions="役割分担のとおり支援を開始し、6週間後にモニタリングを行う。",
        discussion="母の受診と介護保険の申請を先に進め、長男には手紙で継続的に関わる。",
        urgency_label="中",
        urgency_reason="生命の危険はないが、母の服薬管理ができていない。",
    )
    return _replace(view, changes)


def case_b(**changes: object) -> CaseMinutesView:
    view = CaseMinutesView(
        code="R8-002",
        kind_label="重層的支援会議",
        consent_on=date(2026, 11, 20),
        purpose="プラン策定時\n支援の目標と方針、各機関の役割分担の決定",
        situation=(
            "DV被害により離婚した40代の母と子二人の世帯。次男は重度の自閉症で、登校バスに"
            "乗れない日は母が送迎するため、安定して働けない。複数の窓口に別々に相談している。"
        ),
        inputs=_inputs(INPUTS_B, first=datetime(2026, 12, 2, 10, 0, tzinfo=JST)),
        support_policy="本人の想いに寄り添い、就労と子育ての両立を関係機関で支える。",
        roles=_roles(ROLES_B),
        lead_agency_name=AGENCY["csw"],
        next_monitoring_on=MONITORING_B,
        outcome_label="継続",
        decisions="プランを承認する。",
        discussion="本人の希望する就労時間を確保できるよう、送迎と放課後の支援を組み合わせる。",
        urgency_label="低",
        urgency_reason="生活は維持できており、急を要する危険はない。",
    )
    return _replace(view, changes)


def case_d(**changes: object) -> CaseMinutesView:
    view = CaseMinutesView(
        code="R8-003",
        kind_label="支援会議",
        consent_on=None,
        purpose="ヤングケアラーの可能性がある生徒への緊急の対応検討",
        situation="14歳の生徒が毎晩、脳卒中の祖母の世話をしており、週に二、三日欠席している。",
        inputs=_inputs(INPUTS_D, first=datetime(2026, 12, 4, 16, 0, tzinfo=JST)),
        support_policy="祖母の介護サービスを見直し、生徒の負担を減らす。",
        roles=_roles(ROLES_D),
        lead_agency_name=AGENCY["houkatsu"],
        next_monitoring_on=MONITORING_D,
        outcome_label="継続",
        decisions="2週間以内に介護サービスの見直しを行う。",
        urgent=True,
        discussion="学校と包括で情報を突き合わせ、祖母のショートステイ利用を検討する。",
        urgency_label="高",
        urgency_reason="生徒の欠席が増え、心身の負担が大きい。",
        monitoring_on=date(2026, 12, 1),
    )
    return _replace(view, changes)


def _replace(view: CaseMinutesView, changes: dict[str, object]) -> CaseMinutesView:
    from dataclasses import replace

    return replace(view, **changes)  # type: ignore[arg-type]


def minutes_view(*cases: CaseMinutesView, **changes: object) -> MinutesView:
    """The minutes of a 支援会議 (R8-001, and R8-003 brought back by its monitoring date)."""
    from dataclasses import replace

    keys = ("houkatsu", "shogai", "kosodate", "konkyu", "csw", "seikatsu", "gakko")
    view = MinutesView(
        meeting_name="架空市支援会議（定例）",
        kind_label="支援会議",
        starts_at=START,
        ends_at=START + timedelta(minutes=95),
        place="架空市役所 本庁舎3階 第1会議室",
        method="併用（対面・オンライン）",
        chair="事務局　井上",
        recorder="事務局　木村",
        attendees=(
            AttendeeView("事務局", ("井上", "木村")),
            *(AttendeeView(AGENCY[k], (STAFF[k],)) for k in keys),
        ),
        absentees=(AttendeeView(AGENCY["hoken"], ()), AttendeeView(AGENCY["gakko"], ("斎藤",))),
        others_present="民生委員 1名",
        acknowledgements=tuple(
            AcknowledgementView(
                person=STAFF[k],
                agency_name=AGENCY[k],
                acknowledged_at=datetime(2026, 12, 8, 13, 30 + i, tzinfo=JST),
                notice_version="2026.2",
            )
            for i, k in enumerate(keys)
        ),
        cases=cases or (case_a(), case_d()),
        next_meeting_at=datetime(2027, 1, 12, 14, 0, tzinfo=JST),
        author="事務局 井上",
        created_on=date(2026, 12, 9),
        draft=True,
        notice=notice_for(MeetingKind.SUPPORT),
    )
    return replace(view, **changes)  # type: ignore[arg-type]


def multilayer_minutes_view(
    *cases: CaseMinutesView, statutory: bool = False, **changes: object
) -> MinutesView:
    """The minutes of a 重層的支援会議 (R8-002, on consent), by default under the 要綱."""
    notice = notice_for(MeetingKind.MULTILAYER, multilayer_statutory=statutory)
    return minutes_view(
        *(cases or (case_b(),)),
        meeting_name="架空市重層的支援会議（随時）",
        kind_label="重層的支援会議",
        multilayer=True,
        notice=notice,
        **changes,
    )


def role_summary_view(*agency_keys: str) -> RoleSummaryView:
    """The coordinator's copy (no keys) or an extract of the given agencies."""
    cases = (
        ("R8-001", ROLES_A, MONITORING_A),
        ("R8-002", ROLES_B, MONITORING_B),
        ("R8-003", ROLES_D, MONITORING_D),
    )
    tasks: dict[str, list[TaskView]] = {}
    for code, roles, monitoring in cases:
        for key, task, due, lead in roles:
            tasks.setdefault(key, []).append(
                TaskView(
                    case_code=code,
                    task=task,
                    assignee=STAFF[key],
                    due_on=due,
                    lead=lead,
                    next_monitoring_on=monitoring,
                )
            )
    keys = agency_keys or tuple(tasks)
    leads = tuple(
        CaseLeadView(code, next((AGENCY[k] for k, _, _, lead in roles if lead), ""), monitoring)
        for code, roles, monitoring in cases
        if any(k in keys for k, _, _, _ in roles)
    )
    return RoleSummaryView(
        meeting_name="架空市支援会議（定例）",
        kind_label="支援会議",
        starts_at=START,
        agencies=tuple(AgencyTasksView(AGENCY[k], tuple(tasks.get(k, ()))) for k in keys),
        created_on=date(2026, 12, 9),
        notice=notice_for(MeetingKind.SUPPORT),
        leads=leads,
    )


# --------------------------------------------------------------------------- reading back


class Rendered:
    """A rendered .docx read back with python-docx."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.doc = Document(io.BytesIO(data))

    @property
    def paragraphs(self) -> list[str]:
        """Text of every paragraph of the body, table cells included, line breaks as \\n."""
        body = self.doc.element.body
        return [Paragraph(p, self.doc).text for p in body.iter(qn("w:p"))]

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)

    def header_texts(self) -> list[str]:
        return ["\n".join(p.text for p in s.header.paragraphs) for s in self.doc.sections]

    def tables_with_header(self, *titles: str) -> list[Table]:
        found = []
        for table in _all_tables(self.doc.tables):
            first = [c.text for c in table.rows[0].cells]
            if first == list(titles):
                found.append(table)
        return found

    def item_value(self, label: str) -> list[str]:
        """Values of label | value rows with this label, in document order."""
        values = []
        for table in _all_tables(self.doc.tables):
            for row in table.rows:
                cells = row.cells
                if len(cells) == 2 and cells[0].text == label:
                    values.append(cells[1].text)
        return values


def _all_tables(tables: list[Table]) -> list[Table]:
    result = []
    for table in tables:
        result.append(table)
        for row in table.rows:
            for cell in row.cells:
                result.extend(_all_tables(cell.tables))
    return result


def rows_of(table: Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows[1:]]
