"""The Bolt app: listeners that parse a payload, call one service, and render the answer.

Every listener acks first (well inside Slack's 3 seconds) and does the work afterwards
(Bolt runs it in its worker threads); modal submissions validate before they ack, because
their errors must travel in the ack. Logs carry command names and error kinds, never text.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond

from bot.chat.commands import Command, CommandError, help_text, parse
from bot.chat.slack.render import escape, form_values
from bot.domain.calendar import HolidayPolicy
from bot.domain.errors import DomainError
from bot.services import (
    admin,
    audit_log,
    cases,
    consent,
    decisions,
    documents,
    inputs,
    meetings,
    scheduling,
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
UNAVAILABLE = "Slack との通信に失敗しました。しばらくしてからもう一度お試しください。"
FAILED = "処理中に問題が発生しました。入力内容は失われていません。もう一度お試しいただき、続く場合は事務局にご連絡ください。"


def slack_text_to_command_text(text: str) -> str:
    """Slack escapes ``&<>`` and writes mentions as ``<@U123|name>``; the grammar wants ``@U123``."""
    return _plain(_SLACK_MENTION.sub(lambda m: f" @{m.group(1)} ", text))


def run_command(
    ctx: ServiceContext, actor: Actor, channel_id: str, command: Command, trigger_id: str
) -> str | None:
    """Dispatch a parsed command to its service; the answer is text for the requester."""
    name, words, day = command.name, command.words, command.day
    if name == "help":
        return help_text()
    if name == "setup":
        return admin.setup_channel(ctx, actor, channel_id)
    if name == "coordinator add":
        return admin.add_coordinator(ctx, actor, command.users[0])
    if name == "agency add":
        return admin.register_agency(ctx, actor, words[0], words[1], list(command.users))
    if name == "agency remove":
        return admin.remove_member(ctx, actor, words[0], command.users[0])
    if name == "agency list":
        return admin.list_agencies(ctx, actor)
    if name == "adhoc":
        assert day is not None and command.start is not None
        return meetings.schedule_adhoc(ctx, actor, channel_id, day, command.start, command.kind)
    if name == "monthly":
        assert command.start is not None
        return scheduling.set_monthly(
            ctx,
            actor,
            channel_id,
            int(command.extra["ordinal"]),
            int(command.extra["weekday"]),
            command.start,
            command.kind,
            HolidayPolicy(command.extra["policy"]),
        )
    if name == "meetings":
        return scheduling.list_meetings(ctx, actor, channel_id)
    if name == "cancel":
        assert day is not None
        return scheduling.cancel_meeting(ctx, actor, channel_id, day)
    if name == "move":
        assert day is not None
        to_day = date.fromisoformat(command.extra["to"])
        return scheduling.move_meeting(ctx, actor, channel_id, day, to_day, command.start)
    if name == "case new":
        if not words:
            ctx.chat.open_form(trigger_id, cases.case_form(ctx, actor))
            return None
        code = cases.create_case(
            ctx,
            actor,
            cases.NewCase(
                agency_keys=list(words),
                kind=command.kind,
                consent_on=command.consent_on,
                urgent=command.urgent,
            ),
        )
        return cases.case_created(code)
    if name == "consent":
        assert command.consent_on is not None
        return cases.record_consent(ctx, actor, words[0], command.consent_on)
    if name == "consent withdraw":
        return consent.withdraw_consent(ctx, actor, words[0], command.consent_on)
    if name == "audit":
        return audit_log.show_audit(ctx, actor, case_code=words[0] if words else None, day=day)
    if name == "agenda add":
        return meetings.add_to_agenda(ctx, actor, channel_id, words[0], day, command.occasion)
    if name == "open":
        return meetings.open_collection(ctx, actor, channel_id, day)
    if name == "ack":
        return meetings.acknowledge(ctx, actor, channel_id=channel_id, day=day)
    if name == "status":
        return meetings.status(ctx, actor, channel_id, day)
    if name == "remind":
        return meetings.remind(ctx, actor, channel_id, day)
    if name == "role":
        return decisions.assign_role(
            ctx, actor, channel_id, words[0], words[1], words[2], command.due_on, command.lead
        )
    if name == "decide":
        ctx.chat.open_form(trigger_id, decisions.decision_form(ctx, actor, channel_id, words[0]))
        return None
    if name == "minutes final":
        return documents.deliver_final_minutes(ctx, actor, channel_id, day)
    if name == "minutes":
        return documents.deliver_minutes(ctx, actor, channel_id, day)
    if name == "roles":
        return documents.deliver_role_summaries(ctx, actor, channel_id, day)
    return help_text()  # pragma: no cover - the grammar knows no other names


def answer_for(error: Exception, what: str) -> str:
    """A known failure becomes its Japanese message; anything else is logged by kind only."""
    if isinstance(error, CommandError):
        return error.message + ("\n\n" + help_text() if error.show_help else "")
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ChatUnavailable):
        return UNAVAILABLE
    # Never leak content: the exception's type and stack, not its message.
    log.error(
        "%s failed: %s\n%s",
        what,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    return FAILED


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
        actor, channel_id = Actor(body["user_id"]), body["channel_id"]
        text = slack_text_to_command_text(body.get("text", ""))

        def act() -> str | None:
            command = parse(text)
            return run_command(ctx, actor, channel_id, command, body.get("trigger_id", ""))

        later(lambda: answer(respond, _guarded(act, "command")))

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
        inputs.edit_reply(ctx, channel_id, message.get("ts", ""), _plain(message.get("text", "")))
    elif subtype == "message_deleted":
        inputs.withdraw_reply(ctx, channel_id, event.get("deleted_ts", ""))
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


__all__ = ["register", "run_command", "slack_text_to_command_text"]
