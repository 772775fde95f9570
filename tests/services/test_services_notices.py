"""The meeting's kind decides its legal footing: the secrecy notice in the channel, the thread
heads, the prompt DMs, the documents, and which version a confirmation is for."""

from __future__ import annotations

from datetime import date

import pytest
from services_world import CHANNEL, COORD, COORDINATOR, HOUKATSU, MEETING_DAY, World

from bot.domain.confidentiality import (
    MULTILAYER_NOTICE,
    MULTILAYER_STATUTORY_NOTICE,
    NOTICES,
    SUPPORT_NOTICE,
)
from bot.domain.model import MeetingKind
from bot.services import decisions, documents, meetings

STATUTE = ("第106条の6", "罰則")


def _everything_sent(world: World) -> str:
    parts = [p.text for p in world.posts()] + [u.text for u in world.chat.updates()]
    parts += [dm.text for dm in world.chat.dms()]
    return "\n".join(parts)


def _cycle(world: World, kind: MeetingKind) -> str:
    code = world.new_case("houkatsu", consent_on=date(2026, 11, 1))
    world.new_meeting(kind=kind)
    world.put_on_agenda(code)
    world.mark()
    world.open()
    world.ack(COORDINATOR)
    world.ack(HOUKATSU)
    meetings.remind(world.ctx, COORD, CHANNEL, None)
    decisions.assign_role(world.ctx, COORD, CHANNEL, code, "houkatsu", "見守り", None, True)
    documents.deliver_role_summaries(world.ctx, COORD, CHANNEL, MEETING_DAY)
    return code


def test_a_support_meeting_cites_article_106_6_and_its_penalty(world: World) -> None:
    _cycle(world, MeetingKind.SUPPORT)
    notice, thread = world.posts()[:2]
    assert SUPPORT_NOTICE.title in notice.text and SUPPORT_NOTICE.text in notice.text
    assert "第106条の6第1項" in notice.text and "本人の同意がなくても" in notice.text
    assert SUPPORT_NOTICE.one_line in thread.text and "（支援会議）" in thread.text
    for dm in world.chat.dms(HOUKATSU):  # the prompt, the reminder, the agency's tasks
        assert SUPPORT_NOTICE.one_line in dm.text
    with world.ctx.uow() as uow:
        meeting = world.meeting()
        assert meeting is not None
        assert {a.notice_version for a in uow.acknowledgements.for_meeting(meeting.id)} == {
            "2026.2"
        }


def test_a_multilayer_meeting_never_cites_the_statutory_penalty_by_default(world: World) -> None:
    _cycle(world, MeetingKind.MULTILAYER)
    sent = _everything_sent(world)
    for word in STATUTE:
        assert word not in sent, word
    notice = world.posts()[0]
    assert MULTILAYER_NOTICE.title in notice.text and "本人の同意を得た範囲で" in notice.text
    assert "要綱" in notice.text
    assert "通知文の版: 2026.2-M" in notice.text
    thread = world.posts()[1]
    assert "（重層的支援会議・プラン策定時）" in thread.text
    assert MULTILAYER_NOTICE.one_line in thread.text
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        versions = {a.notice_version for a in uow.acknowledgements.for_meeting(meeting.id)}
    assert versions == {"2026.2-M"}
    documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    [view] = world.fakes.renderer.minutes
    assert view.notice is MULTILAYER_NOTICE and view.multilayer
    assert world.fakes.renderer.role_summaries
    assert all(v.notice is MULTILAYER_NOTICE for v in world.fakes.renderer.role_summaries)


def test_a_municipality_may_place_its_multilayer_meetings_under_article_106_6(
    world: World,
) -> None:
    world.ctx.multilayer_statutory = True
    _cycle(world, MeetingKind.MULTILAYER)
    notice, thread = world.posts()[:2]
    assert MULTILAYER_STATUTORY_NOTICE.title in notice.text
    assert all(word in notice.text for word in STATUTE)
    assert MULTILAYER_STATUTORY_NOTICE.one_line in thread.text
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        versions = {a.notice_version for a in uow.acknowledgements.for_meeting(meeting.id)}
    assert versions == {"2026.2-MS"}


def test_a_confirmation_is_for_the_notice_it_saw(world: World) -> None:
    """Switching the setting changes the wording of 重層 meetings: members confirm anew."""
    world.collecting(world.new_case("houkatsu", consent_on=date(2026, 11, 1)))
    code = world.new_case("houkatsu", consent_on=date(2026, 11, 1))
    world.new_meeting(date(2026, 12, 15), MeetingKind.MULTILAYER)
    world.put_on_agenda(code, date(2026, 12, 15))
    world.open(date(2026, 12, 15))
    assert "記録しました" in world.ack(HOUKATSU, date(2026, 12, 15))
    assert "すでに確認済み" in world.ack(HOUKATSU, date(2026, 12, 15))
    world.ctx.multilayer_statutory = True
    assert "記録しました" in world.ack(HOUKATSU, date(2026, 12, 15))


@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: n.version)
def test_every_notice_leaves_the_chat_rule_to_the_chat(notice: object) -> None:
    text = getattr(notice, "text")  # noqa: B009
    assert "チャット" not in text and "非公開" in text
    assert ("罰則" in text) is getattr(notice, "statutory")  # noqa: B009
