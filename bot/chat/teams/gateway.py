"""``ChatGateway`` (and the direct mode's ``DirectChat``) over Microsoft Teams, without Graph.

People are known to the product by their Entra ID object ID, upper-cased (what an
administrator sees in the Entra admin center, stable across app registrations and what
``SHIEN_COORDINATORS`` lists). Teams addresses them by a per-bot ID (``29:…``); the gateway
translates between the two with the rosters of the teams where the app is installed
(cached for a minute) and with what incoming activities say.

What Teams lets a bot do without Graph decides the rest:

- every message to a person goes to their 1:1 chat with the bot (created on first use,
  which Teams allows for members of a team where the app is installed);
- ``post`` to a channel is refused: in the direct mode nothing is ever posted there (the
  adapter's own replies in a channel thread go through :meth:`reply_in_thread`, which
  only says that the answer went to the 1:1 chat);
- Teams has no ephemeral messages: ``post_ephemeral`` goes to the person's 1:1 chat;
- there are no reactions to add; a "form" is a card in the requester's 1:1 chat;
- a file is offered with a FileConsentCard; the bytes wait here (in memory, for a day at
  most) until the person accepts, and are then uploaded to the URL Teams gives
  (:meth:`accept_offer`).

An account is active while it is in the roster of a team where the app is installed:
without Graph a bot cannot see whether an account was disabled, so removal from the team
is what ends access (besides removal from the agency, which the services handle).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from bot import texts
from bot.chat.teams.connector import TeamsConnector
from bot.chat.teams.render import (
    card_activity,
    file_consent_attachment,
    file_info_attachment,
    message_activity,
    plain,
    text_activity,
)
from bot.chat.teams.settings_check import is_loopback
from bot.domain.model import ChannelFacts
from bot.domain.text import clean_name
from bot.services.chat import ChatUnavailable, FileToSend, Form, Message, MessageRef
from bot.services.delivery import Card

log = logging.getLogger(__name__)
_ROSTER_SECONDS = 60.0
OFFER_SECONDS = 24 * 3600.0


def user_key(aad_object_id: str) -> str:
    """The product's ID of a Teams user: their Entra object ID, upper-cased (the command
    grammar's mention tokens are upper-case)."""
    return aad_object_id.strip().upper()


@dataclass
class Person:
    teams_id: str  # 29:… (per bot)
    name: str


@dataclass
class FileOffer:
    user_id: str
    file: FileToSend
    comment: str
    offered_at: float


def _no_channels() -> ChatUnavailable:
    return ChatUnavailable("teams: no channels without Graph", "not_supported", transient=False)


class TeamsGateway:
    """The chat port for one tenant's Teams.

    Args:
        connector: Calls to the Bot Framework connector.
        tenant_id: The municipality's tenant; nothing is sent elsewhere.
        bot_name: How people mention the bot (for the ``/shien`` texts).
        teams: The teams where meetings were held before this start (the meeting
            channels' IDs); teams seen in activities since are added. Never read from the
            database here: the services ask the gateway inside their units of work.
        loopback_only: Local testing without authentication: upload URLs must be on this
            machine too.
    """

    def __init__(
        self,
        connector: TeamsConnector,
        tenant_id: str,
        *,
        bot_name: str = "shienbot",
        teams: Iterable[str] = (),
        loopback_only: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.connector = connector
        self.tenant_id = tenant_id
        self.bot_name = bot_name
        self._loopback_only = loopback_only
        self._clock = clock
        self._lock = threading.Lock()
        self._people: dict[str, Person] = {}
        self._roster: dict[str, tuple[float, dict[str, Person]]] = {}
        self._seen_teams: set[str] = set(teams)
        self._personal: dict[str, str] = {}
        self._offers: dict[str, FileOffer] = {}

    # ------------------------------------------------------------------ people

    def learn(
        self,
        aad_object_id: str,
        teams_id: str,
        name: str,
        *,
        personal_conversation: str | None = None,
        team_id: str | None = None,
    ) -> str:
        """What an incoming activity says about its sender; returns their product ID."""
        key = user_key(aad_object_id)
        with self._lock:
            self._people[key] = Person(teams_id, clean_name(name) or key)
            if personal_conversation:
                self._personal[key] = personal_conversation
            if team_id:
                self._seen_teams.add(team_id)
        return key

    def add_team(self, team_id: str) -> None:
        with self._lock:
            self._seen_teams.add(team_id)

    def _team_ids(self) -> list[str]:
        with self._lock:
            seen = set(self._seen_teams)
        return sorted(seen)

    def _members_of(self, team_id: str) -> dict[str, Person]:
        now = self._clock()
        with self._lock:
            cached = self._roster.get(team_id)
        if cached and now - cached[0] < _ROSTER_SECONDS:
            return cached[1]
        members: dict[str, Person] = {}
        for member in self.connector.members(team_id):
            aad = member.get("aadObjectId") or member.get("objectId")
            if aad and member.get("id"):
                members[user_key(str(aad))] = Person(
                    str(member["id"]), clean_name(str(member.get("name") or "")) or str(aad)
                )
        with self._lock:
            self._roster[team_id] = (now, members)
            for key, person in members.items():
                self._people.setdefault(key, person)
        return members

    def roster(self) -> dict[str, Person]:
        """Everyone in the teams where meetings are held. A team that cannot be read counts
        as empty; when none can be read, ``ChatUnavailable`` (the port never guesses)."""
        everyone: dict[str, Person] = {}
        teams = self._team_ids()
        failed = 0
        for team_id in teams:
            try:
                everyone.update(self._members_of(team_id))
            except ChatUnavailable:
                failed += 1
        if teams and failed == len(teams):
            raise ChatUnavailable("roster: unreachable")
        return everyone

    def person(self, user_id: str) -> Person | None:
        try:
            found = self.roster().get(user_id)
        except ChatUnavailable:
            found = None
        if found is not None:
            return found
        with self._lock:
            return self._people.get(user_id)

    def teams_id_of(self, user_id: str) -> str | None:
        found = self.person(user_id)
        return found.teams_id if found else None

    def user_for_teams_id(self, teams_id: str) -> str | None:
        """The product ID of a ``29:…`` ID (a mention), from what is known or the rosters."""
        with self._lock:
            for key, person in self._people.items():
                if person.teams_id == teams_id:
                    return key
        try:
            everyone = self.roster()
        except ChatUnavailable:
            return None
        for key, person in everyone.items():
            if person.teams_id == teams_id:
                return key
        return None

    def user_is_active(self, user_id: str) -> bool:
        return user_id in self.roster()

    def display_name(self, user_id: str) -> str:
        found = self.person(user_id)
        return found.name if found else user_id

    def names(self, user_id: str) -> str:
        try:
            return self.display_name(user_id)
        except ChatUnavailable:
            return user_id

    # ------------------------------------------------------------------ sending

    def _personal_conversation(self, user_id: str) -> str:
        with self._lock:
            cached = self._personal.get(user_id)
        if cached:
            return cached
        teams_id = self.teams_id_of(user_id)
        if teams_id is None:
            raise ChatUnavailable("unknown user")
        conversation = self.connector.create_personal(teams_id, self.tenant_id)
        with self._lock:
            self._personal[user_id] = conversation
        return conversation

    def is_personal(self, conversation_id: str) -> bool:
        with self._lock:
            return conversation_id in self._personal.values()

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        # The direct mode never posts in a channel; refusing here is the second line.
        raise ChatUnavailable("teams: nothing is posted in channels")

    def reply_in_thread(self, conversation_id: str, text: str) -> None:
        """The adapter's own short reply where a command was typed (no content)."""
        self.connector.send(conversation_id, text_activity(text))

    def update(self, ref: MessageRef, message: Message) -> None:
        self.connector.update(
            ref.channel_id, ref.message_id, message_activity(message, self.names, self.bot_name)
        )

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        self.send_direct(user_id, message)  # Teams has no ephemeral messages

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        conversation = self._personal_conversation(user_id)
        activity = message_activity(message, self.names, self.bot_name)
        return MessageRef(conversation, self.connector.send(conversation, activity))

    def send_text(self, user_id: str, text: str) -> MessageRef:
        conversation = self._personal_conversation(user_id)
        activity = text_activity(plain(text, self.names, self.bot_name))
        return MessageRef(conversation, self.connector.send(conversation, activity))

    def send_card(self, user_id: str, card: Card, **options: Any) -> MessageRef:
        conversation = self._personal_conversation(user_id)
        activity = card_activity(card, self.names, self.bot_name, **options)
        return MessageRef(conversation, self.connector.send(conversation, activity))

    def update_card(self, ref: MessageRef, card: Card, **options: Any) -> None:
        activity = card_activity(card, self.names, self.bot_name, **options)
        self.connector.update(ref.channel_id, ref.message_id, activity)

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        return None  # the card shows what was recorded instead

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        # A team channel is visible to the whole team; in the direct mode nothing about a
        # case is posted there, so the services do not ask. Said as it is.
        return ChannelFacts(
            is_private=False,
            is_shared_externally=False,
            member_ids=frozenset(self._members_of(channel_id)),
        )

    # Meeting channels (Slack's private channel per meeting) need Graph permissions a
    # municipal administrator will not grant: the direct mode never asks for them.
    def create_private_channel(self, name: str) -> str:
        raise _no_channels()

    def set_topic(self, channel_id: str, topic: str) -> None:
        raise _no_channels()

    def invite(self, channel_id: str, user_id: str) -> None:
        raise _no_channels()

    def kick(self, channel_id: str, user_id: str) -> None:
        raise _no_channels()

    def archive(self, channel_id: str) -> None:
        raise _no_channels()

    def open_form(self, interaction_ref: str, form: Form) -> None:
        """A form is a card in the requester's 1:1 chat (``interaction_ref`` is their ID)."""
        self.send_card(interaction_ref, Card(Message(form.title, form.intro), form))

    # ------------------------------------------------------------------ files

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        """Offer the file in the person's 1:1 chat; it is uploaded once they accept."""
        offer_id = uuid.uuid4().hex
        now = self._clock()
        with self._lock:
            for key in [k for k, o in self._offers.items() if now - o.offered_at > OFFER_SECONDS]:
                del self._offers[key]
            self._offers[offer_id] = FileOffer(user_id, file, comment, now)
        conversation = self._personal_conversation(user_id)
        description = texts.TEAMS.file_card_description.format(title=file.title)
        activity = {
            "type": "message",
            "text": plain(comment, self.names, self.bot_name),
            "textFormat": "plain",
            "attachments": [
                file_consent_attachment(
                    file.filename,
                    len(file.data),
                    plain(description, self.names, self.bot_name),
                    offer_id,
                )
            ],
        }
        try:
            self.connector.send(conversation, activity)
        except ChatUnavailable:
            with self._lock:
                self._offers.pop(offer_id, None)
            raise

    def take_offer(self, offer_id: str, user_id: str) -> FileOffer | None:
        """The offer, once, for the person it was made to (None if unknown, expired or
        someone else's)."""
        with self._lock:
            offer = self._offers.get(offer_id)
            if offer is None or offer.user_id != user_id:
                return None
            del self._offers[offer_id]
        if self._clock() - offer.offered_at > OFFER_SECONDS:
            return None
        return offer

    def upload(self, offer: FileOffer, upload_info: dict[str, Any]) -> None:
        """Put the bytes where Teams said (the person's OneDrive upload session), then show
        the file in their chat."""
        upload_url = str(upload_info.get("uploadUrl") or "")
        if not upload_url.startswith(("https://", "http://")):
            raise ChatUnavailable("upload: no URL")
        if self._loopback_only and not is_loopback(upload_url):
            raise ChatUnavailable("upload: not on this machine")
        data = offer.file.data
        try:
            response = httpx.put(
                upload_url,
                content=data,
                headers={
                    "Content-Length": str(len(data)),
                    "Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}",
                },
                timeout=60,
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            log.warning("Teams file upload failed: %s", type(error).__name__)
            raise ChatUnavailable("upload failed") from None
        conversation = self._personal_conversation(offer.user_id)
        self.connector.send(
            conversation,
            {
                "type": "message",
                "text": plain(
                    texts.TEAMS.file_delivered.format(filename=offer.file.filename),
                    self.names,
                    self.bot_name,
                ),
                "textFormat": "plain",
                "attachments": [
                    file_info_attachment(
                        str(upload_info.get("contentUrl") or ""),
                        str(upload_info.get("name") or offer.file.filename),
                        str(upload_info.get("uniqueId") or ""),
                        str(upload_info.get("fileType") or "docx"),
                    )
                ],
            },
        )

    def close(self) -> None:
        self.connector.close()
