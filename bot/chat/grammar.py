"""The words of a ``/shien`` command, independent of the chat platform.

Adapters turn the platform's mention syntax into ``@<user id>`` tokens (Slack sends
``<@U123|name>``). Keywords, keys, dates and times are matched after NFKC (full-width input
from a Japanese phone works, as do ``ー`` in dates and ``14時``); free text (an agency's
name, a role) is kept as typed. The command table (``bot.chat.commands``) builds each
subcommand's typed arguments from these pieces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

from bot import texts
from bot.domain.calendar import parse_date, parse_time
from bot.domain.errors import DomainError


class CommandError(DomainError):
    """The command could not be understood. ``show_help`` asks for the full help."""

    def __init__(self, message: str, *, show_help: bool = False) -> None:
        super().__init__(message)
        self.show_help = show_help


class ArgumentError(DomainError):
    """A subcommand's arguments are wrong; the dispatcher adds the subcommand's usage."""


@dataclass(frozen=True)
class Word:
    """One word of the command: ``raw`` as typed (kept for free text such as an agency's
    name or a role), ``norm`` in NFKC for matching keywords, keys, dates and mentions."""

    raw: str
    norm: str


KEY_NAMES = {
    "consent": ("同意", "consent"),
    "occasion": ("場面", "occasion"),
    "due": ("期限", "due"),
    "policy": ("休日", "holiday", "policy"),
    "assignee": ("担当", "assignee"),
    "purpose": ("目的", "purpose"),
}
_ALL_KEYS = {key for names in KEY_NAMES.values() for key in names}
_USER = re.compile(r"^@([A-Z0-9][A-Z0-9._-]*)$")
# NFKC leaves these dashes alone; Japanese phones often type "ー" or "−" for "-".
_DATE_DASHES = re.compile(r"(?<=\d)[‐‑‒–—―−ーｰ](?=\d)")
_KANJI_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_KANJI_TIME = re.compile(r"(\d{1,2})時(?:(\d{1,2})分|(半))?")
_SAFE_ECHO = re.compile(r"[0-9A-Za-z:/@._\-]{1,20}")
TIME_LIKE = re.compile(r"^\d{1,2}:\d{2}$")


def words(text: str) -> list[Word]:
    """Split on any white space (the ideographic space too); ``期限: 2026-12-25`` with a
    space after the colon, as phones often insert, is one word."""
    found: list[Word] = []
    for raw in text.split():
        norm = unicodedata.normalize("NFKC", raw).strip()
        if not norm:
            continue
        previous = found[-1] if found else None
        if previous and previous.norm.endswith(":") and previous.norm[:-1].lower() in _ALL_KEYS:
            found[-1] = Word(previous.raw + raw, previous.norm + norm)
        else:
            found.append(Word(raw, norm))
    return found


def user_of(word: Word) -> str | None:
    match = _USER.match(word.norm)
    return match.group(1) if match else None


def mentioned(text: str) -> str | None:
    """The user ID of ``@U123`` (a mention the adapter has turned into a token), else None."""
    match = _USER.match(text)
    return match.group(1) if match else None


def key_value(word: str, key: str) -> str | None:
    """The value of ``同意:2026-11-20`` when ``word`` is one of ``key``'s names, else None."""
    pair = split_key(word)
    return pair[1] if pair and pair[0] in KEY_NAMES[key] else None


def raw_value(word: Word) -> str:
    """The value of ``目的:…`` as typed (not NFKC: full-width brackets stay full-width)."""
    for colon in (":", "："):
        if colon in word.raw:
            return word.raw.split(colon, 1)[1]
    return ""


def split_key(word: str) -> tuple[str, str] | None:
    if ":" in word:  # NFKC has turned the full-width colon into ":"
        key, _, value = word.partition(":")
        return key.lower(), value
    return None


def quoted(text: str, known: str, unknown: str) -> str:
    """``「text」known`` when the word cannot be case content (short ASCII), else
    ``unknown``: errors never echo names or long input."""
    return f"「{text}」{known}" if _SAFE_ECHO.fullmatch(text) else unknown


def day(text: str) -> date:
    text = _DATE_DASHES.sub("-", text)
    if match := _KANJI_DATE.fullmatch(text):
        text = "-".join(match.groups())
    return parse_date(text)


def clock_time(text: str) -> time:
    if match := _KANJI_TIME.fullmatch(text):
        hour, minute, half = match.groups()
        text = f"{hour}:{'30' if half else (minute or '0').zfill(2)}"
    return parse_time(text)


def once(seen: set[str], key: str) -> None:
    """A key of ``KEY_NAMES`` (``due``: 期限) may be given once; the error names it by its
    first name."""
    if key in seen:
        raise ArgumentError(texts.GRAMMAR.key_once.format(key=KEY_NAMES[key][0]))
    seen.add(key)


def not_allowed(word: str, allowed: str = "") -> ArgumentError:
    return ArgumentError(
        quoted(word, texts.GRAMMAR.word_not_allowed, texts.GRAMMAR.some_word_not_allowed) + allowed
    )
