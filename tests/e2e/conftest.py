"""Fixtures of the end-to-end tests: the real bot over HTTP against a local Slack workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, NAMES

from bot.chat.local_workspace.harness import LocalWorkspace


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[LocalWorkspace]:
    with LocalWorkspace(f"sqlite:///{tmp_path / 'e2e.sqlite3'}", coordinators=(COORDINATOR,)) as ws:
        for user_id, name in NAMES.items():
            ws.server.add_user(user_id, name)
        members = [COORDINATOR, *(u for u, _ in MEMBERS.values()), ws.server.bot_user_id]
        ws.server.add_channel(CHANNEL, "kaigi-01", is_private=True, members=members)
        yield ws
