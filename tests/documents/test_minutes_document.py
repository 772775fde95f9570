"""The 議事録: every required item is in the rendered document, read back with python-docx."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import pytest
from document_builders import (
    AGENCY,
    INPUTS_A,
    INPUTS_D,
    ROLES_A,
    ROLES_D,
    STAFF,
    Rendered,
    case_a,
    case_b,
    case_d,
    minutes_view,
    multilayer_minutes_view,
    rows_of,
)
from docx.oxml.ns import qn

from bot.documents.samples import sample_minutes_view
from bot.services.document_views import MinutesView

Render = Callable[[MinutesView], Rendered]
ROLE_HEADER = ("機関", "担当者", "役割・支援内容", "期限")
INPUT_HEADER = ("機関", "情報")


@pytest.fixture
def minutes(render_minutes: Render) -> Rendered:
    return render_minutes(minutes_view())


def test_every_page_header_carries_the_handling_mark_and_the_secrecy_notice(
    minutes: Rendered,
) -> None:
    headers = minutes.header_texts()
    assert headers
    for header in headers:
        assert "【取扱注意】" in header
        assert "第106条の6第5項" in header and "罰則" in header
    # No different first page: the first page shows the same header.
    for section in minutes.doc.sections:
        assert not section.different_first_page_header_footer


def test_draft_mark_follows_the_draft_flag(render_minutes: Render) -> None:
    draft = render_minutes(minutes_view(draft=True))
    assert "案" in draft.header_texts()[0]
    assert "議事録（案）" in draft.text
    final = render_minutes(minutes_view(draft=False))
    assert "案" not in final.header_texts()[0]
    assert "（案）" not in final.text


def test_meeting_items(minutes: Rendered) -> None:
    assert minutes.item_value("会議名") == ["架空市支援会議（定例）"]
    assert minutes.item_value("種別") == ["支援会議"]
    assert minutes.item_value("根拠") == ["社会福祉法第106条の6第1項（支援会議）"]
    assert minutes.item_value("開催日時") == ["令和8年（2026年）12月8日（火）14:00〜15:35"]
    assert minutes.item_value("場所") == ["架空市役所 本庁舎3階 第1会議室"]
    assert minutes.item_value("方法") == ["併用（対面・オンライン）"]
    assert minutes.item_value("司会") == ["事務局　井上"]
    assert minutes.item_value("記録者") == ["事務局　木村"]
    assert minutes.item_value("次回開催予定") == ["令和9年（2027年）1月12日（火）14:00"]
    assert minutes.item_value("作成者") == ["事務局 井上"]
    assert minutes.item_value("作成日") == ["令和8年（2026年）12月9日（水）"]


def test_before_the_record_is_saved_its_items_say_so(render_minutes: Render) -> None:
    rendered = render_minutes(
        minutes_view(
            recorded=False,
            ends_at=None,
            place="",
            method="",
            chair="",
            recorder="",
            attendees=(),
            absentees=(),
            others_present="",
        )
    )
    for item in ("場所", "方法", "司会", "記録者"):
        assert rendered.item_value(item) == ["（未記録）"], item
    assert rendered.item_value("開催日時") == ["令和8年（2026年）12月8日（火）14:00〜"]
    attendees, absentees = rendered.tables_with_header("機関", "氏名")
    assert rows_of(attendees) == [["（未記録）"] * 2]
    assert rows_of(absentees) == [["（なし）"] * 2]


def test_the_approval_boxes_head_the_first_page(minutes: Rendered) -> None:
    """決裁欄: one labelled box per approver, before the title (labels editable in Word)."""
    first = minutes.doc.tables[0]
    assert [c.text for c in first.rows[0].cells] == ["決裁", "課長", "課長補佐", "係長", "担当"]
    assert [c.text for c in first.rows[1].cells][1:] == ["", "", "", ""]
    body = minutes.doc.element.body
    assert body.index(first._tbl) < body.index(minutes.doc.paragraphs[0]._p)
    assert minutes.doc.paragraphs[0].text == "架空市支援会議（定例）　議事録（案）"


def test_attendees_absentees_and_secrecy_confirmations(minutes: Rendered) -> None:
    attendees, absentees = minutes.tables_with_header("機関", "氏名")
    rows = rows_of(attendees)
    assert rows[0] == ["事務局", "井上、木村"]
    assert [AGENCY["houkatsu"], STAFF["houkatsu"]] in rows
    assert rows[-1] == ["その他", "民生委員 1名"]
    assert rows_of(absentees) == [
        [AGENCY["hoken"], "（機関として欠席）"],
        [AGENCY["gakko"], "斎藤"],
    ]
    (confirmations,) = minutes.tables_with_header("氏名", "機関", "確認日時", "版")
    assert [
        STAFF["houkatsu"],
        AGENCY["houkatsu"],
        "令和8年12月8日（火）13:30",
        "2026.2",
    ] in rows_of(confirmations)
    assert "守秘義務の確認（社会福祉法第106条の6第5項）" in minutes.paragraphs
    assert any("会議の内容と資料は非公開です" in p for p in minutes.paragraphs)
    # The rule of the chat belongs to the chat, not to the filed record.
    assert "チャット" not in minutes.text


def test_case_items(minutes: Rendered) -> None:
    assert minutes.item_value("事例番号") == ["R8-001", "R8-003"]
    # A 支援会議 needs no consent: the minutes do not ask for it.
    assert minutes.item_value("本人同意") == []
    purposes = minutes.item_value("検討の目的")
    assert purposes[0] == case_a().purpose
    assert minutes.item_value("状況と問題点")[0] == case_a().situation  # newline kept
    assert minutes.item_value("協議内容") == [case_a().discussion, case_d().discussion]
    assert minutes.item_value("緊急度") == ["中", "高"]
    assert minutes.item_value("緊急度の理由")[1] == "生徒の欠席が増え、心身の負担が大きい。"
    assert minutes.item_value("支援方針")[1] == case_d().support_policy
    assert minutes.item_value("主担当機関") == [AGENCY["houkatsu"], AGENCY["houkatsu"]]
    assert minutes.item_value("次回モニタリング") == [
        "令和9年（2027年）1月19日（火）",
        "令和8年（2026年）12月22日（火）",
    ]
    assert minutes.item_value("結果") == ["継続", "継続"]
    assert minutes.item_value("決定事項")[1] == "2週間以内に介護サービスの見直しを行う。"
    # R8-003 came back by its monitoring date, and is urgent.
    assert "（2）事例 R8-003【緊急】（モニタリング）" in minutes.paragraphs
    assert "（1）事例 R8-001" in minutes.paragraphs
    assert "２　検討事例（2件）" in minutes.paragraphs


def test_an_unassessed_case_says_so(render_minutes: Render) -> None:
    rendered = render_minutes(minutes_view(case_a(urgency_label="", urgency_reason="")))
    assert rendered.item_value("緊急度") == ["（未評価）"]
    assert rendered.item_value("緊急度の理由") == ["（記載なし）"]


def test_a_multilayer_meeting_shows_consent_and_never_the_statutory_penalty(
    render_minutes: Render,
) -> None:
    """重層的支援会議 (default): information shared on consent, the members' duty under the
    要綱 — no citation of 社会福祉法第106条の6 or its penalty, on any page."""
    rendered = render_minutes(multilayer_minutes_view())
    everything = "\n".join([rendered.text, *rendered.header_texts()])
    assert "第106条の6" not in everything and "罰則" not in everything
    assert rendered.item_value("種別") == ["重層的支援会議"]
    assert rendered.item_value("根拠") == [
        "重層的支援体制整備事業実施要綱（本人の同意に基づく情報共有）"
    ]
    assert rendered.item_value("本人同意") == ["有　同意日：令和8年（2026年）11月20日（金）"]
    assert rendered.item_value("検討の目的")[0].startswith("プラン策定時\n")
    assert "守秘義務の確認（重層的支援会議）" in rendered.paragraphs
    for header in rendered.header_texts():
        assert "本人の同意" in header and "要綱" in header


def test_a_municipality_whose_yoko_applies_article_106_6_shows_it(render_minutes: Render) -> None:
    rendered = render_minutes(multilayer_minutes_view(statutory=True))
    for header in rendered.header_texts():
        assert "第106条の6第5項" in header and "罰則" in header
    assert rendered.item_value("根拠") == ["重層的支援体制整備事業実施要綱・社会福祉法第106条の6"]
    assert rendered.item_value("本人同意") == ["有　同意日：令和8年（2026年）11月20日（金）"]


def test_agency_inputs_in_order_per_case(minutes: Rendered) -> None:
    tables = minutes.tables_with_header(*INPUT_HEADER)
    assert len(tables) == 2
    for table, inputs in zip(tables, (INPUTS_A, INPUTS_D), strict=True):
        rows = rows_of(table)
        assert [row[1] for row in rows] == list(inputs.values())
        # The agency, and below it (a second paragraph in the cell) who wrote it.
        assert [row[0] for row in rows] == [f"{AGENCY[key]}\n（{STAFF[key]}）" for key in inputs]


def test_several_inputs_of_one_agency_are_grouped(render_minutes: Render) -> None:
    base = case_a()
    extra = base.inputs[0].__class__(
        agency_name=AGENCY["houkatsu"],
        author=STAFF["houkatsu"],
        text="追記：ケアマネジャーが決まった。",
        received_at=base.inputs[-1].received_at,
    )
    rendered = render_minutes(minutes_view(case_a(inputs=(*base.inputs, extra))))
    (table,) = rendered.tables_with_header(*INPUT_HEADER)
    rows = rows_of(table)
    assert len(rows) == 4
    assert rows[0][1] == INPUTS_A["houkatsu"] + "\n追記：ケアマネジャーが決まった。"


def test_role_tables_with_lead_mark_assignee_and_due_dates(minutes: Rendered) -> None:
    tables = minutes.tables_with_header(*ROLE_HEADER)
    assert len(tables) == 2
    for table, roles in zip(tables, (ROLES_A, ROLES_D), strict=True):
        rows = rows_of(table)
        assert len(rows) == len(roles)
        for row, (key, task, _due, lead) in zip(rows, roles, strict=True):
            expected_agency = AGENCY[key] + ("（主担当）" if lead else "")
            assert row[:3] == [expected_agency, STAFF[key], task]
    first = rows_of(tables[0])
    assert first[0][3] == "令和9年1月8日"
    assert first[1][3] == "—"


def test_a_role_without_a_named_person_says_so(render_minutes: Render) -> None:
    nobody = case_a(roles=tuple(replace(r, assignee="") for r in case_a().roles))
    (table,) = render_minutes(minutes_view(nobody)).tables_with_header(*ROLE_HEADER)
    assert {row[1] for row in rows_of(table)} == {"（未定）"}


def test_role_and_input_tables_repeat_their_header_row(minutes: Rendered) -> None:
    tables = minutes.tables_with_header(*ROLE_HEADER) + minutes.tables_with_header(*INPUT_HEADER)
    for table in tables:
        header = table.rows[0]._tr
        assert header.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
        # Data rows are not headers.
        for row in table.rows[1:]:
            trpr = row._tr.find(qn("w:trPr"))
            assert trpr is None or trpr.find(qn("w:tblHeader")) is None


def test_tables_have_fixed_layout_so_long_text_wraps(minutes: Rendered) -> None:
    for table in minutes.tables_with_header(*ROLE_HEADER):
        layout = table._tbl.tblPr.find(qn("w:tblLayout"))
        assert layout is not None and layout.get(qn("w:type")) == "fixed"


def test_case_without_roles_or_inputs_shows_none(render_minutes: Render) -> None:
    empty = case_d(inputs=(), roles=(), lead_agency_name="", next_monitoring_on=None)
    rendered = render_minutes(minutes_view(empty))
    (roles,) = rendered.tables_with_header(*ROLE_HEADER)
    assert rows_of(roles) == [["（なし）"] * 4]  # one merged cell spanning the row
    (inputs,) = rendered.tables_with_header(*INPUT_HEADER)
    assert rows_of(inputs) == [["（なし）"] * 2]
    assert rendered.item_value("主担当機関") == ["（未定）"]
    assert rendered.item_value("次回モニタリング") == ["（未定）"]


def test_meeting_without_cases(render_minutes: Render) -> None:
    rendered = render_minutes(
        minutes_view(cases=(), attendees=(), absentees=(), others_present="", acknowledgements=())
    )
    assert "（検討事例なし）" in rendered.paragraphs
    assert "２　検討事例（0件）" in rendered.paragraphs
    attendees, absentees = rendered.tables_with_header("機関", "氏名")
    assert rows_of(attendees) == [["（未記録）"] * 2]
    assert rows_of(absentees) == [["（なし）"] * 2]


def test_a4_portrait_with_margins(minutes: Rendered) -> None:
    for section in minutes.doc.sections:
        size = section._sectPr.find(qn("w:pgSz"))
        assert size.get(qn("w:w")) == "11906"
        assert size.get(qn("w:h")) == "16838"
        assert size.get(qn("w:orient")) in (None, "portrait")
        assert 15 <= section.left_margin.mm <= 30
        assert 15 <= section.top_margin.mm <= 30


def test_styles_set_japanese_fonts_without_theme_fonts(minutes: Rendered) -> None:
    styles = minutes.doc.styles.element
    default = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = default.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "ＭＳ 明朝"
    assert default.find(qn("w:lang")).get(qn("w:eastAsia")) == "ja-JP"
    for element in styles.iter(qn("w:rFonts")):
        assert element.get(qn("w:eastAsia")), "every style names its Japanese font"
        for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            assert element.get(qn(theme)) is None
    heading = minutes.doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts"))
    assert heading.get(qn("w:eastAsia")) == "ＭＳ ゴシック"


def test_footer_has_page_and_page_count_fields(minutes: Rendered) -> None:
    footer = minutes.doc.sections[0].footer._element
    instructions = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert "".join(p.text for p in minutes.doc.sections[0].footer.paragraphs) == "- 1 / 1 -"


def test_the_output_is_a_fresh_document_each_time(render_minutes: Render) -> None:
    first = render_minutes(minutes_view(case_a()))
    second = render_minutes(minutes_view(case_b()))
    assert "R8-001" in first.text and "R8-002" not in first.text
    assert "R8-002" in second.text and "R8-001" not in second.text


def test_fifty_cases_render_quickly(render_minutes: Render) -> None:
    view = sample_minutes_view(50, inputs=8, roles=3)
    render_minutes(view)  # warm the template cache
    started = time.perf_counter()
    rendered = render_minutes(view)
    elapsed = time.perf_counter() - started
    assert len(rendered.item_value("事例番号")) == 50
    assert elapsed < 3.0  # the goal is < 1 s; a loose bound keeps a loaded CI machine green
