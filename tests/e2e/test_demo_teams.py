"""``shienbot demo --platform teams`` on our own connector (no Node needed): the cycle runs,
the documents are written private, and the channel never saw a case code."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from docx import Document

from bot.cli import configure_logging
from teamslocal.cycle import INPUTS
from teamslocal.demo import run_teams_demo


def test_the_teams_demo_runs_the_cycle_and_writes_the_documents(
    tmp_path: Path, capsys: object
) -> None:
    result = run_teams_demo(tmp_path / "out", use_playground=False)
    assert not result.leaked and result.outside_personal > 0
    assert [p.name for p in result.files] == [
        "minutes-2026-12-08-draft.docx",
        "minutes-2026-12-08.docx",
        "roles-2026-12-08.docx",
    ]
    for path in result.files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        Document(str(path))  # opens as Word


def test_no_log_record_of_a_teams_cycle_carries_case_content(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """With the shipped logging configuration (third-party loggers pinned at WARNING, ours at
    DEBUG), nothing a member typed reaches a log record."""
    configure_logging(verbose=True)
    caplog.set_level(logging.DEBUG, logger="bot")
    run_teams_demo(tmp_path / "out", use_playground=False)
    typed = [
        part for answers in INPUTS.values() for parts in answers.values() for part in parts if part
    ]
    for record in caplog.records:
        line = record.getMessage()
        assert not any(text in line for text in typed), record.name
