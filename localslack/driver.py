"""Plays Slack's side towards the app: signed slash commands, interactions and events.

The :class:`SlackDriver` sends exactly what Slack's servers send to an app's Request URL
(form-encoded commands and ``payload=`` interactions, JSON ``event_callback`` envelopes),
signed with the app's signing secret, and mirrors the user's side of each action in the
:class:`~localslack.server.LocalSlackServer`'s state.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import json
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urlencode

from localslack import blockkit
from localslack.server import JSON, LocalSlackServer

T = TypeVar("T")

ACK_DEADLINE = 3.0
# Slack resends an event the app failed about immediately, after 1 minute and after
# 5 minutes; scaled down so tests can wait for it.
SLACK_RETRY_DELAYS = (0.02, 0.2, 1.0)
_STALE_AGE = 10 * 60


class DriverError(Exception):
    """The simulated user cannot do that (e.g. click a button that is not there)."""


@dataclass(frozen=True)
class BotResponse:
    """What the app answered to one request.

    Attributes:
        status: HTTP status code.
        body: Raw response body.
        headers: Response headers.
        latency: Seconds from sending the request to reading the whole answer.
        event_id: For Events API deliveries, the envelope's ``event_id``.
    """

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0
    event_id: str | None = None

    def header(self, name: str) -> str | None:
        """A response header, looked up case-insensitively."""
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, or ``None`` for an empty body."""
        return json.loads(self.body) if self.body.strip() else None


class SlackDriver:
    """Sends Slack's requests to the app's HTTP endpoint, signed like Slack does.

    Args:
        server: The local workspace whose state the simulated users act on.
        bot_url: The app's Request URL (e.g. ``http://127.0.0.1:3000/slack/events``).
        signing_secret: The app's signing secret.
        echo_bot_messages: Deliver ``message`` events for the bot's own posts too, as
            Slack does (Bolt drops them by default); delivered in a background thread.
        timeout: HTTP timeout when talking to the app (Slack itself gives up after 3 s, but
            a longer wait lets tests report the real latency).
        retry_delays: Seconds before each of Slack's retries of an event the app answered
            with an error (Slack: about immediately, 1 minute, 5 minutes; scaled down here).
            Empty: no retries.
    """

    def __init__(
        self,
        server: LocalSlackServer,
        bot_url: str,
        signing_secret: str,
        *,
        echo_bot_messages: bool = True,
        timeout: float = 15.0,
        retry_delays: tuple[float, ...] = SLACK_RETRY_DELAYS,
    ) -> None:
        self.server = server
        self.bot_url = bot_url
        self._secret = signing_secret.encode()
        self.timeout = timeout
        self.retry_delays = retry_delays
        self._retries_pending = 0
        self.retries_sent = 0
        self._envelopes: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[JSON | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._echo = echo_bot_messages
        self.responses: list[BotResponse] = []
        if echo_bot_messages:
            server.subscribe(self._enqueue_echo)

    # ------------------------------------------------------------------ lifecycle

    @property
    def api_url(self) -> str:
        """The Web API base URL the app must use (``WebClient(base_url=...)``)."""
        return self.server.api_url

    def close(self) -> None:
        """Stop echoing bot messages and end the background thread."""
        if self._echo:
            self.server.unsubscribe(self._enqueue_echo)
            self._echo = False
        worker = self._worker
        if worker is not None:
            self._queue.put(None)
            worker.join(timeout=5)
            self._worker = None

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @staticmethod
    def wait_for(predicate: Callable[[], T], timeout: float = 5.0, interval: float = 0.02) -> T:
        """Poll until ``predicate()`` is truthy (the bot works after ack, in threads).

        Args:
            predicate: Condition to poll.
            timeout: Seconds before giving up.
            interval: Seconds between polls.

        Returns:
            The first truthy value returned by ``predicate``.

        Raises:
            TimeoutError: If the condition did not hold in time.
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout} s")
            time.sleep(interval)

    @property
    def idle(self) -> bool:
        """Every echoed bot-message event and every retry of an event has been delivered."""
        with self._lock:
            retrying = self._retries_pending
        return self._queue.unfinished_tasks == 0 and retrying == 0

    def drain(self, timeout: float = 5.0) -> None:
        """Wait until every echoed bot-message event and every retry has been delivered."""
        self.wait_for(lambda: self.idle, timeout)

    # ------------------------------------------------------------------ raw sending

    def sign(self, body: bytes, timestamp: int) -> str:
        """Slack's request signature for ``body`` sent at ``timestamp``."""
        base = b"v0:" + str(timestamp).encode() + b":" + body
        return "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()

    def send_raw(
        self,
        body: bytes,
        content_type: str,
        *,
        headers: Mapping[str, str] | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        event_id: str | None = None,
    ) -> BotResponse:
        """POST a signed body to the app.

        Args:
            body: Exact bytes to send (the signature covers them).
            content_type: Content-Type header.
            headers: Extra headers (e.g. retry headers).
            timestamp: ``X-Slack-Request-Timestamp`` to use (default: now).
            bad_signature: Sign with a wrong secret.
            event_id: Recorded on the returned response.

        Returns:
            The app's answer with the measured latency.
        """
        ts = int(time.time()) if timestamp is None else timestamp
        signature = self.sign(body, ts)
        if bad_signature:
            signature = "v0=" + hmac.new(b"wrong-secret", body, hashlib.sha256).hexdigest()
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        request = urllib.request.Request(
            self.bot_url, data=body, headers=all_headers, method="POST"
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                data = answer.read()
                status = int(answer.status)
                answer_headers = dict(answer.headers.items())
        except urllib.error.HTTPError as error:
            data = error.read()
            status = error.code
            answer_headers = dict(error.headers.items())
        latency = time.perf_counter() - started
        response = BotResponse(status, data, answer_headers, latency, event_id)
        with self._lock:
            self.responses.append(response)
        if latency > ACK_DEADLINE and not bad_signature and timestamp is None:
            self.server.report_problem(
                f"the app answered after {latency:.2f} s (Slack gives up after {ACK_DEADLINE:.0f} s)"
            )
        return response

    def _send_form(self, fields: Mapping[str, str], **kwargs: Any) -> BotResponse:
        body = urlencode(fields).encode()
        return self.send_raw(body, "application/x-www-form-urlencoded", **kwargs)

    def _send_payload(self, payload: JSON, **kwargs: Any) -> BotResponse:
        return self._send_form({"payload": json.dumps(payload, ensure_ascii=False)}, **kwargs)

    @staticmethod
    def stale_timestamp() -> int:
        """A timestamp older than Bolt's 5-minute window."""
        return int(time.time()) - _STALE_AGE

    # ------------------------------------------------------------------ helpers

    def _user_obj(self, user_id: str) -> JSON:
        user = self._active_user(user_id)
        return {
            "id": user.id,
            "username": user.name,
            "name": user.name,
            "team_id": self.server.team_id,
        }

    def _active_user(self, user_id: str) -> Any:
        try:
            user = self.server.user(user_id)
        except KeyError as error:
            raise DriverError(str(error)) from None
        if user.deleted:
            raise DriverError(f"{user_id} is deactivated and cannot act")
        return user

    def _team(self) -> JSON:
        return {"id": self.server.team_id, "domain": self.server.team_domain}

    def _channel_name(self, channel_id: str) -> str:
        channel = self.server.channel(channel_id)
        if channel.is_im:
            return "directmessage"
        return channel.name

    def _check_can_see(self, user_id: str, channel_id: str) -> None:
        try:
            channel = self.server.channel(channel_id)
        except KeyError as error:
            raise DriverError(str(error)) from None
        if channel.is_private and user_id not in channel.members:
            raise DriverError(f"{user_id} cannot see {channel_id}")

    # ------------------------------------------------------------------ slash commands

    def slash_command(
        self,
        user_id: str,
        channel_id: str,
        command: str = "/shien",
        text: str = "",
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> BotResponse:
        """Run a slash command as ``user_id`` in ``channel_id``.

        Args:
            user_id: Who types the command.
            channel_id: Where (a channel or the user's DM with the bot).
            command: The command, e.g. ``/shien``.
            text: What follows the command.
            timestamp: Override the signed timestamp (e.g. :meth:`stale_timestamp`).
            bad_signature: Sign with the wrong secret.

        Returns:
            The app's HTTP answer (its body is shown to the user as an ephemeral message).
        """
        user = self._active_user(user_id)
        self._check_can_see(user_id, channel_id)
        trigger_id = self.server.issue_trigger(user_id)
        response_url = self.server.issue_response_url(user_id, channel_id)
        self.server.note(
            f"{user_id} が {self.server.display(channel_id)} で {command} {text}".rstrip(),
            kind="user",
            target=channel_id,
        )
        fields = {
            "token": "local-verification-token",
            "team_id": self.server.team_id,
            "team_domain": self.server.team_domain,
            "channel_id": channel_id,
            "channel_name": self._slash_channel_name(channel_id),
            "user_id": user_id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": self.server.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
        response = self._send_form(fields, timestamp=timestamp, bad_signature=bad_signature)
        self._show_ack_body(user_id, channel_id, response)
        return response

    def _slash_channel_name(self, channel_id: str) -> str:
        channel = self.server.channel(channel_id)
        if channel.is_im:
            return "directmessage"
        if channel.is_mpim:
            return channel.name  # mpdm-…
        # Slack reports private channels by this placeholder in slash commands.
        return "privategroup" if channel.is_private else channel.name

    def _show_ack_body(self, user_id: str, channel_id: str, response: BotResponse) -> None:
        # A slash command's ack body is shown to the user (ephemeral unless in_channel).
        if response.status != 200:
            if response.status != 401:
                self.server.report_problem(f"slash command answered HTTP {response.status}")
            return
        if not response.body.strip():
            return
        content_type = response.header("Content-Type") or ""
        try:
            parsed = response.json() if "json" in content_type else {"text": response.text}
        except json.JSONDecodeError:
            parsed = {"text": response.text}
        self.server.show_command_ack(user_id, channel_id, parsed)

    # ------------------------------------------------------------------ events

    def _envelope(self, event: JSON, event_id: str) -> bytes:
        envelope = {
            "token": "local-verification-token",
            "team_id": self.server.team_id,
            "context_team_id": self.server.team_id,
            "context_enterprise_id": None,
            "api_app_id": self.server.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.server.team_id,
                    "user_id": self.server.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + secrets.token_urlsafe(24),
        }
        return json.dumps(envelope, ensure_ascii=False).encode("utf-8")

    def deliver_event(
        self,
        event: JSON,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> BotResponse:
        """Deliver an Events API ``event_callback``.

        Passing the ``event_id`` of an earlier delivery resends the identical envelope, as
        Slack's retries do; add ``retry_num``/``retry_reason`` for the retry headers.

        Args:
            event: The inner event (ignored when resending a known ``event_id``).
            event_id: Envelope id; new deliveries get a fresh one.
            retry_num: Value of ``X-Slack-Retry-Num``.
            retry_reason: Value of ``X-Slack-Retry-Reason`` (e.g. ``http_timeout``).
            timestamp: Override the signed timestamp.
            bad_signature: Sign with the wrong secret.

        Returns:
            The app's answer; ``event_id`` is set on it.
        """
        with self._lock:
            if event_id is None:
                event_id = "Ev" + secrets.token_hex(5).upper()
            body = self._envelopes.get(event_id)
            if body is None:
                body = self._envelope(copy.deepcopy(event), event_id)
                self._envelopes[event_id] = body
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        response = self.send_raw(
            body,
            "application/json",
            headers=headers,
            timestamp=timestamp,
            bad_signature=bad_signature,
            event_id=event_id,
        )
        attempt = (retry_num or 0) + 1
        if (
            not 200 <= response.status < 300
            and not bad_signature
            and timestamp is None
            and attempt <= len(self.retry_delays)
        ):
            # As Slack does: the event comes again, with the retry headers.
            self._retry_later(event_id, attempt)
        return response

    def _retry_later(self, event_id: str, attempt: int) -> None:
        def resend() -> None:
            try:
                self.deliver_event(
                    {}, event_id=event_id, retry_num=attempt, retry_reason="http_error"
                )
            except (OSError, urllib.error.URLError):
                pass  # the app is gone; Slack would give up too
            finally:
                with self._lock:
                    self._retries_pending -= 1

        with self._lock:
            self._retries_pending += 1
            self.retries_sent += 1
        timer = threading.Timer(self.retry_delays[attempt - 1], resend)
        timer.daemon = True
        timer.start()

    def url_verification(self, challenge: str = "local-challenge") -> BotResponse:
        """Send the ``url_verification`` handshake Slack uses when saving a Request URL."""
        body = json.dumps(
            {
                "token": "local-verification-token",
                "challenge": challenge,
                "type": "url_verification",
            }
        ).encode()
        return self.send_raw(body, "application/json")

    def user_posts(
        self,
        user_id: str,
        channel_id: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: Sequence[str] = (),
    ) -> str:
        """A member posts a message; the app gets a ``message`` event if it is in the channel.

        Args:
            user_id: The author.
            channel_id: Channel id, or the DM id from ``server.dm_channel_id(user_id)``.
            text: Message text (may be empty when ``files`` are attached).
            thread_ts: Reply in this thread.
            files: Names of files attached (a ``file_share`` message).

        Returns:
            The new message's ``ts``. The app's answer is in ``self.last_response``.
        """
        self._active_user(user_id)
        try:
            message, event = self.server.post_as_user(
                user_id, channel_id, text, thread_ts=thread_ts, files=files
            )
        except (ValueError, KeyError) as error:
            raise DriverError(str(error)) from None
        except Exception as error:  # SlackApiFailure for an unknown thread
            raise DriverError(f"cannot post: {error}") from None
        self.last_response = self.deliver_event(event) if event is not None else None
        return str(message["ts"])

    last_response: BotResponse | None = None

    def user_edits(self, channel_id: str, ts: str, new_text: str) -> BotResponse | None:
        """The author edits a message (``message_changed`` event)."""
        try:
            event = self.server.edit_as_user(channel_id, ts, new_text)
        except (ValueError, KeyError) as error:
            raise DriverError(str(error)) from None
        self.last_response = self.deliver_event(event) if event is not None else None
        return self.last_response

    def link_preview(self, channel_id: str, ts: str, url: str) -> BotResponse | None:
        """Slack unfurls a link in a message: ``message_changed`` with the same text."""
        try:
            event = self.server.add_link_preview(channel_id, ts, url)
        except (ValueError, KeyError) as error:
            raise DriverError(str(error)) from None
        self.last_response = self.deliver_event(event) if event is not None else None
        return self.last_response

    def user_deletes(self, channel_id: str, ts: str) -> BotResponse | None:
        """The author deletes a message (``message_deleted`` event)."""
        try:
            event = self.server.delete_as_user(channel_id, ts)
        except (ValueError, KeyError) as error:
            raise DriverError(str(error)) from None
        self.last_response = self.deliver_event(event) if event is not None else None
        return self.last_response

    def member_joins(self, channel_id: str, user_id: str) -> BotResponse | None:
        """A member joins a channel (``member_joined_channel`` event if the bot is in it)."""
        try:
            event = self.server.join_with_event(channel_id, user_id)
        except KeyError as error:
            raise DriverError(str(error)) from None
        self.last_response = self.deliver_event(event) if event is not None else None
        return self.last_response

    def _enqueue_echo(self, event: JSON) -> None:
        # Called from the server's request thread: never block it.
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._echo_loop, name="slack-driver-echo", daemon=True
                )
                self._worker.start()
        self._queue.put(event)

    def _echo_loop(self) -> None:
        while True:
            event = self._queue.get()
            try:
                if event is None:
                    return
                self.deliver_event(event)
            except (OSError, urllib.error.URLError):
                pass  # The app may already be shut down; Slack would just retry later.
            finally:
                self._queue.task_done()

    # ------------------------------------------------------------------ interactivity

    @staticmethod
    def _find_element(
        blocks: Any, action_id: str, value: str | None, block_id: str | None, kinds: set[str]
    ) -> tuple[JSON, JSON]:
        matches = [
            (block, el)
            for block, el in blockkit.iter_elements(blocks)
            if el.get("action_id") == action_id
            and el.get("type") in kinds
            and (value is None or el.get("value") == value)
            and (block_id is None or block.get("block_id") == block_id)
        ]
        if not matches:
            raise DriverError(f"no {'/'.join(sorted(kinds))} with action_id {action_id!r} here")
        if len(matches) > 1:
            raise DriverError(f"several elements match {action_id!r}: pass value= or block_id=")
        return matches[0]

    def _action(self, block: JSON, el: JSON, selected: JSON | None = None) -> JSON:
        action: JSON = {
            "action_id": el["action_id"],
            "block_id": block.get("block_id") or secrets.token_hex(3),
            "type": el["type"],
            "action_ts": f"{time.time():.6f}",
        }
        if el["type"] == "button":
            action["text"] = copy.deepcopy(el.get("text"))
            if "value" in el:
                action["value"] = el["value"]
            if "style" in el:
                action["style"] = el["style"]
        if selected:
            action.update(selected)
        return action

    def click_button(
        self,
        user_id: str,
        message_channel: str,
        message_ts: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> BotResponse:
        """Click a button in a stored message (or in one of the user's ephemeral messages).

        Args:
            user_id: Who clicks.
            message_channel: The message's conversation.
            message_ts: The message's ``ts`` (or the ephemeral's ``ts``).
            action_id: The button's ``action_id``.
            value: Pick the button with this ``value`` when several share the action_id.
            block_id: Pick the button in this block.
            timestamp: Override the signed timestamp.
            bad_signature: Sign with the wrong secret.

        Returns:
            The app's HTTP answer.
        """
        return self._message_action(
            user_id,
            message_channel,
            message_ts,
            action_id,
            {"button"},
            value=value,
            block_id=block_id,
            selected=None,
            timestamp=timestamp,
            bad_signature=bad_signature,
        )

    def choose_option(
        self,
        user_id: str,
        message_channel: str,
        message_ts: str,
        action_id: str,
        option_value: str,
        *,
        block_id: str | None = None,
    ) -> BotResponse:
        """Pick an option of a ``static_select`` or ``overflow`` menu in a message."""
        blocks = self._message_blocks(user_id, message_channel, message_ts)[0]
        _, el = self._find_element(
            blocks, action_id, None, block_id, {"static_select", "overflow", "radio_buttons"}
        )
        option = _find_option(el, option_value)
        return self._message_action(
            user_id,
            message_channel,
            message_ts,
            action_id,
            {"static_select", "overflow", "radio_buttons"},
            value=None,
            block_id=block_id,
            selected={"selected_option": option},
            timestamp=None,
            bad_signature=False,
        )

    def _message_blocks(
        self, user_id: str, channel_id: str, ts: str
    ) -> tuple[Any, JSON | None, JSON | None]:
        message = self.server.message(channel_id, ts)
        if message is not None:
            self._check_can_see(user_id, channel_id)
            return message.get("blocks"), message, None
        for eph in self.server.ephemerals(user_id, channel_id):
            if eph["ts"] == ts:
                return eph.get("blocks"), None, eph
        raise DriverError(f"{user_id} sees no message {ts} in {channel_id}")

    def _message_action(
        self,
        user_id: str,
        channel_id: str,
        ts: str,
        action_id: str,
        kinds: set[str],
        *,
        value: str | None,
        block_id: str | None,
        selected: JSON | None,
        timestamp: int | None,
        bad_signature: bool,
    ) -> BotResponse:
        user = self._user_obj(user_id)
        blocks, message, ephemeral = self._message_blocks(user_id, channel_id, ts)
        block, el = self._find_element(blocks, action_id, value, block_id, kinds)
        thread_ts = (message or ephemeral or {}).get("thread_ts")
        container: JSON = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id,
            "is_ephemeral": ephemeral is not None,
        }
        if thread_ts and thread_ts != ts:
            container["thread_ts"] = thread_ts
        response_url = self.server.issue_response_url(
            user_id,
            channel_id,
            message_ts=ts if message is not None else None,
            ephemeral_ts=ts if ephemeral is not None else None,
            thread_ts=thread_ts,
        )
        payload: JSON = {
            "type": "block_actions",
            "user": user,
            "api_app_id": self.server.app_id,
            "token": "local-verification-token",
            "container": container,
            "trigger_id": self.server.issue_trigger(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": self._channel_name(channel_id)},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [self._action(block, el, selected)],
        }
        if message is not None:
            # Slack leaves the message out for ephemeral containers.
            payload["message"] = {**message, "type": "message"}
        label = blockkit.flatten_blocks([{"type": "actions", "elements": [el]}])
        self.server.note(
            f"{user_id} が {self.server.display(channel_id)} で {label[0] if label else action_id} を押す",
            kind="user",
            target=channel_id,
        )
        response = self._send_payload(payload, timestamp=timestamp, bad_signature=bad_signature)
        self._check_interaction_status(response)
        return response

    def _check_interaction_status(self, response: BotResponse) -> None:
        if response.status not in (200, 401):
            self.server.report_problem(f"interaction answered HTTP {response.status}")

    def click_view_button(
        self,
        user_id: str,
        view_id: str,
        action_id: str,
        *,
        value: str | None = None,
        block_id: str | None = None,
    ) -> BotResponse:
        """Click a button inside an open modal (``block_actions`` with a view container)."""
        view = self._open_view(user_id, view_id)
        block, el = self._find_element(view.get("blocks"), action_id, value, block_id, {"button"})
        payload: JSON = {
            "type": "block_actions",
            "user": self._user_obj(user_id),
            "api_app_id": self.server.app_id,
            "token": "local-verification-token",
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": self.server.issue_trigger(user_id),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "view": view,
            "actions": [self._action(block, el)],
        }
        response = self._send_payload(payload)
        self._check_interaction_status(response)
        return response

    def _open_view(self, user_id: str, view_id: str) -> JSON:
        for view in self.server.views(user_id):
            if view["id"] == view_id:
                return view
        raise DriverError(f"{user_id} has no open view {view_id}")

    def submit_view(
        self,
        user_id: str,
        view_id: str,
        values: Mapping[str, Any] | None = None,
        *,
        timestamp: int | None = None,
        bad_signature: bool = False,
    ) -> BotResponse:
        """Submit an open modal with the given input values.

        ``values`` maps ``block_id`` to either ``{action_id: raw}`` or, for input blocks,
        directly to ``raw``. Raw values: a string for text inputs, ``"YYYY-MM-DD"`` (or a
        ``date``) for datepickers, an option value for static selects and radio buttons, a
        list of option values for checkboxes and multi-selects, user ids for user selects.
        A value already shaped like Slack's (a dict with ``type``) is passed through.
        Inputs left out keep their initial values, as in the Slack client.

        Args:
            user_id: Who submits.
            view_id: The open view (from ``server.views(user_id)``).
            values: The user's input.
            timestamp: Override the signed timestamp.
            bad_signature: Sign with the wrong secret.

        Returns:
            The app's answer; ``response_action`` ``update``/``push``/``clear`` and an empty
            answer (close) are applied to the stored views, ``errors`` leaves it open.

        Raises:
            DriverError: If the Slack client would not let the user submit (a required
                field empty, an unknown option, text too long or short).
        """
        view = self._open_view(user_id, view_id)
        state = _build_state(view.get("blocks"), dict(values or {}))
        view["state"] = {"values": state}
        payload: JSON = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user_obj(user_id),
            "api_app_id": self.server.app_id,
            "token": "local-verification-token",
            "trigger_id": self.server.issue_trigger(user_id),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        title = view.get("title", {}).get("text", "") if isinstance(view.get("title"), dict) else ""
        self.server.note(f"{user_id} がフォーム「{title}」を送信", kind="user", target=user_id)
        response = self._send_payload(payload, timestamp=timestamp, bad_signature=bad_signature)
        if response.status != 200:
            self._check_interaction_status(response)
            return response
        self._apply_submission_answer(user_id, view, response)
        return response

    def _apply_submission_answer(self, user_id: str, view: JSON, response: BotResponse) -> None:
        try:
            answer = response.json()
        except json.JSONDecodeError:
            self.server.report_problem("view_submission answered with a non-JSON body")
            return
        if not answer:
            self.server.close_view(user_id, view["id"])
            return
        action = answer.get("response_action") if isinstance(answer, dict) else None
        if action == "errors":
            input_ids = {
                b.get("block_id")
                for b in view.get("blocks") or []
                if isinstance(b, dict) and b.get("type") == "input"
            }
            errors = answer.get("errors")
            if not isinstance(errors, dict) or not errors:
                self.server.report_problem("response_action errors without an errors object")
                return
            unknown = sorted(set(errors) - input_ids)
            if unknown:
                # Slack rejects the whole answer: the user sees a generic error instead.
                self.server.report_problem(
                    f"response_action errors names non-input blocks {unknown}"
                )
            self.server.note(
                f"{user_id} にフォームのエラー表示",
                "\n".join(f"{k}: {v}" for k, v in errors.items()),
                kind="view",
                target=user_id,
            )
        elif action == "update":
            problems = self.server.replace_view(user_id, view["id"], answer.get("view") or {})
            if problems:
                self.server.report_problem(f"response_action update rejected: {problems}")
        elif action == "push":
            problems = self.server.push_view(user_id, answer.get("view") or {})
            if problems:
                self.server.report_problem(f"response_action push rejected: {problems}")
        elif action == "clear":
            self.server.close_view(user_id, view["id"], clear=True)
        else:
            self.server.report_problem(f"unknown response_action {action!r}")

    def close_view(self, user_id: str, view_id: str) -> BotResponse | None:
        """The user closes a modal; ``view_closed`` is sent if the view asked for it."""
        view = self._open_view(user_id, view_id)
        self.server.close_view(user_id, view_id)
        if not view.get("notify_on_close"):
            return None
        payload: JSON = {
            "type": "view_closed",
            "team": self._team(),
            "user": self._user_obj(user_id),
            "api_app_id": self.server.app_id,
            "token": "local-verification-token",
            "view": view,
            "is_cleared": False,
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._send_payload(payload)


# ---------------------------------------------------------------------- view state


def _options_of(el: JSON) -> list[JSON]:
    options = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _find_option(el: JSON, value: Any) -> JSON:
    for option in _options_of(el):
        if option.get("value") == value:
            return copy.deepcopy(option)
    raise DriverError(f"{el.get('action_id')!r} has no option {value!r}")


def _shape(el: JSON, raw: Any, provided: bool) -> tuple[JSON, bool]:
    """Slack's state value for ``el``; the flag tells whether it is empty."""
    kind = str(el.get("type"))
    if isinstance(raw, dict) and "type" in raw:
        return copy.deepcopy(raw), False
    state: JSON = {"type": kind}
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        value = raw if provided else el.get("initial_value")
        text = None if value is None else str(value)
        if text is not None and kind == "plain_text_input":
            if "max_length" in el and len(text) > el["max_length"]:
                raise DriverError(f"{el.get('action_id')!r}: longer than {el['max_length']}")
            if text and "min_length" in el and len(text) < el["min_length"]:
                raise DriverError(f"{el.get('action_id')!r}: shorter than {el['min_length']}")
        state["value"] = text if text != "" else None
        return state, not text
    if kind == "datepicker":
        value = raw if provided else el.get("initial_date")
        if isinstance(value, dt.date):
            value = value.isoformat()
        state["selected_date"] = value
        return state, not value
    if kind == "timepicker":
        state["selected_time"] = raw if provided else el.get("initial_time")
        return state, not state["selected_time"]
    if kind in ("static_select", "radio_buttons", "external_select"):
        if provided:
            option = _find_option(el, raw) if raw is not None else None
        else:
            option = copy.deepcopy(el.get("initial_option"))
        state["selected_option"] = option
        return state, option is None
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        if provided:
            options = [_find_option(el, v) for v in raw or []]
        else:
            options = copy.deepcopy(el.get("initial_options") or [])
        state["selected_options"] = options
        return state, not options
    single = {
        "users_select": ("selected_user", "initial_user"),
        "conversations_select": ("selected_conversation", "initial_conversation"),
        "channels_select": ("selected_channel", "initial_channel"),
    }
    if kind in single:
        key, initial = single[kind]
        state[key] = raw if provided else el.get(initial)
        return state, not state[key]
    multi = {
        "multi_users_select": ("selected_users", "initial_users"),
        "multi_conversations_select": ("selected_conversations", "initial_conversations"),
        "multi_channels_select": ("selected_channels", "initial_channels"),
    }
    if kind in multi:
        key, initial = multi[kind]
        state[key] = list(raw or []) if provided else list(el.get(initial) or [])
        return state, not state[key]
    if kind == "datetimepicker":
        state["selected_date_time"] = raw if provided else el.get("initial_date_time")
        return state, state["selected_date_time"] is None
    if kind == "rich_text_input":
        state["rich_text_value"] = raw if provided else el.get("initial_value")
        return state, not state["rich_text_value"]
    raise DriverError(f"cannot fill an element of type {kind!r}")


def _build_state(blocks: Any, values: dict[str, Any]) -> dict[str, dict[str, JSON]]:
    state: dict[str, dict[str, JSON]] = {}
    known: set[str] = set()
    for block, el in blockkit.iter_elements(blocks):
        if el.get("type") in ("button", "overflow", "image") or "action_id" not in el:
            continue
        block_id = block.get("block_id")
        if not isinstance(block_id, str):
            continue  # Slack would assign a random id; tests cannot address it anyway.
        action_id = str(el["action_id"])
        known.add(block_id)
        given = values.get(block_id)
        provided = False
        raw: Any = None
        if isinstance(given, dict) and action_id in given and "type" not in given:
            raw, provided = given[action_id], True
        elif block_id in values and block.get("type") == "input":
            raw, provided = given, True
        if block.get("type") != "input" and not provided and "initial_option" not in el:
            continue  # Non-input elements only show up in state once touched.
        shaped, empty = _shape(el, raw, provided)
        if block.get("type") == "input" and empty and not block.get("optional", False):
            raise DriverError(f"required field {block_id!r} is empty: Slack would not submit")
        state.setdefault(block_id, {})[action_id] = shaped
    unknown = sorted(set(values) - known)
    if unknown:
        raise DriverError(f"the view has no input blocks {unknown}")
    return state
