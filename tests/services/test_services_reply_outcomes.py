"""Every message in a meeting channel's threads ends recorded, held, or with its author told
why not — privately, in the thread — and a failed question to the chat platform decides
nothing (the event is handled again)."""

from __future__ import annotations

import pytest
from fakes.chat import Ephemeral
from services_world import COORDINATOR, CSW, HOUKATSU, World

from bot.domain.model import AuditAction, InputState
from bot.services import inputs, meetings
from bot.services.chat import ChatUnavailable, MessageRef
from bot.services.inputs import NotYetKnown, ReplyOutcome

PHONE = "連絡先は 090-1234-5678 です"


@pytest.fixture
def code(world: World) -> str:
    """R8-001, asked of houkatsu, collecting; houkatsu's member has confirmed the notice."""
    made = world.new_case("houkatsu")
    world.collecting(made)
    world.ack(HOUKATSU)
    world.mark()
    return made


def reply(
    world: World, code: str, message_id: str, user_id: str, text: str, files: int = 0
) -> ReplyOutcome:
    thread = world.thread(code)
    return inputs.record_reply(
        world.ctx, world.room(), thread.message_id, message_id, user_id, text, files=files
    )


def told(world: World, user_id: str) -> list[Ephemeral]:
    return world.chat.ephemerals(user_id)


# --------------------------------------------------------------------------- finding 2


def test_a_reply_to_the_secrecy_notice_is_not_dropped_silently(world: World, code: str) -> None:
    meeting = world.meeting()
    assert meeting is not None and meeting.notice_ref is not None
    notice = meetings.parse_ref(meeting.notice_ref)
    outcome = inputs.record_reply(
        world.ctx, world.room(), notice.message_id, "1764000300.000001", HOUKATSU, "確認しました"
    )
    assert outcome is ReplyOutcome.OTHER_THREAD
    [ephemeral] = told(world, HOUKATSU)
    assert "記録されていません" in ephemeral.text and "事例のスレッド" in ephemeral.text
    assert ephemeral.thread == notice  # in the thread, not in the channel
    assert world.inputs() == [] and world.audit() == []
    # The same event again (Slack's retry) tells no one twice.
    again = inputs.record_reply(
        world.ctx, world.room(), notice.message_id, "1764000300.000001", HOUKATSU, "確認しました"
    )
    assert again is ReplyOutcome.OTHER_THREAD and len(told(world, HOUKATSU)) == 1


def test_a_reply_to_a_thread_head_being_posted_is_decided_later(world: World) -> None:
    made = world.new_case("houkatsu")
    meeting = world.new_meeting()
    world.put_on_agenda(made)
    item = world.item(made)
    with world.ctx.uow() as uow:  # another opening has claimed the head and is posting it
        uow.processed.claim(meetings.head_key(item.id))
        opening = uow.meetings.get(meeting.id)
        assert opening is not None
        opening.room_id = "G0009"  # in the meeting channel it has made
        uow.meetings.save(opening)
        uow.commit()
    with pytest.raises(NotYetKnown):
        inputs.record_reply(
            world.ctx, world.room(), "1764000400.000001", "1764000400.000002", HOUKATSU, "x"
        )
    assert world.chat.ephemerals() == [] and meeting.id


# --------------------------------------------------------------------------- finding 3


def test_a_failed_account_check_decides_nothing(world: World, code: str) -> None:
    world.chat.fail_queries = True
    with pytest.raises(ChatUnavailable):
        reply(world, code, "1764000500.000001", HOUKATSU, "状況")
    assert world.inputs() == [] and world.audit() == [] and world.chat.calls == []
    assert not any("1764000500.000001" in key for key in world.store.claimed_keys())
    world.chat.fail_queries = False
    assert reply(world, code, "1764000500.000001", HOUKATSU, "状況") is ReplyOutcome.RECORDED
    assert world.chat.dms(COORDINATOR) == []  # nobody was told of an outsider


def test_a_failed_account_check_changes_no_edit_or_deletion(world: World, code: str) -> None:
    reply(world, code, "1764000500.000002", HOUKATSU, "初報")
    world.mark()
    world.chat.fail_queries = True
    with pytest.raises(ChatUnavailable):
        inputs.edit_reply(world.ctx, world.room(), "1764000500.000002", "訂正")
    with pytest.raises(ChatUnavailable):
        inputs.withdraw_reply(world.ctx, world.room(), "1764000500.000002")
    assert world.audit() == [] and world.chat.calls == []
    assert world.inputs()[0].text == "初報"


# --------------------------------------------------------------------------- finding 4


def test_a_reply_that_is_only_a_file_is_not_an_answer(world: World, code: str) -> None:
    outcome = reply(world, code, "1764000600.000001", HOUKATSU, "", files=1)
    assert outcome is ReplyOutcome.NO_TEXT
    assert world.inputs() == [] and world.audit() == []
    [ephemeral] = told(world, HOUKATSU)
    assert "添付ファイル" in ephemeral.text and ephemeral.thread == world.thread(code)
    assert world.chat.updates() == []  # the agency does not show as 回答済み
    # Written out as text by editing the message, it becomes the input.
    thread = world.thread(code)
    assert inputs.edit_reply(
        world.ctx,
        world.room(),
        "1764000600.000001",
        "訪問時の様子を文章で",
        HOUKATSU,
        thread_id=thread.message_id,
        files=1,
    )
    [recorded] = world.inputs()
    assert recorded.text == "訪問時の様子を文章で" and recorded.state is InputState.RECORDED


def test_the_text_of_a_reply_with_files_is_recorded_and_the_author_told(
    world: World, code: str
) -> None:
    outcome = reply(world, code, "1764000600.000002", HOUKATSU, "本文です", files=2)
    assert outcome is ReplyOutcome.RECORDED
    [recorded] = world.inputs()
    assert recorded.text == "本文です"
    [ephemeral] = told(world, HOUKATSU)
    assert "添付ファイルは入力として記録されず" in ephemeral.text


def test_an_edit_that_removes_all_text_withdraws_the_input(world: World, code: str) -> None:
    reply(world, code, "1764000600.000003", HOUKATSU, "初報", files=1)
    world.mark()
    thread = world.thread(code)
    assert inputs.edit_reply(
        world.ctx,
        world.room(),
        "1764000600.000003",
        "",
        HOUKATSU,
        thread_id=thread.message_id,
        files=1,
    )
    assert world.inputs()[0].state is InputState.WITHDRAWN
    assert any("取り下げ" in e.text for e in told(world, HOUKATSU))


# --------------------------------------------------------------------------- finding 8


def test_warnings_about_a_reply_go_to_its_thread(world: World) -> None:
    made = world.new_case("houkatsu", "csw")
    world.collecting(made)
    world.ack(HOUKATSU)
    world.mark()
    thread = world.thread(made)
    reply(world, made, "1764000700.000001", CSW, "保留される返信")  # held: not confirmed
    reply(world, made, "1764000700.000002", HOUKATSU, PHONE)  # identifiers
    reply(world, made, "1764000700.000003", "U0OUTSIDER", "部外者")  # not recorded
    ephemerals = world.chat.ephemerals()
    assert len(ephemerals) == 3
    assert all(e.thread == thread for e in ephemerals), ephemerals


def test_a_change_that_keeps_the_text_is_not_an_edit(world: World, code: str) -> None:
    reply(world, code, "1764000700.000004", HOUKATSU, "https://example.jp を参照")
    world.mark()
    # A link preview (unfurl) arrives as message_changed with the same text.
    assert not inputs.edit_reply(
        world.ctx, world.room(), "1764000700.000004", "https://example.jp を参照", HOUKATSU
    )
    assert world.audit(AuditAction.INPUT_EDITED) == [] and world.chat.calls == []
    assert world.inputs()[0].updated_at is None


def test_an_edit_of_a_reply_whose_event_was_lost_records_it(world: World, code: str) -> None:
    thread = world.thread(code)
    assert inputs.edit_reply(
        world.ctx,
        world.room(),
        "1764000700.000005",
        "遅れて届いた返信",
        HOUKATSU,
        thread_id=thread.message_id,
    )
    [recorded] = world.inputs()
    assert recorded.text == "遅れて届いた返信"
    assert world.chat.reactions()[0].ref == MessageRef(world.room(), "1764000700.000005")


# --------------------------------------------------------------------------- events out of order


def test_an_older_edit_arriving_late_does_not_undo_a_newer_one(world: World, code: str) -> None:
    reply(world, code, "1764000800.000001", HOUKATSU, "初報")
    # The first edit's event failed and comes again after the second edit's.
    assert inputs.edit_reply(
        world.ctx, world.room(), "1764000800.000001", "第二版", HOUKATSU, edited="1764000900.000002"
    )
    assert not inputs.edit_reply(
        world.ctx, world.room(), "1764000800.000001", "第一版", HOUKATSU, edited="1764000900.000001"
    )
    assert world.inputs()[0].text == "第二版"
    assert len(world.audit(AuditAction.INPUT_EDITED)) == 1


def test_a_reply_deleted_before_its_event_was_handled_is_not_recorded(
    world: World, code: str
) -> None:
    assert not inputs.withdraw_reply(world.ctx, world.room(), "1764000800.000002", HOUKATSU)
    outcome = reply(world, code, "1764000800.000002", HOUKATSU, "すぐ消した返信")
    assert outcome is ReplyOutcome.DELETED
    assert world.inputs() == [] and world.chat.calls == []
