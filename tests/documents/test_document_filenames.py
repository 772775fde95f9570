"""File names carry only the date, the draft flag and an agency key; checksums are SHA-256."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from bot.documents import minutes_filename, role_summary_filename, sha256_of
from bot.domain.errors import InvalidValue

DAY = date(2026, 12, 8)


def test_minutes_filename() -> None:
    assert minutes_filename(DAY, False) == "minutes-2026-12-08.docx"
    assert minutes_filename(DAY, True) == "minutes-2026-12-08-draft.docx"
    assert minutes_filename(DAY, draft=True) == "minutes-2026-12-08-draft.docx"


def test_role_summary_filename() -> None:
    assert role_summary_filename(DAY) == "roles-2026-12-08.docx"
    assert role_summary_filename(DAY, "houkatsu") == "roles-2026-12-08-houkatsu.docx"
    assert role_summary_filename(DAY, agency_key="csw") == "roles-2026-12-08-csw.docx"


@pytest.mark.parametrize("key", ["../etc", "包括", "a/b", "", "Houkatsu", "x" * 40, "a b"])
def test_role_summary_filename_refuses_anything_but_an_agency_key(key: str) -> None:
    with pytest.raises(InvalidValue):
        role_summary_filename(DAY, key)


def test_sha256_of() -> None:
    assert sha256_of(b"") == hashlib.sha256(b"").hexdigest()
    assert sha256_of(b"docx") == hashlib.sha256(b"docx").hexdigest()
    assert len(sha256_of(b"x")) == 64
