"""The statutory secrecy notice (守秘義務) that opens every meeting's case content.

The notice is versioned: a member's confirmation is tied to the version they saw, and a new
version needs a new confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SecrecyNotice:
    version: str
    title: str
    text: str

    @property
    def one_line(self) -> str:
        """The short form that ends every prompt DM and heads every case thread."""
        return (
            "【守秘義務】社会福祉法第106条の6第5項により、この会議で知り得た秘密を"
            "正当な理由なく漏らすことは禁じられています（罰則あり）。"
        )


SECRECY_NOTICE = SecrecyNotice(
    version="2026.1",
    title="守秘義務の確認（社会福祉法第106条の6第5項）",
    text=(
        "この会議は、社会福祉法第106条の6に基づく支援会議（または重層的支援体制整備事業の"
        "会議）です。会議の事務に従事する者又は従事していた者は、正当な理由がなく、"
        "会議の事務に関して知り得た秘密を漏らしてはなりません（同条第5項）。"
        "この義務に違反した者は、同法の罰則により処罰されることがあります。"
        "会議の内容と資料は非公開です。事例は事例番号でのみ扱い、氏名・住所・電話番号などの"
        "個人を特定する情報はチャットに書き込まないでください。"
    ),
)
