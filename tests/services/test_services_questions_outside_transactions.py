"""Questions to the chat platform (is this account active?) are asked before a unit of work,
never inside one: on SQLite a transaction holds the database's write lock, and a question
that waits for Slack (a rate limit's Retry-After, a time-out) would keep every other
writer — the replies being recorded — waiting too."""

from __future__ import annotations

from services_world import CHANNEL, COORDINATOR, CSW, HOUKATSU, World

from bot.chat.commands import Call, dispatch
from bot.services import inputs, meetings
from bot.services.access import Actor


def asked_inside(world: World) -> list[str]:
    return [f"{q.method}:{q.subject}" for q in world.chat.queries if q.in_transaction]


def test_the_hot_paths_ask_slack_outside_their_transactions(world: World) -> None:
    code = world.new_case("houkatsu", "csw")
    world.collecting(code)
    world.chat.clear()
    thread = world.thread(code)
    meeting = world.meeting()
    assert meeting is not None
    meetings.acknowledge(world.ctx, Actor(HOUKATSU), meeting_id=meeting.id, via="button")
    inputs.record_reply(world.ctx, world.room(), thread.message_id, "1.1", HOUKATSU, "返信")
    inputs.record_reply(world.ctx, world.room(), thread.message_id, "1.2", CSW, "保留")
    inputs.edit_reply(world.ctx, world.room(), "1.1", "訂正", HOUKATSU)
    inputs.withdraw_reply(world.ctx, world.room(), "1.1", HOUKATSU)
    inputs.open_input_form(world.ctx, Actor(HOUKATSU), world.item(code).id, "trigger")
    for text in ("status", "ack", "remind", f"role {code} houkatsu 見守り"):
        dispatch(Call(world.ctx, Actor(COORDINATOR), CHANNEL), text)
    assert world.chat.queries, "the paths asked nothing at all"
    assert asked_inside(world) == []
