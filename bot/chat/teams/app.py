"""Teams activities in, the product's use cases out: the Teams twin of ``bot.chat.slack.app``.

``TeamsBot.handle`` takes one activity (already authenticated by the SDK's JWT validation,
see :mod:`bot.chat.teams.serve`) and answers at once: message and update activities get
no body, invokes get their response; the work itself runs afterwards in ``background``
(Teams shows an error if an invoke is not answered within a few seconds).

- A message in the bot's 1:1 chat, or one that @mentions it in a team channel or group
  chat, is a command with the ``/shien`` grammar. ``<at>…</at>`` mentions of people become
  the grammar's ``@<user id>`` tokens; the answer always goes to the sender's 1:1 chat (in
  a channel the bot only replies that it did so). The meeting "channel" of a command is
  the team it was typed in; in a 1:1 chat, the one team where meetings are held.
- ``adaptiveCard/action`` invokes (``Action.Execute``): the notice card's confirmation, the
  case card's form, the decision and case forms.
- ``fileConsent/invoke``: a document offered with a FileConsentCard accepted (uploaded) or
  declined (recorded, nothing else sent).
- Activities from another tenant are ignored; so are (when testing without
  authentication) activities whose service URL is not on this machine.

Logs carry activity kinds and error kinds, never text.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from bot import texts
from bot.chat import commands
from bot.chat.commands import Call, answer_for, dispatch
from bot.chat.grammar import CommandError
from bot.chat.teams.gateway import TeamsGateway
from bot.chat.teams.render import form_values
from bot.chat.teams.settings_check import is_loopback
from bot.services import cases, decisions, direct, records
from bot.services.access import Actor
from bot.services.chat import ChatUnavailable, FormErrors
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)

INVOKE_OK: dict[str, Any] = {"status": 200}
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0]+")


def _message_response(text: str) -> dict[str, Any]:
    """What an ``adaptiveCard/action`` invoke answers: a short message Teams shows."""
    return {
        "status": 200,
        "body": {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": text,
        },
    }


class TeamsBot:
    """Handles the activities of one tenant.

    Args:
        ctx: The services (in the direct delivery mode).
        gateway: The Teams gateway of ``ctx``.
        background: Where the work runs after the activity is answered.
        tenant_id: The municipality's tenant.
        rooms: The teams where meetings are held (the meeting channels' IDs).
        loopback_only: Local testing without authentication.
    """

    def __init__(
        self,
        ctx: ServiceContext,
        gateway: TeamsGateway,
        background: Executor,
        *,
        tenant_id: str,
        rooms: Callable[[], list[str]],
        loopback_only: bool = False,
    ) -> None:
        self.ctx = ctx
        self.gateway = gateway
        self.background = background
        self.tenant_id = tenant_id
        self.rooms = rooms
        self.loopback_only = loopback_only

    # ------------------------------------------------------------------ entry

    def handle(self, activity: dict[str, Any]) -> dict[str, Any]:
        """Answer ``activity`` now; do its work in the background."""
        kind = activity.get("type")
        if not self._trusted(activity):
            return INVOKE_OK if kind != "invoke" else {"status": 403}
        if kind == "message":
            self._later(lambda: self._on_message(activity), "message")
        elif kind == "invoke" and activity.get("name") == "adaptiveCard/action":
            self._later(lambda: self._on_action(activity), "action")
            return _message_response(texts.TEAMS.received)
        elif kind == "invoke" and activity.get("name") == "fileConsent/invoke":
            self._later(lambda: self._on_file_consent(activity), "file consent")
        elif kind == "conversationUpdate":
            team = (activity.get("channelData") or {}).get("team") or {}
            if team.get("id"):
                self.gateway.add_team(str(team["id"]))
        return INVOKE_OK

    def _later(self, work: Callable[[], None], what: str) -> None:
        def run() -> None:
            try:
                work()
            except Exception as error:  # logged by kind only: never content
                answer_for(error, f"teams {what}", "Teams")

        self.background.submit(run)

    def _trusted(self, activity: dict[str, Any]) -> bool:
        channel_data = activity.get("channelData") or {}
        tenant = (channel_data.get("tenant") or {}).get("id") or (
            activity.get("conversation") or {}
        ).get("tenantId")
        if tenant != self.tenant_id:
            log.warning("activity from another tenant ignored")
            return False
        if self.loopback_only and not is_loopback(str(activity.get("serviceUrl") or "")):
            log.warning("activity with a service URL off this machine ignored")
            return False
        return True

    # ------------------------------------------------------------------ who and where

    def _actor(self, activity: dict[str, Any]) -> str | None:
        sender = activity.get("from") or {}
        conversation = activity.get("conversation") or {}
        team = ((activity.get("channelData") or {}).get("team") or {}).get("id")
        teams_id = str(sender.get("id") or "")
        aad = sender.get("aadObjectId")
        if not aad:
            return self.gateway.user_for_teams_id(teams_id) if teams_id else None
        personal = conversation.get("conversationType") == "personal"
        return self.gateway.learn(
            str(aad),
            teams_id,
            str(sender.get("name") or ""),
            personal_conversation=str(conversation.get("id")) if personal else None,
            team_id=str(team) if team else None,
        )

    def _room(self, activity: dict[str, Any]) -> str | None:
        team = ((activity.get("channelData") or {}).get("team") or {}).get("id")
        if team:
            return str(team)
        rooms = self.rooms()
        return rooms[0] if len(rooms) == 1 else None

    def command_text(self, activity: dict[str, Any]) -> tuple[str, bool]:
        """The command as the grammar reads it, and whether the bot was mentioned."""
        text = str(activity.get("text") or "")
        bot_id = str((activity.get("recipient") or {}).get("id") or "")
        mentioned = False
        for entity in activity.get("entities") or []:
            if entity.get("type") != "mention":
                continue
            who = entity.get("mentioned") or {}
            said = str(entity.get("text") or "")
            if not said:
                continue
            if str(who.get("id")) == bot_id:
                mentioned = True
                text = text.replace(said, " ")
                continue
            user = self.gateway.user_for_teams_id(str(who.get("id") or ""))
            text = text.replace(said, f" @{user} " if user else " @? ")
        text = html.unescape(_TAG.sub(" ", text))
        text = _SPACES.sub(" ", text).strip()
        if text.lower().startswith("/shien"):  # typed as in Slack: accepted too
            text = text[len("/shien") :]
        return text.strip(), mentioned

    # ------------------------------------------------------------------ messages

    def _on_message(self, activity: dict[str, Any]) -> None:
        conversation = activity.get("conversation") or {}
        kind = conversation.get("conversationType") or "personal"
        if activity.get("value") is not None and not activity.get("text"):
            return  # an Action.Submit from an old client: the cards use Action.Execute
        text, mentioned = self.command_text(activity)
        if kind != "personal" and not mentioned:
            return
        actor = self._actor(activity)
        if actor is None:
            return
        room = self._room(activity)
        answer: str | None
        if self._is_setup(text) and not ((activity.get("channelData") or {}).get("team")):
            answer = texts.TEAMS.setup_in_team
        else:
            call = Call(self.ctx, Actor(actor), room or "", interaction_ref=actor)
            answer = dispatch(call, text)
        if answer:
            try:
                self.gateway.send_text(actor, answer)
            except ChatUnavailable:
                log.warning("a command's answer could not be sent")
                return
        if kind != "personal":
            self.gateway.reply_in_thread(
                str(conversation.get("id")), texts.TEAMS.answered_in_personal
            )

    @staticmethod
    def _is_setup(text: str) -> bool:
        try:
            spec, _ = commands.resolve(text)
        except CommandError:
            return False
        return spec.name == "setup"

    # ------------------------------------------------------------------ card actions

    def _on_action(self, activity: dict[str, Any]) -> None:
        actor = self._actor(activity)
        if actor is None:
            return
        action = (activity.get("value") or {}).get("action") or {}
        verb = str(action.get("verb") or "")
        data = action.get("data") or {}
        if not isinstance(data, dict):
            return
        who = Actor(actor)
        reply: str | None
        try:
            if verb == direct.ACK_ACTION:
                reply = direct.acknowledge_card(self.ctx, who, str(data.get("value") or ""))
            elif verb == direct.INPUT_FORM:
                values = form_values(data)
                reply = direct.submit_case_input(
                    self.ctx, who, str(data.get("metadata") or ""), values
                )
            elif verb == decisions.DECISION_FORM:
                values = form_values(data)
                reply = decisions.submit_decision(
                    self.ctx, who, str(data.get("metadata") or ""), values
                )
            elif verb == records.RECORD_FORM:
                values = form_values(data)
                reply = records.submit_record(
                    self.ctx, who, str(data.get("metadata") or ""), values
                )
            elif verb == cases.CASE_FORM:
                values = form_values(data)
                submission = f"teams:{activity.get('replyToId') or activity.get('id')}"
                reply = cases.submit_case_form(self.ctx, who, values, submission)
            else:
                return
        except FormErrors as errors:
            lines = [texts.TEAMS.form_errors]
            lines += [
                texts.TEAMS.form_error_line.format(label=field, error=message)
                for field, message in errors.errors.items()
            ]
            reply = "\n".join(lines)
        except Exception as error:
            reply = answer_for(error, f"teams {verb}", "Teams")
        if reply:
            self.gateway.send_text(actor, reply)

    # ------------------------------------------------------------------ files

    def _on_file_consent(self, activity: dict[str, Any]) -> None:
        actor = self._actor(activity)
        if actor is None:
            return
        value = activity.get("value") or {}
        offer_id = str((value.get("context") or {}).get("offer") or "")
        offer = self.gateway.take_offer(offer_id, actor)
        if value.get("action") == "decline":
            if offer is not None:
                direct.file_declined(self.ctx, Actor(actor), offer.file.filename)
            return
        if offer is None:
            self.gateway.send_text(actor, texts.TEAMS.file_expired)
            return
        try:
            self.gateway.upload(offer, value.get("uploadInfo") or {})
        except ChatUnavailable:
            self.gateway.send_text(actor, texts.TEAMS.file_failed)
