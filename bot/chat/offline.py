"""A chat gateway for the terminal, where no chat platform is reachable.

Names are shown as user IDs; anything that would send a message fails with
``ChatUnavailable``, so a terminal command can never post case content anywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.model import ChannelFacts
from bot.services.chat import ChatUnavailable, FileToSend, Form, Message, MessageRef


class OfflineChat:
    """``ChatGateway`` for ``shienbot minutes`` / ``roles``: ``names`` (e.g. Slack's
    users.info, when a token is configured) turns user IDs into display names."""

    def __init__(self, names: Callable[[str], str] | None = None) -> None:
        self._names = names

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        raise ChatUnavailable("offline")

    def update(self, ref: MessageRef, message: Message) -> None:
        raise ChatUnavailable("offline")

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        raise ChatUnavailable("offline")

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        raise ChatUnavailable("offline")

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        raise ChatUnavailable("offline")

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        raise ChatUnavailable("offline")

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        raise ChatUnavailable("offline")

    def user_is_active(self, user_id: str) -> bool:
        return True  # only trusted operators reach this gateway

    def display_name(self, user_id: str) -> str:
        if self._names is not None:
            try:
                return self._names(user_id)
            except Exception:  # a name is a courtesy: fall back to the ID
                return user_id
        return user_id

    def open_form(self, interaction_ref: str, form: Form) -> None:
        raise ChatUnavailable("offline")
