"""Slack answering slowly, refusing a call or dropping the connection, through the real bot
and the local workspace: every path ends in "recorded" or "the person was told"."""

from __future__ import annotations

from e2e_steps import ack, database, member, prepare_meeting
from workspace_fixtures import CHANNEL, COORDINATOR

from bot.domain.model import AuditAction
from localslack.harness import LocalWorkspace
from localslack.server import UPLOAD

# --------------------------------------------------------------------------- deliveries


def test_a_failed_upload_does_not_stop_the_other_deliveries(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu shogai konkyu csw", open_collection=False)
    for key in ("houkatsu", "shogai", "csw"):
        answer = ws.command(COORDINATOR, CHANNEL, f"role {codes[0]} {key} 継続的な見守り")
        assert "役割を記録しました" in answer, answer
        ack(ws, member(key))
    # The coordinator's full summary goes first, then one extract per member: the second
    # upload (houkatsu's extract) fails where slack_sdk raises urllib's HTTPError.
    ws.server.inject_failure(UPLOAD, "server_error", times=1, after=1)
    answer = ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    ws.settle()
    assert "1人には送れませんでした" in answer, answer
    received = [
        key for key in ("houkatsu", "shogai", "csw") if ws.server.files_shared_with(member(key))
    ]
    assert len(received) == 2
    with database(ws) as uow:
        sent_to = sorted(
            e.detail.rsplit("to=", 1)[1]
            for e in uow.audit.list()
            if e.action is AuditAction.DOCUMENT_DOWNLOADED and ";to=" in e.detail
        )
    assert sent_to == sorted(member(key) for key in received)
