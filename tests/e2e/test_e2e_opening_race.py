"""Opening collection raced through the real bot: the scheduler's opening (paced at about a
post a second, as it runs) and a coordinator typing ``/shien open`` right after, over HTTP
and over Socket Mode. Each case gets one thread head and every reply in it is recorded.

Socket Mode is played with Bolt's own Socket Mode adapter functions (``run_bolt_app`` and
``send_response``): a request is acked only if the app's answer is 200, as over the
WebSocket; the local workspace has no WebSocket of its own.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from dataclasses import replace
from datetime import date
from typing import Any

from e2e_steps import ack, inputs, meeting, member, prepare_meeting, reply, room
from slack_bolt.adapter.socket_mode.internals import run_bolt_app, send_response
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS

from bot.chat.slack.gateway import SlackGateway
from bot.scheduling import PacedChat, Pacer
from bot.services import scheduled
from localslack.harness import LocalWorkspace

ALL = "houkatsu shogai konkyu csw"


class SocketModeClient:
    """What Bolt's Socket Mode adapter hands the app's answers to: records the acks."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("socket-mode-test")
        self.acked: list[str] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.acked.append(response.envelope_id)


def over_socket_mode(
    ws: LocalWorkspace,
    client: SocketModeClient,
    kind: str,
    payload: dict[str, Any],
    *,
    retry_attempt: int | None = None,
    envelope_id: str | None = None,
) -> tuple[str, bool]:
    """Deliver one Socket Mode request to the bot; its envelope ID and whether it was acked."""
    assert ws.runtime is not None
    envelope_id = envelope_id or secrets.token_hex(8)
    request = SocketModeRequest(
        type=kind,
        envelope_id=envelope_id,
        payload=payload,
        retry_attempt=retry_attempt,
        retry_reason="timeout" if retry_attempt else None,
    )
    answer = run_bolt_app(ws.runtime.app, request)
    send_response(client, request, answer, time.time())  # type: ignore[arg-type]
    return envelope_id, envelope_id in client.acked


def command_payload(ws: LocalWorkspace, user_id: str, text: str) -> dict[str, Any]:
    return {
        "token": "local-verification-token",
        "team_id": ws.server.team_id,
        "team_domain": ws.server.team_domain,
        "channel_id": CHANNEL,
        "channel_name": "privategroup",
        "user_id": user_id,
        "user_name": user_id,
        "command": "/shien",
        "text": text,
        "api_app_id": ws.server.app_id,
        "is_enterprise_install": "false",
        "response_url": ws.server.issue_response_url(user_id, CHANNEL),
        "trigger_id": ws.server.issue_trigger(user_id),
    }


def heads(ws: LocalWorkspace, codes: list[str]) -> dict[str, list[str]]:
    """Each case's thread heads in the channel."""
    found: dict[str, list[str]] = {code: [] for code in codes}
    for message in ws.server.messages(room(ws)):
        for code in codes:
            if f"事例 {code}" in str(message.get("text", "")):
                found[code].append(str(message["ts"]))
    return found


def race_opening(ws: LocalWorkspace, open_by_hand: Any) -> tuple[date, list[str]]:
    """Three cases; the scheduler's opening starts, and ``/shien open`` comes right after."""
    day, codes = prepare_meeting(ws, ALL, ALL, ALL, open_collection=False)
    assert ws.runtime is not None
    meeting_id = meeting(ws, day).id
    # As the scheduler runs it: paced posts (a second apart in production).
    paced = replace(ws.runtime.context, chat=PacedChat(ws.runtime.context.chat, Pacer(0.3)))
    job = threading.Thread(target=scheduled.open_due, args=(paced, meeting_id))
    job.start()
    time.sleep(0.1)  # the notice and the first head are on their way
    open_by_hand()
    job.join(timeout=30)
    ws.settle()
    return day, codes


def assert_one_head_each_and_replies_recorded(
    ws: LocalWorkspace, day: date, codes: list[str]
) -> None:
    found = heads(ws, codes)
    assert all(len(ts) == 1 for ts in found.values()), found
    for key in ("houkatsu", "csw"):
        ack(ws, member(key))
    for code in codes:
        for key in ("houkatsu", "csw"):
            reply(ws, member(key), code, f"{code} について {key} から")
    ws.settle()
    assert len(inputs(ws, day)) == 2 * len(codes)


def test_open_typed_while_the_scheduler_opens_posts_each_head_once(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    answers: list[str] = []
    day, codes = race_opening(ws, lambda: answers.append(ws.command(COORDINATOR, CHANNEL, "open")))
    assert "情報収集を開始しました" in answers[0], answers
    assert_one_head_each_and_replies_recorded(ws, day, codes)


def test_the_same_race_over_socket_mode(workspace: LocalWorkspace) -> None:
    ws = workspace
    client = SocketModeClient()
    acked: list[bool] = []

    def open_over_socket_mode() -> None:
        payload = command_payload(ws, COORDINATOR, "open")
        acked.append(over_socket_mode(ws, client, "slash_commands", payload)[1])

    day, codes = race_opening(ws, open_over_socket_mode)
    assert acked == [True]
    ws.wait_until(lambda: ws.server.ephemerals(COORDINATOR))
    assert_one_head_each_and_replies_recorded(ws, day, codes)


def test_over_socket_mode_an_undecided_reply_is_not_acked_and_comes_again(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = MEMBERS["houkatsu"][0]
    ack(ws, houkatsu)
    ws.settle()
    assert ws.runtime is not None
    chat = ws.runtime.context.chat
    assert isinstance(chat, SlackGateway)
    chat.user_cache_seconds = 0
    head = next(iter(heads(ws, [code]).values()))[0]
    _, event = ws.server.post_as_user(houkatsu, room(ws), "ソケットでの返信", thread_ts=head)
    assert event is not None
    envelope = json.loads(ws.slack._envelope(event, "Ev0SOCKET1"))
    client = SocketModeClient()
    ws.server.inject_failure("users.info", "fatal_error", times=1)
    envelope_id, acked = over_socket_mode(ws, client, "events_api", envelope)
    assert not acked  # Slack will send it again
    assert inputs(ws, day) == []
    _, acked = over_socket_mode(
        ws, client, "events_api", envelope, retry_attempt=1, envelope_id=envelope_id
    )
    assert acked
    ws.settle()
    assert [i.text for i in inputs(ws, day)] == ["ソケットでの返信"]
