"""A chat gateway for the terminal, where no chat platform is reachable (or wanted).

It never calls the platform: documents name people from the database, and people whose
name was never stored are shown by their user ID. Anything that would send a message fails
with ``ChatUnavailable``, so a terminal command can never post case content anywhere.
"""

from __future__ import annotations

from bot.domain.model import ChannelFacts
from bot.services.chat import ChatUnavailable, FileToSend, Form, Message, MessageRef


class OfflineChat:
    """``ChatGateway`` for ``shienbot minutes`` / ``roles`` and the other terminal commands."""

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
        return user_id  # the platform is not asked: a stored name, else the ID

    def open_form(self, interaction_ref: str, form: Form) -> None:
        raise ChatUnavailable("offline")

    def create_private_channel(self, name: str) -> str:
        raise ChatUnavailable("offline")

    def set_topic(self, channel_id: str, topic: str) -> None:
        raise ChatUnavailable("offline")

    def invite(self, channel_id: str, user_id: str) -> None:
        raise ChatUnavailable("offline")

    def kick(self, channel_id: str, user_id: str) -> None:
        raise ChatUnavailable("offline")

    def archive(self, channel_id: str) -> None:
        raise ChatUnavailable("offline")
