"""``ChatGateway`` over Slack's Web API.

Called after the ack, never inside it: rate-limited calls are retried with back-off here
(slack_sdk's ``RateLimitErrorRetryHandler`` sleeps for ``Retry-After`` in this thread), as
are dropped connections and Slack's 5xx answers. Whatever slack_sdk or urllib raises
(``SlackApiError``, its other client errors, urllib's ``HTTPError``/``URLError`` from the
upload step, socket time-outs, a body that is not JSON) leaves this module as the bot's own
``ChatUnavailable`` with Slack's short error code. Logs name the method and the error code
only, never message text.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot import texts
from bot.chat.slack.render import escape, message_payload, modal
from bot.domain.errors import DomainError
from bot.domain.model import ChannelFacts
from bot.domain.text import clean_name
from bot.services.chat import (
    ChatUnavailable,
    FileToSend,
    Form,
    FormUnavailable,
    Message,
    MessageRef,
)

log = logging.getLogger(__name__)
USER_CACHE_SECONDS = 60.0
# users.info answers that are real answers about the account (it does not exist, or this
# workspace may not see it): the account fails closed. Every other failure is "could not ask".
_NO_SUCH_USER = frozenset({"user_not_found", "user_not_visible", "users_not_found"})
_DIRECT = ChannelFacts(is_private=True, is_shared_externally=False, is_direct=True)
# Slack's answers that trying the same call again cannot change (the rest — rate limits,
# 5xx, network errors, internal_error, invalid_auth an operator may fix — are worth retrying).
_PERMANENT = frozenset(
    {
        "already_archived",
        "already_in_channel",
        "already_reacted",
        "cannot_dm_bot",
        "cant_invite",
        "cant_invite_self",
        "cant_kick_self",
        "invalid_name_specials",
        "name_taken",
        "user_is_restricted",
        "cant_update_message",
        "channel_not_found",
        "invalid_arguments",
        "invalid_blocks",
        "is_archived",
        "message_not_found",
        "missing_scope",
        "msg_too_long",
        "no_text",
        "not_in_channel",
        "restricted_action",
        "user_not_found",
        "user_not_in_channel",
    }
)
# What slack_sdk and the standard library raise for a call that did not get an answer.
_TRANSPORT_ERRORS = (SlackClientError, OSError, http.client.HTTPException, ValueError)


def make_client(token: str, base_url: str) -> WebClient:
    """A WebClient that retries connection errors, 5xx answers and rate limits (all outside
    any ack)."""
    client = WebClient(token=token, base_url=base_url, timeout=20)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def make_quick_client(client: WebClient) -> WebClient:
    """A WebClient for calls a person is waiting on within Slack's 3 seconds (a form to open,
    an event to answer): it never sleeps for a rate limit and gives up after 2 seconds; its
    failures are answered by trying again later, not by waiting now."""
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=2)
    quick.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=1))
    return quick


def unavailable(what: str, error: BaseException) -> SlackFailure:
    """The bot's own error for whatever a call raised, logged by method and code only."""
    if isinstance(error, SlackApiError):
        response = error.response
        code = str(response.get("error", "unknown")) if response is not None else "unknown"
        status = getattr(response, "status_code", 200) if response is not None else 200
        if status == 429:
            code = "ratelimited"
        elif status >= 500 and code == "unknown":
            code = f"http_{status}"
    elif isinstance(error, OSError | http.client.HTTPException):
        code = f"http_{error.code}" if hasattr(error, "code") else "network"
    else:
        code = type(error).__name__
    log.warning("Slack %s failed: %s", what, code)
    needed = ""
    if isinstance(error, SlackApiError) and error.response is not None:
        needed = str(error.response.get("needed", ""))
    return SlackFailure(f"{what}: {code}", code, needed)


class SlackFailure(ChatUnavailable):
    """``ChatUnavailable`` with what only Slack says: for ``missing_scope``, the scopes the
    call needed (for conversation reads they name the conversation's type)."""

    def __init__(self, message: str, code: str, needed: str = "") -> None:
        super().__init__(message, code, transient=code not in _PERMANENT)
        self.needed = needed


@dataclass
class _Cache:
    """What a gateway remembers, shared with its ``quick`` twin."""

    user_seconds: float = USER_CACHE_SECONDS
    # Only real answers are kept (a deactivated account, an unknown ID), never a failure.
    users: dict[str, tuple[float, dict[str, Any]]] = field(default_factory=dict)
    dm_channels: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class SlackGateway:
    """The chat port for one Slack workspace."""

    def __init__(self, client: WebClient, bot_user_id: str) -> None:
        self.client = client
        self.bot_user_id = bot_user_id
        self._cache = _Cache()

    @property
    def user_cache_seconds(self) -> float:
        """How long an answer about a user is kept (failures never are)."""
        return self._cache.user_seconds

    @user_cache_seconds.setter
    def user_cache_seconds(self, seconds: float) -> None:
        self._cache.user_seconds = seconds

    @property
    def _users(self) -> dict[str, tuple[float, dict[str, Any]]]:
        return self._cache.users

    @property
    def _lock(self) -> threading.Lock:
        return self._cache.lock

    def quick(self) -> SlackGateway:
        """This workspace for calls a person is waiting on within Slack's 3 seconds (an event
        to answer, a form to open): never sleeps for a rate limit, gives up after 2 seconds,
        and shares this gateway's caches."""
        twin = SlackGateway(make_quick_client(self.client), self.bot_user_id)
        twin._cache = self._cache
        return twin

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Call a Web API method through slack_sdk's typed method, which encodes each one as
        Slack expects (read methods such as users.info take no JSON body)."""
        try:
            response = getattr(self.client, method.replace(".", "_"))(**kwargs)
        except _TRANSPORT_ERRORS as error:
            raise unavailable(method, error) from None
        data = response.data
        if not isinstance(data, dict):  # a proxy's HTML page, say
            raise unavailable(method, ValueError("not JSON"))
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

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        extra: dict[str, Any] = {"thread_ts": thread.message_id} if thread else {}
        self._call(
            "chat.postEphemeral",
            channel=channel_id,
            user=user_id,
            **message_payload(message),
            **extra,
        )

    def _dm_channel(self, user_id: str) -> str:
        with self._lock:
            cached = self._cache.dm_channels.get(user_id)
        if cached:
            return cached
        data = self._call("conversations.open", users=user_id)
        channel_id = str(data["channel"]["id"])
        with self._lock:
            self._cache.dm_channels[user_id] = channel_id
        return channel_id

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        # Without a known DM channel, post to the user ID: Slack opens (or finds) the DM and
        # answers with its channel ID, which is kept — no conversations.open needed.
        with self._lock:
            known = self._cache.dm_channels.get(user_id)
        ref = self.post(known or user_id, message)
        if known is None and ref.channel_id.startswith("D"):
            with self._lock:
                self._cache.dm_channels[user_id] = ref.channel_id
        return ref

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        channel = self._dm_channel(user_id)
        try:
            self.client.files_upload_v2(
                channel=channel,
                content=file.data,
                filename=file.filename,
                # A title is shown as typed; angle brackets go full-width so that no client
                # or search index ever reads markup (<!channel>) in an agency's name.
                title=file.title.replace("<", "＜").replace(">", "＞"),
                initial_comment=escape(comment),  # posted as a message: mrkdwn
            )
        except _TRANSPORT_ERRORS as error:
            # The bytes are POSTed with urllib: HTTPError, URLError, a dropped connection.
            raise unavailable("files_upload_v2", error) from None

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        try:
            self._call("reactions.add", channel=ref.channel_id, timestamp=ref.message_id, name=name)
        except ChatUnavailable as error:
            if error.code != "already_reacted":
                raise

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        # DMs and group DMs are told apart with the fewest scopes: a DM's ID starts with D,
        # and reading a group DM needs mpim:read, which the bot does not have (it never
        # works in one): Slack's missing_scope names the scope the conversation's type needs.
        if channel_id.startswith("D"):
            return _DIRECT
        try:
            info = self._call("conversations.info", channel=channel_id)["channel"]
        except ChatUnavailable as error:
            needed = error.needed if isinstance(error, SlackFailure) else ""
            if error.code == "missing_scope" and {"im:read", "mpim:read"} & set(needed.split(",")):
                return _DIRECT
            if error.code == "channel_not_found":  # a private channel the bot is not in
                raise DomainError(texts.SLACK.not_invited) from None
            raise
        if info.get("is_im") or info.get("is_mpim"):
            return _DIRECT
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
        # Another app's bot user is someone too: it reads what the channel shows.
        people = {m for m in members if m != self.bot_user_id}
        return ChannelFacts(
            is_private=bool(info.get("is_private")),
            is_shared_externally=bool(
                info.get("is_ext_shared") or info.get("is_pending_ext_shared")
            ),
            member_ids=frozenset(people),
        )

    def _user(self, user_id: str) -> dict[str, Any]:
        """Slack's record of a user (empty for an account that does not exist); raises
        ``ChatUnavailable`` when Slack could not be asked. Only answers are cached."""
        now = time.monotonic()
        with self._lock:
            cached = self._users.get(user_id)
        if cached and now - cached[0] < self.user_cache_seconds:
            return cached[1]
        try:
            user = self._call("users.info", user=user_id).get("user") or {}
        except ChatUnavailable as error:
            if error.code not in _NO_SUCH_USER:
                raise
            user = {}  # an unknown account fails closed
        with self._lock:
            self._users[user_id] = (now, user)
        return user

    def user_is_active(self, user_id: str) -> bool:
        user = self._user(user_id)
        return bool(user) and not user.get("deleted", False)

    def display_name(self, user_id: str) -> str:
        try:
            user = self._user(user_id)
        except ChatUnavailable:
            return user_id  # a name is a courtesy; the next document asks again
        profile = user.get("profile") or {}
        name = str(
            profile.get("display_name") or user.get("real_name") or user.get("name") or user_id
        )
        # People choose their display names: no bidi overrides, invisible characters or
        # the bot's mention markers in what the bot shows or writes into documents.
        return clean_name(name) or user_id

    def create_private_channel(self, name: str) -> str:
        answer = self._call("conversations.create", name=name, is_private=True)
        return str(answer["channel"]["id"])

    def set_topic(self, channel_id: str, topic: str) -> None:
        self._call("conversations.setTopic", channel=channel_id, topic=topic)

    def invite(self, channel_id: str, user_id: str) -> None:
        try:
            self._call("conversations.invite", channel=channel_id, users=user_id)
        except ChatUnavailable as error:
            if error.code != "already_in_channel":
                raise

    def kick(self, channel_id: str, user_id: str) -> None:
        try:
            self._call("conversations.kick", channel=channel_id, user=user_id)
        except ChatUnavailable as error:
            if error.code != "not_in_channel":
                raise

    def archive(self, channel_id: str) -> None:
        try:
            self._call("conversations.archive", channel=channel_id)
        except ChatUnavailable as error:
            if error.code != "already_archived":
                raise

    def open_form(self, interaction_ref: str, form: Form) -> None:
        try:
            self._call("views.open", trigger_id=interaction_ref, view=modal(form))
        except ChatUnavailable as error:
            # expired_trigger_id (over Slack's 3 seconds), exchanged_trigger_id, a rate limit
            raise FormUnavailable(str(error), error.code, transient=error.transient) from None
