"""A chat gateway that records every call, for fast use-case tests.

``RecordingChat`` implements ``bot.services.chat.ChatGateway``. Every call that would show
something to someone (a post, an update, an ephemeral message, a DM, a file, a reaction, a
form) is kept in ``calls``, in order, as one of the small records below. Switches:

* ``fail = True`` makes every such call raise ``ChatUnavailable`` (as the Slack adapter does
  after its retries); ``fail_for`` does the same only for the users or channels named.
  Refused calls are kept in ``refused``, never in ``calls``.
* ``fail_queries = True`` makes ``channel_facts``, ``user_is_active`` and ``display_name``
  raise ``ChatUnavailable`` too.
* ``deactivated`` holds the users for whom ``user_is_active`` is False.
* ``facts`` (per channel, else ``default_facts``) is what ``channel_facts`` answers.

Queries are kept apart, in ``queries``, as ``Query`` records.

Given ``in_transaction`` (``MemoryStore.in_transaction``), each record says whether a unit
of work held the database's transaction when the call was made: a chat call may wait
(pacing, rate limits) and on SQLite a transaction holds the write lock, so services make
their calls between transactions (``made_in_transaction`` lists those that did not).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from bot.domain.model import ChannelFacts
from bot.services.chat import (
    Block,
    Buttons,
    ChatGateway,
    ChatUnavailable,
    Divider,
    Fields,
    FileToSend,
    Form,
    Header,
    Message,
    MessageRef,
    Note,
    Paragraph,
)

__all__ = [
    "ChatCall",
    "Direct",
    "Ephemeral",
    "FileSent",
    "FormOpened",
    "Posted",
    "Query",
    "Reacted",
    "RecordingChat",
    "RoomCall",
    "Updated",
    "block_text",
    "message_text",
]


def block_text(block: Block) -> str:
    """The words of one block, as a person would read them."""
    if isinstance(block, Header | Paragraph | Note):
        return block.text
    if isinstance(block, Fields):
        return "\n".join(f"{label}: {value}" for label, value in block.pairs)
    if isinstance(block, Buttons):
        return " ".join(f"[{button.label}]" for button in block.buttons)
    assert isinstance(block, Divider)
    return ""


def message_text(message: Message) -> str:
    """A message's notification text and every block's words, one per line."""
    return "\n".join([message.text, *(block_text(b) for b in message.blocks)])


# --------------------------------------------------------------------------- the records


@dataclass(frozen=True)
class Posted:
    channel_id: str
    message: Message
    thread: MessageRef | None
    ref: MessageRef
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return message_text(self.message)


@dataclass(frozen=True)
class Updated:
    ref: MessageRef
    message: Message
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return message_text(self.message)


@dataclass(frozen=True)
class Ephemeral:
    channel_id: str
    user_id: str
    message: Message
    in_transaction: bool = False
    thread: MessageRef | None = None  # shown in this thread

    @property
    def text(self) -> str:
        return message_text(self.message)


@dataclass(frozen=True)
class Direct:
    user_id: str
    message: Message
    ref: MessageRef
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return message_text(self.message)


@dataclass(frozen=True)
class FileSent:
    user_id: str
    file: FileToSend
    comment: str
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return self.comment


@dataclass(frozen=True)
class Reacted:
    ref: MessageRef
    name: str
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return self.name


@dataclass(frozen=True)
class FormOpened:
    interaction_ref: str
    form: Form
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return self.form.title


@dataclass(frozen=True)
class RoomCall:
    """A meeting channel's management: create, topic, invite, kick, archive."""

    action: str
    channel_id: str
    subject: str
    in_transaction: bool = False

    @property
    def text(self) -> str:
        return f"{self.action} {self.subject}"


ChatCall = Posted | Updated | Ephemeral | Direct | FileSent | Reacted | FormOpened | RoomCall


@dataclass(frozen=True)
class Query:
    """A question asked of the platform: ``channel_facts``, ``user_is_active`` or
    ``display_name`` (the Slack adapter caches users, not channels)."""

    method: str
    subject: str
    in_transaction: bool = False


# --------------------------------------------------------------------------- the gateway


@dataclass
class RecordingChat:
    """Records what the services asked the chat platform to do (see the module docstring)."""

    default_facts: ChannelFacts = field(
        default_factory=lambda: ChannelFacts(is_private=True, is_shared_externally=False)
    )
    facts: dict[str, ChannelFacts] = field(default_factory=dict)
    deactivated: set[str] = field(default_factory=set)
    names: dict[str, str] = field(default_factory=dict)
    fail: bool = False
    fail_for: set[str] = field(default_factory=set)
    fail_queries: bool = False
    in_transaction: Callable[[], bool] = field(default=lambda: False, repr=False)
    calls: list[ChatCall] = field(default_factory=list)
    refused: list[ChatCall] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    _ts: int = field(default=0, init=False, repr=False)
    _rooms: int = field(default=0, init=False, repr=False)
    # Services may call from several threads at once (races are tested on real databases).
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    # ------------------------------------------------------------------ the port

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        ref = MessageRef(channel_id, self._next_ts())
        self._record(Posted(channel_id, message, thread, ref, self.in_transaction()), channel_id)
        return ref

    def update(self, ref: MessageRef, message: Message) -> None:
        self._record(Updated(ref, message, self.in_transaction()), ref.channel_id)

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        self._record(
            Ephemeral(channel_id, user_id, message, self.in_transaction(), thread),
            channel_id,
            user_id,
        )

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        ref = MessageRef(f"D{user_id}", self._next_ts())
        self._record(Direct(user_id, message, ref, self.in_transaction()), user_id)
        return ref

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        self._record(FileSent(user_id, file, comment, self.in_transaction()), user_id)

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        self._record(Reacted(ref, name, self.in_transaction()), ref.channel_id)

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        self._query("channel_facts", channel_id)
        return self.facts.get(channel_id, self.default_facts)

    def user_is_active(self, user_id: str) -> bool:
        self._query("user_is_active", user_id)
        return user_id not in self.deactivated

    def display_name(self, user_id: str) -> str:
        self._query("display_name", user_id)
        return self.names.get(user_id, f"name:{user_id}")

    def open_form(self, interaction_ref: str, form: Form) -> None:
        self._record(FormOpened(interaction_ref, form, self.in_transaction()))

    def create_private_channel(self, name: str) -> str:
        with self._lock:
            self._rooms += 1
            room_id = f"G{self._rooms:04d}"
        self._record(RoomCall("create", room_id, name), room_id)
        self.facts[room_id] = ChannelFacts(True, False, frozenset())
        return room_id

    def set_topic(self, channel_id: str, topic: str) -> None:
        self._record(RoomCall("topic", channel_id, topic), channel_id)

    def invite(self, channel_id: str, user_id: str) -> None:
        self._record(RoomCall("invite", channel_id, user_id), channel_id)
        facts = self.facts.get(channel_id, self.default_facts)
        self.facts[channel_id] = replace(facts, member_ids=facts.member_ids | {user_id})

    def kick(self, channel_id: str, user_id: str) -> None:
        self._record(RoomCall("kick", channel_id, user_id), channel_id)
        facts = self.facts.get(channel_id, self.default_facts)
        self.facts[channel_id] = replace(facts, member_ids=facts.member_ids - {user_id})

    def archive(self, channel_id: str) -> None:
        self._record(RoomCall("archive", channel_id, ""), channel_id)

    # ------------------------------------------------------------------ set-up

    def set_members(
        self, channel_id: str, members: Iterable[str], *, private: bool = True, shared: bool = False
    ) -> None:
        """What ``channel_facts`` says about ``channel_id``."""
        self.facts[channel_id] = ChannelFacts(private, shared, frozenset(members))

    # ------------------------------------------------------------------ assertions

    def posts(self, channel_id: str | None = None) -> list[Posted]:
        return [
            c for c in self.calls if isinstance(c, Posted) and channel_id in (None, c.channel_id)
        ]

    def updates(self) -> list[Updated]:
        return [c for c in self.calls if isinstance(c, Updated)]

    def ephemerals(self, user_id: str | None = None) -> list[Ephemeral]:
        return [c for c in self.calls if isinstance(c, Ephemeral) and user_id in (None, c.user_id)]

    def dms(self, user_id: str | None = None) -> list[Direct]:
        return [c for c in self.calls if isinstance(c, Direct) and user_id in (None, c.user_id)]

    def dm_texts(self, user_id: str) -> list[str]:
        return [dm.text for dm in self.dms(user_id)]

    def files(self, user_id: str | None = None) -> list[FileSent]:
        return [c for c in self.calls if isinstance(c, FileSent) and user_id in (None, c.user_id)]

    def reactions(self) -> list[Reacted]:
        return [c for c in self.calls if isinstance(c, Reacted)]

    def forms(self) -> list[FormOpened]:
        return [c for c in self.calls if isinstance(c, FormOpened)]

    def kinds(self) -> list[str]:
        """The calls in order, by kind (``["Posted", "Direct", …]``)."""
        return [type(c).__name__ for c in self.calls]

    def made_in_transaction(self) -> list[ChatCall]:
        return [c for c in [*self.calls, *self.refused] if c.in_transaction]

    def clear(self) -> None:
        self.calls.clear()
        self.refused.clear()
        self.queries.clear()

    # ------------------------------------------------------------------ internals

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"1764000000.{self._ts:06d}"

    def _record(self, call: ChatCall, *targets: str) -> None:
        with self._lock:
            if self.fail or any(t in self.fail_for for t in targets):
                self.refused.append(call)
                raise ChatUnavailable(f"{type(call).__name__}: the chat platform is unavailable")
            self.calls.append(call)

    def _query(self, method: str, subject: str) -> None:
        self.queries.append(Query(method, subject, self.in_transaction()))
        if self.fail_queries:
            raise ChatUnavailable("the chat platform is unavailable")


def _conforms(chat: RecordingChat) -> ChatGateway:
    """Never called: a type checker checks here that RecordingChat implements the port."""
    return chat
