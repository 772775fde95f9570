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
from bot.domain.confidentiality import SecrecyNotice
from bot.domain.model import AgendaItem, Case, Meeting
from bot.services.chat import (
    Block,
    Button,
    Buttons,
    Divider,
    Fields,
    Header,
    Message,
    Note,
    Paragraph,
    channel_link,
)

ACK_ACTION = "shien_ack"
INPUT_ACTION = "shien_input"
RECEIVED_REACTION = "white_check_mark"


def meeting_label(meeting: Meeting, tz: tzinfo) -> str:
    """「令和8年（2026年）12月8日（火）14:00 支援会議（随時）」"""
    when = format_wareki_datetime(meeting.starts_at(tz))
    cadence = texts.MODEL.adhoc if meeting.adhoc else texts.MODEL.regular
    return texts.MESSAGES.meeting_label.format(when=when, kind=meeting.kind.label, cadence=cadence)


def ack_value(meeting_id: str, version: str) -> str:
    """A confirmation button's value: the meeting and the notice version it showed, so that
    it can never confirm a newer version."""
    return f"{meeting_id}:{version}"


def parse_ack_value(value: str) -> tuple[str, str | None]:
    """(meeting ID, notice version shown); buttons of earlier releases carry no version."""
    meeting_id, sep, version = value.partition(":")
    return meeting_id, (version if sep else None)


def notice_message(meeting: Meeting, label: str, case_count: int, notice: SecrecyNotice) -> Message:
    """Opens input collection: the meeting's secrecy notice comes before any case, then the
    rule of the chat (case codes only)."""
    m = texts.MESSAGES
    return Message(
        text=m.notice_text.format(title=notice.title, label=label),
        blocks=(
            Header(m.notice_header.format(title=notice.title)),
            Paragraph(notice.text),
            Paragraph(m.notice_chat_rule),
            Fields(
                (
                    (m.notice_meeting, label),
                    (m.notice_case_count, m.notice_cases.format(count=case_count)),
                )
            ),
            Paragraph(m.notice_ask),
            Buttons(
                (
                    Button(
                        m.notice_button,
                        ACK_ACTION,
                        ack_value(meeting.id, notice.version),
                        primary=True,
                    ),
                )
            ),
            Note(m.notice_version.format(version=notice.version)),
        ),
    )


@dataclass(frozen=True)
class AgencyStatus:
    agency_name: str
    answered: int  # number of recorded inputs


def case_thread_message(
    meeting: Meeting,
    case: Case,
    item: AgendaItem,
    statuses: Sequence[AgencyStatus],
    notice: SecrecyNotice,
) -> Message:
    """The head of a case's thread: code, the meeting's kind (and occasion, or モニタリング),
    who is asked and who has answered, under the meeting's notice in one line."""
    m = texts.MESSAGES
    lines = [
        m.thread_agency.format(
            agency=s.agency_name,
            answer=m.answered.format(count=s.answered) if s.answered else m.unanswered,
        )
        for s in statuses
    ]
    kind = meeting.kind.label
    if item.occasion:
        kind = m.kind_with_occasion.format(kind=kind, occasion=item.occasion.label)
    if item.monitoring_on is not None:
        kind = m.kind_with_occasion.format(kind=kind, occasion=m.monitoring)
    urgent = texts.CASES.urgent_mark if case.urgent else ""
    return Message(
        text=m.thread_text.format(urgent=urgent, code=case.code, kind=kind),
        blocks=(
            Note(notice.one_line),
            Header(m.thread_header.format(urgent=urgent, code=case.code, kind=kind)),
            Paragraph(m.thread_ask),
            Paragraph(m.thread_status.format(lines="\n".join(lines))),
            Buttons((Button(m.thread_button, INPUT_ACTION, item.id),)),
        ),
    )


def prompt_dm(
    codes: Sequence[str],
    label: str,
    notice: SecrecyNotice,
    *,
    reminder: bool = False,
    direct: bool = False,
    meeting_id: str | None = None,
    room_id: str | None = None,
) -> Message:
    """A DM to a member whose agency is asked: case codes only, and the meeting's notice in
    one line. With the meeting's channel: the notice's confirmation button (carrying the
    version shown) and a link to the channel confirming brings them into."""
    m = texts.MESSAGES
    head = m.reminder_head if reminder else m.prompt_head
    listed = "、".join(codes)
    # The direct mode (Teams) has no case threads: the cards come in the 1:1 chat.
    prompt = texts.DIRECT.prompt if direct else m.prompt
    blocks: list[Block] = [Paragraph(prompt.format(head=head, label=label, codes=listed))]
    if meeting_id is not None and room_id is not None:
        blocks += [
            Paragraph(notice.text),
            Paragraph(texts.ROOMS.prompt_button_hint.format(room=channel_link(room_id))),
            Buttons(
                (
                    Button(
                        m.notice_button,
                        ACK_ACTION,
                        ack_value(meeting_id, notice.version),
                        primary=True,
                    ),
                )
            ),
        ]
    blocks += [Divider(), Note(notice.one_line)]
    return Message(text=m.prompt_text.format(head=head, codes=listed), blocks=tuple(blocks))
