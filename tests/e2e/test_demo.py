"""``shienbot demo``: the README's run command on a machine without Slack — a month of
meetings whose minutes a coordinator files as they are."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document

from localslack.demo import DemoResult, run_demo

SUMMARY_FRAGMENT = "母（82）と長男（54）の二人世帯"


def _docx_text(path: Path) -> str:
    document = Document(io.BytesIO(path.read_bytes()))
    cells = (c.text for t in document.tables for r in t.rows for c in r.cells)
    headers = (p.text for s in document.sections for p in s.header.paragraphs)
    return "\n".join([*(p.text for p in document.paragraphs), *cells, *headers])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoResult, str]:
    lines: list[str] = []
    result = run_demo(tmp_path_factory.mktemp("demo") / "out", echo=lines.append)
    return result, "\n".join(lines)


def _file(result: DemoResult, name: str) -> Path:
    return next(p for p in result.files if p.name == name)


def test_the_demo_runs_a_month_of_meetings_and_writes_the_documents(
    demo: tuple[DemoResult, str],
) -> None:
    result, transcript = demo
    assert result.problems == []
    names = sorted(p.name for p in result.files)
    assert all(p.is_file() and p.stat().st_size > 0 for p in result.files)
    for day in ("2026-10-13", "2026-10-27", "2026-11-10"):
        assert f"minutes-{day}.docx" in names and f"roles-{day}.docx" in names
    assert "minutes-2026-10-13-draft.docx" in names
    assert {n.rsplit("-", 1)[-1] for n in names if n.count("-") == 4} >= {
        "houkatsu.docx",
        "csw.docx",
        "konkyu.docx",
        "kosodate.docx",
        "shogai.docx",
    }
    # The case summary lives in the database and the minutes, never in chat.
    assert SUMMARY_FRAGMENT not in transcript
    # Slack's markup is not what a person reads.
    assert "*会議*" not in transcript
    assert result.api_calls > 0


def test_the_support_meeting_is_recorded_as_it_was_held(demo: tuple[DemoResult, str]) -> None:
    result, _ = demo
    minutes = _docx_text(_file(result, "minutes-2026-10-13.docx"))
    for expected in (
        "社会福祉法第106条の6第1項（支援会議）",
        "令和8年（2026年）10月13日（火）14:00〜15:50",
        "架空市役所 本庁舎3階 第1会議室",
        "事務局　架空 花子",  # 司会
        "事務局　架空 春香",  # 記録者
        "民生委員 1名（R8-001 の経過の説明のため）",
        "架空 八重",  # absent
        "世帯の状況の共有と、支援の入口の検討",  # 検討の目的
        SUMMARY_FRAGMENT,
        "世帯収入は母の年金のみ。家賃の滞納が二か月。",  # the reply held, then released
        "母の受診と介護保険の申請を先に進める。",  # 協議内容
        "本人の欠席が週2〜3日に増え、心身の負担が大きい。",  # 緊急度の理由
        "令和8年（2026年）11月10日（火）14:00",  # 次回開催予定
        "罰則",
    ):
        assert expected in minutes, expected
    assert "（記載なし）" not in minutes and "（未記録）" not in minutes


def test_the_multilayer_meeting_stands_on_consent_without_the_statutory_penalty(
    demo: tuple[DemoResult, str],
) -> None:
    result, _ = demo
    minutes = _docx_text(_file(result, "minutes-2026-10-27.docx"))
    assert "重層的支援会議" in minutes and "本人の同意" in minutes
    assert "有　同意日：令和8年（2026年）10月1日（木）" in minutes
    assert "第106条の6" not in minutes and "罰則" not in minutes
    roles = _docx_text(_file(result, "roles-2026-10-27.docx"))
    assert "第106条の6" not in roles and "架空 四郎" in roles


def test_cases_come_back_by_their_monitoring_date_and_an_agency_is_asked(
    demo: tuple[DemoResult, str],
) -> None:
    result, transcript = demo
    assert "• R8-003: 次回モニタリング日 令和8年10月27日（火） → 令和8年（2026年）11月10日" in (
        transcript
    )
    minutes = _docx_text(_file(result, "minutes-2026-11-10.docx"))
    assert "（1）事例 R8-001（モニタリング）" in minutes
    assert "（2）事例 R8-003【緊急】（モニタリング）" in minutes
    assert "モニタリング（前回の会議で定めた次回モニタリング日：令和8年11月9日）" in minutes
    # konkyu was asked for R8-004 by `case ask`: its first reply was not recorded, its
    # second one was.
    assert "/shien case ask R8-004" in transcript
    assert "高額療養費の相談歴あり。" not in minutes
    assert "高額療養費の申請を案内済み。" in minutes
    # Each agency's extract holds its own tasks only.
    konkyu = _docx_text(_file(result, "roles-2026-11-10-konkyu.docx"))
    assert "家計改善支援と家賃の相談" in konkyu and "貸付の申請支援" in konkyu
    assert "母の介護保険サービス導入" not in konkyu
