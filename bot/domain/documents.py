"""File names and checksums of generated documents. File names never carry personal data:
only the meeting date, the draft flag and an agency key."""

from __future__ import annotations

import hashlib
from datetime import date

from bot import texts
from bot.domain.errors import InvalidValue
from bot.domain.model import AGENCY_KEY_PATTERN


def minutes_filename(meeting_date: date, draft: bool) -> str:
    """``minutes-2026-12-08.docx``, or ``minutes-2026-12-08-draft.docx`` for a draft."""
    suffix = "-draft" if draft else ""
    return f"minutes-{meeting_date.isoformat()}{suffix}.docx"


def role_summary_filename(meeting_date: date, agency_key: str | None = None) -> str:
    """``roles-2026-12-08.docx``, or ``roles-2026-12-08-houkatsu.docx`` for one agency.

    Raises:
        InvalidValue: If ``agency_key`` is not an agency key (so it cannot smuggle a path).
    """
    if agency_key is None:
        return f"roles-{meeting_date.isoformat()}.docx"
    if not AGENCY_KEY_PATTERN.fullmatch(agency_key):
        raise InvalidValue(texts.MODEL.filename_bad_agency_key)
    return f"roles-{meeting_date.isoformat()}-{agency_key}.docx"


def sha256_of(data: bytes) -> str:
    """The lowercase hex SHA-256 of a generated file (recorded in the audit trail)."""
    return hashlib.sha256(data).hexdigest()


def audit_filename(exported_on: date) -> str:
    """``audit-2027-03-01.csv``: the audit trail exported on that day (``shienbot audit``)."""
    return f"audit-{exported_on.isoformat()}.csv"
