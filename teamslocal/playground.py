"""Microsoft 365 Agents Playground (npm ``@microsoft/m365agentsplayground``), headless.

Started with ``TEAMSAPPTESTER_BROWSER=none``, ``--disable-telemetry`` and
``--enable-events-recording`` in a folder holding the 架空市 ``.m365agentsplayground.yml``.
What it offers, found by reading its installed JavaScript (version 0.2.x):

- ``POST /_conversation/v1/conversations/{id}/messages`` — the current user types a message
  (``{"from": {"id"}, "text", "textFormat", "mentions": [{"mentioned": {"id"}, "text"}]}``);
  the playground builds the activity (mention entities included) and sends it to the bot;
- ``POST /_internal/v1/customActivities?conversationId=…`` — any activity, from anyone,
  forwarded to the bot as it is (the answer is not waited for);
- ``/_connector/v3/…`` — the connector the bot calls (create conversation, send, update,
  rosters); ``DELETE`` of an activity answers 501;
- the events recording (``M365_AGENTS_PLAYGROUND_RECORDING_FILE``): every request the bot
  made, with its body and the answer, as JSON objects separated by ``---`` lines.

Not implemented there, and so done by :mod:`teamslocal.connector`: the OneDrive upload
session of an accepted FileConsentCard, deleting messages, dialogs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from teamslocal.connector import Recorded
from teamslocal.roster import write_playground_config

PACKAGE = "@microsoft/m365agentsplayground"
ROOT = Path(__file__).resolve().parents[1]
# Where .ci/run installs it: npm install --prefix .teamslocal (the repository's own folder).
LOCAL_INSTALL = (
    ROOT / ".teamslocal" / "node_modules" / "@microsoft" / "m365agentsplayground" / "cli.js"
)


def find_playground() -> tuple[str, Path] | None:
    """``(node, cli.js)``, or None when Node or the package is missing."""
    node = shutil.which("node")
    configured = os.environ.get("TEAMSLOCAL_PLAYGROUND")
    cli = Path(configured) if configured else LOCAL_INSTALL
    if node is None or not cli.is_file():
        return None
    return node, cli


def missing_reason() -> str:
    if shutil.which("node") is None:
        return "Node.js is not installed (the Agents Playground runs on Node)"
    return (
        f"{PACKAGE} is not installed: npm install --prefix .teamslocal {PACKAGE} "
        "(.ci/run does this), or set TEAMSLOCAL_PLAYGROUND to its cli.js"
    )


class Playground:
    """One playground process on ``port``, calling the bot at ``bot_endpoint``."""

    def __init__(self, folder: Path, port: int, bot_endpoint: str) -> None:
        found = find_playground()
        if found is None:
            raise RuntimeError(missing_reason())
        self.node, self.cli = found
        self.folder = folder
        self.port = port
        self.bot_endpoint = bot_endpoint
        self.recording = folder / "recording.log"
        self.log = folder / "playground.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._client = httpx.Client(base_url=self.base_url, timeout=15)

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def service_url(self) -> str:
        return f"{self.base_url}/_connector"

    def start(self) -> Playground:
        write_playground_config(self.folder)
        env = {
            **os.environ,
            "TEAMSAPPTESTER_BROWSER": "none",
            "M365_AGENTS_PLAYGROUND_RECORDING_FILE": str(self.recording),
        }
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [
                    self.node,
                    str(self.cli),
                    "start",
                    "--app-endpoint",
                    self.bot_endpoint,
                    "--channel-id",
                    "msteams",
                    "--port",
                    str(self.port),
                    "--disable-telemetry",
                    "--enable-events-recording",
                ],
                cwd=self.folder,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    "the playground stopped: " + self.log.read_text(errors="replace")[-2000:]
                )
            try:
                if self._client.get("/_internal/v1/testConfig").status_code < 500:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the playground did not start within 60 s")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._client.close()

    # ------------------------------------------------------------------ the client routes

    def type_message(
        self, conversation_id: str, user_teams_id: str, text: str, mentions: list[dict[str, Any]]
    ) -> None:
        """The current user types ``text`` (mentions as ``<at>name</at>`` in it)."""
        body: dict[str, Any] = {"from": {"id": user_teams_id}, "text": text, "textFormat": "xml"}
        if mentions:
            body["mentions"] = mentions
        response = self._client.post(
            f"/_conversation/v1/conversations/{quote(conversation_id, safe='')}/messages", json=body
        )
        response.raise_for_status()

    def custom_activity(self, conversation_id: str, activity: dict[str, Any]) -> None:
        response = self._client.post(
            "/_internal/v1/customActivities",
            params={"conversationId": conversation_id},
            json=activity,
        )
        response.raise_for_status()

    # ------------------------------------------------------------------ the recording

    def recorded(self) -> list[Recorded]:
        """Every call the bot made to the playground's connector, in order."""
        if not self.recording.exists():
            return []
        found: list[Recorded] = []
        for chunk in self.recording.read_text(encoding="utf-8").split("\n---"):
            chunk = chunk.strip().strip("-").strip()
            if not chunk:
                continue
            try:
                entry = json.loads(chunk)
            except json.JSONDecodeError:
                continue  # being written
            if not str(entry.get("direction", "")).startswith("User Application"):
                continue
            request = entry.get("request") or {}
            response = entry.get("response") or {}
            url = str(request.get("url") or "")
            method = str(request.get("method") or "")
            body = request.get("body") or {}
            answer = response.get("body") or {}
            parts = url.split("?")[0].split("/")
            if url.rstrip("/").endswith("/v3/conversations") and method == "POST":
                found.append(Recorded("POST", "", "", {"created": answer.get("id"), **body}))
            elif "activities" in parts:
                at = parts.index("activities")
                conversation = _unquote(parts[at - 1])
                activity_id = parts[at + 1] if len(parts) > at + 1 else str(answer.get("id") or "")
                found.append(Recorded(method, conversation, activity_id, body))
        return found


def _unquote(text: str) -> str:
    from urllib.parse import unquote

    return unquote(text)
