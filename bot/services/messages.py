"""The bot's messages in chat, as neutral blocks; their Japanese text is in the catalogue
(``bot.texts.MESSAGES``).

Nothing here carries case content: cases appear by code, agencies by name, people by mention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import tzinfo

from bot import texts
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
    cadence = texts.MODEL.adhoc if meeting.adhoc else texts.MODEL.regular
    return texts.MESSAGES.meeting_label.format(when=when, kind=meeting.kind.label, cadence=cadence)


def notice_message(meeting: Meeting, label: str, case_count: int) -> Message:
    """Opens input collection: the secrecy notice comes before any case."""
    m = texts.MESSAGES
    return Message(
        text=m.notice_text.format(title=SECRECY_NOTICE.title, label=label),
        blocks=(
            Header(m.notice_header.format(title=SECRECY_NOTICE.title)),
            Paragraph(SECRECY_NOTICE.text),
            Fields(
                (
                    (m.notice_meeting, label),
                    (m.notice_case_count, m.notice_cases.format(count=case_count)),
                )
            ),
            Paragraph(m.notice_ask),
            Buttons((Button(m.notice_button, ACK_ACTION, meeting.id, primary=True),)),
            Note(m.notice_version.format(version=SECRECY_NOTICE.version)),
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
    m = texts.MESSAGES
    lines = [
        m.thread_agency.format(
            agency=s.agency_name,
            answer=m.answered.format(count=s.answered) if s.answered else m.unanswered,
        )
        for s in statuses
    ]
    kind = case.kind.label
    if occasion:
        kind = m.kind_with_occasion.format(kind=kind, occasion=occasion.label)
    urgent = texts.CASES.urgent_mark if case.urgent else ""
    return Message(
        text=m.thread_text.format(urgent=urgent, code=case.code, kind=kind),
        blocks=(
            Note(SECRECY_NOTICE.one_line),
            Header(m.thread_header.format(urgent=urgent, code=case.code, kind=kind)),
            Paragraph(m.thread_ask),
            Paragraph(m.thread_status.format(lines="\n".join(lines))),
            Buttons((Button(m.thread_button, INPUT_ACTION, item_id),)),
        ),
    )


def prompt_dm(codes: Sequence[str], label: str, *, reminder: bool = False) -> Message:
    """A DM to a member whose agency is asked: case codes only, and the notice in one line."""
    m = texts.MESSAGES
    head = m.reminder_head if reminder else m.prompt_head
    listed = "、".join(codes)
    return Message(
        text=m.prompt_text.format(head=head, codes=listed),
        blocks=(
            Paragraph(m.prompt.format(head=head, label=label, codes=listed)),
            Divider(),
            Note(SECRECY_NOTICE.one_line),
        ),
    )
