"""The one normalisation of typed text (bot.domain.text), used by every entry point."""

from __future__ import annotations

import pytest

from bot.domain.model import Agency, RoleAssignment
from bot.domain.text import MENTION_CLOSE, MENTION_OPEN, clean_name, clean_user_text

INVISIBLE = [
    "\u202a",  # LRE
    "\u202e",  # RLO
    "\u2066",  # LRI
    "\u2069",  # PDI
    "\u200e",  # LRM
    "\u061c",  # ALM
    "\u200b",  # zero-width space
    "\u200c",  # zero-width non-joiner
    "\u200d",  # zero-width joiner (outside an emoji)
    "\u2060",  # word joiner
    "\u2063",  # invisible separator
    "\ufeff",  # BOM / zero-width no-break space
    "\u00ad",  # soft hyphen
    "\U000e0041",  # tag character
    "\x85",  # C1 next line... becomes a line break
    "\x9b",  # C1 control sequence introducer
    MENTION_OPEN,
    MENTION_CLOSE,
]


@pytest.mark.parametrize("hidden", INVISIBLE)
def test_invisible_bidi_and_marker_characters_are_removed(hidden: str) -> None:
    cleaned = clean_user_text(f"長男は{hidden}訪問に応じない")
    assert cleaned in ("長男は訪問に応じない", "長男は\n訪問に応じない")


def test_an_emoji_sequence_keeps_its_joiner() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_user_text(f"家族{family}") == f"家族{family}"
    assert clean_user_text("0\u200d9\u200d0") == "090"


def test_line_separators_become_newlines_and_names_are_one_line() -> None:
    assert clean_user_text("一行目\u2028二行目\r\n三行目") == "一行目\n二行目\n三行目"
    assert clean_name(" 架空市\n地域包括\t支援センター ") == "架空市 地域包括 支援センター"


def test_domain_objects_clean_what_was_typed_into_them() -> None:
    agency = Agency(key="evil", name=f"悪意\u202e{MENTION_OPEN}U0X{MENTION_CLOSE}機関")
    assert agency.name == "悪意U0X機関"
    role = RoleAssignment(
        case_id="c",
        agency_id="a",
        task=f"見守り\u200b{MENTION_OPEN}",
        created_by="U0JIMU",
        assignee="担当\u202e者",
    )
    assert (role.task, role.assignee) == ("見守り", "担当者")
