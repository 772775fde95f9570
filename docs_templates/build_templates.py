"""Build the Word templates for the minutes (議事録) and the role-assignment summary (役割分担表).

Run from the repository root::

    .venv/bin/python docs_templates/build_templates.py           # (re)write the templates
    .venv/bin/python docs_templates/build_templates.py --check   # exit 1 if they are stale
    .venv/bin/python docs_templates/build_templates.py --out DIR # write elsewhere

The templates are ordinary ``.docx`` files containing docxtpl (Jinja2) tags such as
``{{ meeting_name }}`` and ``{%tr for r in case.roles %}``; a municipality may open and edit
them in Word (see README.md in this folder for every placeholder). The output is
byte-for-byte reproducible, so the committed files only change when this script does.

Typography: A4 portrait, 10.5pt ＭＳ 明朝 body and ＭＳ ゴシック headings, set explicitly on
every style (``w:ascii``/``w:hAnsi``/``w:eastAsia``/``w:cs``) with the theme-font attributes
removed, and the language set to ja-JP. Word on Windows and Mac ships these fonts;
LibreOffice substitutes them with IPAex明朝/IPAexゴシック (or Noto CJK) where they are absent.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor, Twips

HERE = Path(__file__).resolve().parent
MINUTES = "minutes.docx"
ROLE_SUMMARY = "role_summary.docx"

MINCHO = "ＭＳ 明朝"
GOTHIC = "ＭＳ ゴシック"
# English names Word and LibreOffice also know these fonts by (w:altName in the font table).
ALT_NAMES = {MINCHO: "MS Mincho", GOTHIC: "MS Gothic"}

# A4 portrait in twentieths of a point, and the printable width left by 20 mm side margins.
A4_WIDTH = Twips(11906)
A4_HEIGHT = Twips(16838)
TEXT_WIDTH_MM = 170

TABLE_TEXT = "Table Text"  # paragraph style of every table cell (10pt)
HEADER_FILL = "D9D9D9"  # table header rows
LABEL_FILL = "F2F2F2"  # label column of the item/value tables
# A fixed timestamp for the zip entries, so that a rebuild gives identical bytes.
ZIP_DATE = (2026, 1, 1, 0, 0, 0)

Doc = Any  # python-docx objects are untyped


# --------------------------------------------------------------------------- styles


def _rfonts(rpr: Any, font: str) -> None:
    """Set every script's font on an ``w:rPr`` and drop theme-font attributes."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)
    rfonts.set(qn("w:hint"), "eastAsia")


def _set_child(parent: Any, tag: str, **attrs: str) -> Any:
    element = parent.find(qn(tag))
    if element is None:
        element = OxmlElement(tag)
        parent.append(element)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _setup_styles(doc: Doc) -> None:
    styles = doc.styles
    root = styles.element
    # Document defaults: 10.5pt 明朝, Japanese language, single spacing, no space after.
    defaults = root.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr, MINCHO)
    _set_child(rpr, "w:sz", val="21")
    _set_child(rpr, "w:szCs", val="21")
    _set_child(rpr, "w:lang", val="en-US", eastAsia="ja-JP", bidi="ar-SA")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = _set_child(ppr, "w:spacing", after="0", line="276", lineRule="auto")
    spacing.attrib.pop(qn("w:before"), None)

    # Every style that names fonts gets explicit Japanese fonts instead of theme fonts.
    for rfonts in root.iter(qn("w:rFonts")):
        gothic = _style_is_heading(rfonts)
        _rfonts(rfonts.getparent(), GOTHIC if gothic else MINCHO)
    # Theme colours (blue headings) do not belong in an official record.
    for color in list(root.iter(qn("w:color"))):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)
        color.set(qn("w:val"), "000000")

    normal = styles["Normal"]
    normal.font.size = Pt(10.5)
    title = styles["Title"]
    _plain_heading(title, size=16, before=0, after=6)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _drop_borders(title)
    _plain_heading(styles["Heading 1"], size=12, before=12, after=4)
    _plain_heading(styles["Heading 2"], size=11, before=10, after=3)
    _plain_heading(styles["Heading 3"], size=10.5, before=6, after=2)
    for name in ("Header", "Footer"):
        styles[name].font.size = Pt(8)
        # The built-in centre and right tab stops are laid out for US Letter: the header's
        # one tab (to the 案 mark) must reach the right margin of A4.
        styles[name].paragraph_format.tab_stops.clear_all()
    cell_text = styles.add_style(TABLE_TEXT, WD_STYLE_TYPE.PARAGRAPH)
    cell_text.base_style = normal
    cell_text.font.size = Pt(10)
    cell_text.quick_style = True


def _style_is_heading(rfonts: Any) -> bool:
    style = rfonts.getparent()
    while style is not None and style.tag != qn("w:style"):
        style = style.getparent()
    if style is None:
        return False
    style_id = style.get(qn("w:styleId")) or ""
    return style_id.startswith(("Heading", "Title", "Subtitle"))


def _plain_heading(style: Any, *, size: float, before: float, after: float) -> None:
    font = style.font
    font.size = Pt(size)
    font.bold = True
    font.italic = False
    font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    _rfonts(rpr, GOTHIC)
    for tag in ("w:spacing", "w:kern"):  # Title's letter spacing
        element = rpr.find(qn(tag))
        if element is not None:
            rpr.remove(element)
    fmt = style.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = True


def _drop_borders(style: Any) -> None:
    ppr = style.element.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is not None:
        ppr.remove(borders)


def _setup_font_table(doc: Doc) -> None:
    """Declare the Japanese fonts (charset, pitch, English alternative name)."""
    font_table = None
    for rel in doc.part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            font_table = rel.target_part
    if font_table is None:
        return
    from lxml import etree

    root = etree.fromstring(font_table.blob)
    for name, family in ((MINCHO, "roman"), (GOTHIC, "modern")):
        for existing in root.findall(qn("w:font")):
            if existing.get(qn("w:name")) == name:
                root.remove(existing)
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (
            ("w:altName", ALT_NAMES[name]),
            ("w:panose1", "02020609040205080304" if family == "roman" else "020B0609070205080204"),
            ("w:charset", "80"),
            ("w:family", family),
            ("w:pitch", "fixed"),
        ):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _setup_settings(doc: Doc) -> None:
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:val"), "ja-JP")
    # Fields (page numbers) are refreshed when the document opens.
    _set_child(settings, "w:updateFields", val="true")


def _remove_thumbnail(doc: Doc) -> None:
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def _setup_page(doc: Doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = A4_WIDTH
    section.page_height = A4_HEIGHT
    section.top_margin = Mm(25)
    section.bottom_margin = Mm(20)
    section.left_margin = Mm(20)
    section.right_margin = Mm(20)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    section.different_first_page_header_footer = False


def new_document(title: str) -> Doc:
    """A blank A4 document whose styles use Japanese fonts."""
    doc = Document()
    _setup_styles(doc)
    _setup_font_table(doc)
    _setup_settings(doc)
    _remove_thumbnail(doc)
    _setup_page(doc)
    props = doc.core_properties
    props.title = title
    props.author = "支援会議ボット"
    props.last_modified_by = "支援会議ボット"
    props.comments = "docs_templates/build_templates.py で生成したテンプレート"
    props.revision = 1
    # Remove the one empty paragraph of python-docx's blank document.
    body = doc.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    return doc


# --------------------------------------------------------------------------- header and footer


def _field(paragraph: Any, instruction: str, placeholder: str) -> None:
    """Append a complex field (PAGE, NUMPAGES) with a cached result."""

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _bottom_border(paragraph: Any) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "4"), ("space", "1"), ("color", "000000")):
        bottom.set(qn(f"w:{key}"), value)
    borders.append(bottom)
    ppr.append(borders)


def _box_border(run: Any) -> None:
    rpr = run._r.get_or_add_rPr()
    border = OxmlElement("w:bdr")
    for key, value in (("val", "single"), ("sz", "8"), ("space", "0"), ("color", "000000")):
        border.set(qn(f"w:{key}"), value)
    rpr.append(border)


def add_header_footer(doc: Doc, *, draft_mark: bool) -> None:
    """【取扱注意】 (+ the 案 mark) + the one-line secrecy notice; page numbers in the footer."""
    section = doc.sections[0]
    header = section.header
    header.is_linked_to_previous = False
    first = header.paragraphs[0]
    first.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
    mark = first.add_run("【取扱注意】")
    mark.bold = True
    mark.font.size = Pt(10)
    if draft_mark:
        first.add_run("\t")
        draft = first.add_run("{% if draft %}　案　{% endif %}")
        draft.bold = True
        draft.font.size = Pt(12)
        _box_border(draft)
    notice = header.add_paragraph("{{ notice_one_line }}")
    notice.runs[0].font.size = Pt(7.5)
    _bottom_border(notice)

    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("- ")
    _field(para, "PAGE", "1")
    para.add_run(" / ")
    _field(para, "NUMPAGES", "1")
    para.add_run(" -")


# --------------------------------------------------------------------------- tables


def _cell_width(cell: Any, width_mm: float) -> None:
    cell.width = Mm(width_mm)


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tcpr.append(shading)


def _table(doc: Doc, widths_mm: Sequence[float]) -> Any:
    """A bordered, fixed-layout table (long text wraps inside cells instead of widening)."""
    assert abs(sum(widths_mm) - TEXT_WIDTH_MM) < 0.01, widths_mm
    table = doc.add_table(rows=0, cols=len(widths_mm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tblpr = table._tbl.tblPr
    width = _set_child(tblpr, "w:tblW", type="dxa", w=str(int(Mm(TEXT_WIDTH_MM).twips)))
    del width
    layout = _set_child(tblpr, "w:tblLayout", type="fixed")
    del layout
    # Cell padding: 1.5 mm left/right, 0.5 mm top/bottom.
    margins = _set_child(tblpr, "w:tblCellMar")
    for side, value in (("top", 28), ("left", 85), ("bottom", 28), ("right", 85)):
        _set_child(margins, f"w:{side}", w=str(value), type="dxa")
    for col, width_mm in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width_mm)
    return table


def _row(table: Any, texts: Sequence[str], widths_mm: Sequence[float]) -> Any:
    row = table.add_row()
    for cell, text, width in zip(row.cells, texts, widths_mm, strict=True):
        _cell_width(cell, width)
        cell.paragraphs[0].text = text
        cell.paragraphs[0].style = TABLE_TEXT
    return row


def header_row(table: Any, titles: Sequence[str], widths_mm: Sequence[float]) -> None:
    """The column titles, repeated at the top of every page the table runs onto."""
    row = _row(table, titles, widths_mm)
    trpr = row._tr.get_or_add_trPr()
    _set_child(trpr, "w:cantSplit")
    _set_child(trpr, "w:tblHeader")
    for cell in row.cells:
        _shade(cell, HEADER_FILL)
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in paragraph.runs:
            run.bold = True
            run.font.name = GOTHIC
            _rfonts(run._r.get_or_add_rPr(), GOTHIC)


def tag_row(table: Any, tag: str, widths_mm: Sequence[float]) -> None:
    """A row holding only a docxtpl row tag ({%tr for … %}); it vanishes when rendered."""
    _row(table, [tag] + [""] * (len(widths_mm) - 1), widths_mm)


def data_row(table: Any, texts: Sequence[str], widths_mm: Sequence[float]) -> Any:
    return _row(table, texts, widths_mm)


def none_row(table: Any, widths_mm: Sequence[float], text: str = "（なし）") -> None:
    """One merged cell saying （なし）, for a list that turned out empty."""
    row = _row(table, [text] + [""] * (len(widths_mm) - 1), widths_mm)
    merged = row.cells[0].merge(row.cells[-1])
    # Merging concatenates the cells' paragraphs; keep the first one only.
    for extra in merged.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    merged.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def loop_rows(
    table: Any,
    loop: str,
    empty_test: str,
    cells: Sequence[str],
    widths_mm: Sequence[float],
) -> Any:
    """``{%tr for … %}`` rows, then a （なし） row shown when the list is empty."""
    tag_row(table, f"{{%tr for {loop} %}}", widths_mm)
    row = data_row(table, cells, widths_mm)
    tag_row(table, "{%tr endfor %}", widths_mm)
    tag_row(table, f"{{%tr if not {empty_test} %}}", widths_mm)
    none_row(table, widths_mm)
    tag_row(table, "{%tr endif %}", widths_mm)
    return row


def item_table(doc: Doc, items: Sequence[tuple[str, str]], label_mm: float = 36) -> Any:
    """Label | value rows (会議名 | …), the label column shaded. An item whose label starts
    with ``{%tr`` is a row tag (``{%tr if multilayer %}``): the rows up to its ``endif`` show
    only when the condition holds."""
    widths = (label_mm, TEXT_WIDTH_MM - label_mm)
    table = _table(doc, widths)
    for label, value in items:
        if label.startswith("{%tr"):
            tag_row(table, label, widths)
            continue
        row = _row(table, (label, value), widths)
        label_cell = row.cells[0]
        _shade(label_cell, LABEL_FILL)
        for run in label_cell.paragraphs[0].runs:
            run.bold = True
            _rfonts(run._r.get_or_add_rPr(), GOTHIC)
    return table


APPROVERS = ("課長", "課長補佐", "係長", "担当")  # the municipality relabels them in Word


def approval_boxes(doc: Doc) -> Any:
    """決裁欄: a column headed 決裁, then one box per approver (label above, stamp below),
    at the right edge of the first page. The labels are plain text to edit in Word."""
    first_mm, box_mm = 8.0, 17.0
    widths = (first_mm, *(box_mm for _ in APPROVERS))
    table = doc.add_table(rows=0, cols=len(widths))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    table.autofit = False
    tblpr = table._tbl.tblPr
    _set_child(tblpr, "w:tblW", type="dxa", w=str(int(Mm(sum(widths)).twips)))
    _set_child(tblpr, "w:tblLayout", type="fixed")
    for col, width_mm in zip(table.columns, widths, strict=True):
        col.width = Mm(width_mm)
    labels = _row(table, ("決裁", *APPROVERS), widths)
    stamps = _row(table, ("", *("" for _ in APPROVERS)), widths)
    for row, height_mm in ((labels, 5.5), (stamps, 15.0)):
        trpr = row._tr.get_or_add_trPr()
        _set_child(trpr, "w:trHeight", val=str(int(Mm(height_mm).twips)), hRule="exact")
        _set_child(trpr, "w:cantSplit")
    for cell in labels.cells:
        _shade(cell, LABEL_FILL)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(8)
    merged = labels.cells[0].merge(stamps.cells[0])
    for extra in merged.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    vertical = OxmlElement("w:textDirection")
    vertical.set(qn("w:val"), "tbRlV")
    merged._tc.get_or_add_tcPr().append(vertical)
    return table


def label(doc: Doc, text: str) -> None:
    """A small heading above a table (■ 役割分担)."""
    doc.add_paragraph(text, style="Heading 3")


def tag_paragraph(doc: Doc, tag: str) -> None:
    """A paragraph holding only a docxtpl paragraph tag ({%p for … %})."""
    doc.add_paragraph(tag)


def spacer(doc: Doc) -> None:
    """An empty paragraph between consecutive tables (Word would merge them otherwise)."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_after = Pt(0)


def end_mark(doc: Doc) -> None:
    paragraph = doc.add_paragraph("以上")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.paragraph_format.space_before = Pt(12)


# --------------------------------------------------------------------------- the minutes


def people_table(doc: Doc, loop: str, items: str, others: bool, empty: str) -> None:
    """機関 | 氏名, one row per agency; with ``others``, a row for 出席者（その他）."""
    widths = (70.0, 100.0)
    table = _table(doc, widths)
    header_row(table, ("機関", "氏名"), widths)
    tag_row(table, f"{{%tr for {loop} in {items} %}}", widths)
    data_row(table, (f"{{{{ {loop}.agency }}}}", f"{{{{ {loop}.people }}}}"), widths)
    tag_row(table, "{%tr endfor %}", widths)
    condition = f"not {items}"
    if others:
        tag_row(table, "{%tr if others_present %}", widths)
        data_row(table, ("その他", "{{ others_present }}"), widths)
        tag_row(table, "{%tr endif %}", widths)
        condition += " and not others_present"
    tag_row(table, f"{{%tr if {condition} %}}", widths)
    none_row(table, widths, empty)
    tag_row(table, "{%tr endif %}", widths)


def build_minutes() -> Doc:
    doc = new_document("支援会議 議事録")
    add_header_footer(doc, draft_mark=True)
    approval_boxes(doc)
    doc.add_paragraph("{{ meeting_name }}　議事録{{ draft_mark }}", style="Title")

    doc.add_paragraph("１　会議の概要", style="Heading 1")
    item_table(
        doc,
        [
            ("会議名", "{{ meeting_name }}"),
            ("種別", "{{ kind_label }}"),
            ("根拠", "{{ basis }}"),
            ("開催日時", "{{ held_at }}"),
            ("場所", "{{ place }}"),
            ("方法", "{{ method }}"),
            ("司会", "{{ chair }}"),
            ("記録者", "{{ recorder }}"),
        ],
    )
    label(doc, "出席者")
    people_table(doc, "a", "attendees", True, "（未記録）")
    label(doc, "欠席者")
    people_table(doc, "b", "absentees", False, "（なし）")

    label(doc, "{{ notice_title }}")
    notice = doc.add_paragraph()
    notice.add_run("{{ notice_text }}").font.size = Pt(9)
    notice.paragraph_format.left_indent = Mm(3)
    notice.paragraph_format.space_after = Pt(4)
    widths = (28.0, 60.0, 58.0, 24.0)
    table = _table(doc, widths)
    header_row(table, ("氏名", "機関", "確認日時", "版"), widths)
    loop_rows(
        table,
        "k in acknowledgements",
        "acknowledgements",
        ("{{ k.person }}", "{{ k.agency }}", "{{ k.at }}", "{{ k.version }}"),
        widths,
    )

    doc.add_paragraph("２　検討事例（{{ cases|length }}件）", style="Heading 1")
    tag_paragraph(doc, "{%p if not cases %}")
    doc.add_paragraph("（検討事例なし）")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p for case in cases %}")
    doc.add_paragraph(
        "（{{ loop.index }}）事例 {{ case.code }}{{ case.urgent_mark }}{{ case.monitoring_mark }}",
        style="Heading 2",
    )
    item_table(
        doc,
        [
            ("事例番号", "{{ case.code }}"),
            ("{%tr if multilayer %}", ""),
            ("本人同意", "{{ case.consent }}"),
            ("{%tr endif %}", ""),
            ("検討の目的", "{{ case.purpose }}"),
            ("状況と問題点", "{{ case.situation }}"),
        ],
    )

    label(doc, "各機関からの情報")
    widths = (58.0, 112.0)
    table = _table(doc, widths)
    header_row(table, ("機関", "情報"), widths)
    row = loop_rows(
        table, "i in case.inputs", "case.inputs", ("{{ i.agency }}", "{{ i.text }}"), widths
    )
    authors = row.cells[0].add_paragraph(style=TABLE_TEXT)
    authors.add_run("{{ i.authors }}").font.size = Pt(8)

    label(doc, "協議とアセスメント")
    item_table(
        doc,
        [
            ("協議内容", "{{ case.discussion }}"),
            ("緊急度", "{{ case.urgency }}"),
            ("緊急度の理由", "{{ case.urgency_reason }}"),
            ("支援方針", "{{ case.support_policy }}"),
        ],
    )

    label(doc, "役割分担")
    widths = (44.0, 26.0, 62.0, 38.0)
    table = _table(doc, widths)
    header_row(table, ("機関", "担当者", "役割・支援内容", "期限"), widths)
    loop_rows(
        table,
        "r in case.roles",
        "case.roles",
        ("{{ r.agency }}{{ r.lead_mark }}", "{{ r.assignee }}", "{{ r.task }}", "{{ r.due }}"),
        widths,
    )

    label(doc, "決定事項等")
    item_table(
        doc,
        [
            ("主担当機関", "{{ case.lead_agency }}"),
            ("次回モニタリング", "{{ case.next_monitoring }}"),
            ("結果", "{{ case.outcome }}"),
            ("決定事項", "{{ case.decisions }}"),
        ],
    )
    tag_paragraph(doc, "{%p endfor %}")

    doc.add_paragraph("３　次回開催予定等", style="Heading 1")
    item_table(
        doc,
        [
            ("次回開催予定", "{{ next_meeting_at }}"),
            ("作成者", "{{ author }}"),
            ("作成日", "{{ created_on }}"),
        ],
    )
    end_mark(doc)
    return doc


# --------------------------------------------------------------------------- the role summary


def build_role_summary() -> Doc:
    doc = new_document("役割分担表")
    add_header_footer(doc, draft_mark=False)
    doc.add_paragraph("役割分担表{{ scope_mark }}", style="Title")
    item_table(
        doc,
        [
            ("会議名", "{{ meeting_name }}"),
            ("種別", "{{ kind_label }}"),
            ("根拠", "{{ basis }}"),
            ("開催日時", "{{ held_at }}"),
            ("作成日", "{{ created_on }}"),
        ],
    )
    intro = doc.add_paragraph(
        "この会議で決まった事例ごとの主担当機関と次回モニタリング日、各機関の役割"
        "（支援内容）と担当者・期限は次のとおりです。"
    )
    intro.paragraph_format.space_before = Pt(6)

    label(doc, "事例ごとの主担当機関")
    widths = (30.0, 90.0, 50.0)
    table = _table(doc, widths)
    header_row(table, ("事例番号", "主担当機関", "次回モニタリング"), widths)
    loop_rows(
        table,
        "c in leads",
        "leads",
        ("{{ c.case_code }}", "{{ c.lead_agency }}", "{{ c.next_monitoring }}"),
        widths,
    )

    tag_paragraph(doc, "{%p if not agencies %}")
    doc.add_paragraph("（役割分担なし）")
    tag_paragraph(doc, "{%p endif %}")
    tag_paragraph(doc, "{%p for a in agencies %}")
    doc.add_paragraph("{{ a.agency }}", style="Heading 2")
    # 次回モニタリング is per case: the table of lead agencies above holds it.
    widths = (18.0, 86.0, 28.0, 38.0)
    table = _table(doc, widths)
    header_row(table, ("事例番号", "役割・支援内容", "担当者", "期限"), widths)
    loop_rows(
        table,
        "t in a.tasks",
        "a.tasks",
        ("{{ t.case_code }}", "{{ t.lead_mark }}{{ t.task }}", "{{ t.assignee }}", "{{ t.due }}"),
        widths,
    )
    tag_paragraph(doc, "{%p endfor %}")
    end_mark(doc)
    return doc


# --------------------------------------------------------------------------- output


def to_bytes(doc: Doc) -> bytes:
    """Save, then rewrite the zip with fixed timestamps so the output is reproducible."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build_all() -> dict[str, bytes]:
    """The template files by name."""
    return {MINUTES: to_bytes(build_minutes()), ROLE_SUMMARY: to_bytes(build_role_summary())}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: here)")
    parser.add_argument(
        "--check", action="store_true", help="only report whether the files are up to date"
    )
    args = parser.parse_args(argv)
    stale = []
    for name, data in build_all().items():
        path: Path = args.out / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    if stale:
        print("out of date: " + ", ".join(stale) + " — run docs_templates/build_templates.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
