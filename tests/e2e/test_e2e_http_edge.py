"""The HTTP edge, with raw bytes over a socket to the production server (``shienbot serve
--http``: gunicorn and its worker processes): malformed requests get a short answer (never a
dropped connection, a 500 or a traceback), nothing is read or parsed before the headers
pass, and a replayed signed request has no second effect."""

from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlencode

import pytest
from e2e_steps import database, dm_texts, member, prepare_meeting
from workspace_fixtures import CHANNEL, COORDINATOR, register_agencies

from localslack.harness import LocalWorkspace
from storage import Database
from storage.replay import replay_guard

PRODUCTION_SERVER = True
READ_TIMEOUT = 1  # seconds: a stalled request is given up quickly


def _address(ws: LocalWorkspace) -> tuple[str, int]:
    return ws.address


def _exchange(
    ws: LocalWorkspace, raw: bytes, *, keep_open: bool = True, timeout: float = 5.0
) -> tuple[int, bytes, float]:
    """Send ``raw``; return the status, the whole answer and the seconds it took. With
    ``keep_open`` the client neither sends more nor closes: the server must answer anyway.
    The server must close the connection after answering (the answer is read to EOF)."""
    started = time.monotonic()
    with socket.create_connection(_address(ws), timeout=timeout) as connection:
        try:
            connection.sendall(raw)
            if not keep_open:
                connection.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            # The server may refuse (413, 401) and close before a large body is all sent;
            # its answer is still there to read.
            pass
        answer = b""
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 "), answer[:80]
    return int(answer.split(b" ", 2)[1]), answer, elapsed


def _request(
    body: bytes,
    headers: dict[str, str],
    *,
    method: str = "POST",
    path: str = "/slack/events",
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _signed(
    ws: LocalWorkspace,
    body: bytes,
    content_type: str = "application/json",
    *,
    timestamp: int | None = None,
    length: str | None = None,
) -> bytes:
    ts = int(time.time()) if timestamp is None else timestamp
    return _request(
        body,
        {
            "Content-Type": content_type,
            "Content-Length": str(len(body)) if length is None else length,
            "X-Slack-Request-Timestamp": str(ts),
            "X-Slack-Signature": ws.slack.sign(body, ts),
        },
    )


def _command_fields(ws: LocalWorkspace, user_id: str, text: str) -> dict[str, str]:
    return {
        "token": "local-verification-token",
        "team_id": ws.server.team_id,
        "team_domain": ws.server.team_domain,
        "channel_id": CHANNEL,
        "channel_name": "privategroup",
        "user_id": user_id,
        "user_name": user_id,
        "command": "/shien",
        "text": text,
        "api_app_id": ws.server.app_id,
        "response_url": ws.server.issue_response_url(user_id, CHANNEL),
        "trigger_id": ws.server.issue_trigger(user_id),
    }


FORM = "application/x-www-form-urlencoded"


def _malformed(ws: LocalWorkspace) -> list[tuple[str, bytes, int]]:
    """(what, raw request, expected status): every one is refused with a short answer."""
    big = b"x" * 3_000_000
    good_json = b'{"type":"event_callback","event":{"type":"app_mention"}}'
    command = urlencode(_command_fields(ws, COORDINATOR, "setup")).encode()
    stale = int(time.time()) - 600
    return [
        ("negative length", _signed(ws, big, length="-1"), 400),
        ("negative length, no body", _signed(ws, b"", length="-1"), 400),
        ("non-numeric length", _signed(ws, good_json, length="abc"), 400),
        ("length with a sign", _signed(ws, good_json, length=f"+{len(good_json)}"), 400),
        ("no length", _request(good_json, {"Content-Type": "application/json"}), 411),
        (
            "two different lengths",
            _request(
                good_json,
                {"Content-Length": str(len(good_json)), "content-length": "5"},
            ),
            400,
        ),
        (
            "chunked",
            _request(b"5\r\nhello\r\n0\r\n\r\n", {"Transfer-Encoding": "chunked"}),
            400,
        ),
        ("over the limit, unread", _signed(ws, b"", length="3000000"), 413),
        ("unsigned bad JSON", _request(b"{nope", {"Content-Length": "5"}), 415),
        (
            "bad signature over bad JSON",
            _request(
                b"{nope",
                {
                    "Content-Type": "application/json",
                    "Content-Length": "5",
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                    "X-Slack-Signature": "v0=" + "0" * 64,
                },
            ),
            401,
        ),
        ("stale timestamp", _signed(ws, good_json, timestamp=stale), 401),
        (
            "non-numeric timestamp",
            _request(
                good_json,
                {
                    "Content-Type": "application/json",
                    "Content-Length": str(len(good_json)),
                    "X-Slack-Request-Timestamp": "soon",
                    "X-Slack-Signature": ws.slack.sign(good_json, 0),
                },
            ),
            401,
        ),
        ("signed bad JSON", _signed(ws, b'{"type": '), 400),
        ("signed JSON that is not an object", _signed(ws, b"[1, 2]"), 400),
        ("signed event without an event", _signed(ws, b'{"type":"event_callback"}'), 400),
        ("signed bad payload", _signed(ws, b"payload=%7Bnot-json", FORM), 400),
        ("signed payload without a user", _signed(ws, b"payload=%7B%22type%22%3A1%7D", FORM), 400),
        (
            "signed click without a user",
            _signed(
                ws,
                urlencode(
                    {"payload": json.dumps({"type": "block_actions", "actions": [{}]})}
                ).encode(),
                FORM,
            ),
            400,
        ),
        ("signed invalid UTF-8", _signed(ws, b'{"type":"\xff\xfe"}'), 400),
        ("signed invalid UTF-8 in a form", _signed(ws, b"command=%2Fshien&text=%FF", FORM), 400),
        ("signed form sent as JSON", _signed(ws, command, "application/json"), 400),
        (
            "signed command without a user",
            _signed(ws, b"command=%2Fshien&channel_id=C1&text=setup", FORM),
            400,
        ),
        ("unsupported content type", _signed(ws, good_json, "text/plain"), 415),
        ("POST elsewhere", _request(good_json, {"Content-Length": "5"}, path="/admin"), 404),
        ("GET the endpoint", _request(b"", {"Connection": "close"}, method="GET"), 404),
    ]


def test_malformed_requests_are_answered_not_dropped_and_leave_no_trace(
    workspace: LocalWorkspace, capfd: pytest.CaptureFixture[str]
) -> None:
    ws = workspace
    for what, raw, expected in _malformed(ws):
        status, answer, elapsed = _exchange(ws, raw)
        assert status == expected, (what, answer[:200])
        assert elapsed < 3, (what, elapsed)  # answered at once: nothing waited for or read
        assert len(answer) < 400, what  # a short answer
    ws.settle()
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err + captured.out + ws.server_log()
    assert ws.server.ephemerals(COORDINATOR) == []
    with database(ws) as uow:
        assert list(uow.channels.list()) == []
    # The bot still serves well-formed requests.
    assert "会議チャンネルに設定" in ws.command(COORDINATOR, CHANNEL, "setup")


def test_a_body_that_never_arrives_is_answered_within_the_read_timeout(
    workspace: LocalWorkspace, capfd: pytest.CaptureFixture[str]
) -> None:
    ws = workspace
    body = b'{"type":"event_callback","event":{"type":"app_mention"}}'
    raw = _signed(ws, body, length=str(len(body) + 100))  # 100 bytes promised, never sent
    status, _, elapsed = _exchange(ws, raw)
    assert status == 408 and elapsed < 3
    # A client that says nothing at all is dropped after the timeout too.
    with socket.create_connection(_address(ws), timeout=5) as connection:
        started = time.monotonic()
        assert connection.recv(100) == b""
        assert time.monotonic() - started < 3
    assert "Traceback" not in capfd.readouterr().err + ws.server_log()


def test_a_replayed_case_command_creates_one_case(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    body = urlencode(_command_fields(ws, COORDINATOR, "case new houkatsu csw")).encode()
    ts = int(time.time())
    first = ws.slack.send_raw(body, FORM, timestamp=ts)
    again = ws.slack.send_raw(body, FORM, timestamp=ts)  # the same bytes, the same signature
    assert first.status == 200
    assert again.status == 401 and b"replayed" in again.body
    ws.settle()
    with database(ws) as uow:
        assert len(uow.cases.list()) == 1
    answers = [e for e in ws.server.ephemerals(COORDINATOR) if "を登録しました" in e["text"]]
    assert len([a for a in answers if "事例" in a["text"]]) == 1


def test_a_replayed_remind_sends_one_round_of_reminders(workspace: LocalWorkspace) -> None:
    ws = workspace
    prepare_meeting(ws, "houkatsu shogai konkyu csw")
    houkatsu = member("houkatsu")
    before = len(dm_texts(ws, houkatsu))
    body = urlencode(_command_fields(ws, COORDINATOR, "remind")).encode()
    ts = int(time.time())
    assert ws.slack.send_raw(body, FORM, timestamp=ts).status == 200
    ws.wait_until(lambda: len(dm_texts(ws, houkatsu)) > before)
    assert ws.slack.send_raw(body, FORM, timestamp=ts).status == 401
    # Another process of the same database (its own engine and guard) refuses it too.
    other = Database(ws.database_url)
    try:
        signature = ws.slack.sign(body, ts)
        assert not replay_guard(other).first_sighting(signature, ts + 300)
    finally:
        other.dispose()
    ws.settle()
    assert len(dm_texts(ws, houkatsu)) == before + 1
