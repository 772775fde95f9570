"""``shienbot demo``: the README's run command on a machine without Slack."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document

from localslack.demo import run_demo

SUMMARY_FRAGMENT = "母（82）と長男（54）の二人世帯"


def _docx_text(path: Path) -> str:
    document = Document(io.BytesIO(path.read_bytes()))
    cells = (c.text for t in document.tables for r in t.rows for c in r.cells)
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def test_the_demo_runs_a_whole_cycle_and_writes_the_documents(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "out", echo=lines.append)
    transcript = "\n".join(lines)

    assert result.problems == []
    names = sorted(p.name for p in result.files)
    assert all(p.is_file() and p.stat().st_size > 0 for p in result.files)
    assert any(n.startswith("minutes-") and n.endswith("-draft.docx") for n in names)
    assert {n.rsplit("-", 1)[-1] for n in names if n.count("-") == 4} >= {
        "houkatsu.docx",
        "csw.docx",
        "konkyu.docx",
        "kosodate.docx",
    }

    minutes = _docx_text(next(p for p in result.files if p.name.startswith("minutes-")))
    for code in ("R8-001", "R8-002", "R8-003"):
        assert code in minutes
    assert (
        "世帯収入は母の年金のみ。家賃の滞納が二か月。" in minutes
    )  # the reply held, then released
    assert SUMMARY_FRAGMENT in minutes
    # The case summary lives in the database and the minutes, never in chat.
    assert SUMMARY_FRAGMENT not in transcript
    # Each agency's extract holds its own tasks only.
    konkyu = _docx_text(next(p for p in result.files if p.name.endswith("-konkyu.docx")))
    assert "家計改善支援と家賃の相談" in konkyu
    assert "母の介護保険サービス導入" not in konkyu
    assert "（依頼先外からの補足）" not in minutes
    assert result.api_calls > 0
