"""Fixtures for the documents tests (builders live in document_builders.py)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from document_builders import Rendered

from bot.documents import DocxRenderer, default_templates_dir
from bot.services.document_views import MinutesView, RoleSummaryView


@pytest.fixture(scope="session")
def renderer() -> DocxRenderer:
    return DocxRenderer()


@pytest.fixture
def render_minutes(renderer: DocxRenderer) -> Callable[[MinutesView], Rendered]:
    return lambda view: Rendered(renderer.render_minutes(view))


@pytest.fixture
def render_roles(renderer: DocxRenderer) -> Callable[[RoleSummaryView], Rendered]:
    return lambda view: Rendered(renderer.render_role_summary(view))


@pytest.fixture
def templates_copy(tmp_path: Path) -> Path:
    """A municipality's folder: a copy of the shipped templates it may edit."""
    target = tmp_path / "templates"
    target.mkdir()
    for name in ("minutes.docx", "role_summary.docx"):
        shutil.copy(default_templates_dir() / name, target / name)
    return target
