"""Direct identifiers in free text: phone numbers, individual numbers (マイナンバー), postal
codes, street addresses, email addresses and dates of birth.

Chat carries case codes, never names or contact details. A reply that looks like it carries
such a detail is still recorded (the agency's input must not be lost), but it is flagged and
its author asked to edit it. :func:`detect` returns only the *kinds* found, never the matched
text, so that nothing detected here can leak into an audit event, a log or a message.

The patterns favour recall over precision for the shapes people actually type (full-width
digits and hyphens from Japanese phones included), with guards for what a meeting's chat is
full of: meeting dates (2026-12-08), case codes (R8-001), times (14:00), due dates
(期限:2026-12-25), durations and amounts (2か月, 10万円, 500-1000円).

Detection runs on a normalised copy (:func:`normalise`), so the easy disguises are seen
through: zero-width and other invisible characters between digits (U+200C, U+2060, …),
full-width forms (NFKC), kanji numerals written as digits (〇九〇…), dashes of every kind,
digits spaced or dotted apart (0 9 0…, 090.1234.5678), and written-out at signs
(``taro [at] example.jp``, ``(at)``, ``＠``, ``taro at example.jp``).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from bot import texts
from bot.domain.text import without_invisible


class IdentifierKind(StrEnum):
    PHONE = "phone"
    INDIVIDUAL_NUMBER = "individual_number"
    POSTAL_CODE = "postal_code"
    ADDRESS = "address"
    EMAIL = "email"
    BIRTH_DATE = "birth_date"

    @property
    def label(self) -> str:
        return {
            "phone": texts.IDENTIFIERS.phone,
            "individual_number": texts.IDENTIFIERS.individual_number,
            "postal_code": texts.IDENTIFIERS.postal_code,
            "address": texts.IDENTIFIERS.address,
            "email": texts.IDENTIFIERS.email,
            "birth_date": texts.IDENTIFIERS.birth_date,
        }[self.value]


# NFKC turns full-width digits, letters, "＠", "－" and "（）" into ASCII, but leaves these
# dashes alone; between digits they are hyphens as far as people are concerned.
_DASH_CHARS = "‐‑‒–—―−ーｰ﹣～〜"
_DASHES = re.compile(rf"(?<=\d)[{_DASH_CHARS}](?=\d)")
# Kanji numerals used as digits (〇九〇-一二三四-五六七八): a run of at least six digit
# characters, kanji or not, with at most two separators between neighbours. Shorter runs
# (三丁目, 一度, 十年) are words and stay as they are.
_KANJI_DIGITS = "〇一二三四五六七八九"
_KANJI_TO_ASCII = str.maketrans(_KANJI_DIGITS, "0123456789")
_DIGIT_SEPARATORS = rf"\s.\-{_DASH_CHARS}・･_/"
_KANJI_RUN = re.compile(
    rf"[{_KANJI_DIGITS}0-9](?:[{_DIGIT_SEPARATORS}]{{0,2}}[{_KANJI_DIGITS}0-9])+"
)
_KANJI_RUN_DIGITS = 6
# Written-out at signs: "taro [at] example.jp", "taro(at)example.jp", "taro ＠ example.jp",
# "taro at example.jp", "taro アットマーク example.jp"; "[dot]" and "(dot)" likewise.
_DOMAIN_AHEAD = r"(?=[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
_AT_WORDS = r"(?:at|アットマーク|アット|あっとまーく|あっと)"
_AT_FORMS = re.compile(
    rf"\s*(?:[\[(<{{]\s*{_AT_WORDS}\s*[\])>}}]|@)\s*"
    rf"|(?<=[A-Za-z0-9._%+-])\s+{_AT_WORDS}\s+{_DOMAIN_AHEAD}",
    re.IGNORECASE,
)
_DOT_FORMS = re.compile(r"\s*[\[(<{]\s*dot\s*[\])>}]\s*", re.IGNORECASE)
# Digits spaced, dotted or dashed apart: "0 9 0 1 2 3 4 5 6 7 8", "090.1234.5678",
# "090 - 1234 - 5678". Joined, a run is judged by its digits alone (see _folded_kinds).
_DIGIT_RUN = re.compile(r"(?<![\d+])\d(?:[\s.\-・･_/]{0,3}\d)+(?!\d)")
# A number followed by a unit is an amount, a count or a duration, not an identifier.
_NOT_UNIT = (
    r"(?!\s?(?:円|万|千|百|億|人|件|回|日|時|分|秒|歳|才|か|ヶ|ケ|カ|箇|個|枚|世帯|%|km|m\b))"
)
# Not glued to more digits (or to a digit-hyphen run) on either side.
_START = r"(?<!\d)(?<!\d-)(?<!\+)"
_END = r"(?!\d)(?!-\d)"

_PHONE = re.compile(
    _START
    + r"(?:"
    + r"\+81[-\s]?\(?0?\)?\d{1,4}[-\s)]\s?\d{1,4}[-\s]\d{4}"  # +81 90-1234-5678
    + r"|\+81\d{9,10}"  # +819012345678
    + r"|0\d{1,4}[-\s(]\s?\d{1,4}[-\s)]\s?\d{3,4}"  # 03-1234-5678, 090 1234 5678, 03(1234)5678
    + r"|\(0\d{1,4}\)\s?\d{1,4}[-\s]?\d{4}"  # (03)1234-5678
    + r"|0\d{9,10}"  # 0312345678, 09012345678
    + r")"
    + _END
)
_INDIVIDUAL_NUMBER = re.compile(_START + r"\d{4}[-\s]?\d{4}[-\s]?\d{4}" + _END + _NOT_UNIT)
_POSTAL_CODE = re.compile(r"〒\s?\d{3}-?\d{4}(?!\d)|" + _START + r"\d{3}-\d{4}" + _END + _NOT_UNIT)
_NUM = r"[0-9一二三四五六七八九十百〇]+"
_KANJI = r"[一-龥々〆ヶ]"
_ADDRESS = re.compile(
    rf"{_NUM}丁目"  # 3丁目, 三丁目
    rf"|{_NUM}番地"  # 123番地
    rf"|{_NUM}番{_NUM}号"  # 5番2号
    # 鎌倉市大船1-2-3, 御成町18-10, 北3条西4-5: a place name, then block-lot(-house)
    rf"|{_KANJI}*(?:都|道|府|県|市|区|町|村|条){_KANJI}{{0,8}}\d{{1,5}}(?:-\d{{1,5}}){{1,2}}"
    + _END
    + _NOT_UNIT
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ERA = r"(?:明治|大正|昭和|平成|令和|[MTSHR])"
_DATE = re.compile(
    rf"{_ERA}\s?(?:\d{{1,2}}|元)(?:年\s?\d{{1,2}}月\s?\d{{1,2}}日?|[./]\d{{1,2}}[./]\d{{1,2}})"
    r"|(?<!\d)\d{4}(?:年\s?\d{1,2}月\s?\d{1,2}日?|([-/.])\d{1,2}\1\d{1,2})(?!\d)"
)
_BIRTH_BEFORE = re.compile(r"(?:生年月日|誕生日|生まれ|出生)")
# 「…生まれ」「…生」「…生）」, but not 「…生活」「…生徒」.
_BIRTH_AFTER = re.compile(r"\s?(?:生まれ|生(?:$|[^一-龥ぁ-んァ-ヶ]|の))")
_BIRTH_WINDOW = 12


def _kanji_digits(match: re.Match[str]) -> str:
    run = match.group()
    if (
        any(ch in _KANJI_DIGITS for ch in run)
        and sum(ch.isdigit() or ch in _KANJI_DIGITS for ch in run) >= _KANJI_RUN_DIGITS
    ):
        return run.translate(_KANJI_TO_ASCII)
    return run


def normalise(text: str) -> str:
    """The copy identifiers are looked for in: invisible characters removed, NFKC, kanji
    numerals in digit runs as digits, the dashes people type between digits as ``-``, and
    written-out at signs as ``@``."""
    text = unicodedata.normalize("NFKC", without_invisible(text))
    text = _KANJI_RUN.sub(_kanji_digits, text)
    text = _DASHES.sub("-", text)
    text = _DOT_FORMS.sub(".", text)
    return _AT_FORMS.sub("@", text)


def _is_unit_after(text: str, end: int) -> bool:
    return re.match(_NOT_UNIT, text[end:]) is None


def _folded_kinds(text: str) -> list[tuple[re.Match[str], IdentifierKind]]:
    """Runs of digits with separators inside that, joined, are a phone number (10 or 11
    digits from a leading 0) or an individual number (12 digits in groups of four, or
    every digit apart)."""
    found = []
    for match in _DIGIT_RUN.finditer(text):
        run = match.group()
        digits = re.sub(r"\D", "", run)
        if digits == run or _is_unit_after(text, match.end()):
            continue  # no separators: the ordinary patterns judge it
        groups = [len(g) for g in re.split(r"\D+", run) if g]
        if len(digits) in (10, 11) and digits.startswith("0"):
            found.append((match, IdentifierKind.PHONE))
        elif len(digits) == 12 and (groups == [4, 4, 4] or set(groups) == {1}):
            found.append((match, IdentifierKind.INDIVIDUAL_NUMBER))
    return found


def _phone(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group())
    if match.group().startswith("+81"):
        return len(digits) in (11, 12)
    return len(digits) in (10, 11)


def _birth_dates(text: str) -> bool:
    for match in _DATE.finditer(text):
        before = text[max(0, match.start() - _BIRTH_WINDOW) : match.start()]
        if _BIRTH_BEFORE.search(before) or _BIRTH_AFTER.match(text, match.end()):
            return True
    return False


def detect(text: str) -> tuple[IdentifierKind, ...]:
    """The kinds of direct identifier ``text`` seems to carry, in the enum's order; empty if
    none. Never returns or keeps the matched text."""
    text = normalise(text)
    found: set[IdentifierKind] = set()
    spans = [m.span() for m in _PHONE.finditer(text) if _phone(m)]
    if spans:
        found.add(IdentifierKind.PHONE)
    for match, kind in _folded_kinds(text):
        found.add(kind)
        spans.append(match.span())
    # A phone number's digits are not also an individual number or a postal code.
    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " * (end - start) + rest[end:]
    emails = list(_EMAIL.finditer(rest))
    if emails:
        found.add(IdentifierKind.EMAIL)
    for match in reversed(emails):
        rest = rest[: match.start()] + " " + rest[match.end() :]
    if _INDIVIDUAL_NUMBER.search(rest):
        found.add(IdentifierKind.INDIVIDUAL_NUMBER)
    if _POSTAL_CODE.search(rest):
        found.add(IdentifierKind.POSTAL_CODE)
    if _ADDRESS.search(rest):
        found.add(IdentifierKind.ADDRESS)
    if _birth_dates(rest):
        found.add(IdentifierKind.BIRTH_DATE)
    return tuple(kind for kind in IdentifierKind if kind in found)


def codes(kinds: tuple[IdentifierKind, ...]) -> str:
    """``phone,email``: for the audit trail's detail."""
    return ",".join(kind.value for kind in kinds)


def labels(kinds: tuple[IdentifierKind, ...]) -> str:
    """「電話番号・メールアドレス」: for messages."""
    return texts.IDENTIFIERS.separator.join(kind.label for kind in kinds)
