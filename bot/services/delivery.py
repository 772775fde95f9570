"""How case content reaches people: in a meeting channel, or directly, one person at a time.

Two delivery modes, chosen by the composition root for the platform the deployment runs on:

- ``CHANNEL`` (Slack): the secrecy notice and one thread per case are posted in a private
  meeting channel whose members the bot checks against the meeting's roster.
- ``DIRECT`` (Teams without Microsoft Graph, where the bot can neither create private
  channels nor manage their members): nothing about a case is ever posted in a channel or a
  group chat. Each member of an agency asked for a case receives the secrecy notice as a
  card in their 1:1 chat with the bot; only after confirming it do they receive, per case,
  a card with the request and an input form. The meeting's "channel" is then only the key
  that groups a team's meetings.

In ``DIRECT`` mode the chat gateway must also implement :class:`DirectChat` (cards that carry
an inline form and can be replaced later), and the bot keeps where each card lives
(:class:`DirectCards`) so that a member who is removed, or no longer asked, sees their cards
replaced at once. The use cases of the mode are in :mod:`bot.services.direct`.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from bot.services.chat import ChatGateway, Form, Message, MessageRef


class Delivery(StrEnum):
    CHANNEL = "channel"  # case threads in a private meeting channel (Slack)
    DIRECT = "direct"  # cards in each confirmed member's 1:1 chat (Teams)


class CardKind(StrEnum):
    NOTICE = "notice"  # the secrecy notice of one meeting, with the confirmation action
    CASE = "case"  # one case of the meeting: the request and the input form


@dataclass(frozen=True)
class Card:
    """What a card shows: a message, and optionally a form whose fields sit in the card
    itself (no dialog), submitted with ``form.submit_label``."""

    message: Message
    form: Form | None = None


@runtime_checkable
class DirectChat(ChatGateway, Protocol):
    """A chat gateway that can send a card to a person's 1:1 chat and replace it later."""

    def send_card(self, user_id: str, card: Card) -> MessageRef: ...

    def update_card(self, ref: MessageRef, card: Card) -> None: ...


@dataclass(frozen=True)
class DirectCard:
    """A card the bot sent to one person's 1:1 chat, which it may have to replace.

    ``key`` is unique: ``notice:<meeting id>:<user id>`` or ``case:<agenda item id>:<user id>``.
    The card's place is kept as the conversation and the message id (Teams conversation ids
    contain colons, so they are not joined into one string).
    """

    key: str
    kind: CardKind
    meeting_id: str
    user_id: str
    conversation_id: str
    message_id: str
    created_at: datetime
    item_id: str | None = None
    withdrawn: bool = False
    updated_at: datetime | None = None

    @property
    def ref(self) -> MessageRef:
        return MessageRef(self.conversation_id, self.message_id)


class DirectCards(Protocol):
    """Where the cards of the direct mode live. Implementations commit each call on its
    own (never inside a unit of work: on SQLite that would wait for the unit's write lock)."""

    def get(self, key: str) -> DirectCard | None: ...

    def put(self, card: DirectCard) -> None:
        """Insert, or replace the card with the same key."""
        ...

    def for_user(self, user_id: str) -> Sequence[DirectCard]: ...

    def for_meeting(self, meeting_id: str) -> Sequence[DirectCard]: ...


@dataclass
class MemoryDirectCards:
    """``DirectCards`` in memory: for the channel mode (where it stays empty), tests and the
    demo. A deployment in the direct mode keeps its cards in the database."""

    cards: dict[str, DirectCard] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, key: str) -> DirectCard | None:
        with self._lock:
            return self.cards.get(key)

    def put(self, card: DirectCard) -> None:
        with self._lock:
            self.cards[card.key] = replace(card)

    def for_user(self, user_id: str) -> Sequence[DirectCard]:
        with self._lock:
            return [c for c in self.cards.values() if c.user_id == user_id]

    def for_meeting(self, meeting_id: str) -> Sequence[DirectCard]:
        with self._lock:
            return [c for c in self.cards.values() if c.meeting_id == meeting_id]


def notice_key(meeting_id: str, user_id: str) -> str:
    return f"notice:{meeting_id}:{user_id}"


def case_key(item_id: str, user_id: str) -> str:
    return f"case:{item_id}:{user_id}"
