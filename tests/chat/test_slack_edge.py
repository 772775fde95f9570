"""The edge checks on their own, server-independent: the order of the checks, and that the
body is never read before the headers pass."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

import pytest

from bot.chat.slack.edge import (
    Accepted,
    MemoryReplayGuard,
    Rejection,
    check_request,
)

SECRET = "edge-secret"
NOW = 1_800_000_000
BODY = b'{"type":"event_callback","event":{"type":"app_mention"}}'


def _signature(body: bytes, ts: int | str = NOW) -> str:
    base = f"v0:{ts}:".encode() + body
    return "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()


def _headers(body: bytes = BODY, **changes: str | None) -> list[tuple[str, str]]:
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "X-Slack-Request-Timestamp": str(NOW),
        "X-Slack-Signature": _signature(body),
    }
    headers.update(changes)  # type: ignore[arg-type]
    return [(k, v) for k, v in headers.items() if v is not None]


class Reader:
    def __init__(self, body: bytes, *, chunk: int = 1 << 20) -> None:
        self.body, self.chunk, self.calls = body, chunk, 0

    def __call__(self, n: int) -> bytes:
        self.calls += 1
        part, self.body = self.body[: min(n, self.chunk)], self.body[min(n, self.chunk) :]
        return part


def _check(
    headers: list[tuple[str, str]],
    read: Callable[[int], bytes],
    guard: MemoryReplayGuard | None = None,
    **kwargs: object,
) -> Rejection | Accepted:
    return check_request(
        "POST",
        "/slack/events",
        headers,
        read,
        signing_secret=SECRET,
        replay=guard or MemoryReplayGuard(lambda: NOW),
        clock=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"Content-Length": "-1"}, 400),
        ({"Content-Length": "1e3"}, 400),
        ({"Content-Length": None}, 411),
        ({"Content-Length": "2000000"}, 413),
        ({"Transfer-Encoding": "chunked"}, 400),
        ({"Content-Type": "text/html"}, 415),
        ({"X-Slack-Request-Timestamp": "soon"}, 401),
        ({"X-Slack-Request-Timestamp": "-5"}, 401),
        ({"X-Slack-Request-Timestamp": str(NOW - 301)}, 401),
        ({"X-Slack-Signature": None}, 401),
        ({"X-Slack-Signature": "v1=abc"}, 401),
    ],
)
def test_header_problems_are_refused_before_the_body_is_read(
    changes: dict[str, str | None], status: int
) -> None:
    reader = Reader(BODY)
    verdict = _check(_headers(**changes), reader)
    assert isinstance(verdict, Rejection) and verdict.status == status
    assert reader.calls == 0


def test_a_good_request_is_accepted_once() -> None:
    guard = MemoryReplayGuard(lambda: NOW)
    verdict = _check(_headers(), Reader(BODY), guard)
    assert isinstance(verdict, Accepted) and verdict.body == BODY.decode()
    assert verdict.headers["content-type"] == ["application/json"]
    again = _check(_headers(), Reader(BODY), guard)
    assert isinstance(again, Rejection) and (again.status, again.body) == (401, b"replayed request")


def test_a_bad_signature_is_refused_before_parsing() -> None:
    body = b"{not json"
    verdict = _check(_headers(body, **{"X-Slack-Signature": "v0=" + "0" * 64}), Reader(body))
    assert isinstance(verdict, Rejection) and verdict.status == 401


def test_a_trickled_body_meets_the_deadline() -> None:
    ticks = iter(range(100))
    verdict = _check(
        _headers(), Reader(BODY, chunk=1), monotonic=lambda: next(ticks), read_timeout=5
    )
    assert isinstance(verdict, Rejection) and verdict.status == 408


def test_a_short_body_or_a_timeout_is_refused() -> None:
    short = _check(_headers(), Reader(BODY[:10]))
    assert isinstance(short, Rejection) and short.status == 400

    def timeout(n: int) -> bytes:
        raise TimeoutError

    late = _check(_headers(), timeout)
    assert isinstance(late, Rejection) and late.status == 408


def test_an_unreachable_replay_store_asks_slack_to_retry() -> None:
    class Down:
        def first_sighting(self, signature: str, valid_until: float) -> bool:
            raise ConnectionError

    verdict = check_request(
        "POST",
        "/slack/events",
        _headers(),
        Reader(BODY),
        signing_secret=SECRET,
        replay=Down(),
        clock=lambda: NOW,
    )
    assert isinstance(verdict, Rejection) and verdict.status == 503
