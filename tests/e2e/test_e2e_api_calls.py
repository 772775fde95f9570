"""The Web API calls of one standard meeting cycle: the bot asks Slack only what it does not
already know (DM channels kept, user facts cached for a while, the channel checked once per
operation)."""

from __future__ import annotations

from collections import Counter

from e2e_steps import ack, member, minutes_text, prepare_meeting, reacted, reply
from workspace_fixtures import CHANNEL, COORDINATOR

from localslack.harness import LocalWorkspace

# 3 cases, 4 agencies, every asked agency confirms and replies in its threads, the
# coordinator checks the status, reminds, records a role and takes the minutes.
CASES = ("houkatsu shogai konkyu csw", "houkatsu csw", "shogai konkyu")
REPLIES = {
    0: ("houkatsu", "shogai", "konkyu", "csw"),
    1: ("houkatsu", "csw"),
    2: ("shogai", "konkyu"),
}


def standard_cycle(ws: LocalWorkspace) -> Counter[str]:
    before = Counter(method for method, _ in ws.server.api_calls)
    day, codes = prepare_meeting(ws, *CASES)
    for key in ("houkatsu", "shogai", "konkyu", "csw"):
        ack(ws, member(key))
    for index, keys in REPLIES.items():
        for key in keys:
            ts = reply(ws, member(key), codes[index], f"{key} の報告です。")
            ws.wait_until(lambda ts=ts: reacted(ws, ts))
    ws.command(COORDINATOR, CHANNEL, "status")
    ws.command(COORDINATOR, CHANNEL, "remind")
    ws.command(COORDINATOR, CHANNEL, f"role {codes[0]} houkatsu 見守り 主担当")
    minutes_text(ws, day)
    ws.settle()
    after = Counter(method for method, _ in ws.server.api_calls)
    return after - before


def test_the_standard_cycle_asks_slack_only_what_it_does_not_know(
    workspace: LocalWorkspace,
) -> None:
    calls = standard_cycle(workspace)
    print(f"\nWeb API calls of the standard cycle: {sum(calls.values())} {dict(calls)}")
    # Before issue 14: 41 (auth.test 1, conversations.open 5, users.info 5, conversations.info
    # and .members 2 each, chat.postMessage 8, chat.update 8, reactions.add 8, files 2).
    assert calls["auth.test"] == 0  # Bolt is given the answer the bot asked for at start
    assert calls["conversations.open"] <= 1  # DMs go to the user ID; only a file needs one
    assert calls["users.info"] <= 5  # once per person: the coordinator and four members
    # Since issue 11 each meeting has its own private channel: create, topic, one invite per
    # person who confirmed (the coordinator and four members), and the room's check (private,
    # unshared, only entitled people) before case content is posted or updated.
    assert (calls["conversations.create"], calls["conversations.setTopic"]) == (1, 1)
    assert calls["conversations.invite"] == 5
    assert calls["conversations.info"] == calls["conversations.members"] <= 12
    # 36 before the meeting's own channel (issue 14), 67 with it.
    assert sum(calls.values()) <= 67
