"""Shared set-up for the end-to-end tests: 架空市's people, agencies and a meeting channel."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.calendar import JapaneseCalendar
from localslack.harness import LocalWorkspace

CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
MEMBERS = {
    "houkatsu": ("U0HOUKATSU", "架空市中央地域包括支援センター"),
    "shogai": ("U0SHOGAI", "架空市基幹相談支援センター"),
    "konkyu": ("U0KONKYU", "架空市くらし自立相談センター"),
    "csw": ("U0CSW", "架空市社会福祉協議会"),
}
OUTSIDER = "U0OUTSIDER"
NAMES = {
    COORDINATOR: "事務局 架空花子",
    "U0HOUKATSU": "包括 架空一郎",
    "U0SHOGAI": "基幹 架空二郎",
    "U0KONKYU": "自立 架空三子",
    "U0CSW": "CSW 架空四郎",
    OUTSIDER: "無関係 架空五郎",
}


def meeting_day(today: date | None = None) -> date:
    """A working day about a week ahead."""
    today = today or date.today()
    return JapaneseCalendar().next_working_day(today + timedelta(days=7))


def register_agencies(ws: LocalWorkspace) -> None:
    assert "会議チャンネルに設定" in ws.command(COORDINATOR, CHANNEL, "setup")
    for key, (user_id, name) in MEMBERS.items():
        answer = ws.command(COORDINATOR, CHANNEL, f"agency add {key} {name} <@{user_id}>")
        assert "登録しました" in answer, answer
