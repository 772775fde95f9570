"""``ChatGateway`` over Slack's Web API.

Called after the ack, never inside it: rate-limited calls are retried with back-off here
(slack_sdk's ``RateLimitErrorRetryHandler`` sleeps for ``Retry-After`` in this thread).
Logs name the method and the error code only, never message text.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot import texts
from bot.chat.slack.render import escape, message_payload, modal
from bot.domain.errors import DomainError
from bot.domain.model import ChannelFacts
from bot.domain.text import clean_name
from bot.services.chat import ChatUnavailable, FileToSend, Form, Message, MessageRef

log = logging.getLogger(__name__)
_USER_CACHE_SECONDS = 60.0


def make_client(token: str, base_url: str) -> WebClient:
    """A WebClient that retries connection errors and rate limits (both outside any ack)."""
    client = WebClient(token=token, base_url=base_url, timeout=20)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    return client


class SlackGateway:
    """The chat port for one Slack workspace."""

    def __init__(self, client: WebClient, bot_user_id: str) -> None:
        self.client = client
        self.bot_user_id = bot_user_id
        self._users: dict[str, tuple[float, dict[str, Any]]] = {}
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a Web API method through slack_sdk's typed method, which encodes each one as
        Slack expects (read methods such as users.info take no JSON body)."""
        try:
            response = getattr(self.client, method.replace(".", "_"))(**kwargs)
        except SlackApiError as error:
            code = (
                error.response.get("error", "unknown") if error.response is not None else "unknown"
            )
            log.warning("Slack %s failed: %s", method, code)
            raise ChatUnavailable(f"{method}: {code}") from None
        except OSError as error:
            log.warning("Slack %s unreachable: %s", method, type(error).__name__)
            raise ChatUnavailable(f"{method}: unreachable") from None
        data = response.data
        assert isinstance(data, dict)
        return data

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        extra: dict[str, Any] = {"thread_ts": thread.message_id} if thread else {}
        # A URL someone typed must not become a preview fetched from outside.
        extra.update(unfurl_links=False, unfurl_media=False)
        data = self._call(
            "chat.postMessage", channel=channel_id, **message_payload(message), **extra
        )
        return MessageRef(str(data["channel"]), str(data["ts"]))

    def update(self, ref: MessageRef, message: Message) -> None:
        self._call(
            "chat.update", channel=ref.channel_id, ts=ref.message_id, **message_payload(message)
        )

    def post_ephemeral(self, channel_id: str, user_id: str, message: Message) -> None:
        self._call(
            "chat.postEphemeral", channel=channel_id, user=user_id, **message_payload(message)
        )

    def _dm_channel(self, user_id: str) -> str:
        with self._lock:
            cached = self._dm_channels.get(user_id)
        if cached:
            return cached
        data = self._call("conversations.open", users=user_id)
        channel_id = str(data["channel"]["id"])
        with self._lock:
            self._dm_channels[user_id] = channel_id
        return channel_id

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        # Without a known DM channel, post to the user ID: Slack opens (or finds) the DM and
        # answers with its channel ID, which is kept — no conversations.open needed.
        with self._lock:
            known = self._dm_channels.get(user_id)
        ref = self.post(known or user_id, message)
        if known is None and ref.channel_id.startswith("D"):
            with self._lock:
                self._dm_channels[user_id] = ref.channel_id
        return ref

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        try:
            self.client.files_upload_v2(
                channel=self._dm_channel(user_id),
                content=file.data,
                filename=file.filename,
                # A title is shown as typed; angle brackets go full-width so that no client
                # or search index ever reads markup (<!channel>) in an agency's name.
                title=file.title.replace("<", "＜").replace(">", "＞"),
                initial_comment=escape(comment),  # posted as a message: mrkdwn
            )
        except SlackApiError as error:
            code = (
                error.response.get("error", "unknown") if error.response is not None else "unknown"
            )
            log.warning("Slack file upload failed: %s", code)
            raise ChatUnavailable(f"files_upload_v2: {code}") from None

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        try:
            self._call("reactions.add", channel=ref.channel_id, timestamp=ref.message_id, name=name)
        except ChatUnavailable as error:
            if "already_reacted" not in str(error):
                raise

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        try:
            info = self._call("conversations.info", channel=channel_id)["channel"]
        except ChatUnavailable as error:
            if "channel_not_found" in str(error):  # a private channel the bot is not in
                raise DomainError(texts.SLACK.not_invited) from None
            raise
        members: set[str] = set()
        cursor = None
        while True:
            kwargs: dict[str, Any] = {"channel": channel_id, "limit": 200}
            if cursor:
                kwargs["cursor"] = cursor
            page = self._call("conversations.members", **kwargs)
            members.update(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        people = {m for m in members if m != self.bot_user_id and not self._user(m).get("is_bot")}
        return ChannelFacts(
            is_private=bool(info.get("is_private")),
            is_shared_externally=bool(
                info.get("is_ext_shared") or info.get("is_pending_ext_shared")
            ),
            member_ids=frozenset(people),
        )

    def _user(self, user_id: str) -> dict[str, Any]:
        now = time.monotonic()
        with self._lock:
            cached = self._users.get(user_id)
        if cached and now - cached[0] < _USER_CACHE_SECONDS:
            return cached[1]
        try:
            user = self._call("users.info", user=user_id).get("user") or {}
        except ChatUnavailable:
            # Fails closed for this call, but is not remembered: the cache holds only
            # Slack's real answers, so the next call asks again.
            return {"deleted": True}
        with self._lock:
            self._users[user_id] = (now, user)
        return user

    def user_is_active(self, user_id: str) -> bool:
        user = self._user(user_id)
        return bool(user) and not user.get("deleted", False)

    def display_name(self, user_id: str) -> str:
        user = self._user(user_id)
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
        )
        # People choose their display names: no bidi overrides, invisible characters or
        # the bot's mention markers in what the bot shows or writes into documents.
        return clean_name(name) or user_id

    def open_form(self, interaction_ref: str, form: Form) -> None:
        self._call("views.open", trigger_id=interaction_ref, view=modal(form))
