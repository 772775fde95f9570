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
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


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
            "phone": "電話番号",
            "individual_number": "個人番号（マイナンバー）",
            "postal_code": "郵便番号",
            "address": "住所",
            "email": "メールアドレス",
            "birth_date": "生年月日",
        }[self.value]


# NFKC turns full-width digits, letters, "＠", "－" and "（）" into ASCII, but leaves these
# dashes alone; between digits they are hyphens as far as people are concerned.
_DASHES = re.compile(r"(?<=\d)[‐‑‒–—―−ーｰ﹣～〜](?=\d)")
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


def normalise(text: str) -> str:
    """NFKC, with the dashes people type between digits turned into ``-``."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", text))


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
    phones = [m for m in _PHONE.finditer(text) if _phone(m)]
    if phones:
        found.add(IdentifierKind.PHONE)
    # A phone number's digits are not also an individual number or a postal code.
    rest = text
    for match in reversed(phones):
        rest = rest[: match.start()] + " " + rest[match.end() :]
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
    return "・".join(kind.label for kind in kinds)
