"""The 役割分担表: per agency, its tasks across the cases; one agency's extract holds only its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from document_builders import AGENCY, STAFF, Rendered, role_summary_view, rows_of
from docx.oxml.ns import qn

from bot.services.document_views import RoleSummaryView

Render = Callable[[RoleSummaryView], Rendered]
TASK_HEADER = ("事例番号", "役割・支援内容", "担当者", "期限")
LEAD_HEADER = ("事例番号", "主担当機関", "次回モニタリング")


def _headings(rendered: Rendered) -> list[str]:
    return [p.text for p in rendered.doc.paragraphs if p.style.name == "Heading 2"]


def test_full_copy_lists_every_agency_with_its_tasks(render_roles: Render) -> None:
    rendered = render_roles(role_summary_view())
    assert _headings(rendered) == [
        AGENCY[k] for k in ("houkatsu", "csw", "konkyu", "seikatsu", "kosodate", "gakko")
    ]
    tables = rendered.tables_with_header(*TASK_HEADER)
    assert len(tables) == 6
    houkatsu = rows_of(tables[0])
    assert houkatsu == [
        [
            "R8-001",
            "【主担当】母の介護保険サービス導入",
            STAFF["houkatsu"],
            "令和9年1月8日",
        ],
        [
            "R8-003",
            "【主担当】祖母の介護サービスの見直し",
            STAFF["houkatsu"],
            "令和8年12月22日",
        ],
    ]
    csw = rows_of(tables[1])
    assert [row[0] for row in csw] == ["R8-001", "R8-002"]
    assert csw[0][1] == "長男への手紙による継続的な働きかけ（アウトリーチ）"
    assert csw[0][3] == "—"  # no due date
    assert csw[1][1] == "【主担当】本人への伴走と想いの代弁"
    assert rendered.item_value("開催日時") == ["令和8年（2026年）12月8日（火）14:00〜"]
    assert rendered.item_value("作成日") == ["令和8年（2026年）12月9日（水）"]
    assert rendered.item_value("根拠") == ["社会福祉法第106条の6第1項（支援会議）"]
    assert "役割分担表" in rendered.paragraphs
    (leads,) = rendered.tables_with_header(*LEAD_HEADER)
    assert rows_of(leads) == [
        ["R8-001", AGENCY["houkatsu"], "令和9年1月19日（火）"],
        ["R8-002", AGENCY["csw"], "令和9年2月9日（火）"],
        ["R8-003", AGENCY["houkatsu"], "令和8年12月22日（火）"],
    ]


def test_a_task_without_a_named_person_says_so(render_roles: Render) -> None:
    view = role_summary_view("csw")
    agency = view.agencies[0]
    tasks = tuple(replace(t, assignee="") for t in agency.tasks)
    rendered = render_roles(replace(view, agencies=(replace(agency, tasks=tasks),)))
    (table,) = rendered.tables_with_header(*TASK_HEADER)
    assert {row[2] for row in rows_of(table)} == {"（未定）"}


def test_agency_extract_holds_only_that_agency(render_roles: Render) -> None:
    rendered = render_roles(role_summary_view("csw"))
    assert _headings(rendered) == [AGENCY["csw"]]
    assert f"役割分担表（{AGENCY['csw']}）" in rendered.paragraphs
    # Which agency leads each of its own cases (whom to report to), nothing of the others.
    (leads,) = rendered.tables_with_header(*LEAD_HEADER)
    assert rows_of(leads) == [
        ["R8-001", AGENCY["houkatsu"], "令和9年1月19日（火）"],
        ["R8-002", AGENCY["csw"], "令和9年2月9日（火）"],
    ]
    text = rendered.text.replace(AGENCY["houkatsu"], "", 1)
    for key in ("houkatsu", "konkyu", "seikatsu", "kosodate", "gakko"):
        assert AGENCY[key] not in text
        assert STAFF[key] not in text
    for other_task in ("母の介護保険サービス導入", "生活保護の申請支援", "本人との面談を継続"):
        assert other_task not in text
    (table,) = rendered.tables_with_header(*TASK_HEADER)
    assert [row[0] for row in rows_of(table)] == ["R8-001", "R8-002"]


def test_agency_without_tasks_and_summary_without_agencies(render_roles: Render) -> None:
    rendered = render_roles(role_summary_view("hoken"))
    (table,) = rendered.tables_with_header(*TASK_HEADER)
    assert rows_of(table) == [["（なし）"] * 4]
    empty = render_roles(_no_agencies())
    assert "（役割分担なし）" in empty.paragraphs
    assert not empty.tables_with_header(*TASK_HEADER)


def _no_agencies() -> RoleSummaryView:
    return replace(role_summary_view(), agencies=())


def test_header_notice_repeated_rows_and_page(render_roles: Render) -> None:
    rendered = render_roles(role_summary_view())
    for header in rendered.header_texts():
        assert "【取扱注意】" in header and "第106条の6" in header
    for table in rendered.tables_with_header(*TASK_HEADER):
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    size = rendered.doc.sections[0]._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")
