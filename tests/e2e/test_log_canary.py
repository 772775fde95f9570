"""The log canary: a whole meeting cycle with unique strings in every field people fill in
(case summary, thread replies, form input, role tasks, decisions) must leave none of them,
and no request body, in any log record — at every level of the shipped configuration.

The shipped configuration is ``bot.log_config.configure`` (``shienbot -v`` is verbose=True).
At DEBUG, slack_sdk logs each Web API request with its body; the second test proves that it
does (the raw records carry the canaries) and that the shipped handler still writes none.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_steps import (
    INPUT_ACTION,
    ack,
    member,
    prepare_meeting,
    reacted,
    record_meeting,
    reply,
    room,
    thread_head,
)
from test_serve_cli import _free_port
from workspace_fixtures import CHANNEL, COORDINATOR

from bot import log_config
from localslack import LocalSlackServer, SlackDriver
from localslack.harness import LocalWorkspace

CANARIES = {
    "summary": "カナリア要約-7c1d",
    "reply": "canary-reply-5b2e",
    "edit": "canary-edit-0a9f",
    "held": "canary-held-31c4",
    "outsider": "canary-outsider-e6d0",
    "form": "canary-form-44af",
    "role": "カナリア役割-d2b8",
    "policy": "canary-policy-9e17",
    "notes": "カナリア決定-6f05",
    "discussion": "カナリア協議-1b3c",
    "reason": "canary-reason-8d2a",
    "place": "カナリア会場-4e71",
    "others": "canary-others-c09b",
}
# What a request body or a Web API call's body would show.
BODY_MARKERS = ("local-verification-token", "trigger_id", "response_url", "payload=", "xoxb-")


class _Everything(logging.Handler):
    """Every record that reaches the root, unfiltered."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _texts(record: logging.LogRecord) -> list[str]:
    texts = [str(record.msg), repr(record.args), record.exc_text or ""]
    try:
        texts.append(record.getMessage())
    except Exception:  # a malformed record is itself worth seeing
        texts.append("<unformattable>")
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
    return texts


def _leaks(texts: list[str]) -> set[str]:
    found = {name for name, canary in CANARIES.items() if any(canary in t for t in texts)}
    found |= {marker for marker in BODY_MARKERS if any(marker in t for t in texts)}
    return found


@pytest.fixture
def shipped_logging() -> Iterator[tuple[io.StringIO, _Everything]]:
    """The shipped verbose configuration writing to a buffer, plus a raw root handler."""
    root = logging.getLogger()
    saved_level = root.level
    saved = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    shipped = log_config.configure(verbose=True, stream=stream)
    everything = _Everything()
    root.addHandler(everything)
    try:
        yield stream, everything
    finally:
        root.removeHandler(everything)
        root.removeHandler(shipped)
        root.setLevel(saved_level)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


def _cycle(ws: LocalWorkspace) -> None:
    """A meeting cycle through the real bot, a canary in every field people fill in."""
    day, (code,) = prepare_meeting(ws, "houkatsu shogai konkyu csw", open_collection=False)
    ws.command(COORDINATOR, CHANNEL, "case new")
    view = ws.server.views(COORDINATOR)[-1]
    ws.slack.submit_view(
        COORDINATOR,
        view["id"],
        {"agencies": ["houkatsu", "csw"], "urgent": "no", "summary": CANARIES["summary"]},
    )  # fmt: skip
    ws.wait_until(lambda: any("R8-002" in str(m.get("text")) for m in ws.server.dms(COORDINATOR)))
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, "agenda add R8-002")
    assert "情報収集を開始しました" in ws.command(COORDINATOR, CHANNEL, "open")
    houkatsu, shogai, konkyu = member("houkatsu"), member("shogai"), member("konkyu")
    for user in (COORDINATOR, houkatsu, shogai, konkyu):
        ack(ws, user)
    reply(ws, konkyu, code, CANARIES["held"])
    ts = reply(ws, houkatsu, code, f"{CANARIES['reply']} 090-1234-5678")  # flagged too
    ws.wait_until(lambda: reacted(ws, ts))
    ws.slack.user_edits(room(ws), ts, CANARIES["edit"])
    ws.server.join(room(ws), "U0OUTSIDER")  # added behind the bot's back, no event
    ws.slack.user_posts(
        "U0OUTSIDER", room(ws), CANARIES["outsider"], thread_ts=thread_head(ws, code)
    )
    ws.slack.click_button(shogai, room(ws), thread_head(ws, code), INPUT_ACTION)
    form = ws.wait_until(lambda: ws.server.views(shogai))[-1]
    ws.slack.submit_view(shogai, form["id"], {"situation": CANARIES["form"]})
    role = (
        f"role {code} houkatsu {CANARIES['role']} 期限:{day.isoformat()} 主担当 担当:<@{houkatsu}>"
    )
    assert "役割を記録しました" in ws.command(COORDINATOR, CHANNEL, role)
    ws.command(COORDINATOR, CHANNEL, f"decide {code}")
    decision = ws.server.views(COORDINATOR)[-1]
    ws.slack.submit_view(
        COORDINATOR,
        decision["id"],
        {
            "policy": CANARIES["policy"],
            "outcome": "continue",
            "notes": CANARIES["notes"],
            "discussion": CANARIES["discussion"],
            "urgency": "high",
            "urgency_reason": CANARIES["reason"],
        },
    )
    ws.settle()
    record_meeting(
        ws,
        day,
        {"houkatsu": [houkatsu]},
        place=CANARIES["place"],
        others=CANARIES["others"],
        method="hybrid",
        started="14:00",
        ended="15:30",
    )
    for command in ("status", "remind", f"minutes {day}", f"roles {day}", f"audit {code}"):
        ws.command(COORDINATOR, CHANNEL, command)
    ws.command(shogai, CHANNEL, "minutes")  # refused
    ws.slack.user_deletes(room(ws), ts)
    ws.settle()


def test_no_content_in_any_record_at_the_shipped_levels(
    workspace: LocalWorkspace,
    shipped_logging: tuple[io.StringIO, _Everything],
    caplog: pytest.LogCaptureFixture,
) -> None:
    stream, everything = shipped_logging
    caplog.set_level(logging.DEBUG)
    _cycle(workspace)
    assert everything.records, "the cycle logged nothing at DEBUG: the test is not looking"
    assert any(r.levelno == logging.DEBUG for r in everything.records)
    for record in [*everything.records, *caplog.records]:
        assert not _leaks(_texts(record)), (record.name, record.levelname, _leaks(_texts(record)))
    assert not _leaks([stream.getvalue()])


def test_the_shipped_handler_writes_no_body_even_with_every_logger_at_debug(
    workspace: LocalWorkspace, shipped_logging: tuple[io.StringIO, _Everything]
) -> None:
    stream, everything = shipped_logging
    for name in [*logging.root.manager.loggerDict, *log_config.THIRD_PARTY]:
        logging.getLogger(name).setLevel(logging.DEBUG)
    _cycle(workspace)
    raw = [t for r in everything.records for t in _texts(r)]
    # slack_sdk at DEBUG does log request bodies: the raw records carry the canaries ...
    assert {"reply", "role"} <= _leaks(raw), "expected slack_sdk to log bodies at DEBUG"
    # ... and the shipped handler writes none of them.
    written = stream.getvalue()
    assert "DEBUG bot." in written or "DEBUG shienbot" in written or "DEBUG" in written
    assert not _leaks([written]), _leaks([written])


def test_serve_verbose_stderr_carries_no_content(tmp_path: Path) -> None:
    """``shienbot -v serve --http`` as an operator runs it, driven over HTTP."""
    with LocalSlackServer() as slack:
        slack.add_user(COORDINATOR, "事務局 架空花子")
        slack.add_user("U0HOUKATSU", "包括 架空一郎")
        slack.add_channel(
            CHANNEL, "kaigi-01", members=[COORDINATOR, "U0HOUKATSU", slack.bot_user_id]
        )
        port = _free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SHIEN_"))},
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "SLACK_API_URL": slack.api_url,
            "SHIEN_DATA_DIR": str(tmp_path / "data"),
            "SHIEN_COORDINATORS": COORDINATOR,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "-v", "serve", "--http", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    assert process.poll() is None
                    assert time.monotonic() < deadline, "the bot did not become ready"
                    time.sleep(0.1)
            url = f"http://127.0.0.1:{port}/slack/events"
            with SlackDriver(slack, url, slack.signing_secret) as driver:

                def run(user: str, text: str) -> str:
                    before = len(slack.ephemerals(user))
                    driver.slash_command(user, CHANNEL, "/shien", text)
                    return str(
                        driver.wait_for(lambda: slack.ephemerals(user)[before:], timeout=30)[0]
                    )

                day = _day()
                run(COORDINATOR, "setup")
                run(COORDINATOR, "agency add houkatsu 架空市中央地域包括支援センター <@U0HOUKATSU>")
                run(COORDINATOR, f"adhoc {day} 14:00")
                driver.slash_command(COORDINATOR, CHANNEL, "/shien", "case new")
                view = driver.wait_for(lambda: slack.views(COORDINATOR), timeout=30)[-1]
                driver.submit_view(
                    COORDINATOR,
                    view["id"],
                    {"agencies": ["houkatsu"], "urgent": "no",
                     "summary": CANARIES["summary"]},
                )  # fmt: skip
                driver.wait_for(lambda: slack.dms(COORDINATOR), timeout=30)
                run(COORDINATOR, "agenda add R8-001")
                run(COORDINATOR, "open")
                run("U0HOUKATSU", "ack")
                meeting_room = slack.channels_created_by_bot()[-1].id
                driver.wait_for(
                    lambda: "U0HOUKATSU" in slack.channel(meeting_room).members, timeout=30
                )
                head = next(
                    m["ts"]
                    for m in slack.messages(meeting_room)
                    if "事例 R8-001" in str(m.get("text"))
                )
                ts = driver.user_posts(
                    "U0HOUKATSU", meeting_room, CANARIES["reply"], thread_ts=head
                )
                driver.wait_for(lambda: slack.reactions(meeting_room, ts), timeout=30)
                run(COORDINATOR, f"role R8-001 houkatsu {CANARIES['role']}")
                forged = driver.slash_command(
                    COORDINATOR, CHANNEL, "/shien", CANARIES["notes"], bad_signature=True
                )
                assert forged.status == 401
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=10)
    assert "DEBUG" in stderr, "verbose mode logged nothing at DEBUG"
    assert not _leaks([stderr]), _leaks([stderr])


def _day() -> str:
    from workspace_fixtures import meeting_day

    return meeting_day().isoformat()
