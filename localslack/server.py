"""A local, stateful stand-in for the slice of Slack's Web API that the bot uses.

Point ``slack_sdk.WebClient(base_url=server.api_url)`` (and through it a Bolt app) at a
:class:`LocalSlackServer` and every call lands here, is checked the way Slack checks it and
changes a small in-memory workspace that tests and the offline demo can inspect.
"""

from __future__ import annotations

import builtins
import copy
import itertools
import json
import math
import random
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from localslack import blockkit

JSON = dict[str, Any]
EventListener = Callable[[JSON], None]

DEFAULT_BOT_TOKEN = "xoxb-local-test-token"
DEFAULT_SIGNING_SECRET = "local-signing-secret"
RESPONSE_URL_USES = 5
RESPONSE_URL_TTL = 30 * 60.0
VIEW_STACK_LIMIT = 3
_CHANNEL_ID_PREFIXES = ("C", "G", "D", "Z")
# Read methods Slack documents as "does not currently accept application/json": a JSON
# body is ignored, so the call fails as if its arguments were missing (users.info answers
# user_not_found). slack_sdk's named methods send these form-encoded; api_call(json=...)
# does not.
FORM_ONLY_METHODS = frozenset(
    {
        "conversations.info",
        "conversations.members",
        "conversations.history",
        "conversations.replies",
        "users.info",
        "users.list",
        "users.lookupByEmail",
    }
)


class SlackApiFailure(Exception):
    """Raised inside a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *, messages: Iterable[str] = (), **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)
        self.extra = extra


class RateLimited(Exception):
    """Raised inside a method handler to answer HTTP 429."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("ratelimited")
        self.retry_after = retry_after


@dataclass
class User:
    """A workspace member (or the bot's own user)."""

    id: str
    name: str
    real_name: str
    is_bot: bool = False
    deleted: bool = False


@dataclass
class Channel:
    """A conversation: public/private channel or the bot's DM with one user."""

    id: str
    name: str
    is_private: bool
    members: list[str] = field(default_factory=list)
    is_im: bool = False
    im_user: str | None = None
    is_mpim: bool = False  # a group DM
    is_ext_shared: bool = False
    is_archived: bool = False
    created: int = field(default_factory=lambda: int(time.time()))
    topic: str = ""
    creator: str = ""


@dataclass(frozen=True)
class SharedFile:
    """A file the bot uploaded and shared into a conversation."""

    file_id: str
    name: str
    title: str
    data: builtins.bytes
    channel: str
    uploader: str
    message_ts: str | None
    thread_ts: str | None
    initial_comment: str | None

    @property
    def bytes(self) -> builtins.bytes:
        """The file's content, exactly as uploaded."""
        return self.data


@dataclass(frozen=True)
class TranscriptEntry:
    """One human-readable line of what happened in the workspace.

    Attributes:
        seq: Position in the transcript.
        headline: Who saw or did what, e.g. ``"#kaigi-01 に投稿"``.
        body: What they saw (message text or flattened blocks); may be empty.
        kind: Machine-friendly category (``post``, ``ephemeral``, ``dm``, ``view``, ``file``,
            ``user``, ``update``, ``delete``, ``reaction``).
        target: Channel or user id the entry concerns.
    """

    seq: int
    headline: str
    body: str
    kind: str
    target: str

    def render(self) -> str:
        """Return the entry as text: the headline, then the body indented."""
        if not self.body:
            return self.headline
        lines = self.body.splitlines() or [""]
        return "\n".join([self.headline, *(f"    {line}" for line in lines)])


@dataclass
class _UploadSlot:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    completed: bool = False


@dataclass
class _Trigger:
    user_id: str
    issued: float
    used: bool = False


@dataclass
class _ResponseTarget:
    user_id: str
    channel_id: str
    message_ts: str | None
    ephemeral_ts: str | None
    thread_ts: str | None
    issued: float
    uses: int = 0


def _truthy(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


class LocalSlackServer:
    """An HTTP server speaking the subset of Slack's Web API the bot uses, with state.

    Args:
        host: Interface to bind.
        port: Port to bind; 0 picks a free one.
        bot_token: The only bot token accepted (obviously fake on purpose).
        bot_user_id: The bot's user id.
        bot_id: The bot's ``B…`` id (what ``auth.test`` and message events report).
        team_id: The workspace id.
        signing_secret: The app's signing secret (the driver signs with it).
        app_id: The app's id.
        rate_limit_post_message_per_channel: If set, ``chat.postMessage`` calls per second
            allowed per channel; beyond that the answer is HTTP 429 with ``Retry-After``.
        trigger_ttl: Seconds a ``trigger_id`` stays usable (Slack: 3).
        form_only_methods: Methods whose JSON bodies are ignored, as Slack does.
        scopes: The bot token's scopes, as the app manifest grants them; a call whose
            method (or conversation type) needs another answers ``missing_scope`` as Slack
            does. ``None`` checks no scopes (only for tests of the server itself).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = DEFAULT_BOT_TOKEN,
        bot_user_id: str = "UBOT",
        bot_id: str = "BLOCAL",
        bot_name: str = "shienbot",
        team_id: str = "TLOCAL",
        team_domain: str = "local-workspace",
        signing_secret: str = DEFAULT_SIGNING_SECRET,
        app_id: str = "ALOCAL",
        rate_limit_post_message_per_channel: float | None = None,
        trigger_ttl: float = 3.0,
        form_only_methods: Iterable[str] = FORM_ONLY_METHODS,
        scopes: Iterable[str] | None = None,
    ) -> None:
        self.host = host
        self.bot_token = bot_token
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.team_id = team_id
        self.team_domain = team_domain
        self.signing_secret = signing_secret
        self.app_id = app_id
        self.rate_limit_post_message_per_channel = rate_limit_post_message_per_channel
        self.trigger_ttl = trigger_ttl
        self.form_only_methods = frozenset(form_only_methods)
        # The bot token's granted scopes (from the app manifest); None grants everything.
        self.scopes = frozenset(scopes) if scopes is not None else None
        self._faults: dict[str, list[_Fault]] = {}
        self.failures_injected: dict[str, int] = {}  # per method, for reports
        self._requested_port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._last_ts_us = 0
        self._users: dict[str, User] = {}
        self._channels: dict[str, Channel] = {}
        self._dm_by_user: dict[str, str] = {}
        self._messages: dict[str, list[JSON]] = {}
        self._ephemerals: list[JSON] = []
        self._views: dict[str, JSON] = {}
        self._view_owner: dict[str, str] = {}
        self._view_stacks: dict[str, list[str]] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: dict[str, _ResponseTarget] = {}
        self._uploads: dict[str, _UploadSlot] = {}
        self._upload_tokens: dict[str, str] = {}
        self._shared_files: list[SharedFile] = []
        self._reactions: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._buckets: dict[str, tuple[float, float]] = {}
        self._api_calls: list[tuple[str, JSON]] = []
        self._transcript: list[TranscriptEntry] = []
        self._problems: list[str] = []
        self._listeners: list[EventListener] = []
        self._users[bot_user_id] = User(bot_user_id, bot_name, bot_name, is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> LocalSlackServer:
        """Bind and serve in a background thread.

        Returns:
            The server itself, for chaining.
        """
        if self._httpd is not None:
            return self
        handler = _make_handler(self)
        httpd = ThreadingHTTPServer((self.host, self._requested_port), handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._thread = threading.Thread(
            # A short poll interval keeps stop() fast (shutdown waits for one poll).
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="local-slack-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> LocalSlackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (only once started)."""
        if self._httpd is None:
            raise RuntimeError("LocalSlackServer is not started")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """The Web API base URL to give to ``WebClient(base_url=...)``."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ workspace setup

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
    ) -> None:
        """Create (or replace) a workspace member."""
        with self._lock:
            self._users[user_id] = User(user_id, name, real_name or name, is_bot, deleted)

    def deactivate_user(self, user_id: str) -> None:
        """Mark a member deactivated; like Slack, they stay listed in channel memberships."""
        with self._lock:
            self._user(user_id).deleted = True

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = True,
        members: Iterable[str] = (),
        is_ext_shared: bool = False,
        is_mpim: bool = False,
    ) -> None:
        """Create a channel; include ``bot_user_id`` in ``members`` to invite the bot.
        ``is_mpim`` makes it a group DM (private, reads need ``mpim:read``)."""
        with self._lock:
            if channel_id in self._channels:
                raise ValueError(f"channel {channel_id} already exists")
            member_list = list(dict.fromkeys(members))
            for member in member_list:
                self._user(member)
            self._channels[channel_id] = Channel(
                channel_id,
                name,
                is_private or is_mpim,
                member_list,
                is_ext_shared=is_ext_shared,
                is_mpim=is_mpim,
            )
            self._messages.setdefault(channel_id, [])

    def archive_channel(self, channel_id: str) -> None:
        """Archive a channel (posting then fails with ``is_archived``)."""
        with self._lock:
            self._channel(channel_id).is_archived = True

    def convert_to_public(self, channel_id: str) -> None:
        """An admin makes a private channel public (Slack sends the bot no event for it)."""
        with self._lock:
            self._channel(channel_id).is_private = False
            self._note(
                f"{self._label(channel_id)} が公開チャンネルに変更された", "", "user", channel_id
            )

    def share_externally(self, channel_id: str) -> None:
        """Someone shares the channel with another organisation (Slack Connect)."""
        with self._lock:
            self._channel(channel_id).is_ext_shared = True
            self._note(f"{self._label(channel_id)} が外部と共有された", "", "user", channel_id)

    def channel_named(self, name: str) -> Channel | None:
        """The channel called ``name`` (the bot's meeting channels are found this way)."""
        with self._lock:
            return next((c for c in self._channels.values() if c.name == name), None)

    def channels_created_by_bot(self) -> list[Channel]:
        """Channels the bot created (``conversations.create``), oldest first."""
        with self._lock:
            return [c for c in self._channels.values() if c.creator == self.bot_user_id]

    def join(self, channel_id: str, user_id: str) -> None:
        """Add a member to a channel (no event; the driver's ``member_joins`` sends one)."""
        with self._lock:
            self._user(user_id)
            channel = self._channel(channel_id)
            if user_id not in channel.members:
                channel.members.append(user_id)

    def leave(self, channel_id: str, user_id: str) -> None:
        """Remove a member from a channel."""
        with self._lock:
            channel = self._channel(channel_id)
            if user_id in channel.members:
                channel.members.remove(user_id)

    def dm_channel_id(self, user_id: str) -> str:
        """Return (opening if needed) the id of the bot's DM with ``user_id``."""
        with self._lock:
            return self._open_dm(self._user(user_id)).id

    # ------------------------------------------------------------------ inspection

    def messages(self, channel_id: str) -> list[JSON]:
        """Top-level messages of a conversation, oldest first (thread replies excluded)."""
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel_id, [])
                if m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast"
            ]

    def thread(self, channel_id: str, thread_ts: str) -> list[JSON]:
        """A thread: its parent, then its replies, oldest first."""
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self._messages.get(channel_id, [])
                if m["ts"] == thread_ts or m.get("thread_ts") == thread_ts
            ]

    def message(self, channel_id: str, ts: str) -> JSON | None:
        """One stored message (top-level or reply), or ``None``."""
        with self._lock:
            found = self._find_message(channel_id, ts)
            return copy.deepcopy(found) if found is not None else None

    def ephemerals(self, user_id: str, channel_id: str | None = None) -> list[JSON]:
        """Ephemeral messages a user currently sees (replaced ones show their new content)."""
        with self._lock:
            return [
                copy.deepcopy(e)
                for e in self._ephemerals
                if e["user"] == user_id and channel_id in (None, e["channel"])
            ]

    def dms(self, user_id: str) -> list[JSON]:
        """Messages in the user's DM with the bot (both directions), oldest first."""
        with self._lock:
            dm = self._dm_by_user.get(user_id)
            return [copy.deepcopy(m) for m in self._messages.get(dm, [])] if dm else []

    def views(self, user_id: str) -> list[JSON]:
        """The modal stack currently open for a user, root first."""
        with self._lock:
            return [copy.deepcopy(self._views[v]) for v in self._view_stacks.get(user_id, [])]

    def view(self, view_id: str) -> JSON | None:
        """A view by id, open or closed."""
        with self._lock:
            found = self._views.get(view_id)
            return copy.deepcopy(found) if found is not None else None

    def reactions(self, channel_id: str, ts: str) -> dict[str, list[str]]:
        """Reactions on a message: emoji name → users who added it."""
        with self._lock:
            return copy.deepcopy(self._reactions.get((channel_id, ts), {}))

    def files_shared_with(self, user_or_channel: str) -> list[SharedFile]:
        """Files shared into a channel, or into a user's DM with the bot."""
        with self._lock:
            channel_id = user_or_channel
            if user_or_channel not in self._channels:
                channel_id = self._dm_by_user.get(user_or_channel, "")
            return [f for f in self._shared_files if f.channel == channel_id]

    @property
    def api_calls(self) -> list[tuple[str, JSON]]:
        """Every Web API call received, as ``(method, params)`` with tokens removed."""
        with self._lock:
            return [(m, copy.deepcopy(p)) for m, p in self._api_calls]

    def api_call_count(self, method: str | None = None) -> int:
        """Number of Web API calls received (optionally of one method)."""
        with self._lock:
            return sum(1 for m, _ in self._api_calls if method in (None, m))

    @property
    def transcript(self) -> list[TranscriptEntry]:
        """Chronological human-readable record of who saw or did what."""
        with self._lock:
            return list(self._transcript)

    def render_transcript(self) -> str:
        """The transcript as text, one entry per paragraph line group."""
        return "\n".join(entry.render() for entry in self.transcript)

    @property
    def problems(self) -> list[str]:
        """Things real Slack would have shown users as an error (slow acks, bad responses)."""
        with self._lock:
            return list(self._problems)

    def report_problem(self, description: str) -> None:
        """Record a protocol problem (used by the driver)."""
        with self._lock:
            self._problems.append(description)

    def note(self, headline: str, body: str = "", *, kind: str = "user", target: str = "") -> None:
        """Append a transcript entry (used by the driver for what users do)."""
        with self._lock:
            self._note(headline, body, kind, target)

    def subscribe(self, listener: EventListener) -> None:
        """Call ``listener(event)`` for each Events API event the bot's own actions cause.

        Used by the driver to echo the bot's messages back to it, as Slack does.
        """
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: EventListener) -> None:
        """Stop calling ``listener``."""
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def display(self, conversation_id: str) -> str:
        """Human label for a conversation or user: ``#name``, ``U… との DM`` or the id."""
        with self._lock:
            return self._label(conversation_id)

    def user(self, user_id: str) -> User:
        """A copy of a member's record (raises ``KeyError`` if unknown)."""
        with self._lock:
            return copy.copy(self._user(user_id))

    def channel(self, channel_id: str) -> Channel:
        """A copy of a conversation's record (raises ``KeyError`` if unknown)."""
        with self._lock:
            return copy.deepcopy(self._channel(channel_id))

    # ------------------------------------------------------------------ driver hooks

    def issue_trigger(self, user_id: str) -> str:
        """Mint a ``trigger_id`` for an interaction by ``user_id`` (valid ``trigger_ttl`` s)."""
        trigger_id = f"{int(time.time())}.{secrets.randbelow(10**9)}.{secrets.token_hex(16)}"
        with self._lock:
            self._triggers[trigger_id] = _Trigger(user_id, time.monotonic())
        return trigger_id

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str,
        *,
        message_ts: str | None = None,
        ephemeral_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """Mint a ``response_url`` for an interaction (5 uses within 30 minutes, like Slack)."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._response_urls[token] = _ResponseTarget(
                user_id, channel_id, message_ts, ephemeral_ts, thread_ts, time.monotonic()
            )
        return f"{self.base_url}/response/{token}"

    def post_as_user(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: Iterable[str] = (),
    ) -> tuple[JSON, JSON | None]:
        """Store a message typed by a member.

        ``files`` names files the member attached (uploaded from their computer): the
        message then has subtype ``file_share`` and a ``files`` list beside its text (which
        may be empty), as Slack sends it.

        Returns:
            The stored message and the ``message`` event Slack would send to the app, or
            ``None`` when the app could not see it (the bot is not in the channel).
        """
        with self._lock:
            user = self._user(user_id)
            if user.deleted:
                raise ValueError(f"{user_id} is deactivated")
            channel = self._channel(channel_id)
            if user_id not in channel.members:
                raise ValueError(f"{user_id} is not a member of {channel_id}")
            ts = self._next_ts()
            message: JSON = {
                "type": "message",
                "user": user_id,
                "text": text,
                "ts": ts,
                "team": self.team_id,
                "client_msg_id": secrets.token_hex(16),
            }
            if text:
                message["blocks"] = [_rich_text_block(text)]
            names = list(files)
            if names:
                message.update(
                    {
                        "subtype": "file_share",
                        "files": [self._user_file(user_id, name) for name in names],
                        "upload": False,
                        "display_as_bot": False,
                    }
                )
            elif not text:
                raise ValueError("a message needs text or files")
            parent = self._attach_thread(channel.id, message, thread_ts)
            self._messages[channel.id].append(message)
            where = "のスレッドに" if parent else "に"
            self._note(
                f"{user_id} が {self._label(channel.id)} {where}投稿", text, "user", channel.id
            )
            event = self._message_event(channel, message, parent)
            return copy.deepcopy(message), event

    def _user_file(self, user_id: str, name: str) -> JSON:
        """A file a member attached, as Slack describes it in a ``file_share`` message."""
        file_id = self._new_id("F")
        created = int(time.time())
        private = f"https://files.slack.local/files-pri/{self.team_id}-{file_id}/{name}"
        return {
            "id": file_id,
            "created": created,
            "timestamp": created,
            "name": name,
            "title": name,
            "mimetype": _mimetype(name),
            "filetype": name.rsplit(".", 1)[-1] if "." in name else "",
            "user": user_id,
            "editable": False,
            "size": 1024,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": private,
            "url_private_download": private.replace("/files-pri/", "/files-pri/download/"),
            "permalink": f"https://{self.team_domain}.slack.local/files/{user_id}/{file_id}/{name}",
            "has_rich_preview": False,
        }

    def add_link_preview(self, channel_id: str, ts: str, url: str) -> JSON | None:
        """Slack unfurls a link in a member's message: the message gains an attachment and
        the app gets ``message_changed`` with the text unchanged (``None`` if unseen)."""
        with self._lock:
            channel = self._channel(channel_id)
            message = self._find_message(channel_id, ts)
            if message is None or "bot_id" in message:
                raise ValueError(f"no member message {ts} in {channel_id}")
            previous = copy.deepcopy(message)
            message.setdefault("attachments", []).append(
                {
                    "id": len(message.get("attachments", [])) + 1,
                    "from_url": url,
                    "original_url": url,
                    "title": "preview",
                    "title_link": url,
                    "fallback": "preview",
                    "service_name": "example",
                }
            )
            if self.bot_user_id not in channel.members:
                return None
            event_ts = self._next_ts()
            return {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel_id,
                "ts": event_ts,
                "event_ts": event_ts,
                "channel_type": _channel_type(channel),
                "message": {**copy.deepcopy(message), "type": "message"},
                "previous_message": previous,
            }

    def edit_as_user(self, channel_id: str, ts: str, new_text: str) -> JSON | None:
        """Edit a member's message; returns the ``message_changed`` event (or ``None``)."""
        with self._lock:
            channel = self._channel(channel_id)
            message = self._find_message(channel_id, ts)
            if message is None or "bot_id" in message:
                raise ValueError(f"no member message {ts} in {channel_id}")
            previous = copy.deepcopy(message)
            event_ts = self._next_ts()
            message["text"] = new_text
            message["blocks"] = [_rich_text_block(new_text)]
            message["edited"] = {"user": message["user"], "ts": event_ts}
            self._note(
                f"{message['user']} が {self._label(channel_id)} の投稿を編集",
                new_text,
                "user",
                channel_id,
            )
            if self.bot_user_id not in channel.members:
                return None
            event: JSON = {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": channel_id,
                "ts": event_ts,
                "event_ts": event_ts,
                "channel_type": _channel_type(channel),
                "message": {**copy.deepcopy(message), "type": "message"},
                "previous_message": previous,
            }
            return event

    def delete_as_user(self, channel_id: str, ts: str) -> JSON | None:
        """Delete a member's message; returns the ``message_deleted`` event (or ``None``)."""
        with self._lock:
            channel = self._channel(channel_id)
            message = self._find_message(channel_id, ts)
            if message is None or "bot_id" in message:
                raise ValueError(f"no member message {ts} in {channel_id}")
            previous = copy.deepcopy(message)
            self._remove_message(channel_id, message)
            self._note(
                f"{message['user']} が {self._label(channel_id)} の投稿を削除",
                "",
                "user",
                channel_id,
            )
            if self.bot_user_id not in channel.members:
                return None
            event_ts = self._next_ts()
            event: JSON = {
                "type": "message",
                "subtype": "message_deleted",
                "hidden": True,
                "channel": channel_id,
                "ts": event_ts,
                "deleted_ts": ts,
                "event_ts": event_ts,
                "channel_type": _channel_type(channel),
                "previous_message": previous,
            }
            if "thread_ts" in previous:
                event["thread_ts"] = previous["thread_ts"]
            return event

    def join_with_event(self, channel_id: str, user_id: str) -> JSON | None:
        """Add a member and return the ``member_joined_channel`` event (``None`` if unseen)."""
        with self._lock:
            self.join(channel_id, user_id)
            channel = self._channel(channel_id)
            self._note(f"{user_id} が {self._label(channel_id)} に参加", "", "user", channel_id)
            if self.bot_user_id not in channel.members:
                return None
            return {
                "type": "member_joined_channel",
                "user": user_id,
                "channel": channel_id,
                "channel_type": "G" if channel.is_private else "C",
                "team": self.team_id,
                "event_ts": self._next_ts(),
            }

    def show_command_ack(self, user_id: str, channel_id: str, payload: Any) -> None:
        """Show a slash command's ack body to its user, as Slack does (or record why not)."""
        with self._lock:
            if not isinstance(payload, dict):
                payload = {"text": str(payload)}
            text, blocks = payload.get("text"), payload.get("blocks")
            if not text and not blocks:
                return
            try:
                self._check_message(text, blocks)
            except SlackApiFailure as failure:
                # Slack shows the user "invalid_command_response" instead.
                self._problems.append(f"invalid_command_response: {failure.error}")
                return
            text_str = text if isinstance(text, str) else ""
            if payload.get("response_type") == "in_channel" and channel_id in self._channels:
                self._post_bot_message(self._channels[channel_id], text_str, blocks, None, [])
            else:
                self._add_ephemeral(user_id, channel_id, text_str, blocks, None, "ack")

    def close_view(self, user_id: str, view_id: str, *, clear: bool = False) -> None:
        """Close a view (and what is stacked above it), or the whole stack when ``clear``."""
        with self._lock:
            stack = self._view_stacks.get(user_id, [])
            if clear:
                stack.clear()
            elif view_id in stack:
                del stack[stack.index(view_id) :]

    def replace_view(self, user_id: str, view_id: str, view: JSON) -> list[str]:
        """Apply ``response_action: update``; returns Slack-style errors (empty if applied)."""
        with self._lock:
            errors = blockkit.view_errors(view)
            if errors:
                return errors
            if view_id not in self._view_stacks.get(user_id, []):
                return ["view is not open"]
            self._store_view(user_id, view, view_id=view_id)
            return []

    def push_view(self, user_id: str, view: JSON) -> list[str]:
        """Apply ``response_action: push``; returns Slack-style errors (empty if applied)."""
        with self._lock:
            errors = blockkit.view_errors(view)
            if errors:
                return errors
            stack = self._view_stacks.setdefault(user_id, [])
            if len(stack) >= VIEW_STACK_LIMIT:
                return ["push_limit_reached"]
            self._store_view(user_id, view, push=True)
            return []

    # ------------------------------------------------------------------ failures on demand

    def inject_failure(
        self,
        method: str,
        kind: str,
        *,
        times: int | None = 1,
        fraction: float = 1.0,
        retry_after: int = 1,
        seed: int = 0,
        after: int = 0,
    ) -> None:
        """Make calls of ``method`` (or ``UPLOAD``, the POST of a file's bytes) fail.

        Args:
            method: A Web API method, or ``UPLOAD``.
            kind: ``ratelimited`` (HTTP 429 with ``Retry-After``), ``server_error`` (HTTP
                503), ``network`` (the connection is closed without an answer), or any
                Slack error code (``invalid_auth``, ``fatal_error``, ...) answered with
                ``ok: false``.
            times: How many calls fail (``None``: every call, until cleared).
            fraction: The share of calls that fail (seeded, so a run repeats).
            retry_after: Seconds announced with ``ratelimited``.
            seed: Seed of the random choice when ``fraction`` < 1.
            after: How many calls pass before the first one fails (e.g. ``after=1``: the
                second upload fails).
        """
        with self._lock:
            self._faults.setdefault(method, []).append(
                _Fault(kind, times, fraction, retry_after, random.Random(seed), after)
            )

    def clear_failures(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        for fault in self._faults.get(method, []):
            if fault.remaining is not None and fault.remaining <= 0:
                continue
            if fault.after > 0:
                fault.after -= 1
                continue
            if fault.fraction < 1.0 and fault.rng.random() >= fault.fraction:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
            self.failures_injected[method] = self.failures_injected.get(method, 0) + 1
            return fault
        return None

    def _check_scope(self, method: str, params: JSON) -> None:
        if self.scopes is None:
            return
        needed = METHOD_SCOPES.get(method)
        if method in CONVERSATION_MANAGEMENT:
            if method == "conversations.create":
                private = _truthy(params.get("is_private"))
            else:
                channel = self._channels.get(str(params.get("channel") or ""))
                if channel is None:
                    return  # the method answers channel_not_found
                private = channel.is_private
            needed = "groups:write" if private else "channels:manage"
        if method in CONVERSATION_READS:
            channel = self._channels.get(str(params.get("channel") or ""))
            if channel is None:
                return  # the method answers channel_not_found
            needed = READ_SCOPE_BY_TYPE[_channel_type(channel)]
        if needed is not None and needed not in self.scopes:
            raise SlackApiFailure(
                "missing_scope", needed=needed, provided=",".join(sorted(self.scopes))
            )

    # ------------------------------------------------------------------ HTTP entry points

    def handle_api(
        self, method: str, params: JSON, token: str | None
    ) -> tuple[int, JSON, dict[str, str]]:
        """Run one Web API call.

        Args:
            method: e.g. ``chat.postMessage``.
            params: Decoded arguments (token removed).
            token: The presented token, if any.

        Returns:
            HTTP status, JSON body and extra response headers.
        """
        events: list[JSON] = []
        with self._lock:
            self._api_calls.append((method, copy.deepcopy(params)))
            handler = _METHODS.get(method)
            try:
                if handler is None:
                    raise SlackApiFailure("unknown_method")
                if token is None:
                    raise SlackApiFailure("not_authed")
                if not secrets.compare_digest(token.encode(), self.bot_token.encode()):
                    raise SlackApiFailure("invalid_auth")
                fault = self._take_fault(method)
                if fault is not None:
                    return fault.answer()
                self._check_scope(method, params)
                body = handler(self, params, events)
                result: tuple[int, JSON, dict[str, str]] = (200, {"ok": True, **body}, {})
            except SlackApiFailure as failure:
                answer: JSON = {"ok": False, "error": failure.error, **failure.extra}
                if failure.messages:
                    answer["response_metadata"] = {"messages": failure.messages}
                result = (200, answer, {})
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                # Malformed arguments Slack would refuse; keep serving and make it visible.
                self._problems.append(f"{method} failed locally: {type(error).__name__}")
                result = (200, {"ok": False, "error": "invalid_arguments"}, {})
            except RateLimited as limited:
                result = (
                    429,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(limited.retry_after)},
                )
            listeners = list(self._listeners)
        # Deliver outside the lock: listeners make HTTP calls to the bot.
        for event in events:
            for listener in listeners:
                listener(copy.deepcopy(event))
        return result

    def handle_upload(self, token: str, data: bytes) -> tuple[int, str]:
        """Receive the bytes POSTed to an upload URL from ``files.getUploadURLExternal``."""
        with self._lock:
            fault = self._take_fault(UPLOAD)
            if fault is not None:
                status, body, _ = fault.answer()
                return status, str(body.get("error", ""))
            file_id = self._upload_tokens.get(token)
            slot = self._uploads.get(file_id or "")
            if slot is None or slot.data is not None:
                return 404, "not_found"
            slot.data = data
            return 200, f"OK - {len(data)}"

    def handle_response_url(self, token: str, payload: Any) -> tuple[int, str]:
        """Apply a POST to a ``response_url`` (Bolt's ``respond()``)."""
        events: list[JSON] = []
        with self._lock:
            target = self._response_urls.get(token)
            if target is None:
                return 404, "no_such_url"
            if target.uses >= RESPONSE_URL_USES or (
                time.monotonic() - target.issued > RESPONSE_URL_TTL
            ):
                return 404, "used_url"
            if not isinstance(payload, dict):
                self._problems.append("response_url: body is not a JSON object")
                return 400, "invalid_payload"
            target.uses += 1
            status, text = self._apply_response(target, payload, events)
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                listener(copy.deepcopy(event))
        return status, text

    # ------------------------------------------------------------------ internals: state

    def _user(self, user_id: str) -> User:
        try:
            return self._users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}") from None

    def _channel(self, channel_id: str) -> Channel:
        try:
            return self._channels[channel_id]
        except KeyError:
            raise KeyError(f"unknown channel {channel_id}") from None

    def _next_ts(self) -> str:
        # Slack's ts is unique per channel and increasing; a global counter is stricter.
        now_us = int(time.time() * 1_000_000)
        self._last_ts_us = max(now_us, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def _open_dm(self, user: User) -> Channel:
        dm_id = self._dm_by_user.get(user.id)
        if dm_id is None:
            base = "D" + re.sub(r"[^A-Z0-9]", "", user.id.upper())
            dm_id = base if base not in self._channels and len(base) > 1 else self._new_id("D")
            self._channels[dm_id] = Channel(
                dm_id, "", True, [user.id, self.bot_user_id], is_im=True, im_user=user.id
            )
            self._messages[dm_id] = []
            self._dm_by_user[user.id] = dm_id
        return self._channels[dm_id]

    def _label(self, conversation_id: str) -> str:
        channel = self._channels.get(conversation_id)
        if channel is None:
            return conversation_id
        if channel.is_im:
            return f"{channel.im_user} との DM"
        return f"#{channel.name}"

    def _note(self, headline: str, body: str, kind: str, target: str) -> None:
        self._transcript.append(
            TranscriptEntry(len(self._transcript), headline, body, kind, target)
        )

    def _find_message(self, channel_id: str, ts: str) -> JSON | None:
        for message in self._messages.get(channel_id, []):
            if message["ts"] == ts:
                return message
        return None

    def _remove_message(self, channel_id: str, message: JSON) -> None:
        messages = self._messages[channel_id]
        parent_ts = message.get("thread_ts")
        is_parent = parent_ts == message["ts"] and message.get("reply_count", 0) > 0
        if is_parent:
            # Slack keeps a tombstone so the thread's replies stay reachable.
            for key in ("text", "blocks", "files", "user", "bot_id", "app_id", "edited"):
                message.pop(key, None)
            message.update({"subtype": "tombstone", "text": "This message was deleted."})
            return
        messages.remove(message)
        if parent_ts and parent_ts != message["ts"]:
            parent = self._find_message(channel_id, parent_ts)
            if parent is not None:
                replies = [
                    m for m in messages if m.get("thread_ts") == parent_ts and m is not parent
                ]
                parent["reply_count"] = len(replies)
                parent["reply_users"] = list(
                    dict.fromkeys(m.get("user", "") for m in replies if m.get("user"))
                )
                parent["latest_reply"] = replies[-1]["ts"] if replies else parent_ts

    def _attach_thread(self, channel_id: str, message: JSON, thread_ts: str | None) -> JSON | None:
        if not thread_ts:
            return None
        parent = self._find_message(channel_id, thread_ts)
        if parent is None:
            raise SlackApiFailure("invalid_thread_ts")
        # Replying to a reply lands in the parent's thread, as in Slack.
        root_ts = parent.get("thread_ts") or parent["ts"]
        if root_ts != parent["ts"]:
            parent = self._find_message(channel_id, root_ts) or parent
        message["thread_ts"] = root_ts
        parent["thread_ts"] = root_ts
        parent["reply_count"] = parent.get("reply_count", 0) + 1
        users = parent.setdefault("reply_users", [])
        author = message.get("user")
        if author and author not in users:
            users.append(author)
        parent["latest_reply"] = message["ts"]
        message["parent_user_id"] = parent.get("user")
        return parent

    def _message_event(self, channel: Channel, message: JSON, parent: JSON | None) -> JSON | None:
        if self.bot_user_id not in channel.members:
            return None  # Slack only sends message events from conversations the app is in.
        event = copy.deepcopy(message)
        event.update(
            {
                "channel": channel.id,
                "event_ts": message["ts"],
                "channel_type": _channel_type(channel),
            }
        )
        for key in ("reply_count", "reply_users", "latest_reply"):
            event.pop(key, None)
        return event

    # ------------------------------------------------------------------ internals: checks

    def _conversation(self, channel_id: Any, *, post: bool) -> Channel:
        """Resolve a conversation the bot may see; ``post`` also requires membership."""
        if not isinstance(channel_id, str) or not channel_id:
            raise SlackApiFailure("channel_not_found")
        channel = self._channels.get(channel_id)
        if channel is None:
            raise SlackApiFailure("channel_not_found")
        is_member = self.bot_user_id in channel.members
        if channel.is_private and not is_member:
            # Private conversations are invisible to a bot that is not in them.
            raise SlackApiFailure("channel_not_found")
        if post:
            if channel.is_archived:
                raise SlackApiFailure("is_archived")
            if not is_member:
                raise SlackApiFailure("not_in_channel")
        return channel

    def _post_target(self, channel_param: Any) -> Channel:
        if isinstance(channel_param, str) and channel_param in self._users:
            user = self._users[channel_param]
            if user.is_bot:
                raise SlackApiFailure("cannot_dm_bot")
            if user.deleted:
                raise SlackApiFailure("is_archived")
            return self._open_dm(user)
        channel = self._conversation(channel_param, post=True)
        if channel.is_im and channel.im_user and self._users[channel.im_user].deleted:
            raise SlackApiFailure("is_archived")
        return channel

    def _check_message(self, text: Any, blocks: Any, *, require_content: bool = True) -> None:
        if text is not None and not isinstance(text, str):
            raise SlackApiFailure("invalid_arguments", messages=["text must be a string"])
        if isinstance(text, str) and len(text) > blockkit.MESSAGE_TEXT_LIMIT:
            raise SlackApiFailure("msg_too_long")
        if blocks is not None:
            errors = blockkit.message_block_errors(blocks)
            if errors:
                raise SlackApiFailure(
                    "invalid_blocks", messages=[f"[ERROR] {e}" for e in errors], errors=errors
                )
        if require_content and not text and not blocks:
            raise SlackApiFailure("no_text")

    def _rate_limit(self, channel_id: str) -> None:
        rate = self.rate_limit_post_message_per_channel
        if rate is None:
            return
        capacity = max(1.0, rate)
        now = time.monotonic()
        tokens, last = self._buckets.get(channel_id, (capacity, now))
        tokens = min(capacity, tokens + (now - last) * rate)
        if tokens < 1.0:
            self._buckets[channel_id] = (tokens, now)
            raise RateLimited(max(1, math.ceil((1.0 - tokens) / rate)))
        self._buckets[channel_id] = (tokens - 1.0, now)

    def _take_trigger(self, trigger_id: Any) -> _Trigger:
        if not isinstance(trigger_id, str) or not trigger_id:
            raise SlackApiFailure("invalid_arguments", messages=["invalid `trigger_id`"])
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            raise SlackApiFailure("invalid_trigger_id")
        if trigger.used:
            raise SlackApiFailure("exchanged_trigger_id")
        if time.monotonic() - trigger.issued > self.trigger_ttl:
            raise SlackApiFailure("expired_trigger_id")
        return trigger

    def _check_view(self, view: Any) -> JSON:
        view = _decode_json(view, "view")
        errors = blockkit.view_errors(view)
        if errors:
            raise SlackApiFailure("invalid_arguments", messages=[f"[ERROR] {e}" for e in errors])
        if len(json.dumps(view, ensure_ascii=False).encode()) > 250_000:
            raise SlackApiFailure("view_too_large")
        assert isinstance(view, dict)
        external_id = view.get("external_id")
        if external_id:
            for other_id, other in self._views.items():
                if other.get("external_id") == external_id and other_id != view.get("id"):
                    raise SlackApiFailure("duplicate_external_id")
        return view

    def _store_view(
        self, user_id: str, view: JSON, *, view_id: str | None = None, push: bool = False
    ) -> JSON:
        stack = self._view_stacks.setdefault(user_id, [])
        if view_id is None:
            view_id = self._new_id("V")
        previous = self._views.get(view_id)
        root = previous["root_view_id"] if previous else (stack[0] if push and stack else view_id)
        prev_id = (
            previous.get("previous_view_id")
            if previous
            else (stack[-1] if push and stack else None)
        )
        stored: JSON = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": prev_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self._views[view_id] = stored
        self._view_owner[view_id] = user_id
        if previous is None:
            if not push:
                stack.clear()
            stack.append(view_id)
        title = stored["title"].get("text", "") if isinstance(stored["title"], dict) else ""
        verb = "のフォームを更新" if previous else "にフォーム表示"
        self._note(
            f"{user_id} {verb}「{title}」",
            "\n".join(blockkit.flatten_blocks(stored["blocks"])),
            "view",
            user_id,
        )
        return stored

    def _record_post(self, channel: Channel, message: JSON, *, thread: bool, kind: str) -> None:
        text = _visible_text(message)
        if kind == "update":
            headline = f"{self._label(channel.id)} の投稿を更新"
        elif channel.is_im:
            headline = f"{channel.im_user} への DM"
            kind = "dm"
        else:
            headline = f"{self._label(channel.id)} {'のスレッドに' if thread else 'に'}投稿"
        self._note(headline, text, kind, channel.id)

    def _post_bot_message(
        self,
        channel: Channel,
        text: str,
        blocks: Any,
        thread_ts: str | None,
        events: list[JSON],
        *,
        extra: JSON | None = None,
        broadcast: bool = False,
    ) -> JSON:
        ts = self._next_ts()
        message: JSON = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "text": text,
            "ts": ts,
            "team": self.team_id,
            "bot_profile": {"id": self.bot_id, "app_id": self.app_id, "name": "shienbot"},
        }
        if blocks is not None:
            message["blocks"] = copy.deepcopy(blocks)
        if extra:
            message.update(copy.deepcopy(extra))
        parent = self._attach_thread(channel.id, message, thread_ts)
        if parent is not None and broadcast:
            message["subtype"] = "thread_broadcast"
        self._messages[channel.id].append(message)
        if "files" not in message:
            self._record_post(channel, message, thread=parent is not None, kind="post")
        event = self._message_event(channel, message, parent)
        if event is not None:
            events.append(event)
        return message

    def _apply_response(
        self, target: _ResponseTarget, payload: JSON, events: list[JSON]
    ) -> tuple[int, str]:
        text = payload.get("text")
        blocks = payload.get("blocks")
        if _truthy(payload.get("delete_original")):
            if target.ephemeral_ts is not None:
                self._ephemerals = [
                    e
                    for e in self._ephemerals
                    if not (e["ts"] == target.ephemeral_ts and e["user"] == target.user_id)
                ]
                self._note(
                    f"{target.user_id} への一時メッセージを削除", "", "delete", target.user_id
                )
            elif target.message_ts is not None:
                original = self._find_message(target.channel_id, target.message_ts)
                if original is not None:
                    self._remove_message(target.channel_id, original)
                    self._note(
                        f"{self._label(target.channel_id)} の投稿を削除",
                        "",
                        "delete",
                        target.channel_id,
                    )
            return 200, "ok"
        try:
            self._check_message(text, blocks)
        except SlackApiFailure as failure:
            self._problems.append(f"response_url rejected: {failure.error} {failure.messages}")
            return 400, failure.error
        text_str = text if isinstance(text, str) else ""
        if _truthy(payload.get("replace_original")):
            if target.ephemeral_ts is not None:
                for eph in self._ephemerals:
                    if eph["ts"] == target.ephemeral_ts and eph["user"] == target.user_id:
                        eph.update({"text": text_str, "blocks": copy.deepcopy(blocks)})
                        self._note(
                            f"{target.user_id} への一時メッセージを更新",
                            _visible_text(eph),
                            "ephemeral",
                            target.user_id,
                        )
                return 200, "ok"
            if target.message_ts is not None:
                original = self._find_message(target.channel_id, target.message_ts)
                if original is not None:
                    original["text"] = text_str
                    if blocks is None:
                        original.pop("blocks", None)
                    else:
                        original["blocks"] = copy.deepcopy(blocks)
                    origin = self._channels[target.channel_id]
                    self._record_post(origin, original, thread=False, kind="update")
                return 200, "ok"
        thread_ts = payload.get("thread_ts") or target.thread_ts
        channel = self._channels.get(target.channel_id)
        if payload.get("response_type") == "in_channel" and channel is not None:
            # The invoking user's channel accepts it even if the bot is not a member.
            self._post_bot_message(channel, text_str, blocks, thread_ts, events)
            return 200, "ok"
        self._add_ephemeral(
            target.user_id, target.channel_id, text_str, blocks, thread_ts, "respond"
        )
        return 200, "ok"

    def _add_ephemeral(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        blocks: Any,
        thread_ts: str | None,
        source: str,
    ) -> JSON:
        ephemeral: JSON = {
            "type": "message",
            "subtype": "ephemeral",
            "user": user_id,
            "channel": channel_id,
            "text": text,
            "blocks": copy.deepcopy(blocks),
            "ts": self._next_ts(),
            "thread_ts": thread_ts,
            "source": source,
            "bot_id": self.bot_id,
        }
        self._ephemerals.append(ephemeral)
        self._note(
            f"{user_id} への一時メッセージ ({self._label(channel_id)})",
            _visible_text(ephemeral),
            "ephemeral",
            user_id,
        )
        return ephemeral

    # ------------------------------------------------------------------ Web API methods

    def _m_auth_test(self, p: JSON, events: list[JSON]) -> JSON:
        return {
            "url": f"https://{self.team_domain}.slack.local/",
            "team": "Local Workspace",
            "user": self._users[self.bot_user_id].name,
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _m_chat_post_message(self, p: JSON, events: list[JSON]) -> JSON:
        blocks = _decode_json(p.get("blocks"), "blocks", error="invalid_blocks_format")
        text = p.get("text")
        self._check_message(text, blocks)
        channel = self._post_target(p.get("channel"))
        self._rate_limit(channel.id)
        extra: JSON = {}
        metadata = _decode_json(p.get("metadata"), "metadata")
        if metadata is not None:
            extra["metadata"] = metadata
        message = self._post_bot_message(
            channel,
            text or "",
            blocks,
            p.get("thread_ts") or None,
            events,
            extra=extra,
            broadcast=_truthy(p.get("reply_broadcast")),
        )
        return {"channel": channel.id, "ts": message["ts"], "message": copy.deepcopy(message)}

    def _m_chat_post_ephemeral(self, p: JSON, events: list[JSON]) -> JSON:
        blocks = _decode_json(p.get("blocks"), "blocks", error="invalid_blocks_format")
        text = p.get("text")
        self._check_message(text, blocks)
        channel = self._conversation(p.get("channel"), post=True)
        user_id = p.get("user")
        if not isinstance(user_id, str) or user_id not in self._users:
            raise SlackApiFailure("user_not_found")
        if user_id not in channel.members:
            raise SlackApiFailure("user_not_in_channel")
        ephemeral = self._add_ephemeral(
            user_id,
            channel.id,
            text or "",
            blocks,
            p.get("thread_ts") or None,
            "chat.postEphemeral",
        )
        return {"message_ts": ephemeral["ts"]}

    def _m_chat_update(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        message = self._find_message(channel.id, str(p.get("ts", "")))
        if message is None:
            raise SlackApiFailure("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise SlackApiFailure("cant_update_message")
        blocks = _decode_json(p.get("blocks"), "blocks", error="invalid_blocks_format")
        text = p.get("text")
        self._check_message(text, blocks, require_content=False)
        previous = copy.deepcopy(message)
        # Omitted fields keep their previous value; an empty blocks array removes blocks.
        new_text = text if text is not None else message.get("text", "")
        new_blocks = blocks if blocks is not None else message.get("blocks")
        if not new_text and not new_blocks:
            raise SlackApiFailure("no_text")
        message["text"] = new_text
        if new_blocks:
            message["blocks"] = copy.deepcopy(new_blocks)
        else:
            message.pop("blocks", None)
        event_ts = self._next_ts()
        message["edited"] = {"user": self.bot_user_id, "ts": event_ts}
        self._record_post(channel, message, thread=False, kind="update")
        if self.bot_user_id in channel.members:
            events.append(
                {
                    "type": "message",
                    "subtype": "message_changed",
                    "hidden": True,
                    "channel": channel.id,
                    "ts": event_ts,
                    "event_ts": event_ts,
                    "channel_type": _channel_type(channel),
                    "message": copy.deepcopy(message),
                    "previous_message": previous,
                }
            )
        return {
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _m_chat_delete(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        ts = str(p.get("ts", ""))
        message = self._find_message(channel.id, ts)
        if message is None:
            raise SlackApiFailure("message_not_found")
        if message.get("bot_id") != self.bot_id:
            raise SlackApiFailure("cant_delete_message")
        previous = copy.deepcopy(message)
        self._remove_message(channel.id, message)
        self._note(
            f"{self._label(channel.id)} の投稿を削除", _visible_text(previous), "delete", channel.id
        )
        if self.bot_user_id in channel.members:
            event_ts = self._next_ts()
            events.append(
                {
                    "type": "message",
                    "subtype": "message_deleted",
                    "hidden": True,
                    "channel": channel.id,
                    "ts": event_ts,
                    "deleted_ts": ts,
                    "event_ts": event_ts,
                    "channel_type": _channel_type(channel),
                    "previous_message": previous,
                }
            )
        return {"channel": channel.id, "ts": ts}

    def _m_reactions_add(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        ts = str(p.get("timestamp", ""))
        if self._find_message(channel.id, ts) is None:
            raise SlackApiFailure("message_not_found")
        name = p.get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_+\-']+", name):
            raise SlackApiFailure("invalid_name")
        reactions = self._reactions.setdefault((channel.id, ts), {})
        users = reactions.setdefault(name, [])
        if self.bot_user_id in users:
            raise SlackApiFailure("already_reacted")
        if len(reactions) > 23:
            del reactions[name]
            raise SlackApiFailure("too_many_emoji")
        users.append(self.bot_user_id)
        self._note(f"{self._label(channel.id)} の投稿に :{name}:", "", "reaction", channel.id)
        return {}

    def _m_reactions_remove(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        ts = str(p.get("timestamp", ""))
        if self._find_message(channel.id, ts) is None:
            raise SlackApiFailure("message_not_found")
        reactions = self._reactions.get((channel.id, ts), {})
        users = reactions.get(str(p.get("name")), [])
        if self.bot_user_id not in users:
            raise SlackApiFailure("no_reaction")
        users.remove(self.bot_user_id)
        if not users:
            del reactions[str(p.get("name"))]
        return {}

    def _channel_object(self, channel: Channel, *, num_members: bool) -> JSON:
        obj: JSON = {
            "id": channel.id,
            "created": channel.created,
            "is_archived": channel.is_archived,
            "is_ext_shared": channel.is_ext_shared,
            "is_shared": channel.is_ext_shared,
            "is_pending_ext_shared": False,
            "is_org_shared": False,
            "is_private": channel.is_private,
            "is_im": channel.is_im,
            "is_mpim": channel.is_mpim,
            "context_team_id": self.team_id,
        }
        if channel.is_im:
            obj.update({"user": channel.im_user, "is_open": True, "is_user_deleted": False})
            if channel.im_user:
                obj["is_user_deleted"] = self._users[channel.im_user].deleted
        else:
            obj.update(
                {
                    "name": channel.name,
                    "name_normalized": channel.name,
                    "is_channel": not channel.is_private,
                    "is_group": False,
                    "is_general": False,
                    "is_member": self.bot_user_id in channel.members,
                }
            )
        if num_members:
            obj["num_members"] = len(channel.members)
        return obj

    def _m_conversations_info(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        # Like Slack, num_members only comes back when asked for.
        return {
            "channel": self._channel_object(
                channel, num_members=_truthy(p.get("include_num_members"))
            )
        }

    def _m_conversations_members(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._conversation(p.get("channel"), post=False)
        try:
            limit = int(p.get("limit") or 100)
        except (TypeError, ValueError):
            raise SlackApiFailure("invalid_limit") from None
        limit = max(1, min(limit, 1000))
        cursor = p.get("cursor") or ""
        offset = 0
        if cursor:
            match = re.fullmatch(r"dXNlcjo(\d+)", str(cursor))
            if match is None:
                raise SlackApiFailure("invalid_cursor")
            offset = int(match.group(1))
        members = channel.members[offset : offset + limit]
        next_offset = offset + limit
        next_cursor = f"dXNlcjo{next_offset}" if next_offset < len(channel.members) else ""
        return {"members": list(members), "response_metadata": {"next_cursor": next_cursor}}

    def _m_conversations_open(self, p: JSON, events: list[JSON]) -> JSON:
        if p.get("channel"):
            channel = self._conversation(p.get("channel"), post=False)
            return {"channel": {"id": channel.id}}
        users = p.get("users")
        user_ids = users if isinstance(users, list) else str(users or "").split(",")
        user_ids = [u.strip() for u in user_ids if isinstance(u, str) and u.strip()]
        if not user_ids:
            raise SlackApiFailure("users_list_not_supplied")
        if len(user_ids) > 1:
            raise SlackApiFailure(
                "invalid_arguments", messages=["multi-person DMs are not supported locally"]
            )
        user = self._users.get(user_ids[0])
        if user is None:
            raise SlackApiFailure("user_not_found")
        if user.deleted:
            raise SlackApiFailure("user_disabled")
        if user.is_bot:
            raise SlackApiFailure("cannot_dm_bot")
        already = user.id in self._dm_by_user
        channel = self._open_dm(user)
        body: JSON = {"channel": {"id": channel.id}}
        if already:
            body["already_open"] = True
        if _truthy(p.get("return_im")):
            body["channel"] = self._channel_object(channel, num_members=False)
        return body

    # ------------------------------------------------------------------ channel management
    # Slack's rules and errors for the bot's own channels (conversations.create, invite,
    # kick, archive, setTopic); the scope is groups:write for private channels and
    # channels:manage for public ones (checked in _check_scope).

    def _managed(self, channel_param: Any) -> Channel:
        channel = self._conversation(channel_param, post=False)
        if channel.is_im or channel.is_mpim:
            raise SlackApiFailure("method_not_supported_for_channel_type")
        if self.bot_user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")
        return channel

    def _m_conversations_create(self, p: JSON, events: list[JSON]) -> JSON:
        name = str(p.get("name") or "")
        if not name:
            raise SlackApiFailure("invalid_name_required")
        if len(name) > 80:
            raise SlackApiFailure("invalid_name_maxlength")
        if name != name.lower() and re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise SlackApiFailure("invalid_name")
        if not re.fullmatch(r"[a-z0-9_\-]+", name):
            raise SlackApiFailure("invalid_name_specials")
        if any(c.name == name for c in self._channels.values() if not c.is_im):
            raise SlackApiFailure("name_taken")
        private = _truthy(p.get("is_private"))
        channel_id = self._new_id("C")  # Slack gives private channels C… IDs too
        self._channels[channel_id] = Channel(
            channel_id, name, private, [self.bot_user_id], creator=self.bot_user_id
        )
        self._messages[channel_id] = []
        kind = "非公開" if private else "公開"
        self._note(f"ボットが #{name} を作成（{kind}）", "", "channel", channel_id)
        return {"channel": self._channel_object(self._channels[channel_id], num_members=False)}

    def _m_conversations_set_topic(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._managed(p.get("channel"))
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        topic = str(p.get("topic") or "")
        if len(topic) > 250:
            raise SlackApiFailure("too_long")
        channel.topic = topic
        self._note(f"{self._label(channel.id)} のトピック", topic, "channel", channel.id)
        return {"channel": self._channel_object(channel, num_members=False)}

    def _m_conversations_invite(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._managed(p.get("channel"))
        if channel.is_archived:
            raise SlackApiFailure("is_archived")
        users = [u.strip() for u in str(p.get("users") or "").split(",") if u.strip()]
        if not users:
            raise SlackApiFailure("no_user")
        for user_id in users:
            if user_id == self.bot_user_id:
                raise SlackApiFailure("cant_invite_self")
            user = self._users.get(user_id)
            if user is None:
                raise SlackApiFailure("user_not_found")
            if user.deleted:
                raise SlackApiFailure("user_is_deactivated")
            if user_id in channel.members:
                raise SlackApiFailure("already_in_channel")
        for user_id in users:
            channel.members.append(user_id)
            self._note(f"{user_id} を {self._label(channel.id)} に招待", "", "invite", channel.id)
            events.append(
                {
                    "type": "member_joined_channel",
                    "user": user_id,
                    "channel": channel.id,
                    "channel_type": "G" if channel.is_private else "C",
                    "inviter": self.bot_user_id,
                    "team": self.team_id,
                    "event_ts": self._next_ts(),
                }
            )
        return {"channel": self._channel_object(channel, num_members=False)}

    def _m_conversations_kick(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._managed(p.get("channel"))
        user_id = str(p.get("user") or "")
        if not user_id:
            raise SlackApiFailure("user_not_found")
        if user_id == self.bot_user_id:
            raise SlackApiFailure("cant_kick_self")
        if user_id not in self._users:
            raise SlackApiFailure("user_not_found")
        if user_id not in channel.members:
            raise SlackApiFailure("not_in_channel")
        channel.members.remove(user_id)
        self._note(f"{user_id} を {self._label(channel.id)} から外した", "", "kick", channel.id)
        return {}

    def _m_conversations_archive(self, p: JSON, events: list[JSON]) -> JSON:
        channel = self._managed(p.get("channel"))
        if channel.is_archived:
            raise SlackApiFailure("already_archived")
        channel.is_archived = True
        self._note(f"{self._label(channel.id)} をアーカイブ", "", "archive", channel.id)
        return {}

    def _m_users_info(self, p: JSON, events: list[JSON]) -> JSON:
        user = self._users.get(str(p.get("user", "")))
        if user is None:
            raise SlackApiFailure("user_not_found")
        profile: JSON = {
            "real_name": user.real_name,
            "real_name_normalized": user.real_name,
            "display_name": user.name,
            "display_name_normalized": user.name,
            "team": self.team_id,
        }
        if user.id == self.bot_user_id:
            profile["bot_id"] = self.bot_id
        return {
            "user": {
                "id": user.id,
                "team_id": self.team_id,
                "name": user.name,
                "real_name": user.real_name,
                "deleted": user.deleted,
                "tz": "Asia/Tokyo",
                "tz_label": "Japan Standard Time",
                "tz_offset": 32400,
                "is_admin": False,
                "is_owner": False,
                "is_restricted": False,
                "is_ultra_restricted": False,
                "is_bot": user.is_bot,
                "is_app_user": False,
                "profile": profile,
            }
        }

    def _m_views_open(self, p: JSON, events: list[JSON]) -> JSON:
        trigger = self._take_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
        view = self._check_view(p.get("view"))
        trigger.used = True
        return {"view": copy.deepcopy(self._store_view(trigger.user_id, view))}

    def _m_views_push(self, p: JSON, events: list[JSON]) -> JSON:
        trigger = self._take_trigger(p.get("trigger_id") or p.get("interactivity_pointer"))
        view = self._check_view(p.get("view"))
        if len(self._view_stacks.get(trigger.user_id, [])) >= VIEW_STACK_LIMIT:
            raise SlackApiFailure("push_limit_reached")
        trigger.used = True
        return {"view": copy.deepcopy(self._store_view(trigger.user_id, view, push=True))}

    def _m_views_update(self, p: JSON, events: list[JSON]) -> JSON:
        view_id = p.get("view_id")
        external_id = p.get("external_id")
        if not view_id and external_id:
            view_id = next(
                (k for k, v in self._views.items() if v.get("external_id") == external_id), None
            )
        if not view_id:
            raise SlackApiFailure("not_found")
        stored = self._views.get(str(view_id))
        owner = self._view_owner.get(str(view_id), "")
        if stored is None or view_id not in self._view_stacks.get(owner, []):
            raise SlackApiFailure("not_found")
        if p.get("hash") and p["hash"] != stored["hash"]:
            raise SlackApiFailure("hash_conflict")
        view = self._check_view(p.get("view"))
        return {"view": copy.deepcopy(self._store_view(owner, view, view_id=str(view_id)))}

    def _m_files_get_upload_url_external(self, p: JSON, events: list[JSON]) -> JSON:
        filename = p.get("filename")
        if not isinstance(filename, str) or not filename:
            raise SlackApiFailure(
                "invalid_arguments", messages=["missing required field: filename"]
            )
        try:
            length = int(p.get("length", ""))
        except (TypeError, ValueError):
            raise SlackApiFailure(
                "invalid_arguments", messages=["missing required field: length"]
            ) from None
        if length <= 0:
            raise SlackApiFailure("invalid_arguments", messages=["length must be positive"])
        file_id = self._new_id("F")
        token = secrets.token_urlsafe(18)
        self._uploads[file_id] = _UploadSlot(file_id, filename, length)
        self._upload_tokens[token] = file_id
        return {"upload_url": f"{self.base_url}/upload/v1/{token}", "file_id": file_id}

    def _m_files_complete_upload_external(self, p: JSON, events: list[JSON]) -> JSON:
        files = _decode_json(p.get("files"), "files")
        if not isinstance(files, list) or not files:
            raise SlackApiFailure("invalid_arguments", messages=["missing required field: files"])
        channel_ids: list[str] = []
        if p.get("channel_id"):
            channel_ids.append(str(p["channel_id"]))
        if p.get("channels"):
            raw = p["channels"]
            channel_ids += raw if isinstance(raw, list) else str(raw).split(",")
        for channel_id in channel_ids:
            if not channel_id.startswith(_CHANNEL_ID_PREFIXES):
                # Slack demands a conversation id here; a user id needs conversations.open.
                raise SlackApiFailure(
                    "invalid_arguments",
                    messages=[
                        "[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ "
                        "[json-pointer:/channel_id]"
                    ],
                )
        if p.get("thread_ts") and not channel_ids:
            raise SlackApiFailure("invalid_arguments", messages=["thread_ts requires channel_id"])
        channels = [self._conversation(c, post=True) for c in channel_ids]
        slots: list[tuple[_UploadSlot, str]] = []
        for entry in files:
            slot = self._uploads.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if slot is None or slot.data is None or slot.completed:
                raise SlackApiFailure("file_not_found")
            title = entry.get("title") or slot.filename
            slots.append((slot, str(title)))
        comment = p.get("initial_comment")
        thread_ts = p.get("thread_ts") or None
        created = int(time.time())
        answers: list[JSON] = []
        for slot, title in slots:
            slot.completed = True
            answers.append(
                {
                    "id": slot.file_id,
                    "created": created,
                    "timestamp": created,
                    "name": slot.filename,
                    "title": title,
                    "mimetype": _mimetype(slot.filename),
                    "filetype": slot.filename.rsplit(".", 1)[-1] if "." in slot.filename else "",
                    "user": self.bot_user_id,
                    "size": len(slot.data or b""),
                    "is_external": False,
                    "shares": {},
                }
            )
        for channel in channels:
            message = self._post_bot_message(
                channel,
                comment if isinstance(comment, str) else "",
                None,
                thread_ts,
                events,
                extra={"files": copy.deepcopy(answers), "upload": True},
            )
            for slot, title in slots:
                self._shared_files.append(
                    SharedFile(
                        slot.file_id,
                        slot.filename,
                        title,
                        slot.data or b"",
                        channel.id,
                        self.bot_user_id,
                        message["ts"],
                        thread_ts,
                        comment if isinstance(comment, str) else None,
                    )
                )
                where = (
                    f"{channel.im_user} に" if channel.is_im else f"{self._label(channel.id)} に"
                )
                self._note(
                    f"{where}ファイル送信 {slot.filename}",
                    comment if isinstance(comment, str) else "",
                    "file",
                    channel.id,
                )
        return {"files": answers}


UPLOAD = "upload"
"""``inject_failure`` target: the POST of a file's bytes to its upload URL."""

# The bot scope each method needs (Slack's method reference); conversation reads need the
# read scope of the conversation's type.
METHOD_SCOPES = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "chat.delete": "chat:write",
    "reactions.add": "reactions:write",
    "reactions.remove": "reactions:write",
    "conversations.open": "im:write",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
}
CONVERSATION_READS = frozenset({"conversations.info", "conversations.members"})
# Managing a channel needs groups:write (private) or channels:manage (public).
CONVERSATION_MANAGEMENT = frozenset(
    {
        "conversations.create",
        "conversations.setTopic",
        "conversations.invite",
        "conversations.kick",
        "conversations.archive",
    }
)
READ_SCOPE_BY_TYPE = {
    "channel": "channels:read",
    "group": "groups:read",
    "im": "im:read",
    "mpim": "mpim:read",
}


@dataclass
class _Fault:
    kind: str
    remaining: int | None
    fraction: float
    retry_after: int
    rng: random.Random
    after: int = 0

    def answer(self) -> tuple[int, JSON, dict[str, str]]:
        """HTTP status 0 means: close the connection without answering."""
        if self.kind == "network":
            return 0, {}, {}
        if self.kind == "ratelimited":
            return (
                429,
                {"ok": False, "error": "ratelimited"},
                {"Retry-After": str(self.retry_after)},
            )
        if self.kind == "server_error":
            return 503, {"ok": False, "error": "service_unavailable"}, {}
        return 200, {"ok": False, "error": self.kind}, {}


_METHODS: dict[str, Callable[[LocalSlackServer, JSON, list[JSON]], JSON]] = {
    "auth.test": LocalSlackServer._m_auth_test,
    "chat.postMessage": LocalSlackServer._m_chat_post_message,
    "chat.postEphemeral": LocalSlackServer._m_chat_post_ephemeral,
    "chat.update": LocalSlackServer._m_chat_update,
    "chat.delete": LocalSlackServer._m_chat_delete,
    "reactions.add": LocalSlackServer._m_reactions_add,
    "reactions.remove": LocalSlackServer._m_reactions_remove,
    "conversations.info": LocalSlackServer._m_conversations_info,
    "conversations.members": LocalSlackServer._m_conversations_members,
    "conversations.open": LocalSlackServer._m_conversations_open,
    "conversations.create": LocalSlackServer._m_conversations_create,
    "conversations.setTopic": LocalSlackServer._m_conversations_set_topic,
    "conversations.invite": LocalSlackServer._m_conversations_invite,
    "conversations.kick": LocalSlackServer._m_conversations_kick,
    "conversations.archive": LocalSlackServer._m_conversations_archive,
    "users.info": LocalSlackServer._m_users_info,
    "views.open": LocalSlackServer._m_views_open,
    "views.push": LocalSlackServer._m_views_push,
    "views.update": LocalSlackServer._m_views_update,
    "files.getUploadURLExternal": LocalSlackServer._m_files_get_upload_url_external,
    "files.completeUploadExternal": LocalSlackServer._m_files_complete_upload_external,
}

SUPPORTED_METHODS = tuple(sorted(_METHODS))
"""Web API methods the local server implements."""


def _channel_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    if channel.is_mpim:
        return "mpim"
    return "group" if channel.is_private else "channel"


def _rich_text_block(text: str) -> JSON:
    return {
        "type": "rich_text",
        "block_id": secrets.token_hex(3),
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def _visible_text(message: JSON) -> str:
    blocks = message.get("blocks")
    if blocks:
        return "\n".join(blockkit.flatten_blocks(blocks))
    return str(message.get("text") or "")


def _mimetype(filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "pdf": "application/pdf",
        "txt": "text/plain",
        "csv": "text/csv",
        "json": "application/json",
        "png": "image/png",
    }.get(ext, "application/octet-stream")


def _decode_json(value: Any, name: str, *, error: str = "invalid_arguments") -> Any:
    """Accept a JSON-encoded string (form posts) or an already-decoded value (JSON posts)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise SlackApiFailure(error, messages=[f"[ERROR] {name} must be valid JSON"]) from None


def _parse_form(raw: str) -> JSON:
    # Slack takes the last occurrence of a repeated form field; one per key is normal.
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def _iter_chunks(length: int, rfile: Any) -> Iterator[bytes]:
    remaining = length
    while remaining > 0:
        chunk = rfile.read(min(remaining, 65536))
        if not chunk:
            return
        remaining -= len(chunk)
        yield chunk


def _make_handler(server: LocalSlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            # Silence the default per-request logging: bodies and URLs may carry data.
            return

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return b"".join(_iter_chunks(length, self.rfile))

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            headers: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _send_json(
            self, status: int, body: JSON, headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self._send(status, data, "application/json; charset=utf-8", headers)

        def do_GET(self) -> None:
            self._dispatch(b"")

        def do_POST(self) -> None:
            self._dispatch(self._body())

        def _dispatch(self, raw: bytes) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            if path.startswith("/api/"):
                self._api(path[len("/api/") :], parts.query, raw)
            elif path.startswith("/upload/v1/") and self.command == "POST":
                status, text = server.handle_upload(path[len("/upload/v1/") :], raw)
                if status == 0:  # an injected network failure: no answer at all
                    self.close_connection = True
                    return
                self._send(status, text.encode(), "text/plain; charset=utf-8")
            elif path.startswith("/response/") and self.command == "POST":
                try:
                    payload = json.loads(raw.decode("utf-8")) if raw else None
                except (UnicodeDecodeError, json.JSONDecodeError):
                    payload = None
                status, text = server.handle_response_url(path[len("/response/") :], payload)
                self._send(status, text.encode(), "text/plain; charset=utf-8")
            else:
                self._send(404, b"not_found", "text/plain; charset=utf-8")

        def _api(self, method: str, query: str, raw: bytes) -> None:
            params: JSON = _parse_form(query)
            content_type = (self.headers.get("Content-Type") or "").lower()
            token: str | None = None
            if raw:
                if content_type.startswith("application/json"):
                    try:
                        decoded = json.loads(raw.decode("utf-8"))
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        self._send_json(200, {"ok": False, "error": "invalid_json"})
                        return
                    if not isinstance(decoded, dict):
                        self._send_json(200, {"ok": False, "error": "invalid_json"})
                        return
                    # Slack ignores a token inside a JSON body: it must be in the header.
                    decoded.pop("token", None)
                    if method in server.form_only_methods:
                        server.report_problem(
                            f"{method} was sent a JSON body, which Slack ignores for this "
                            "method (send it form-encoded)"
                        )
                    else:
                        params.update(decoded)
                elif (
                    content_type.startswith("application/x-www-form-urlencoded") or not content_type
                ):
                    params.update(_parse_form(raw.decode("utf-8", errors="replace")))
                else:
                    self._send_json(200, {"ok": False, "error": "invalid_post_type"})
                    return
            form_token = params.pop("token", None)
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                token = auth[len("Bearer ") :].strip()
            elif isinstance(form_token, str) and form_token:
                token = form_token
            status, body, headers = server.handle_api(method, params, token)
            if status == 0:  # an injected network failure: no answer at all
                self.close_connection = True
                return
            self._send_json(status, body, headers)

    return Handler
