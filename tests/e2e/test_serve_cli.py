"""``shienbot serve`` as an operator runs it: a real process against the local workspace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from localslack import LocalSlackServer, SlackDriver

COORDINATOR = "U0JIMU"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def slack() -> Iterator[LocalSlackServer]:
    with LocalSlackServer() as server:
        server.add_user(COORDINATOR, "事務局 架空花子")
        server.add_channel("C0KAIGI01", "kaigi-01", members=[COORDINATOR, server.bot_user_id])
        yield server


def _env(slack: LocalSlackServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "SHIEN_", "DATABASE_URL"))
    }
    return {
        **base,
        "SLACK_BOT_TOKEN": slack.bot_token,
        "SLACK_API_URL": slack.api_url,
        "SHIEN_DATA_DIR": str(tmp_path / "data"),
        "SHIEN_COORDINATORS": COORDINATOR,
        **extra,
    }


def test_http_mode_serves_healthz_and_signed_commands(
    slack: LocalSlackServer, tmp_path: Path
) -> None:
    port = _free_port()
    env = _env(slack, tmp_path, SLACK_SIGNING_SECRET=slack.signing_secret)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http", "--port", str(port)],
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
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the bot did not become ready"
                time.sleep(0.1)
        with SlackDriver(
            slack, f"http://127.0.0.1:{port}/slack/events", slack.signing_secret
        ) as driver:
            response = driver.slash_command(COORDINATOR, "C0KAIGI01", "/shien", "help")
            assert response.status == 200
            answer = driver.wait_for(lambda: slack.ephemerals(COORDINATOR), timeout=30)
            assert "/shien adhoc" in answer[-1]["text"]
            forged = driver.slash_command(
                COORDINATOR, "C0KAIGI01", "/shien", "help", bad_signature=True
            )
            assert forged.status == 401
        # The empty database was migrated on start, in the data directory.
        assert (tmp_path / "data" / "shienbot.sqlite3").is_file()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert "help" not in stderr  # no request content in the logs


def test_socket_mode_is_chosen_with_an_app_token_and_uses_the_api_url(
    slack: LocalSlackServer, tmp_path: Path
) -> None:
    env = _env(slack, tmp_path, SLACK_APP_TOKEN="xapp-local-test")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # The local workspace has no Socket Mode: the attempt reaches it and fails cleanly.
    assert result.returncode == 1
    assert "Slack との接続に失敗しました" in result.stderr
    assert "Traceback" not in result.stderr
    assert slack.api_call_count("apps.connections.open") >= 1


def test_http_mode_without_a_signing_secret_is_refused(
    slack: LocalSlackServer, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve", "--http"],
        env=_env(slack, tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("設定エラー: SLACK_SIGNING_SECRET")
