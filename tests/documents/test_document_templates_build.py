"""The committed templates are what docs_templates/build_templates.py produces, and are
ordinary Word documents a municipality can edit."""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from docx import Document
from docx.oxml.ns import qn

from bot.documents import TEMPLATE_NAMES, default_templates_dir
from bot.documents.context import minutes_context, role_summary_context
from bot.documents.samples import sample_minutes_view, sample_role_summary_view

README = default_templates_dir() / "README.md"


@pytest.fixture(scope="module")
def build_script() -> ModuleType:
    path = default_templates_dir() / "build_templates.py"
    spec = importlib.util.spec_from_file_location("shien_build_templates", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_templates_are_up_to_date(build_script: ModuleType) -> None:
    built = build_script.build_all()
    assert set(built) == set(TEMPLATE_NAMES)
    for name, data in built.items():
        committed = (default_templates_dir() / name).read_bytes()
        assert committed == data, f"{name} is stale: run docs_templates/build_templates.py"


def test_build_is_reproducible_and_writes_where_asked(
    build_script: ModuleType, tmp_path: Path
) -> None:
    assert build_script.main(["--out", str(tmp_path)]) == 0
    assert build_script.main(["--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "minutes.docx").write_bytes(b"edited")
    assert build_script.main(["--out", str(tmp_path), "--check"]) == 1


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_templates_are_a4_with_japanese_fonts_and_header_rows(name: str) -> None:
    doc = Document(io.BytesIO((default_templates_dir() / name).read_bytes()))
    size = doc.sections[0]._sectPr.find(qn("w:pgSz"))
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")
    fonts = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert fonts.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "ＭＳ 明朝"
    headers = [
        t
        for t in doc.tables
        if t.rows[0]._tr.trPr is not None and t.rows[0].cells[0].text != "決裁"
    ]
    assert headers, "tables with a repeated header row"
    for table in headers:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def _placeholders(name: str) -> set[str]:
    doc = Document(io.BytesIO((default_templates_dir() / name).read_bytes()))
    xml_text = []
    for part in doc.part.package.iter_parts():
        if part.partname.endswith(".xml") and "word/" in part.partname:
            xml_text.append(re.sub(r"<[^>]+>", "", part.blob.decode("utf-8")))
    found = set()
    for expression in re.findall(r"\{\{(.*?)\}\}|\{%(.*?)%\}", "".join(xml_text)):
        for chunk in expression:
            found.update(re.findall(r"[A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*", chunk))
    keywords = {
        "if",
        "not",
        "and",
        "for",
        "in",
        "endfor",
        "endif",
        "tr",
        "p",
        "length",
        "loop.index",
    }
    return {word for word in found if word not in keywords}


# The loop variables of the shipped templates, and the list each one walks (README notation).
LOOPS = {
    "minutes.docx": {
        "a": "attendees[]",
        "b": "absentees[]",
        "k": "acknowledgements[]",
        "case": "cases[]",
        "i": "cases[].inputs[]",
        "r": "cases[].roles[]",
    },
    "role_summary.docx": {"a": "agencies[]", "t": "agencies[].tasks[]", "c": "leads[]"},
}


def _readme_name(placeholder: str, loops: dict[str, str]) -> str:
    head, _, rest = placeholder.partition(".")
    if head not in loops:
        return placeholder
    return f"{loops[head]}.{rest}" if rest else ""


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_readme_documents_every_placeholder_the_templates_use(name: str) -> None:
    readme = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    used = {_readme_name(p, LOOPS[name]) for p in _placeholders(name)} - {""}
    assert used, "the template has placeholders"
    assert used <= documented, f"not in README: {sorted(used - documented)}"


def _flatten(value: object, prefix: str = "") -> set[str]:
    names: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else key
            names.add(name)
            names |= _flatten(item, name)
    elif isinstance(value, list) and value:
        names |= _flatten(value[0], f"{prefix}[]")
    return names


def test_readme_documents_every_variable_the_renderer_provides() -> None:
    readme = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    provided = _flatten(minutes_context(sample_minutes_view())) | _flatten(
        role_summary_context(sample_role_summary_view())
    )
    # The individual inputs (entries) are described in one row.
    provided = {name for name in provided if ".entries[]." not in name}
    assert provided <= documented, f"not in README: {sorted(provided - documented)}"
