"""The statutory secrecy notice (守秘義務) that opens every meeting's case content.

The notice is versioned: a member's confirmation is tied to the version they saw, and a new
version needs a new confirmation. The wording and its version are in the catalogue
(``bot.texts.NOTICE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import texts


@dataclass(frozen=True)
class SecrecyNotice:
    version: str
    title: str
    text: str

    @property
    def one_line(self) -> str:
        """The short form that ends every prompt DM and heads every case thread."""
        return texts.NOTICE.one_line


SECRECY_NOTICE = SecrecyNotice(
    version=texts.NOTICE.version, title=texts.NOTICE.title, text=texts.NOTICE.text
)
