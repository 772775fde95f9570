"""The text catalogue (``bot.texts``): every text is a non-empty string whose blanks are named
``str.format`` fields, and no Japanese a person reads lives anywhere else in the product.

Whether each field a template uses is supplied where it is formatted is not checked
statically; the chat, document and e2e tests render the texts with their real fields.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import texts
from bot.domain.errors import DuplicateRecord, MissingRecord, Record

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("bot", "storage")
# Hiragana, katakana (with the phonetic extensions and half-width forms) and kanji.
JAPANESE = re.compile(
    "[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]"
)

# Files whose Japanese is not interface wording, or not yet converted.
ALLOWED_FILES = {
    "bot/texts.py": "the catalogue itself",
    "bot/documents/samples.py": "sample data the Word templates are checked against",
    # Converted after the security merge:
    "bot/chat/slack/serve.py": "converted after the security merge",
}

# Top-level definitions (by name) whose Japanese is allowed where it is.
ALLOWED_NAMES = {
    ("bot/chat/commands.py", "TABLE"): "each subcommand's words, usage and summary: one entry each",
    ("bot/chat/commands.py", "_ADD"): "vocabulary: the verbs 追加/登録 of the command table",
    ("bot/chat/commands.py", "_MULTILAYER_WORDS"): "vocabulary: 重層 as typed",
    ("bot/chat/commands.py", "_URGENT_WORDS"): "vocabulary: 緊急 as typed",
    ("bot/chat/commands.py", "_LEAD_WORDS"): "vocabulary: 主担当 as typed",
    ("bot/chat/commands.py", "_OCCASIONS"): "vocabulary: 場面:再プラン … as typed",
    ("bot/chat/commands.py", "_POLICIES"): "vocabulary: 休日:翌 … as typed",
    ("bot/chat/commands.py", "_LAST_WORDS"): "vocabulary: 最終/最後 as typed",
    ("bot/chat/commands.py", "_NTH_PREFIX"): "vocabulary: 第2週 as typed",
    ("bot/chat/commands.py", "_ORDINAL_WEEKDAY"): "vocabulary: 第2火曜 as typed",
    ("bot/chat/grammar.py", "KEY_NAMES"): "vocabulary: the keys 同意:/場面:/期限:/休日: as typed",
    ("bot/chat/grammar.py", "_DATE_DASHES"): "vocabulary: the dashes phones type in dates",
    ("bot/chat/grammar.py", "_KANJI_DATE"): "vocabulary: 2026年12月8日 as typed",
    ("bot/chat/grammar.py", "_KANJI_TIME"): "vocabulary: 14時30分 as typed",
    (
        "bot/domain/calendar.py",
        "WEEKDAY_JA",
    ): "calendar data: the weekday names, parsed and printed",
    ("bot/domain/calendar.py", "ERAS"): "calendar data: the eras' names",
    ("bot/domain/calendar.py", "_DASHES"): "vocabulary: the dashes phones type in case codes",
    ("bot/domain/calendar.py", "_WEEKDAY_SUFFIXES"): "vocabulary: 火曜/火曜日 as typed",
    ("bot/domain/identifiers.py", "_DASH_CHARS"): "vocabulary: the dashes typed between digits",
    ("bot/domain/identifiers.py", "_KANJI_DIGITS"): "vocabulary: 〇九〇… kanji numerals as digits",
    ("bot/domain/identifiers.py", "_DIGIT_SEPARATORS"): "vocabulary: 090・1234 separators",
    ("bot/domain/identifiers.py", "_AT_WORDS"): "vocabulary: アットマーク written for @",
    ("bot/domain/identifiers.py", "_DIGIT_RUN"): "vocabulary: digits spaced apart, 0 9 0・1 2 3…",
    ("bot/domain/identifiers.py", "_NOT_UNIT"): "vocabulary: 円/人/か月 units after a number",
    ("bot/domain/identifiers.py", "_NUM"): "vocabulary: kanji numerals in 三丁目",
    ("bot/domain/identifiers.py", "_KANJI"): "vocabulary: the kanji of place names",
    ("bot/domain/identifiers.py", "_ADDRESS"): "vocabulary: 丁目/番地/番…号, 市/区/町 in addresses",
    ("bot/domain/identifiers.py", "_ERA"): "vocabulary: 昭和/平成 in dates of birth",
    ("bot/domain/identifiers.py", "_DATE"): "vocabulary: 年/月/日 and 元年 in dates of birth",
    ("bot/domain/identifiers.py", "_BIRTH_BEFORE"): "vocabulary: 生年月日/誕生日 before a date",
    ("bot/domain/identifiers.py", "_BIRTH_AFTER"): "vocabulary: …生まれ/…生 after a date",
    ("bot/domain/timeline.py", "_UNITS"): "vocabulary: 7日/12時間/30分 in settings",
    ("bot/domain/timeline.py", "_OFFSET_RE"): "vocabulary: 7日/12時間/30分 in settings",
}


# --------------------------------------------------------------------------- the catalogue


def _areas() -> list[type]:
    return [
        value
        for value in vars(texts).values()
        if isinstance(value, type) and value.__module__ == texts.__name__
    ]


def _entries() -> Iterator[tuple[str, object]]:
    for area in _areas():
        for name, value in vars(area).items():
            if not name.startswith("__"):
                yield f"{area.__name__}.{name}", value


def test_the_catalogue_has_areas_of_texts() -> None:
    areas = _areas()
    assert len(areas) > 10
    assert all(area.__name__.isupper() for area in areas)


@pytest.mark.parametrize(
    ("name", "value"), [pytest.param(name, value, id=name) for name, value in _entries()]
)
def test_every_text_is_a_non_empty_string_with_named_fields(name: str, value: object) -> None:
    assert isinstance(value, str), f"{name} is not a str"
    assert value.strip(), f"{name} is empty"
    fields = []
    for _, field, spec, conversion in string.Formatter().parse(value):
        if field is None:
            continue
        assert field.isidentifier(), f"{name}: {{{field}}} is not a named field"
        assert not spec and not conversion, f"{name}: {{{field}}} has a format spec"
        fields.append(field)
    value.format(**dict.fromkeys(fields, "x"))  # a stray brace would raise here


def test_the_catalogue_imports_nothing() -> None:
    tree = ast.parse((ROOT / "bot/texts.py").read_text(encoding="utf-8"))
    imports = [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert [ast.unparse(n) for n in imports] == ["from __future__ import annotations"]


@pytest.mark.parametrize("record", list(Record))
def test_every_record_storage_names_is_worded(record: Record) -> None:
    keys = {"key": "houkatsu", "user_id": "U1", "date": "2026-12-08", "code": "R8-001"}
    assert DuplicateRecord(record, **keys).message
    assert MissingRecord(record, **keys).message


# --------------------------------------------------------------------------- the guard


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0].value))
    return found


def _names(statement: ast.stmt) -> set[str]:
    """The names a top-level statement defines."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _japanese_constants() -> Iterator[tuple[str, set[str], int, str]]:
    """(file, the names its top-level statement defines, line, text) of each Japanese string
    that is not a docstring."""
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docstrings = _docstrings(tree)
            for statement in tree.body:
                names = _names(statement)
                for node in ast.walk(statement):
                    if (
                        isinstance(node, ast.Constant)
                        and isinstance(node.value, str)
                        and id(node) not in docstrings
                        and JAPANESE.search(node.value)
                    ):
                        yield relative, names, node.lineno, node.value


def test_japanese_text_lives_in_the_catalogue() -> None:
    outside = sorted(
        {
            f"{file}:{line}: {text[:40]!r}"
            for file, names, line, text in _japanese_constants()
            if file not in ALLOWED_FILES and not any((file, n) in ALLOWED_NAMES for n in names)
        }
    )
    assert not outside, (
        "Japanese text outside bot/texts.py (put it in its area there and use "
        "texts.AREA.name):\n" + "\n".join(outside)
    )


def test_every_allowed_name_still_holds_japanese() -> None:
    found = {(file, name) for file, names, _, _ in _japanese_constants() for name in names}
    assert not set(ALLOWED_NAMES) - found, "stale entries in ALLOWED_NAMES"
