"""The secrecy notice (守秘義務) that opens every meeting's case content.

The meeting's kind decides the notice, and with it the legal footing shown in chat and in
the documents:

- a 支援会議 is set up by law (社会福祉法第106条の6第1項), needs no consent, and binds its
  members by the penalised secrecy duty of 第5項;
- a 重層的支援会議 is set up under the scheme's 実施要綱 for cases the municipality decided to
  support, shares information on the person's recorded consent, and binds its members by
  the 要綱 — unless the municipality's 要綱 places it under 第106条の6 as well
  (``SHIEN_MULTILAYER_STATUTORY``), when the statutory notice is shown there too.

Each notice is versioned: a member's confirmation is tied to the version they saw, and a new
version needs a new confirmation. The wording and versions are in the catalogue
(``bot.texts.NOTICE``, ``NOTICE_MULTILAYER``, ``NOTICE_MULTILAYER_STATUTORY``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts
from bot.domain.model import MeetingKind


@dataclass(frozen=True)
class SecrecyNotice:
    version: str
    basis: str  # the legal footing, as the documents show it
    title: str
    text: str
    one_line: str  # ends every prompt DM and heads every case thread and document page
    statutory: bool  # cites 社会福祉法第106条の6第5項 and its penalty


SUPPORT_NOTICE = SecrecyNotice(
    version=texts.NOTICE.version,
    basis=texts.NOTICE.basis,
    title=texts.NOTICE.title,
    text=texts.NOTICE.text,
    one_line=texts.NOTICE.one_line,
    statutory=True,
)
MULTILAYER_NOTICE = SecrecyNotice(
    version=texts.NOTICE_MULTILAYER.version,
    basis=texts.NOTICE_MULTILAYER.basis,
    title=texts.NOTICE_MULTILAYER.title,
    text=texts.NOTICE_MULTILAYER.text,
    one_line=texts.NOTICE_MULTILAYER.one_line,
    statutory=False,
)
MULTILAYER_STATUTORY_NOTICE = SecrecyNotice(
    version=texts.NOTICE_MULTILAYER_STATUTORY.version,
    basis=texts.NOTICE_MULTILAYER_STATUTORY.basis,
    title=texts.NOTICE_MULTILAYER_STATUTORY.title,
    text=texts.NOTICE_MULTILAYER_STATUTORY.text,
    one_line=texts.NOTICE_MULTILAYER_STATUTORY.one_line,
    statutory=True,
)
NOTICES = (SUPPORT_NOTICE, MULTILAYER_NOTICE, MULTILAYER_STATUTORY_NOTICE)


def notice_for(kind: MeetingKind, *, multilayer_statutory: bool = False) -> SecrecyNotice:
    """The notice of a meeting of ``kind``; ``multilayer_statutory`` is the municipality's
    setting for its 重層的支援会議."""
    if kind is MeetingKind.SUPPORT:
        return SUPPORT_NOTICE
    return MULTILAYER_STATUTORY_NOTICE if multilayer_statutory else MULTILAYER_NOTICE
