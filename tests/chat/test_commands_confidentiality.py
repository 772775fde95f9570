"""The grammar of ``/shien consent withdraw`` and ``/shien audit``."""

from __future__ import annotations

from datetime import date

import pytest

from bot.chat.commands import AuditFilter, ConsentWithdraw, parse
from bot.chat.grammar import CommandError


def test_consent_withdraw() -> None:
    assert parse("consent withdraw R8-001").args == ConsentWithdraw("R8-001")
    assert parse("同意 撤回 R8-001 2026-12-01").args == ConsentWithdraw("R8-001", date(2026, 12, 1))
    assert parse("consent R8-001 2026-11-20").name == "consent"
    with pytest.raises(CommandError, match="事例番号"):
        parse("consent withdraw")


def test_audit() -> None:
    assert parse("audit").args == AuditFilter()
    assert parse("監査 r8-1").args == AuditFilter(code="R8-001")
    assert parse("監査記録 ２０２６－１２－０８").args == AuditFilter(day=date(2026, 12, 8))
    with pytest.raises(CommandError, match="1つ"):
        parse("audit R8-001 2026-12-08")
    with pytest.raises(CommandError, match="使い方: /shien audit"):
        parse("audit 明日")
