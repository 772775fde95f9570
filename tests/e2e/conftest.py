"""Fixtures of the end-to-end tests: the real bot over HTTP against a local Slack workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, NAMES

from bot.documents import DocxRenderer
from localslack.harness import LocalWorkspace
from storage.audit_chain import verify_audit_trail


@pytest.fixture(scope="session")
def renderer() -> DocxRenderer:
    """Start-up checks the templates by rendering samples (~0.4 s); once per run is enough
    for the e2e tests, which all use the shipped templates."""
    shared = DocxRenderer()
    shared.validate_templates()
    return shared


@pytest.fixture
def workspace(
    tmp_path: Path, renderer: DocxRenderer, request: pytest.FixtureRequest
) -> Iterator[LocalWorkspace]:
    """The bot in this process; a module that sets ``PRODUCTION_SERVER = True`` gets it as
    ``shienbot serve --http`` in its own process, on gunicorn (``READ_TIMEOUT`` sets its
    read timeout, ``WORKERS`` its worker processes)."""
    database = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    production = bool(getattr(request.module, "PRODUCTION_SERVER", False))
    with LocalWorkspace(
        database,
        coordinators=(COORDINATOR,),
        renderer=renderer,
        production=production,
        read_timeout=getattr(request.module, "READ_TIMEOUT", None),
        workers=getattr(request.module, "WORKERS", 2),
    ) as ws:
        for user_id, name in NAMES.items():
            ws.server.add_user(user_id, name)
        members = [COORDINATOR, *(u for u, _ in MEMBERS.values()), ws.server.bot_user_id]
        ws.server.add_channel(CHANNEL, "kaigi-01", is_private=True, members=members)
        yield ws
        ws.settle()
        # Whatever real Slack would have shown as an error (slow acks, bad answers) fails the test.
        assert not ws.server.problems, ws.server.problems
        # Every cycle leaves an audit trail whose hash chain verifies (as `audit --verify`).
        report = verify_audit_trail(ws.database.engine)
        assert report.ok and report.count > 0, report.problem
