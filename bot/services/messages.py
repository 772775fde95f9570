"""The bot's messages in chat, as neutral blocks with Japanese text, kept together for review.

Nothing here carries case content: cases appear by code, agencies by name, people by mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from bot.domain.calendar import format_wareki_datetime
from bot.domain.confidentiality import SECRECY_NOTICE
from bot.domain.model import Case, Meeting, Occasion
from bot.services.chat import (
    Button,
    Buttons,
    Divider,
    Fields,
    Header,
    Message,
    Note,
    Paragraph,
)

ACK_ACTION = "shien_ack"
INPUT_ACTION = "shien_input"
RECEIVED_REACTION = "white_check_mark"


def meeting_label(meeting: Meeting, tz: tzinfo) -> str:
    """「令和8年(2026年)12月8日(火) 14:00 支援会議（随時）」"""
    when = format_wareki_datetime(meeting.starts_at(tz))
    cadence = "随時" if meeting.adhoc else "定例"
    return f"{when} {meeting.kind.label}（{cadence}）"


def notice_message(meeting: Meeting, label: str, case_count: int) -> Message:
    """Opens input collection: the secrecy notice comes before any case."""
    return Message(
        text=f"{SECRECY_NOTICE.title} — {label}",
        blocks=(
            Header(f"【取扱注意】{SECRECY_NOTICE.title}"),
            Paragraph(SECRECY_NOTICE.text),
            Fields((("会議", label), ("議題の事例数", f"{case_count}件"))),
            Paragraph(
                "事例の内容を見る・入力する前に、下のボタン（または /shien ack）で確認してください。"
                "確認は会議ごとに記録されます。"
            ),
            Buttons((Button("守秘義務を確認しました", ACK_ACTION, meeting.id, primary=True),)),
            Note(f"通知文の版: {SECRECY_NOTICE.version}"),
        ),
    )


@dataclass(frozen=True)
class AgencyStatus:
    agency_name: str
    answered: int  # number of recorded inputs


def case_thread_message(
    case: Case, occasion: Occasion | None, statuses: Sequence[AgencyStatus], item_id: str
) -> Message:
    """The head of a case's thread: code, kind, who is asked and who has answered."""
    lines = [
        f"• {s.agency_name}: {'回答済み（' + str(s.answered) + '件）' if s.answered else '未回答'}"
        for s in statuses
    ]
    kind = case.kind.label + (f"・{occasion.label}" if occasion else "")
    urgent = "【緊急】" if case.urgent else ""
    return Message(
        text=f"{urgent}事例 {case.code}（{kind}）への情報提供のお願い",
        blocks=(
            Note(SECRECY_NOTICE.one_line),
            Header(f"{urgent}事例 {case.code}（{kind}）"),
            Paragraph(
                "依頼先の機関の方は、この事例について把握している状況を、このスレッドに返信してください"
                "（氏名・住所・電話番号は書かないでください）。フォームからも入力できます。"
            ),
            Paragraph("回答状況:\n" + "\n".join(lines)),
            Buttons((Button("入力する", INPUT_ACTION, item_id),)),
        ),
    )


def prompt_dm(codes: Sequence[str], label: str, *, reminder: bool = False) -> Message:
    """A DM to a member whose agency is asked: case codes only, and the notice in one line."""
    head = "【リマインド】未回答の事例があります" if reminder else "支援会議への情報提供のお願い"
    return Message(
        text=f"{head}: {'、'.join(codes)}",
        blocks=(
            Paragraph(
                f"{head}（{label}）。\n"
                f"対象の事例: {'、'.join(codes)}\n"
                "会議チャンネルの各事例のスレッドに、把握している状況を返信してください。"
                "まだの場合は、先に守秘義務の確認をお願いします（/shien ack）。"
            ),
            Divider(),
            Note(SECRECY_NOTICE.one_line),
        ),
    )
