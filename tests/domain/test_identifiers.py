"""Direct identifiers in replies: what is found (kinds only), and what must not be."""

from __future__ import annotations

import pytest

from bot.domain.identifiers import IdentifierKind, codes, detect, labels

PHONE = IdentifierKind.PHONE
NUMBER = IdentifierKind.INDIVIDUAL_NUMBER
POSTAL = IdentifierKind.POSTAL_CODE
ADDRESS = IdentifierKind.ADDRESS
EMAIL = IdentifierKind.EMAIL
BIRTH = IdentifierKind.BIRTH_DATE


@pytest.mark.parametrize(
    "text",
    [
        "長男の携帯は090-1234-5678です。",
        "連絡先 080 1234 5678",
        "070－1234－5678（全角ハイフン）",
        "０９０－１２３４－５６７８（全角数字）",
        "090ー1234ー5678（長音記号）",
        "090−1234−5678（マイナス記号）",
        "09012345678",
        "自宅 03-1234-5678",
        "自宅 03(1234)5678",
        "(0467)23-3000 に電話",
        "0467-23-3000",
        "0120-123-456 に相談",
        "050-1234-5678",
        "+81 90-1234-5678",
        "+819012345678",
        "TEL:0312345678",
    ],
)
def test_phone_numbers(text: str) -> None:
    assert PHONE in detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "個人番号 1234-5678-9012",
        "マイナンバーは123456789012",
        "１２３４ ５６７８ ９０１２",
        "0123-4567-8901",  # twelve digits with a leading zero: not a phone number
        "012345678901",
    ],
)
def test_individual_numbers(text: str) -> None:
    kinds = detect(text)
    assert NUMBER in kinds and PHONE not in kinds, (text, kinds)


@pytest.mark.parametrize("text", ["〒248-0012", "〒2480012", "〒 100-0001", "住所は248-0012の"])
def test_postal_codes(text: str) -> None:
    assert POSTAL in detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "架空市中央3丁目5番2号",
        "中央三丁目に住む",
        "大字架空123番地の4",
        "5番2号のアパート",
        "鎌倉市御成町18-10",
        "架空市大船1-2-3",
        "架空市北3条西4-5",
        "神奈川県架空市本町２－３－４",
    ],
)
def test_street_addresses(text: str) -> None:
    assert ADDRESS in detect(text), text


@pytest.mark.parametrize(
    "text",
    ["kakuu.taro@example.jp に送付", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", "a_b+c@mail.example.co.jp"],
)
def test_email_addresses(text: str) -> None:
    assert EMAIL in detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "生年月日: 1945年3月2日",
        "生年月日 1945/03/02",
        "昭和20年3月2日生まれ",
        "S20.3.2生",
        "平成元年5月1日生まれの長男",
        "令和2年4月1日生の次男",
        "1975-06-30生まれ",
        "（1975/6/30生）",
        "誕生日は2010年4月1日",
    ],
)
def test_dates_of_birth(text: str) -> None:
    assert BIRTH in detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "要介護認定の申請を支援中。母は物忘れが進み、服薬管理ができていない。",
        "次回の会議は2026-12-08 14:00から。",
        "令和8年12月8日（火）14:00〜 支援会議",
        "R8-001 と R8-1000 の件",
        "期限:2026-12-25 までに家計の相談",
        "期限：２０２６－１２－２５",
        "家賃の滞納が2か月、約10万円。",
        "月500-1000円の自己負担",
        "2025-2026年度の計画",
        "次回モニタリングは2027/01/15",
        "2026年12月1日に生活保護を申請",
        "2026-12-01生活保護の相談",
        "介護保険の第1号被保険者、障害支援区分3",
        "週2回、9:30-12:00に訪問",
        "<@U0HOUKATSU> さんに確認",
        "80代の母と50代の長男",
        "14時半に来所",
        "電話で連絡がついた（番号は記録に記載）",
        "第2火曜の定例会議で再検討",
        "1-2か月様子をみる",
    ],
)
def test_ordinary_meeting_text_is_not_flagged(text: str) -> None:
    assert detect(text) == (), text


@pytest.mark.parametrize(
    "text",
    [
        "携帯 090\u200c1234\u200c5678",  # zero-width non-joiner between the groups
        "090\u20601234\u20605678",  # word joiner
        "0\u200b9\u200b0\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b8",
        "0\u200d9\u200d0-1234-5678",
        "090\u00ad1234\u00ad5678",  # soft hyphens
        "0 9 0 1 2 3 4 5 6 7 8",
        "連絡先は 0 9 0 - 1 2 3 4 - 5 6 7 8",
        "090.1234.5678",
        "090 . 1234 . 5678",
        "090 - 1234 - 5678",
        "03・1234・5678",
        "〇九〇ー一二三四ー五六七八",
        "〇九〇一二三四五六七八",
        "電話は〇三・一二三四・五六七八まで",
        "０９０\u3000１２３４\u3000５６７８",  # ideographic spaces
    ],
)
def test_disguised_phone_numbers(text: str) -> None:
    assert PHONE in detect(text), text


@pytest.mark.parametrize(
    "text",
    [
        "taro [at] example.jp",
        "taro(at)example.jp",
        "taro (AT) example.jp",
        "taro ＠ example.jp",
        "taro at example.jp",
        "taro アットマーク example.jp",
        "taro [at] example [dot] jp",
        "ta\u200bro@exa\u2060mple.jp",
    ],
)
def test_disguised_email_addresses(text: str) -> None:
    assert EMAIL in detect(text), text


@pytest.mark.parametrize(
    "text", ["1234.5678.9012", "1 2 3 4 5 6 7 8 9 0 1 2", "一二三四 五六七八 九〇一二"]
)
def test_disguised_individual_numbers(text: str) -> None:
    kinds = detect(text)
    assert NUMBER in kinds and PHONE not in kinds, (text, kinds)


def test_kanji_numerals_in_a_postal_code() -> None:
    assert POSTAL in detect("〒二四八-〇〇一二")


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-08",
        "R8-001",
        "14:00",
        "2026.12.08 14:00",
        "14:00-16:30",
        "09:00 - 12:00",
        "0900-1200",
        "R8-001、R8-002、R8-003",
        "2026-12-08 14:00 から 2026-12-09 09:30 まで",
        "次回 2026/12/08 10:00、次々回 2027/01/12 10:00",
        "2026-12-08 2026-12-15 2026-12-22",
        "meet at 14:00",
        "一二三",
        "十年前に一度相談、第一回と第二回の会議",
        "1 2 3 4 5",
        "電話番号は 0 番",
        "10 000 円",
    ],
)
def test_dates_codes_and_times_are_not_disguised_identifiers(text: str) -> None:
    assert detect(text) == (), text


def test_several_kinds_are_reported_in_a_fixed_order_without_the_text() -> None:
    text = "taro@example.jp、090-1234-5678、〒248-0012 架空市中央3丁目5番2号、昭和20年3月2日生まれ"
    kinds = detect(text)
    assert kinds == (PHONE, POSTAL, ADDRESS, EMAIL, BIRTH)
    assert codes(kinds) == "phone,postal_code,address,email,birth_date"
    assert labels((PHONE, EMAIL)) == "電話番号・メールアドレス"
    assert all(isinstance(kind, IdentifierKind) for kind in kinds)
