"""A whole meeting cycle through the real bot leaves an audit trail whose hash chain
verifies, with ``shienbot audit --verify`` too; and a backup of it taken while the bot
runs verifies as well."""

from __future__ import annotations

from pathlib import Path

import pytest
from e2e_steps import ack, member, minutes_text, prepare_meeting, reacted, record_meeting, reply
from workspace_fixtures import CHANNEL, COORDINATOR

from bot import cli
from localslack.harness import LocalWorkspace
from storage.audit_chain import verify_audit_trail


def test_the_audit_trail_of_a_meeting_cycle_verifies(
    workspace: LocalWorkspace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, "houkatsu shogai konkyu csw")
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "要介護認定の申請を支援中。")
    ws.wait_until(lambda: reacted(ws, ts))
    assert "役割を記録しました" in ws.command(
        COORDINATOR, CHANNEL, f"role {code} houkatsu 母の介護保険サービス導入 主担当"
    )
    minutes_text(ws, day)
    assert "会議記録を保存しました" in record_meeting(ws, day, {"houkatsu": [houkatsu]})
    assert "議事録を確定しました" in ws.command(COORDINATOR, CHANNEL, f"minutes final {day}")
    ws.command(COORDINATOR, CHANNEL, f"audit {code}")
    ws.settle()

    assert ws.runtime is not None
    report = verify_audit_trail(ws.runtime.database.engine)
    assert report.ok, report.problem
    assert report.count >= 20

    monkeypatch.setattr(cli, "configure_logging", lambda verbose=False: None)
    monkeypatch.delenv("SHIEN_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", ws.database_url)
    assert cli.main(["audit", "--verify"]) == cli.EXIT_OK
    assert f"{report.count}件を検証しました" in capsys.readouterr().out
    assert cli.main(["backup", "--out", str(tmp_path)]) == cli.EXIT_OK
    assert "検証 OK" in capsys.readouterr().out
