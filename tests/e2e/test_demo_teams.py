"""``shienbot demo --platform teams`` on our own connector (no Node needed): the cycle runs,
the documents are written private, and the channel never saw a case code."""

from __future__ import annotations

import stat
from pathlib import Path

from docx import Document

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
