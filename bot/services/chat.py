"""The chat port: a neutral vocabulary of messages and forms, and the gateway that sends them.

Services say *what* to show (a header, a paragraph, a row of buttons, a form with fields);
a chat adapter (Slack's Block Kit today, Teams' Adaptive Cards later) decides *how*, and is
the one place that escapes text. Every string here is plain text exactly as typed by a
person or written by the bot; none of it is markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Protocol

from bot.domain.model import ChannelFacts

# Re-exported: services and adapters take them from the chat port.
from bot.domain.text import MENTION_CLOSE as MENTION_CLOSE
from bot.domain.text import MENTION_OPEN as MENTION_OPEN
from bot.domain.text import clean_user_text as clean_user_text

# --------------------------------------------------------------------------- text

# Mentions travel as a token that only the adapter's escape function turns into a ping; the
# delimiters and the one normalisation of typed text live in the domain (bot.domain.text).


def mention(user_id: str) -> str:
    """A reference to a chat user that the adapter renders as a mention."""
    return f"{MENTION_OPEN}{user_id}{MENTION_CLOSE}"


def channel_link(channel_id: str) -> str:
    """A reference to a channel that the adapter renders as a link to it."""
    return f"{MENTION_OPEN}{channel_id}{MENTION_CLOSE}"


# --------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Header:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Fields:
    """Label/value pairs shown side by side where the platform can (``事例番号: R8-001``)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Note:
    """Small print: the secrecy notice's one line, a timestamp, a hint."""

    text: str


@dataclass(frozen=True)
class Button:
    label: str
    action_id: str
    value: str = ""  # opaque IDs only; re-checked when clicked
    primary: bool = False


@dataclass(frozen=True)
class Buttons:
    buttons: tuple[Button, ...]


@dataclass(frozen=True)
class Divider:
    pass


Block = Header | Paragraph | Fields | Note | Buttons | Divider


@dataclass(frozen=True)
class Message:
    """``text`` is the notification/fallback text; ``blocks`` the body (may be empty)."""

    text: str
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class MessageRef:
    """Where a posted message lives: a channel and the platform's message id (Slack ``ts``)."""

    channel_id: str
    message_id: str

    def key(self) -> str:
        return f"{self.channel_id}:{self.message_id}"


# --------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class TextInput:
    field_id: str
    label: str
    multiline: bool = False
    optional: bool = False
    initial: str = ""
    hint: str = ""
    max_length: int = 3000


@dataclass(frozen=True)
class DateInput:
    field_id: str
    label: str
    optional: bool = False
    initial: date | None = None


@dataclass(frozen=True)
class TimeInput:
    field_id: str
    label: str
    optional: bool = False
    initial: time | None = None


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class SelectInput:
    field_id: str
    label: str
    choices: tuple[Choice, ...]
    optional: bool = False
    initial: str | None = None
    multiple: bool = False
    initial_many: tuple[str, ...] = ()
    # Several choices shown at once as tick boxes (where the platform allows that many).
    checkboxes: bool = False


FormField = TextInput | DateInput | TimeInput | SelectInput


@dataclass(frozen=True)
class Form:
    """A modal form. ``metadata`` carries opaque IDs only and is re-checked on submit."""

    form_id: str  # names the submit handler
    title: str  # short: about ten Japanese characters
    submit_label: str
    fields: tuple[FormField, ...]
    metadata: str = ""
    intro: tuple[Block, ...] = ()


@dataclass(frozen=True)
class FormValues:
    """What came back from a form: strings, dates, times and choices keyed by ``field_id``."""

    texts: dict[str, str] = field(default_factory=dict)
    dates: dict[str, date | None] = field(default_factory=dict)
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    times: dict[str, time | None] = field(default_factory=dict)

    def text(self, field_id: str) -> str:
        return (self.texts.get(field_id) or "").strip()

    def choice(self, field_id: str) -> str | None:
        chosen = self.choices.get(field_id) or ()
        return chosen[0] if chosen else None


class FormErrors(Exception):
    """Per-field Japanese messages: the form stays open and shows them beside the fields."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors))
        self.errors = errors


# --------------------------------------------------------------------------- the gateway


@dataclass(frozen=True)
class FileToSend:
    filename: str  # opaque: no personal data
    data: bytes
    title: str


class ChatGateway(Protocol):
    """What services may ask of the chat platform. Implementations retry rate limits outside
    the request path and raise ``ChatUnavailable`` when the platform cannot be reached."""

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef: ...

    def update(self, ref: MessageRef, message: Message) -> None: ...

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        """Only ``user_id`` sees it; in ``thread`` when it is about a reply there."""
        ...

    def send_direct(self, user_id: str, message: Message) -> MessageRef: ...

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None: ...

    def add_reaction(self, ref: MessageRef, name: str) -> None: ...

    def channel_facts(self, channel_id: str) -> ChannelFacts: ...

    def user_is_active(self, user_id: str) -> bool:
        """The platform's answer (a deactivated or unknown account is False); raises
        ``ChatUnavailable`` when it could not be asked, never guesses."""
        ...

    def display_name(self, user_id: str) -> str:
        """A courtesy: the user ID itself when the platform cannot be asked."""
        ...

    def open_form(self, interaction_ref: str, form: Form) -> None: ...

    # A meeting's own private channel (issue 11). Each raises ``ChatUnavailable`` with the
    # platform's code (``name_taken``, ``restricted_action``, ``missing_scope``…); what is
    # already so (a member already in, already out, a channel already archived) is success.

    def create_private_channel(self, name: str) -> str:
        """Create a private channel named ``name`` (opaque) with the bot in it; its ID."""
        ...

    def set_topic(self, channel_id: str, topic: str) -> None: ...

    def invite(self, channel_id: str, user_id: str) -> None: ...

    def kick(self, channel_id: str, user_id: str) -> None: ...

    def archive(self, channel_id: str) -> None: ...


class ChatUnavailable(Exception):
    """The chat platform did not accept a call (after the adapter's retries), or could not
    be asked at all. ``code`` is the platform's short error code (``ratelimited``,
    ``invalid_auth``, ``not_in_channel``, ``network``…): for logs and for choosing what to
    tell people, never content. A failed question is never an answer: ``user_is_active``
    raises this rather than guess."""

    def __init__(self, message: str = "", code: str = "", *, transient: bool = True) -> None:
        super().__init__(message)
        self.code = code
        # False when trying again cannot help (the message is gone, the bot was removed
        # from the channel): the adapter knows which of the platform's codes those are.
        self.transient = transient


class FormUnavailable(ChatUnavailable):
    """A form could not be opened: the click or command is too old (the platform allows a
    few seconds), or the platform refused. The person is asked to try again."""
