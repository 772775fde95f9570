"""User text is printed literally and safely; broken or hostile templates are refused."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from document_builders import (
    Rendered,
    case_a,
    case_b,
    minutes_view,
    multilayer_minutes_view,
    role_summary_view,
)
from docx import Document

from bot.documents import DocumentTemplateError, DocxRenderer
from bot.documents.text import clean_text
from bot.services.document_views import MinutesView

Render = Callable[[MinutesView], Rendered]

INJECTIONS = (
    "<!channel>",
    "<@U123>",
    "<https://evil.example|click>",
    "&amp;",
    "{{ 7*7 }}",
    "{% raw %}",
    "{%tr endfor %}",
    "</w:t></w:r></w:p><w:p><w:r><w:t>injected",
    "\"double\" and 'single' quotes",
)


def _hostile_minutes() -> MinutesView:
    text = "\n".join(INJECTIONS)
    case = case_a(
        situation=text,
        decisions="{{ 7*7 }} と {% for x in cases %}{{ x }}{% endfor %}",
        purpose="\x00\x07NUL",
        support_policy="a\nb",
    )
    inputs = tuple(
        replace(item, text=f"{item.text} <b>&lt;{{{{ 7*7 }}}}</b>") for item in case.inputs
    )
    roles = (replace(case.roles[0], task="<script>alert(1)</script> & {{ meeting_name }}"),)
    return minutes_view(
        replace(case, inputs=inputs, roles=roles),
        place='会議室 <A&B> "本庁舎"',
        meeting_name="架空市支援会議 {{ notice_text }}",
    )


@pytest.fixture
def hostile(render_minutes: Render) -> Rendered:
    return render_minutes(_hostile_minutes())


def test_markup_and_mentions_appear_literally(hostile: Rendered) -> None:
    (situation,) = hostile.item_value("状況と問題点")
    assert situation == "\n".join(INJECTIONS)
    assert hostile.item_value("場所") == ['会議室 <A&B> "本庁舎"']
    role_table = hostile.tables_with_header("機関", "担当者", "役割・支援内容", "期限")[0]
    assert role_table.rows[1].cells[2].text == "<script>alert(1)</script> & {{ meeting_name }}"
    # Escaped exactly once: "&amp;" typed by a user reads "&amp;", never "&amp;amp;" or "&".
    assert "&amp;amp;" not in hostile.text
    assert "&amp;" in situation.split("\n")


def test_jinja_in_user_text_is_never_executed(hostile: Rendered) -> None:
    assert "49" not in hostile.text
    assert hostile.item_value("決定事項") == [
        "{{ 7*7 }} と {% for x in cases %}{{ x }}{% endfor %}"
    ]
    assert any("{{ 7*7 }}" in p for p in hostile.paragraphs)
    assert any("{% raw %}" in p for p in hostile.paragraphs)
    assert "架空市支援会議 {{ notice_text }}" in hostile.item_value("会議名")
    # The notice text was not pulled in through the meeting name.
    assert sum("会議の内容と資料は非公開です" in p for p in hostile.paragraphs) == 1
    # The injected XML did not create a paragraph of its own.
    assert "injected" not in hostile.paragraphs


def test_control_characters_are_removed_and_newlines_become_breaks(hostile: Rendered) -> None:
    assert hostile.item_value("検討の目的") == ["NUL"]
    assert hostile.item_value("支援方針") == ["a\nb"]
    # The line break is a w:br inside one paragraph, not two paragraphs.
    assert "a" not in hostile.paragraphs and "a\nb" in hostile.paragraphs


def test_clean_text() -> None:
    assert clean_text("\x00\x07NUL") == "NUL"
    assert clean_text("a\r\nb\rc\nd\te") == "a\nb\nc\nd\te"
    assert clean_text("x\x0b\x0c\x1f\ud800\udfff\ufffe\uffffy") == "xy"
    assert clean_text("日本語 <&> {{ x }}") == "日本語 <&> {{ x }}"


def test_role_summary_is_escaped_too(renderer: DocxRenderer) -> None:
    view = role_summary_view("houkatsu")
    agency = view.agencies[0]
    task = replace(agency.tasks[0], task="<@U123> {{ 7*7 }} &amp; \x00x")
    view = replace(view, agencies=(replace(agency, tasks=(task,)),))
    rendered = Rendered(renderer.render_role_summary(view))
    assert any("<@U123> {{ 7*7 }} &amp; x" in p for p in rendered.paragraphs)
    assert "49" not in rendered.text


# --------------------------------------------------------------------------- templates


def _write_template(path: Path, *paragraphs: str, header: str | None = None) -> None:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    if header is not None:
        doc.sections[0].header.paragraphs[0].text = header
    doc.save(str(path))


def test_a_municipal_template_folder_is_used(templates_copy: Path) -> None:
    _write_template(
        templates_copy / "minutes.docx",
        "架空市独自様式の議事録",
        "{{ meeting_name }} / {{ starts_at }}",
        "{%p for case in cases %}",
        "{{ case.code }}：{{ case.consent }}",
        "{%p endfor %}",
    )
    renderer = DocxRenderer(templates_copy)
    rendered = Rendered(renderer.render_minutes(multilayer_minutes_view()))
    assert rendered.paragraphs[0] == "架空市独自様式の議事録"
    assert (
        "架空市重層的支援会議（随時） / 令和8年（2026年）12月8日（火）14:00" in rendered.paragraphs
    )
    assert "R8-002：有　同意日：令和8年（2026年）11月20日（金）" in rendered.paragraphs
    renderer.validate_templates()


def test_syntax_error_is_refused_with_the_file_and_place(templates_copy: Path) -> None:
    _write_template(templates_copy / "minutes.docx", "議事録", "{% if draft %}案", "本文")
    renderer = DocxRenderer(templates_copy)
    with pytest.raises(DocumentTemplateError) as caught:
        renderer.render_minutes(minutes_view())
    message = caught.value.message
    assert "テンプレート minutes.docx に構文エラーがあります" in message
    assert caught.value.template == "minutes.docx"
    assert "本文" in message
    with pytest.raises(DocumentTemplateError, match="構文エラー"):
        renderer.validate_templates()


def test_unknown_tag_names_the_tag(templates_copy: Path) -> None:
    _write_template(templates_copy / "role_summary.docx", "{% frobnicate %}")
    with pytest.raises(DocumentTemplateError) as caught:
        DocxRenderer(templates_copy).validate_templates()
    message = caught.value.message
    assert "role_summary.docx" in message and "構文エラー" in message
    assert "frobnicate" in message


def test_unknown_placeholder_is_refused(templates_copy: Path) -> None:
    _write_template(templates_copy / "minutes.docx", "会議 {{ meeting_name }}", "{{ foo }}")
    renderer = DocxRenderer(templates_copy)
    with pytest.raises(DocumentTemplateError) as caught:
        renderer.render_minutes(minutes_view())
    message = caught.value.message
    assert "テンプレート minutes.docx の差し込み項目 foo は存在しません" in message
    assert "「{{ foo }}」" in message


def test_unknown_placeholder_in_an_unused_branch_is_still_found(templates_copy: Path) -> None:
    _write_template(templates_copy / "minutes.docx", "{% if not draft %}{{ kaigi_mei }}{% endif %}")
    with pytest.raises(DocumentTemplateError, match="差し込み項目 kaigi_mei は存在しません"):
        DocxRenderer(templates_copy).render_minutes(minutes_view(draft=True))


def test_unknown_attribute_is_refused(templates_copy: Path) -> None:
    _write_template(
        templates_copy / "minutes.docx",
        "{%p for case in cases %}",
        "{{ case.shimei }}",
        "{%p endfor %}",
    )
    with pytest.raises(DocumentTemplateError) as caught:
        DocxRenderer(templates_copy).render_minutes(minutes_view())
    assert "minutes.docx の差し込み項目 shimei は存在しません" in caught.value.message
    assert "{{ case.shimei }}" in caught.value.message


def test_unknown_placeholder_in_the_header_is_refused(templates_copy: Path) -> None:
    _write_template(templates_copy / "minutes.docx", "本文", header="{{ secret_header }}")
    with pytest.raises(DocumentTemplateError) as caught:
        DocxRenderer(templates_copy).validate_templates()
    assert "secret_header" in caught.value.message
    assert "ヘッダー" in caught.value.message


def test_sandbox_blocks_python_internals(templates_copy: Path) -> None:
    _write_template(
        templates_copy / "minutes.docx",
        "{{ meeting_name.__class__.__mro__[1].__subclasses__() }}",
    )
    with pytest.raises(DocumentTemplateError, match="許可されていない操作"):
        DocxRenderer(templates_copy).render_minutes(minutes_view())


def test_markup_injected_by_a_template_is_refused(templates_copy: Path) -> None:
    _write_template(templates_copy / "minutes.docx", "{{ '<w:p>' | safe }}")
    with pytest.raises(DocumentTemplateError, match="Word 文書として正しくありません"):
        DocxRenderer(templates_copy).render_minutes(minutes_view())


def test_missing_folder_and_files_are_reported(tmp_path: Path, templates_copy: Path) -> None:
    with pytest.raises(DocumentTemplateError, match="見つかりません"):
        DocxRenderer(tmp_path / "nowhere")
    (templates_copy / "role_summary.docx").unlink()
    with pytest.raises(DocumentTemplateError) as caught:
        DocxRenderer(templates_copy)
    assert "role_summary.docx がありません" in caught.value.message


def test_a_file_that_is_not_a_word_document_is_reported(templates_copy: Path) -> None:
    (templates_copy / "minutes.docx").write_bytes(b"not a zip")
    with pytest.raises(DocumentTemplateError, match=r"minutes\.docx は Word 文書"):
        DocxRenderer(templates_copy)
    with zipfile.ZipFile(templates_copy / "minutes.docx", "w") as archive:
        archive.writestr("hello.txt", "zip, but no document")
    with pytest.raises(DocumentTemplateError, match=r"minutes\.docx は Word 文書"):
        DocxRenderer(templates_copy)


def test_a_failed_render_leaves_the_renderer_usable(
    templates_copy: Path, renderer: DocxRenderer
) -> None:
    _write_template(
        templates_copy / "minutes.docx",
        "{%p for case in cases %}",
        "{{ case.code }}{% if case.code == 'R8-002' %}{{ case.nope }}{% endif %}",
        "{%p endfor %}",
    )
    broken = DocxRenderer(templates_copy)
    with pytest.raises(DocumentTemplateError):
        broken.render_minutes(minutes_view(case_a(), case_b()))
    # The same renderer still renders data that avoids the broken branch.
    ok = Rendered(broken.render_minutes(minutes_view(case_a())))
    assert ok.paragraphs == ["R8-001"]
    # And the default templates are untouched.
    assert "R8-001" in Rendered(renderer.render_minutes(minutes_view(case_a()))).text


def test_shipped_templates_validate(renderer: DocxRenderer) -> None:
    renderer.validate_templates()
