"""Text people type, made safe to store and show: the one normalisation every entry point uses.

Replies, form fields, agency names and kinds, role tasks and display names all pass through
:func:`clean_user_text` (or :func:`clean_name` for one-line names) before they are stored or
shown. Removed:

* control characters (C0 except tab and newline, DEL, C1), lone surrogates and the
  noncharacters U+FFFE/U+FFFF;
* bidi controls (LRE…RLO, LRI…PDI, LRM/RLM/ALM), which can make text read differently than it
  is stored;
* zero-width and other invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF,
  U+00AD, U+180E, …), which can hide a phone number from the identifier check or make two
  names look alike; a zero-width joiner inside an emoji sequence is kept;
* the bot's own mention markers (:data:`MENTION_OPEN`, :data:`MENTION_CLOSE`): only the bot
  writes them, and the chat adapter turns them into real mentions, so typed ones must never
  survive.

Line ends become ``\\n``; U+2028/U+2029 too.
"""

from __future__ import annotations

import re
import unicodedata

# Mentions travel as a token that only the chat adapter's escape function turns into a
# ping; the delimiters are private-use characters, removed from everything people type.
MENTION_OPEN, MENTION_CLOSE = "\ue000", "\ue001"

_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_SURROGATES_AND_NONCHARACTERS = "\ud800-\udfff\ufffe\uffff"
_MARKERS = MENTION_OPEN + MENTION_CLOSE
_REMOVED = re.compile(f"[{_CONTROLS}{_SURROGATES_AND_NONCHARACTERS}{_MARKERS}]")
# An emoji (or a variation selector after one) on both sides of a zero-width joiner: the
# joiner is part of the emoji (👨‍👩‍👧), not a hiding place.
_PICTOGRAPH = "\u2600-\u27bf\U0001f000-\U0001faff"
_EMOJI_JOINER = re.compile(f"(?<=[{_PICTOGRAPH}\ufe0f])\u200d(?=[{_PICTOGRAPH}])")
_KEPT_JOINER = "\ue002"  # a placeholder while format characters are removed; never kept
_LINE_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\x85]")


def _without_format_characters(text: str) -> str:
    # Unicode category Cf: bidi controls, zero-width characters, soft hyphen, word joiner,
    # invisible operators, tag characters, interlinear annotation marks.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def clean_user_text(text: str, *, max_length: int = 3000) -> str:
    """What people type, made safe to store and show (see the module's docstring): invisible
    and control characters and the bot's markers removed, line ends normalised, surrounding
    space trimmed, length capped."""
    text = text.replace(_KEPT_JOINER, "")
    text = _LINE_SEPARATORS.sub("\n", text)
    text = _EMOJI_JOINER.sub(_KEPT_JOINER, text)
    text = _without_format_characters(_REMOVED.sub("", text))
    return text.replace(_KEPT_JOINER, "\u200d").strip()[:max_length]


_WHITESPACE_RUN = re.compile(r"\s+")


def clean_name(text: str, *, max_length: int = 200) -> str:
    """A one-line name (an agency's, a person's display name): :func:`clean_user_text`, with
    line breaks and tabs turned into single spaces."""
    cleaned = clean_user_text(text, max_length=max_length * 2)
    return _WHITESPACE_RUN.sub(" ", cleaned).strip()[:max_length]


def without_invisible(text: str) -> str:
    """Only the invisible characters removed (format characters, controls other than
    whitespace, the bot's markers), nothing trimmed: for checks that look at what text
    *says*, such as the identifier detection."""
    text = _REMOVED.sub("", text.replace("\t", " "))
    return _without_format_characters(text)
