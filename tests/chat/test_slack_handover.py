"""Which verified requests the production server stores and acks without dispatching them
(``bot.chat.slack.app.hands_over``): only those whose listener would ack with an empty 200
and hand all their work on. Each body goes through the edge first, as on the server."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.chat.slack.app import hands_over
from bot.chat.slack.edge import Accepted, MemoryReplayGuard, check_request
from bot.services.messages import ACK_ACTION, INPUT_ACTION

SECRET = "handover-secret"
NOW = 1_800_000_000
BOT = "UBOT0001"
FORM = "application/x-www-form-urlencoded"


def _verified(body: str, content_type: str) -> Accepted:
    raw = body.encode()
    signature = hmac.new(SECRET.encode(), f"v0:{NOW}:".encode() + raw, hashlib.sha256)
    headers = [
        ("content-type", content_type),
        ("content-length", str(len(raw))),
        ("x-slack-request-timestamp", str(NOW)),
        ("x-slack-signature", "v0=" + signature.hexdigest()),
    ]
    chunks = [raw]
    verdict = check_request(
        "POST",
        "/slack/events",
        headers,
        lambda n: chunks.pop() if chunks else b"",
        signing_secret=SECRET,
        replay=MemoryReplayGuard(lambda: NOW),
        clock=lambda: NOW,
    )
    assert isinstance(verdict, Accepted), verdict
    return verdict


def command(text: str, name: str = "/shien") -> Accepted:
    fields = {
        "command": name,
        "text": text,
        "user_id": "U0TANAKA",
        "channel_id": "C0OFFICE",
        "trigger_id": "1.2.abc",
        "response_url": "https://hooks.example/commands/1",
    }
    return _verified(urlencode(fields), FORM)


def interaction(payload: dict[str, Any]) -> Accepted:
    return _verified(urlencode({"payload": json.dumps(payload, ensure_ascii=False)}), FORM)


def click(action_id: str) -> Accepted:
    action = {"action_id": action_id, "block_id": "b", "type": "button", "value": "m-1:1"}
    return interaction({"type": "block_actions", "user": {"id": "U0TANAKA"}, "actions": [action]})


def event(inner: dict[str, Any]) -> Accepted:
    envelope = {"type": "event_callback", "event_id": "Ev0001", "event": inner}
    return _verified(json.dumps(envelope, ensure_ascii=False), "application/json")


@pytest.mark.parametrize(
    ("request_", "taken"),
    [
        # Commands whose work all comes after the ack.
        (command("status"), True),
        (command("agenda add R8-001"), True),
        (command("role R8-002 houkatsu 見守りの継続 期限:2026-12-22"), True),
        (command(""), True),  # help
        (command("ちゃんと読めない命令"), True),  # its Japanese error comes after the ack too
        # Commands that open a form: views.open within the trigger_id's 3 seconds, here.
        (command("case new"), False),
        (command("decide R8-001"), False),
        (command("record"), False),
        # A command no listener here takes: Bolt answers it.
        (command("status", name="/other"), False),
        # The notice's button is handed over; the 入力する button opens a form.
        (click(ACK_ACTION), True),
        (click(INPUT_ACTION), False),
        (click("someone-elses-button"), False),
        # Form submissions are validated and recorded before their ack.
        (
            interaction(
                {
                    "type": "view_submission",
                    "user": {"id": "U0TANAKA"},
                    "view": {"type": "modal", "callback_id": "shien-input", "state": {}},
                }
            ),
            False,
        ),
        # Events: replies, edits, deletions and joins are handed over.
        (event({"type": "message", "user": "U0TANAKA", "text": "経過の報告", "ts": "1.1"}), True),
        (event({"type": "message", "subtype": "message_changed", "message": {}}), True),
        (event({"type": "member_joined_channel", "user": "U0TANAKA", "channel": "G1"}), True),
        # The bot's own messages are dropped by Bolt here; other events are not ours.
        (event({"type": "message", "user": BOT, "text": "スレッドの先頭", "ts": "1.2"}), False),
        (event({"type": "reaction_added", "user": "U0TANAKA"}), False),
        # Slack's URL check is answered by Bolt.
        (_verified('{"type":"url_verification","challenge":"c-1"}', "application/json"), False),
    ],
)
def test_only_requests_whose_listener_only_acks_are_handed_over(
    request_: Accepted, taken: bool
) -> None:
    assert hands_over(request_.parsed, BOT) is taken


def test_a_body_the_edge_left_to_bolt_is_dispatched_here() -> None:
    assert hands_over(None, BOT) is False
