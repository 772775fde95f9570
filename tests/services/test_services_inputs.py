"""Agency input: replies in a case's thread (recorded, held, rejected, edited, withdrawn) and
the 入力する form."""

from __future__ import annotations

import pytest
from fakes.chat import Reacted, Updated
from services_world import (
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    OUTSIDER,
    World,
)

from bot.domain.errors import NotFound
from bot.domain.model import AuditAction, InputSource, InputState
from bot.services import admin, inputs
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import FormErrors, FormValues, MessageRef, mention
from bot.services.inputs import ReplyOutcome
from bot.services.messages import RECEIVED_REACTION

PHONE = "連絡先は 090-1234-5678 です"


@pytest.fixture
def code(world: World) -> str:
    """R8-001, asked of houkatsu, collecting; houkatsu's member has confirmed the notice."""
    made = world.new_case("houkatsu")
    world.collecting(made)
    world.ack(HOUKATSU)
    world.mark()
    return made


def reply(world: World, code: str, message_id: str, user_id: str, text: str) -> ReplyOutcome:
    thread = world.thread(code)
    return inputs.record_reply(
        world.ctx, world.room(), thread.message_id, message_id, user_id, text
    )


# --------------------------------------------------------------------------- thread replies


def test_a_confirmed_members_reply_is_recorded(world: World, code: str) -> None:
    outcome = reply(
        world, code, "1764000200.000001", HOUKATSU, "  本人は日中独居。\r\n見守り継続中。 "
    )
    assert outcome is ReplyOutcome.RECORDED
    [recorded] = world.inputs()
    assert (recorded.text, recorded.state, recorded.source) == (
        "本人は日中独居。\n見守り継続中。",
        InputState.RECORDED,
        InputSource.THREAD,
    )
    assert recorded.source_ref == f"{world.room()}:1764000200.000001"
    [event] = world.audit()
    assert (event.action, event.actor, event.target_id, event.detail) == (
        AuditAction.INPUT_RECORDED,
        HOUKATSU,
        recorded.id,
        "case=R8-001",
    )
    assert world.chat.kinds() == ["Reacted", "Updated"]
    reaction, update = world.chat.calls
    assert reaction == Reacted(MessageRef(world.room(), "1764000200.000001"), RECEIVED_REACTION)
    assert isinstance(update, Updated) and update.ref == world.thread(code)
    assert "架空市中央地域包括支援センター: 回答済み（1件）" in update.text


def test_a_retried_event_is_recorded_once(world: World, code: str) -> None:
    reply(world, code, "1764000200.000001", HOUKATSU, "状況")
    world.mark()
    assert (
        reply(world, code, "1764000200.000001", HOUKATSU, "状況") is ReplyOutcome.ALREADY_RECORDED
    )
    assert world.audit() == [] and world.chat.calls == []
    assert len(world.inputs()) == 1


def test_several_replies_are_kept_in_order(world: World, code: str) -> None:
    reply(world, code, "1764000200.000001", HOUKATSU, "一報")
    world.clock.advance(minutes=1)
    reply(world, code, "1764000200.000002", HOUKATSU, "続報")
    assert [i.text for i in world.inputs()] == ["一報", "続報"]


def test_a_reply_before_confirming_is_held(world: World) -> None:
    made = world.new_case("houkatsu", "csw")
    world.collecting(made)
    world.mark()
    assert reply(world, made, "1764000200.000003", CSW, "把握している状況") is ReplyOutcome.HELD
    [held] = world.inputs()
    assert held.state is InputState.HELD and not held.counts
    assert [(e.action, e.detail) for e in world.audit()] == [
        (AuditAction.INPUT_HELD, "case=R8-001")
    ]
    [ephemeral] = world.chat.calls
    assert ephemeral == world.chat.ephemerals(CSW)[0]
    assert "保留中" in ephemeral.text
    # No reaction and no refresh: a held reply does not count yet.


def test_a_reply_from_someone_not_asked_is_rejected(world: World, code: str) -> None:
    outcome = reply(world, code, "1764000200.000004", CSW, "うちでも把握しています")
    assert outcome is ReplyOutcome.REJECTED
    assert world.inputs() == []
    [event] = world.audit()
    assert (event.action, event.actor, event.allowed, event.target_id, event.detail) == (
        AuditAction.ACCESS_DENIED,
        CSW,
        False,
        "R8-001",
        "reason=reply:not_asked",
    )
    assert world.chat.kinds() == ["Ephemeral", "Direct"]
    assert "記録されていません" in world.chat.ephemerals(CSW)[0].text
    [told] = world.chat.dms(COORDINATOR)
    assert mention(CSW) in told.text and "うちでも" not in told.text
    # The same event again tells no one twice.
    world.mark()
    assert reply(world, code, "1764000200.000004", CSW, "…") is ReplyOutcome.ALREADY_RECORDED
    assert world.chat.calls == [] and world.audit() == []


@pytest.mark.parametrize("who", [OUTSIDER, "deactivated"])
def test_outsiders_and_deactivated_members_are_rejected(world: World, code: str, who: str) -> None:
    user = who
    if who == "deactivated":
        user = HOUKATSU
        world.chat.deactivated.add(HOUKATSU)
    assert reply(world, code, "1764000200.000005", user, "x") is ReplyOutcome.REJECTED
    standing = "outsider" if who == OUTSIDER else "deactivated"
    assert [(e.action, e.detail) for e in world.audit()] == [
        (AuditAction.ACCESS_DENIED, f"reason=reply:{standing}")
    ]


def test_a_reply_in_a_channel_that_holds_no_meetings_is_none_of_the_bots_business(
    world: World, code: str
) -> None:
    outcome = inputs.record_reply(world.ctx, "C0OTHER", "1.999", "1.1000", HOUKATSU, "雑談")
    assert outcome is ReplyOutcome.NOT_A_CASE_THREAD
    assert world.audit() == [] and world.chat.calls == []


def test_a_reply_with_a_phone_number_is_recorded_and_flagged(world: World, code: str) -> None:
    assert reply(world, code, "1764000200.000006", HOUKATSU, PHONE) is ReplyOutcome.RECORDED
    [recorded] = world.inputs()
    assert recorded.text == PHONE  # recorded all the same
    assert world.actions() == ["input.recorded", "input.flagged"]
    flagged = world.audit(AuditAction.INPUT_FLAGGED)[0]
    assert flagged.target_id == recorded.id and flagged.detail == "case=R8-001;kinds=phone"
    assert world.chat.kinds() == ["Ephemeral", "Direct", "Reacted", "Updated"]
    warning, told = world.chat.ephemerals(HOUKATSU)[0], world.chat.dms(COORDINATOR)[0]
    assert "電話番号" in warning.text and "編集" in warning.text
    assert "090" not in told.text and mention(HOUKATSU) in told.text


# --------------------------------------------------------------------------- edits and deletions


def test_an_edit_updates_the_input(world: World, code: str) -> None:
    reply(world, code, "1764000200.000007", HOUKATSU, "初報")
    world.mark()
    world.clock.advance(minutes=5)
    assert inputs.edit_reply(world.ctx, world.room(), "1764000200.000007", "訂正後")
    [edited] = world.inputs()
    assert edited.text == "訂正後" and edited.updated_at == world.ctx.clock()
    assert [(e.action, e.actor) for e in world.audit()] == [(AuditAction.INPUT_EDITED, HOUKATSU)]
    assert world.chat.calls == []


def test_an_edit_that_adds_an_identifier_is_flagged_once(world: World, code: str) -> None:
    reply(world, code, "1764000200.000008", HOUKATSU, "初報")
    world.mark()
    assert inputs.edit_reply(world.ctx, world.room(), "1764000200.000008", PHONE)
    assert world.actions() == ["input.edited", "input.flagged"]
    assert world.chat.kinds() == ["Ephemeral", "Direct"]
    world.mark()
    assert not inputs.edit_reply(world.ctx, world.room(), "1764000200.000008", PHONE)  # retried
    assert world.actions() == []
    assert world.chat.calls == []


def test_edits_of_unknown_or_withdrawn_messages_change_nothing(world: World, code: str) -> None:
    assert not inputs.edit_reply(world.ctx, world.room(), "1.0", "何か")
    reply(world, code, "1764000200.000009", HOUKATSU, "初報")
    inputs.withdraw_reply(world.ctx, world.room(), "1764000200.000009")
    world.mark()
    assert not inputs.edit_reply(world.ctx, world.room(), "1764000200.000009", "復活？")
    assert world.audit() == [] and world.inputs()[0].text == "初報"


def test_a_deleted_reply_withdraws_its_input(world: World, code: str) -> None:
    reply(world, code, "1764000200.000010", HOUKATSU, "初報")
    world.mark()
    assert inputs.withdraw_reply(world.ctx, world.room(), "1764000200.000010")
    [withdrawn] = world.inputs()
    assert withdrawn.state is InputState.WITHDRAWN
    assert [(e.action, e.target_id) for e in world.audit()] == [
        (AuditAction.INPUT_WITHDRAWN, withdrawn.id)
    ]
    [update] = world.chat.updates()
    assert "架空市中央地域包括支援センター: 未回答" in update.text
    assert not inputs.withdraw_reply(world.ctx, world.room(), "1764000200.000010")
    assert not inputs.withdraw_reply(world.ctx, world.room(), "1.0")
    assert len(world.audit()) == 1


# --------------------------------------------------------------------------- the form


def test_a_confirmed_member_gets_the_form(world: World, code: str) -> None:
    item = world.item(code)
    inputs.open_input_form(world.ctx, Actor(HOUKATSU), item.id, "trigger-1")
    [opened] = world.chat.forms()
    assert opened.interaction_ref == "trigger-1"
    assert (opened.form.form_id, opened.form.metadata, opened.form.title) == (
        inputs.INPUT_FORM,
        item.id,
        "R8-001 情報提供",
    )
    assert [f.field_id for f in opened.form.fields] == ["situation", "issues", "proposal"]
    assert world.audit() == []


@pytest.mark.parametrize("who", [CSW, OUTSIDER, "deactivated"])
def test_people_not_asked_do_not_get_the_form(world: World, code: str, who: str) -> None:
    user = who
    if who == "deactivated":
        user = HOUKATSU
        world.chat.deactivated.add(HOUKATSU)
    with pytest.raises(PermissionDenied, match="入力できません"):
        inputs.open_input_form(world.ctx, Actor(user), world.item(code).id, "trigger-2")
    assert world.chat.forms() == []
    [denied] = world.denials()
    standing = {CSW: "not_asked", OUTSIDER: "outsider"}.get(who, "deactivated")
    assert (denied.actor, denied.target_type, denied.target_id, denied.detail) == (
        user,
        "case",
        "R8-001",
        f"reason=input_form:{standing}",
    )


def test_an_item_that_is_gone_has_no_form(world: World, code: str) -> None:
    with pytest.raises(NotFound, match="議題から外れた"):
        inputs.open_input_form(world.ctx, Actor(HOUKATSU), "0" * 32, "trigger-3")


def _unconfirmed(world: World) -> str:
    made = world.new_case("csw")
    world.collecting(made)
    world.mark()
    return made


def test_an_unconfirmed_member_is_asked_to_confirm_before_the_form(world: World) -> None:
    made = _unconfirmed(world)
    with pytest.raises(PermissionDenied, match="先に守秘義務の確認"):
        inputs.open_input_form(world.ctx, Actor(CSW), world.item(made).id, "trigger-4")
    assert world.chat.forms() == []


def test_an_unconfirmed_member_opening_the_form_is_audited(world: World) -> None:
    made = _unconfirmed(world)
    with pytest.raises(PermissionDenied):
        inputs.open_input_form(world.ctx, Actor(CSW), world.item(made).id, "trigger-5")
    assert [e.actor for e in world.denials()] == [CSW]


def test_an_unconfirmed_member_submitting_the_form_is_audited(world: World) -> None:
    made = _unconfirmed(world)
    values = FormValues(texts={"situation": "状況"})
    with pytest.raises(PermissionDenied):
        inputs.submit_input_form(world.ctx, Actor(CSW), world.item(made).id, values, "V0001")
    assert [e.actor for e in world.denials()] == [CSW]


def test_submitting_the_form_records_one_input(world: World, code: str) -> None:
    item = world.item(code)
    values = FormValues(texts={"situation": " 日中独居 ", "issues": "", "proposal": "見守り"})
    answer = inputs.submit_input_form(world.ctx, Actor(HOUKATSU), item.id, values, "V0002")
    assert answer == "R8-001 への入力（架空市中央地域包括支援センター）を記録しました。"
    [recorded] = world.inputs()
    assert recorded.text == "【状況】日中独居\n【支援内容・提案】見守り"
    assert (recorded.source, recorded.source_ref) == (InputSource.FORM, "V0002")
    assert [(e.action, e.detail) for e in world.audit()] == [
        (AuditAction.INPUT_RECORDED, "case=R8-001;form")
    ]
    assert world.chat.kinds() == ["Updated"]
    again = inputs.submit_input_form(world.ctx, Actor(HOUKATSU), item.id, values, "V0002")
    assert again == "R8-001 への入力はすでに受け付けています。"
    assert len(world.inputs()) == 1 and len(world.audit()) == 1


def test_an_empty_form_stays_open(world: World, code: str) -> None:
    with pytest.raises(FormErrors) as raised:
        inputs.submit_input_form(
            world.ctx, Actor(HOUKATSU), world.item(code).id, FormValues(texts={"issues": " "}), "V3"
        )
    assert list(raised.value.errors) == ["situation"]
    assert world.audit() == []


def test_a_form_with_an_identifier_is_flagged_but_cannot_be_edited(world: World, code: str) -> None:
    values = FormValues(texts={"situation": PHONE})
    inputs.submit_input_form(world.ctx, Actor(HOUKATSU), world.item(code).id, values, "V0004")
    assert world.actions() == ["input.recorded", "input.flagged"]
    warning = world.chat.ephemerals(HOUKATSU)[0]
    assert "フォームの入力は編集できない" in warning.text


def test_a_form_from_someone_removed_meanwhile_is_refused(world: World, code: str) -> None:

    item = world.item(code)
    admin.remove_member(world.ctx, COORD, "houkatsu", HOUKATSU)
    world.mark()
    values = FormValues(texts={"situation": "状況"})
    with pytest.raises(PermissionDenied):
        inputs.submit_input_form(world.ctx, Actor(HOUKATSU), item.id, values, "V0005")
    assert [e.detail for e in world.denials()] == ["reason=input_form:outsider"]
    assert world.inputs() == []
