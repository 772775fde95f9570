"""The direct delivery mode (Teams): case content only in confirmed members' 1:1 chats.

The same services, on the fakes, with ``ctx.delivery = DIRECT``: nothing is posted in the
meeting channel; the notice comes first, one card per case after confirming; a card's form
records and then edits the member's agency's input; removal replaces the cards at once.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakes.direct_chat import CardSent, RecordingDirectChat
from services_world import COORD, COORDINATOR, CSW, HOUKATSU, OUTSIDER, World, make_world

from bot import texts
from bot.domain.model import AuditAction, InputState
from bot.services import admin, direct, meetings
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import Buttons, FormValues
from bot.services.delivery import CardKind, Delivery


@pytest.fixture
def world() -> Iterator[World]:
    made = make_world()
    chat = RecordingDirectChat(in_transaction=lambda: made.store.in_transaction)
    made.ctx.chat = chat
    made.chat = chat
    made.ctx.delivery = Delivery.DIRECT
    made.setup()
    made.mark()
    yield made
    assert made.chat.made_in_transaction() == []


def _chat(world: World) -> RecordingDirectChat:
    assert isinstance(world.chat, RecordingDirectChat)
    return world.chat


def _ack_value(world: World, user_id: str) -> str:
    card = next(c for c in _chat(world).cards_sent(user_id) if "守秘義務" in c.text)
    buttons = next(b for b in card.card.message.blocks if isinstance(b, Buttons))
    assert buttons.buttons[0].action_id == direct.ACK_ACTION
    return buttons.buttons[0].value


def _values(**texts_: str) -> FormValues:
    return FormValues(texts=dict(texts_))


def test_setup_needs_no_private_channel_in_the_direct_mode() -> None:
    made = make_world()
    made.ctx.delivery = Delivery.DIRECT
    made.chat.set_members("C0PUBLIC", ["U0ANY"], private=False)
    assert admin.setup_channel(made.ctx, Actor("system"), "C0PUBLIC")
    assert not [q for q in made.chat.queries if q.method == "channel_facts"]


def test_opening_posts_nothing_in_the_channel_and_sends_the_notice_first(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    chat = _chat(world)
    assert chat.posts() == []
    sent = chat.cards_sent()
    assert {c.user_id for c in sent} == {HOUKATSU, COORDINATOR}
    meeting = world.meeting()
    assert meeting is not None
    title = world.ctx.notice(meeting).title
    assert all(title in c.text for c in sent)  # no case before confirming
    assert code not in " ".join(c.text for c in sent)
    assert not chat.cards_sent(CSW)  # csw is not asked


def test_confirming_brings_one_card_per_case_with_a_form(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("houkatsu", "csw")
    world.collecting(first, second)
    answer = direct.acknowledge_card(world.ctx, Actor(HOUKATSU), _ack_value(world, HOUKATSU))
    assert "確認" in answer
    cases = [c for c in _chat(world).cards_sent(HOUKATSU) if c.card.form is not None]
    assert [first in c.text or second in c.text for c in cases] == [True, True]
    assert len(world.audit(AuditAction.CASE_VIEWED)) == 2
    # Acknowledging again sends nothing more.
    direct.acknowledge_card(world.ctx, Actor(HOUKATSU), _ack_value(world, HOUKATSU))
    assert len([c for c in _chat(world).cards_sent(HOUKATSU) if c.card.form]) == 2


def test_an_outdated_notice_is_replaced_not_recorded(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    meeting = world.meeting()
    assert meeting is not None
    answer = direct.acknowledge_card(world.ctx, Actor(HOUKATSU), f"{meeting.id}|1999.1")
    assert answer == texts.DIRECT.notice_outdated
    assert not world.audit(AuditAction.NOTICE_ACKNOWLEDGED)


def test_submitting_records_then_edits_the_agency_input(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.ack(HOUKATSU)
    item = world.item(code)
    first = direct.submit_case_input(
        world.ctx, Actor(HOUKATSU), item.id, _values(situation="母は物忘れが進む")
    )
    assert first == texts.DIRECT.recorded.format(code=code, agency="架空市中央地域包括支援センター")
    second = direct.submit_case_input(
        world.ctx,
        Actor(HOUKATSU),
        item.id,
        _values(situation="母は物忘れが進む", issues="服薬管理"),
    )
    assert "更新" in second
    inputs = world.inputs()
    assert len(inputs) == 1 and inputs[0].state is InputState.RECORDED
    assert "【課題】服薬管理" in inputs[0].text
    shown = list(_chat(world).cards_of(HOUKATSU).values())
    case_cards = [c for c in shown if c.form is not None]
    assert "服薬管理" in " ".join(
        b.text for b in case_cards[0].message.blocks if hasattr(b, "text")
    )
    assert [f.initial for f in case_cards[0].form.fields][:2] == ["母は物忘れが進む", "服薬管理"]  # type: ignore[union-attr]
    assert [e.action for e in world.audit() if e.action.value.startswith("input.")] == [
        AuditAction.INPUT_RECORDED,
        AuditAction.INPUT_EDITED,
    ]


def test_an_outsider_and_an_unconfirmed_member_cannot_submit(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    item = world.item(code)
    with pytest.raises(PermissionDenied):
        direct.submit_case_input(world.ctx, Actor(OUTSIDER), item.id, _values(situation="x"))
    with pytest.raises(PermissionDenied):
        direct.submit_case_input(world.ctx, Actor(HOUKATSU), item.id, _values(situation="x"))
    assert world.inputs() == []
    assert len(world.denials()) == 2


def test_a_removed_member_sees_their_cards_replaced_at_once(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.ack(HOUKATSU)
    admin.remove_member(world.ctx, COORD, "houkatsu", HOUKATSU)
    shown = _chat(world).cards_of(HOUKATSU).values()
    assert shown and all(c.form is None for c in shown)
    assert all(
        c.message.text in (texts.DIRECT.withdrawn_text, texts.DIRECT.notice_withdrawn_text)
        for c in shown
    )
    assert len(world.audit(AuditAction.CARD_WITHDRAWN)) == 2
    kinds = {card.kind for card in world.ctx.cards.for_user(HOUKATSU)}
    assert kinds == {CardKind.NOTICE, CardKind.CASE}
    item = world.item(code)
    with pytest.raises(PermissionDenied):
        direct.submit_case_input(world.ctx, Actor(HOUKATSU), item.id, _values(situation="x"))


def test_a_case_added_while_collecting_reaches_confirmed_members(world: World) -> None:
    first = world.new_case("houkatsu")
    world.collecting(first)
    world.ack(HOUKATSU)
    second = world.new_case("houkatsu")
    answer = meetings.add_to_agenda(world.ctx, COORD, "C0KAIGI01", second, world.meeting().date)  # type: ignore[union-attr]
    assert second in answer
    assert any(
        second in c.text for c in _chat(world).cards_sent(HOUKATSU) if isinstance(c, CardSent)
    )


def test_reminders_in_the_direct_mode_point_to_the_cards(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    meetings.remind(world.ctx, COORD, "C0KAIGI01", None)
    assert any("カード" in text for text in world.chat.dm_texts(HOUKATSU))


def test_asking_another_agency_while_collecting_reaches_its_members(world: World) -> None:
    from bot.services import agenda

    code = world.new_case("houkatsu")
    world.collecting(code)
    answer = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert code in answer
    assert _chat(world).cards_sent(CSW)  # the notice first
    world.ack(CSW)
    assert any(code in c.text for c in _chat(world).cards_sent(CSW) if c.card.form is not None)


def test_a_case_taken_off_the_agenda_is_withdrawn_from_the_cards(world: World) -> None:
    from bot.services import agenda

    code = world.new_case("houkatsu")
    meeting = world.collecting(code)
    world.ack(HOUKATSU)
    agenda.remove_from_agenda(world.ctx, COORD, "C0KAIGI01", code, meeting.date)
    assert not any(c.form for c in _chat(world).cards_of(HOUKATSU).values())
    assert world.audit(AuditAction.CARD_WITHDRAWN)
