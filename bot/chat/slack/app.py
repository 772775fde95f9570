"""The Bolt app: listeners that parse a payload, call one service, and render the answer.

Every listener acks first (well inside Slack's 3 seconds) and does the work afterwards
(Bolt runs it in its worker threads); modal submissions validate before they ack, because
their errors must travel in the ack. Logs carry command names and error kinds, never text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.chat.commands import Call, answer_for, dispatch
from bot.chat.slack.render import escape, form_values
from bot.services import (
    cases,
    decisions,
    inputs,
    meetings,
    records,
)
from bot.services.access import Actor
from bot.services.chat import (
    ChatUnavailable,
    FormErrors,
    Message,
    Paragraph,
)
from bot.services.context import ServiceContext
from bot.services.messages import ACK_ACTION, INPUT_ACTION

log = logging.getLogger(__name__)

_SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def slack_text_to_command_text(text: str) -> str:
    """Slack escapes ``&<>`` and writes mentions as ``<@U123|name>``; the grammar wants ``@U123``."""
    return _plain(_SLACK_MENTION.sub(lambda m: f" @{m.group(1)} ", text))


def _guarded(action: Callable[[], str | None], what: str) -> str | None:
    try:
        return action()
    except Exception as error:
        return answer_for(error, what)


def register(app: App, ctx: ServiceContext, background: Executor) -> None:
    """Attach every listener of the product to ``app``.

    The app runs with ``process_before_response=True``: each listener acks in the request
    thread and hands its work to ``background``, so an ack never waits for a free worker
    (Bolt's own pool would make acks queue behind slow Web API calls under load).
    """

    def later(work: Callable[[], object]) -> None:
        background.submit(work)

    def answer(respond: Respond, reply: str | None) -> None:
        if reply:
            respond(text=escape(reply), response_type="ephemeral", replace_original=False)

    @app.command("/shien")
    def shien(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        call = Call(ctx, Actor(body["user_id"]), body["channel_id"], body.get("trigger_id", ""))
        text = slack_text_to_command_text(body.get("text", ""))
        later(lambda: answer(respond, dispatch(call, text)))

    @app.action(ACK_ACTION)
    def ack_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        actor = Actor(body["user"]["id"])
        meeting_id = body["actions"][0].get("value", "")

        def act() -> str | None:
            return meetings.acknowledge(ctx, actor, meeting_id=meeting_id, via="button")

        later(lambda: answer(respond, _guarded(act, "ack")))

    @app.action(INPUT_ACTION)
    def input_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        actor = Actor(body["user"]["id"])
        item_id = body["actions"][0].get("value", "")

        def act() -> None:
            inputs.open_input_form(ctx, actor, item_id, body["trigger_id"])

        later(lambda: answer(respond, _guarded(act, "input form")))

    def submission(form_id: str, handle: Callable[[Actor, dict[str, Any]], str]) -> None:
        @app.view(form_id)
        def on_submit(ack: Ack, body: dict[str, Any]) -> None:
            # Validation and recording come before the ack: their errors travel in it.
            actor = Actor(body["user"]["id"])
            try:
                reply = handle(actor, body["view"])
            except FormErrors as errors:
                ack(response_action="errors", errors=errors.errors)
                return
            except Exception as error:
                ack()
                reply = answer_for(error, form_id)
            else:
                ack()

            def confirm() -> None:
                try:
                    ctx.chat.send_direct(actor.user_id, _text_message(reply))
                except ChatUnavailable:
                    log.warning("could not confirm %s to its submitter", form_id)

            later(confirm)

    submission(
        inputs.INPUT_FORM,
        lambda actor, view: inputs.submit_input_form(
            ctx,
            actor,
            view.get("private_metadata", ""),
            form_values(view["state"]["values"]),
            view["id"],
        ),
    )
    submission(
        decisions.DECISION_FORM,
        lambda actor, view: decisions.submit_decision(
            ctx, actor, view.get("private_metadata", ""), form_values(view["state"]["values"])
        ),
    )
    submission(
        records.RECORD_FORM,
        lambda actor, view: records.submit_record(
            ctx, actor, view.get("private_metadata", ""), form_values(view["state"]["values"])
        ),
    )
    submission(
        cases.CASE_FORM,
        lambda actor, view: cases.submit_case_form(
            ctx, actor, form_values(view["state"]["values"]), str(view.get("id", ""))
        ),
    )

    @app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        later(lambda: _guarded(partial(_on_message, ctx, event), "message"))

    @app.event("member_joined_channel")
    def on_join(event: dict[str, Any]) -> None:
        def act() -> None:
            meetings.member_joined(
                ctx, event.get("channel", ""), event.get("user", ""), str(event.get("event_ts", ""))
            )

        later(lambda: _guarded(act, "join"))


def _on_message(ctx: ServiceContext, event: dict[str, Any]) -> None:
    """Thread replies become inputs; edits update them; deletions withdraw them."""
    subtype = event.get("subtype")
    channel_id = event.get("channel", "")
    if subtype == "message_changed":
        message = event.get("message") or {}
        inputs.edit_reply(
            ctx,
            channel_id,
            message.get("ts", ""),
            _plain(message.get("text", "")),
            str(message.get("user", "")),
        )
    elif subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        inputs.withdraw_reply(
            ctx, channel_id, event.get("deleted_ts", ""), str(previous.get("user", ""))
        )
    elif subtype in (None, "thread_broadcast", "file_share") and not event.get("bot_id"):
        thread_ts, ts = event.get("thread_ts"), event.get("ts", "")
        if thread_ts and thread_ts != ts and event.get("user"):
            inputs.record_reply(
                ctx, channel_id, thread_ts, ts, event["user"], _plain(event.get("text", ""))
            )


def _plain(text: str) -> str:
    """A message as its author typed it: Slack sends ``&``, ``<`` and ``>`` escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_message(text: str) -> Message:
    return Message(text[:200], (Paragraph(text),))


__all__ = ["register", "slack_text_to_command_text"]
