"""Sanitising user text before it goes into a Word document."""

from __future__ import annotations

import re

# Characters XML 1.0 forbids (python-docx and Word refuse them): C0 controls other than tab
# and newline, surrogate code points (a str can only hold lone ones) and U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Return ``value`` safe to place in a document.

    Line endings become ``\\n`` (rendered as line breaks within the paragraph); XML-illegal
    characters are removed; everything else, markup-like text included, is kept as typed —
    escaping is done when the document is rendered.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_ILLEGAL.sub("", text)
