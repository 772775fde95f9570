"""A recording chat for the direct delivery mode: ``RecordingChat`` plus the cards of
``bot.services.delivery.DirectChat`` (sent to a person's 1:1 chat, replaced later)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.chat import MessageRef
from bot.services.delivery import Card, DirectChat
from fakes.chat import RecordingChat, message_text


@dataclass(frozen=True)
class CardSent:
    user_id: str
    card: Card
    ref: MessageRef
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return message_text(self.card.message)


@dataclass(frozen=True)
class CardUpdated:
    ref: MessageRef
    card: Card
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return message_text(self.card.message)


@dataclass
class RecordingDirectChat(RecordingChat):
    """Cards are kept in ``calls`` like every other call; ``cards_of`` shows what a person's
    1:1 chat holds now (each card as last replaced)."""

    def send_card(self, user_id: str, card: Card) -> MessageRef:
        ref = MessageRef(f"D{user_id}", self._next_ts())
        self._record(CardSent(user_id, card, ref, self.in_transaction()), user_id)  # type: ignore[arg-type]
        return ref

    def update_card(self, ref: MessageRef, card: Card) -> None:
        self._record(CardUpdated(ref, card, self.in_transaction()), ref.channel_id)  # type: ignore[arg-type]

    def cards_sent(self, user_id: str | None = None) -> list[CardSent]:
        return [c for c in self.calls if isinstance(c, CardSent) and user_id in (None, c.user_id)]  # type: ignore[misc]

    def cards_of(self, user_id: str) -> dict[MessageRef, Card]:
        """What ``user_id`` sees now: every card sent to them, as last updated."""
        shown: dict[MessageRef, Card] = {}
        for call in self.calls:
            sent = isinstance(call, CardSent) and call.user_id == user_id  # type: ignore[misc]
            replaced = isinstance(call, CardUpdated) and call.ref in shown  # type: ignore[misc]
            if sent or replaced:
                shown[call.ref] = call.card  # type: ignore[union-attr]
        return shown

    def made_in_transaction(self) -> list:  # type: ignore[override,type-arg]
        return [c for c in [*self.calls, *self.refused] if c.in_transaction]


def _conforms(chat: RecordingDirectChat) -> DirectChat:
    return chat
