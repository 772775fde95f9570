"""The edge of the Slack endpoint: what every HTTP request must pass before anything parses its
body. Independent of the server that carries the request (``http.server`` in
:mod:`bot.chat.slack.serve` today, a WSGI server later): give :func:`check_request` the
method, path, headers, a way to read the body, the signing secret, a clock and a replay
guard, and it answers with a :class:`Rejection` (status and a short body) or the
:class:`Accepted` body for Bolt.

In order:

1. only ``POST /slack/events`` (404, 405);
2. a single, well-formed ``Content-Length`` no larger than :data:`MAX_BODY` (411 missing,
   400 malformed or given with ``Transfer-Encoding``, 413 too large) and one of Slack's two
   content types (415);
3. a numeric ``X-Slack-Request-Timestamp`` inside Slack's five minutes and a well-formed
   ``X-Slack-Signature`` (401) — all before a byte of the body is read;
4. the body, read with a deadline (408 when it does not arrive in time, 400 when the
   connection ends early);
5. the signature over exactly those bytes (401);
6. the body is UTF-8 and has the shape Bolt and the listeners rely on (400): valid JSON
   objects, a ``payload=`` that is one, a slash command with its user and channel;
7. the signature was not seen before (401): a replayed request is refused, in every process
   that shares the replay guard; Slack's own retries carry a new signature and pass (their
   effects are made once by the database's idempotency keys).

Nothing here logs or returns any part of a body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl

MAX_BODY = 1_000_000  # bytes; Slack's payloads are far smaller
READ_TIMEOUT = 10.0  # seconds for the whole body (and for each wait on the socket)
SIGNATURE_WINDOW = 300  # seconds: Slack's own limit for a request's timestamp
EVENTS_PATH = "/slack/events"
CONTENT_TYPES = frozenset({"application/json", "application/x-www-form-urlencoded"})
_CHUNK = 65_536

_LENGTH = re.compile(r"[0-9]{1,9}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


@dataclass(frozen=True)
class Rejection:
    """Refuse the request: ``status`` and a short plain-text ``body``."""

    status: int
    body: bytes


@dataclass(frozen=True)
class Accepted:
    """A verified request: the body as text, the headers (lower-case names, every value)
    as Bolt takes them, and the body as Bolt parses it (None: let Bolt parse it)."""

    body: str
    headers: dict[str, list[str]] = field(default_factory=dict)
    parsed: dict[str, Any] | None = None


class ReplayGuard(Protocol):
    """Remembers accepted signatures (``storage.replay.SqlReplayGuard`` shares them between
    processes through the database)."""

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        """Record ``signature``; True if it had not been seen. It need not be remembered
        after ``valid_until`` (Unix time), when its request is stale anyway."""
        ...


class MemoryReplayGuard:
    """A replay guard for one process (tests, or a bot without a shared database)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_sighting(self, signature: str, valid_until: float) -> bool:
        now = self._clock()
        with self._lock:
            self._seen = {s: until for s, until in self._seen.items() if until >= now}
            if signature in self._seen:
                return False
            self._seen[signature] = valid_until
            return True


NOT_FOUND = Rejection(404, b"not found")
METHOD_NOT_ALLOWED = Rejection(405, b"method not allowed")
LENGTH_REQUIRED = Rejection(411, b"length required")
BAD_LENGTH = Rejection(400, b"bad content-length")
TOO_LARGE = Rejection(413, b"too large")
UNSUPPORTED_TYPE = Rejection(415, b"unsupported content type")
UNAUTHORIZED = Rejection(401, b"invalid request")
REPLAYED = Rejection(401, b"replayed request")
TIMEOUT = Rejection(408, b"request timeout")
INCOMPLETE = Rejection(400, b"incomplete body")
MALFORMED = Rejection(400, b"malformed body")
UNAVAILABLE = Rejection(503, b"try again later")


def _grouped(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.strip().lower(), []).append(value.strip())
    return grouped


def _one(headers: dict[str, list[str]], name: str) -> str | None:
    """The header's value if it was given exactly once (or repeated identically)."""
    values = set(headers.get(name, []))
    return values.pop() if len(values) == 1 else None


def _read_body(
    read: Callable[[int], bytes], length: int, timeout: float, monotonic: Callable[[], float]
) -> bytes | Rejection:
    deadline = monotonic() + timeout
    chunks: list[bytes] = []
    remaining = length
    try:
        while remaining > 0:
            if monotonic() > deadline:
                return TIMEOUT
            chunk = read(min(remaining, _CHUNK))
            if not chunk:
                return INCOMPLETE
            chunks.append(chunk)
            remaining -= len(chunk)
    except TimeoutError:
        return TIMEOUT
    except OSError:
        return INCOMPLETE
    return b"".join(chunks)


def _is_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _str(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


_USER_PAYLOADS = frozenset(
    {"block_actions", "view_submission", "view_closed", "shortcut", "message_action"}
)


def _parse(body: str, content_type: str) -> dict[str, Any] | None:
    """The body as Bolt's own parsing (``slack_bolt.request.internals.parse_body``) makes
    it, if it has the shapes Bolt and the listeners rely on (judged the same way Bolt
    decides between JSON and a form); None if it does not. The form is parsed strictly
    here: what passes parses the same way in Bolt's lenient parsing."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return None
    if media_type == "application/json" or content_type == "application/json" or body[0] == "{":
        envelope = _is_object(body)
        if envelope is None or not _str(envelope.get("type")):
            return None
        if envelope["type"] == "event_callback":
            event = envelope.get("event")
            return envelope if isinstance(event, dict) and _str(event.get("type")) else None
        if envelope["type"] == "url_verification":
            return envelope if _str(envelope.get("challenge")) else None
        return envelope
    try:
        fields = dict(parse_qsl(body, keep_blank_values=True, strict_parsing=True, errors="strict"))
    except ValueError:  # UnicodeDecodeError included: %FF is not UTF-8 either
        return None
    if "payload" in body:  # exactly Bolt's test
        payload = _is_object(fields.get("payload", ""))
        if payload is None or not _str(payload.get("type")):
            return None
        if payload["type"] in _USER_PAYLOADS:
            user = payload.get("user")
            if not isinstance(user, dict) or not _str(user.get("id")):
                return None
        if payload["type"] == "block_actions":
            actions = payload.get("actions")
            if not (
                isinstance(actions, list)
                and bool(actions)
                and all(isinstance(a, dict) and _str(a.get("action_id")) for a in actions)
            ):
                return None
        if payload["type"] in ("view_submission", "view_closed"):
            view = payload.get("view")
            if not (
                isinstance(view, dict)
                and _str(view.get("type"))
                and isinstance(view.get("callback_id", ""), str)
            ):
                return None
        return payload
    if "command" in fields:
        wanted = ("command", "user_id", "channel_id")
        return fields if all(_str(fields.get(name)) for name in wanted) else None
    return fields if "ssl_check" in fields else None


def check_request(
    method: str,
    path: str,
    headers: Iterable[tuple[str, str]],
    read: Callable[[int], bytes],
    *,
    signing_secret: str,
    replay: ReplayGuard,
    clock: Callable[[], float] = time.time,
    monotonic: Callable[[], float] = time.monotonic,
    max_body: int = MAX_BODY,
    read_timeout: float = READ_TIMEOUT,
) -> Rejection | Accepted:
    """Judge one request (see the module's docstring for the order of the checks).

    Args:
        method: The HTTP method.
        path: The request target (a query string is ignored).
        headers: Every header as (name, value), repeats included.
        read: Reads at most ``n`` bytes of the body; ``b""`` at the end of the stream; may
            raise ``TimeoutError``. Not called unless the headers passed.
        signing_secret: The app's Slack signing secret.
        replay: Where accepted signatures are remembered.
        clock: Unix time, for the timestamp window.
        monotonic: For the body's deadline.
        max_body: The largest body accepted, in bytes.
        read_timeout: Seconds the whole body may take to arrive.
    """
    if path.split("?", 1)[0] != EVENTS_PATH:
        return NOT_FOUND
    if method != "POST":
        return METHOD_NOT_ALLOWED
    grouped = _grouped(headers)
    if "transfer-encoding" in grouped:
        return BAD_LENGTH
    if "content-length" not in grouped:
        return LENGTH_REQUIRED
    length_text = _one(grouped, "content-length")
    if length_text is None or not _LENGTH.fullmatch(length_text):
        return BAD_LENGTH
    length = int(length_text)
    if length > max_body:
        return TOO_LARGE
    content_type = _one(grouped, "content-type") or ""
    if content_type.split(";", 1)[0].strip().lower() not in CONTENT_TYPES:
        return UNSUPPORTED_TYPE

    timestamp_text = _one(grouped, "x-slack-request-timestamp")
    signature = _one(grouped, "x-slack-signature")
    if timestamp_text is None or not _TIMESTAMP.fullmatch(timestamp_text):
        return UNAUTHORIZED
    timestamp = int(timestamp_text)
    if abs(clock() - timestamp) > SIGNATURE_WINDOW:
        return UNAUTHORIZED
    if signature is None or not _SIGNATURE.fullmatch(signature):
        return UNAUTHORIZED

    body = _read_body(read, length, read_timeout, monotonic)
    if isinstance(body, Rejection):
        return body
    expected = hmac.new(
        signing_secret.encode(), f"v0:{timestamp_text}:".encode() + body, hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(f"v0={expected}", signature):
        return UNAUTHORIZED

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return MALFORMED
    parsed = _parse(text, content_type)
    if parsed is None:
        return MALFORMED

    try:
        first = replay.first_sighting(signature, timestamp + SIGNATURE_WINDOW)
    except Exception:
        return UNAVAILABLE  # the shared store is unreachable: Slack will retry
    if not first:
        return REPLAYED
    # Bolt takes the body as parsed here when it would have parsed it the same way (a JSON
    # body is JSON to Bolt only by its content type or its first character).
    bolt_json = content_type.split(";", 1)[0] == "application/json" or text.startswith("{")
    is_json = text.startswith("{") or content_type.split(";", 1)[0].strip().lower() == (
        "application/json"
    )
    return Accepted(text, grouped, parsed if bolt_json == is_json else None)


class SlackEdge:
    """:func:`check_request` bound to one app's signing secret and replay guard, for a
    server to call once per request."""

    def __init__(
        self,
        signing_secret: str,
        replay: ReplayGuard,
        *,
        clock: Callable[[], float] = time.time,
        max_body: int = MAX_BODY,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._signing_secret = signing_secret
        self.replay = replay
        self._clock = clock
        self.max_body = max_body
        self.read_timeout = read_timeout

    def check(
        self,
        method: str,
        path: str,
        headers: Iterable[tuple[str, str]],
        read: Callable[[int], bytes],
    ) -> Rejection | Accepted:
        return check_request(
            method,
            path,
            headers,
            read,
            signing_secret=self._signing_secret,
            replay=self.replay,
            clock=self._clock,
            max_body=self.max_body,
            read_timeout=self.read_timeout,
        )
