"""The Bolt app: listeners that parse a payload, call one service, and render the answer.

The app runs with ``process_before_response=True``: Slack gets its answer (the ack) when a
listener returns. How each kind of request uses that:

- **Commands and button clicks** ack at once and do their work afterwards, in
  ``background``. Work that opens a form (the 入力する button, ``case new`` without
  arguments, ``decide``) goes to ``forms``, a small executor of its own, so that
  ``views.open`` is called within the 3 seconds its ``trigger_id`` lives instead of waiting
  behind queued work.
- **Form submissions** are validated *and recorded* before the ack, with the database only
  (their errors travel in the ack, and a closed form means a saved input); everything that
  needs Slack (warnings, the thread head, the confirmation DM) comes after, as follow-ups.
- **Events** (thread replies, edits, deletions, someone joining) are acked only once they
  are safely stored. In one process (Socket Mode, the development server) that means
  decided before the ack: the input is recorded, or held, or refused, and what must be said
  about it is handed to the follow-ups. If the decision needs Slack and Slack cannot answer
  (users.info failing), the listener answers 503, so Slack sends the event again (up to
  three retries, the last about five minutes later); the last retry is acked and retried
  here instead. On the production server an event is stored in the inbox before its ack
  and decided in the work process, which tries it again for as long as Slack cannot answer
  (``bot.chat.slack.handoff``); only one the inbox could not store is decided before its
  ack where it arrived, as in one process.

On the production server a serving process does not dispatch what it hands over at all:
:func:`hands_over` tells which requests a listener here would only ack (an empty 200) and
send to ``background`` — those are stored and acked as they arrive, and dispatched through
these same listeners in the work process. The rest (forms, what opens a form, Slack's URL
check, anything no listener takes) is dispatched where it arrives.

Follow-ups (``bot.chat.followups``) run in the background and are retried when Slack
refuses them. Logs carry command names, error kinds and Slack's error codes, never text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

from slack_bolt import Ack, App, BoltRequest, BoltResponse, Respond

from bot.chat.commands import Call, answer_for, dispatch, opens_form
from bot.chat.followups import RETRYABLE, FollowUps
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
    ChatGateway,
    FormErrors,
    Message,
    Paragraph,
)
from bot.services.context import FollowUp, ServiceContext
from bot.services.messages import ACK_ACTION, INPUT_ACTION, parse_ack_value

log = logging.getLogger(__name__)

# The slash command (the manifest's ``features.slash_commands``).
COMMAND = "/shien"
_SLACK_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
# Slack retries an event three times (about 1 minute, then 5 minutes apart); after the
# last one it gives up, so that one is acked and retried by the bot itself.
SLACK_LAST_RETRY = 3


def slack_text_to_command_text(text: str) -> str:
    """Slack escapes ``&<>`` and writes mentions as ``<@U123|name>``; the grammar wants ``@U123``."""
    return _plain(_SLACK_MENTION.sub(lambda m: f" @{m.group(1)} ", text))


def _guarded(action: Callable[[], str | None], what: str) -> str | None:
    try:
        return action()
    except Exception as error:
        return answer_for(error, what)


def hands_over(payload: dict[str, Any] | None, bot_user_id: str = "") -> bool:
    """Whether a verified request (as the edge parsed it) is one whose listener only acks
    it — an empty 200 — and hands all of its work to ``background``: a ``/shien`` command
    that opens no form, a click on the notice's button, a message or someone joining (not
    the bot's own message, which Bolt drops). Such a request can be stored and acked
    without being dispatched here (``bot.chat.slack.handoff``).

    Not handed over: form submissions (validated before their ack), what opens a form
    (``views.open`` within the 3 seconds its ``trigger_id`` lives), Slack's URL check, and
    whatever no listener here takes (Bolt answers it at once)."""
    if payload is None:
        return False
    kind = payload.get("type")
    if kind == "event_callback":
        event = payload["event"]
        if event["type"] == "member_joined_channel":
            return True
        return event["type"] == "message" and not (bot_user_id and event.get("user") == bot_user_id)
    if kind == "block_actions":
        return bool(payload["actions"][0]["action_id"] == ACK_ACTION)
    if kind is None and payload.get("command") == COMMAND:
        return not opens_form(slack_text_to_command_text(str(payload.get("text", ""))))
    return False


def register(
    app: App,
    ctx: ServiceContext,
    background: Executor,
    *,
    quick: ChatGateway | None = None,
    forms: Executor | None = None,
    followups: FollowUps | None = None,
    bot_user_id: str = "",
) -> None:
    """Attach every listener of the product to ``app``.

    Args:
        app: The Bolt app, with ``process_before_response=True``.
        ctx: The services for work done after the ack.
        background: Where that work runs (not Bolt's own pool: acks must never queue behind
            slow Web API calls).
        quick: The chat gateway for calls a person waits on within Slack's 3 seconds (no
            sleeping for rate limits); ``ctx.chat`` if not given.
        forms: Where work that opens a form runs; ``background`` if not given.
        followups: Runs and retries what may wait until after the ack; without it,
            follow-ups run in ``background`` once.
        bot_user_id: The bot's own user ID (its own joining a channel is not news).
    """
    defer: Callable[[str, FollowUp], None]
    if followups is not None:
        defer = followups.submit
    else:

        def defer(what: str, work: FollowUp) -> None:
            background.submit(work, ctx)

    # Contexts are made per request: the composition root may still be wiring ``ctx`` (its
    # scheduler). Whatever may wait goes to the follow-ups, retried if Slack refuses it;
    # what a person waits on within Slack's 3 seconds uses quick Slack calls.
    def later_ctx() -> ServiceContext:
        return replace(ctx, defer=defer)

    def now_ctx() -> ServiceContext:
        return replace(ctx, chat=quick or ctx.chat, defer=defer)

    form_executor = forms or background

    def later(work: Callable[[], object]) -> None:
        background.submit(work)

    def answer(respond: Respond, reply: str | None) -> None:
        if reply:
            respond(text=escape(reply), response_type="ephemeral", replace_original=False)

    def decided(
        what: str, handle: Callable[[ServiceContext], object], request: BoltRequest
    ) -> BoltResponse | None:
        """Decide an event before the ack; if that needs Slack and Slack cannot answer, let
        Slack send the event again (503), or, after its last retry, retry it here."""
        try:
            handle(now_ctx())
        except RETRYABLE as error:
            code = getattr(error, "code", "") or type(error).__name__
            if _retry_num(request) < SLACK_LAST_RETRY:
                log.warning("%s event not decided (%s): Slack will send it again", what, code)
                return BoltResponse(status=503, body="")
            log.warning("%s event not decided (%s) on Slack's last retry: retried here", what, code)
            defer(f"{what} event", handle)
        except Exception as error:
            answer_for(error, what)  # logged by kind; sending it again would fail the same way
        return None

    # Bolt tries the listeners in the order they are registered, each match costing tens
    # of microseconds of every dispatch: the most frequent requests (thread replies and
    # edits, then commands and clicks) come first, forms last.
    @app.event("message")
    def on_message(event: dict[str, Any], request: BoltRequest) -> BoltResponse | None:
        return decided("message", lambda c: _on_message(c, event), request)

    @app.event("member_joined_channel")
    def on_join(event: dict[str, Any], request: BoltRequest) -> BoltResponse | None:
        user_id = str(event.get("user", ""))
        if bot_user_id and user_id == bot_user_id:
            return None  # the bot itself (re)invited: not someone outside the roster
        if bot_user_id and event.get("inviter") == bot_user_id:
            return None  # the bot invited them itself, after checking they may be there

        def act(c: ServiceContext) -> None:
            meetings.member_joined(
                c, event.get("channel", ""), user_id, str(event.get("event_ts", ""))
            )

        return decided("join", act, request)

    @app.command(COMMAND)
    def shien(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        text = slack_text_to_command_text(body.get("text", ""))
        actor = Actor(body["user_id"])
        if opens_form(text):
            call = Call(now_ctx(), actor, body["channel_id"], body.get("trigger_id", ""))
            form_executor.submit(lambda: answer(respond, dispatch(call, text)))
        else:
            call = Call(later_ctx(), actor, body["channel_id"], body.get("trigger_id", ""))
            later(lambda: answer(respond, dispatch(call, text)))

    @app.action(ACK_ACTION)
    def ack_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        actor = Actor(body["user"]["id"])
        meeting_id, version = parse_ack_value(body["actions"][0].get("value", ""))

        def act() -> str | None:
            return meetings.acknowledge(
                later_ctx(), actor, meeting_id=meeting_id, via="button", version=version
            )

        later(lambda: answer(respond, _guarded(act, "ack")))

    @app.action(INPUT_ACTION)
    def input_button(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        actor = Actor(body["user"]["id"])
        item_id = body["actions"][0].get("value", "")

        def act() -> None:
            inputs.open_input_form(now_ctx(), actor, item_id, body["trigger_id"])

        form_executor.submit(lambda: answer(respond, _guarded(act, "input form")))

    def submission(
        form_id: str, handle: Callable[[ServiceContext, Actor, dict[str, Any]], str]
    ) -> None:
        @app.view(form_id)
        def on_submit(ack: Ack, body: dict[str, Any]) -> None:
            # Validated and recorded with the database only, before the ack: errors travel
            # in it, and Slack is asked nothing while the person waits.
            actor = Actor(body["user"]["id"], account=True)
            waiting: list[tuple[str, FollowUp]] = []
            form_ctx = replace(ctx, defer=lambda what, work: waiting.append((what, work)))
            try:
                reply = handle(form_ctx, actor, body["view"])
            except FormErrors as errors:
                ack(response_action="errors", errors=errors.errors)
                return
            except Exception as error:
                ack()
                reply = answer_for(error, form_id)
            else:
                ack()
            for what, work in waiting:
                defer(what, work)
            confirmation = _text_message(reply)
            defer("confirm form", lambda c: c.chat.send_direct(actor.user_id, confirmation))

    submission(
        inputs.INPUT_FORM,
        lambda c, actor, view: inputs.submit_input_form(
            c,
            actor,
            view.get("private_metadata", ""),
            form_values(view["state"]["values"]),
            view["id"],
        ),
    )
    submission(
        decisions.DECISION_FORM,
        lambda c, actor, view: decisions.submit_decision(
            c, actor, view.get("private_metadata", ""), form_values(view["state"]["values"])
        ),
    )
    submission(
        records.RECORD_FORM,
        lambda c, actor, view: records.submit_record(
            c, actor, view.get("private_metadata", ""), form_values(view["state"]["values"])
        ),
    )
    submission(
        cases.CASE_FORM,
        lambda c, actor, view: cases.submit_case_form(
            c, actor, form_values(view["state"]["values"]), str(view.get("id", ""))
        ),
    )


def _retry_num(request: BoltRequest) -> int:
    values = request.headers.get("x-slack-retry-num") or ["0"]
    try:
        return int(values[0])
    except ValueError:
        return 0


def _on_message(ctx: ServiceContext, event: dict[str, Any]) -> None:
    """Thread replies become inputs; edits update them; deletions withdraw them."""
    subtype = event.get("subtype")
    channel_id = event.get("channel", "")
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("bot_id") or message.get("subtype") == "bot_message":
            return  # the bot's own thread heads being refreshed, another app's post
        inputs.edit_reply(
            ctx,
            channel_id,
            message.get("ts", ""),
            _plain(message.get("text", "")),
            str(message.get("user", "")),
            thread_id=str(message.get("thread_ts") or ""),
            files=len(message.get("files") or ()),
            edited=str((message.get("edited") or {}).get("ts") or ""),
        )
    elif subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if previous.get("bot_id"):
            return  # the bot's own message
        inputs.withdraw_reply(
            ctx,
            channel_id,
            event.get("deleted_ts", ""),
            str(previous.get("user", "")),
            thread_id=str(previous.get("thread_ts") or event.get("thread_ts") or ""),
        )
    elif subtype in (None, "thread_broadcast", "file_share") and not event.get("bot_id"):
        thread_ts, ts = event.get("thread_ts"), event.get("ts", "")
        if thread_ts and thread_ts != ts and event.get("user"):
            inputs.record_reply(
                ctx,
                channel_id,
                thread_ts,
                ts,
                event["user"],
                _plain(event.get("text", "")),
                files=len(event.get("files") or ()),
            )


def _plain(text: str) -> str:
    """A message as its author typed it: Slack sends ``&``, ``<`` and ``>`` escaped."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_message(text: str) -> Message:
    return Message(text[:200], (Paragraph(text),))


__all__ = ["register", "slack_text_to_command_text"]
