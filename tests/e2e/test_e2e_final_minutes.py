"""Finalised minutes are frozen: the same bytes every time, their hash in the audit trail.
And the terminal commands a coordinator or privacy officer uses without chat."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from e2e_steps import (
    ack,
    database,
    docx_text,
    meeting,
    member,
    prepare_meeting,
    record_meeting,
    reply,
    room,
)
from workspace_fixtures import CHANNEL, COORDINATOR

from bot.domain.model import AuditAction
from localslack.harness import LocalWorkspace


def _newest_file(ws: LocalWorkspace, before: int) -> bytes:
    files = ws.wait_until(
        lambda: (
            len(ws.server.files_shared_with(COORDINATOR)) > before
            and ws.server.files_shared_with(COORDINATOR)
        )
    )
    return files[-1].bytes


def test_final_minutes_are_frozen_and_their_hash_is_audited(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu shogai konkyu csw")
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, codes[0], "要介護認定の申請を支援中。")
    ws.wait_until(lambda: ws.server.reactions(room(ws), ts))

    # Minutes without the meeting's record (who attended) cannot be filed.
    answer = ws.command(COORDINATOR, CHANNEL, f"minutes final {day}")
    assert f"/shien record {day}" in answer, answer
    saved = record_meeting(ws, day, {"jimu": [COORDINATOR], "houkatsu": [houkatsu]})
    assert "会議記録を保存しました（出席 2人・欠席 0件）" in saved, saved

    before = len(ws.server.files_shared_with(COORDINATOR))
    answer = ws.command(COORDINATOR, CHANNEL, f"minutes final {day}")
    assert "議事録を確定しました" in answer, answer
    final = _newest_file(ws, before)
    assert ws.server.files_shared_with(COORDINATOR)[-1].name == f"minutes-{day}.docx"
    text = docx_text(final)
    assert "要介護認定の申請を支援中。" in text
    assert "案" not in [p.strip() for p in text.splitlines()]  # no draft mark

    # Later changes do not alter the filed version: the same bytes come back.
    ws.slack.user_edits(room(ws), ts, "書き換えた内容")
    ws.settle()
    before = len(ws.server.files_shared_with(COORDINATOR))
    assert "議事録" in ws.command(COORDINATOR, CHANNEL, f"minutes {day}")
    assert _newest_file(ws, before) == final
    again = ws.command(COORDINATOR, CHANNEL, f"minutes final {day}")
    assert "確定済みです" in again

    digest = hashlib.sha256(final).hexdigest()
    meeting_id = meeting(ws, day).id
    with database(ws) as uow:
        events = [e for e in uow.audit.list() if e.action is AuditAction.MINUTES_FINALISED]
        stored = uow.final_documents.get(meeting_id, "minutes")
    assert [e.detail for e in events] == [f"sha256={digest}"]
    assert stored is not None and stored.sha256 == digest
    assert digest[:16] in answer


def test_a_member_cannot_finalise(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, _ = prepare_meeting(ws, "houkatsu", open_collection=False)
    answer = ws.command(member("houkatsu"), CHANNEL, f"minutes final {day}")
    assert "事務局" in answer
    meeting_id = meeting(ws, day).id
    with database(ws) as uow:
        assert uow.final_documents.get(meeting_id, "minutes") is None


def _shienbot(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SHIEN_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_terminal_commands_write_the_documents(workspace: LocalWorkspace, tmp_path: Path) -> None:
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu csw", open_collection=False)
    assert "役割を記録しました" in ws.command(
        COORDINATOR, CHANNEL, f"role {codes[0]} houkatsu 母の介護保険サービス導入 主担当"
    )
    assert "役割を記録しました" in ws.command(
        COORDINATOR, CHANNEL, f"role {codes[0]} csw 長男への手紙"
    )
    record_meeting(ws, day, {"jimu": [COORDINATOR]})
    ws.settle()
    url = ws.database_url

    draft = _shienbot(
        "minutes", "--meeting", str(day), "--out", str(tmp_path), database_url=url, cwd=tmp_path
    )
    assert draft.returncode == 0, draft.stderr
    assert "議事録（案）" in draft.stdout
    assert codes[0] in docx_text((tmp_path / f"minutes-{day}-draft.docx").read_bytes())

    extract = _shienbot(
        "roles",
        "--meeting",
        str(day),
        "--agency",
        "csw",
        "--out",
        str(tmp_path),
        database_url=url,
        cwd=tmp_path,
    )
    assert extract.returncode == 0, extract.stderr
    text = docx_text((tmp_path / f"roles-{day}-csw.docx").read_bytes())
    assert "長男への手紙" in text and "母の介護保険サービス導入" not in text

    final = _shienbot(
        "minutes",
        "--meeting",
        str(day),
        "--final",
        "--out",
        str(tmp_path),
        database_url=url,
        cwd=tmp_path,
    )
    assert final.returncode == 0, final.stderr
    frozen = (tmp_path / f"minutes-{day}.docx").read_bytes()
    assert hashlib.sha256(frozen).hexdigest() in final.stdout

    missing = _shienbot("minutes", "--meeting", "2020-01-07", database_url=url, cwd=tmp_path)
    assert missing.returncode == 1 and "会議はありません" in missing.stderr
    malformed = _shienbot("minutes", "--meeting", "12/8", database_url=url, cwd=tmp_path)
    assert malformed.returncode == 2 and malformed.stderr.startswith("引数エラー: --meeting")

    with database(ws) as uow:
        operators = {
            e.actor for e in uow.audit.list() if e.action is AuditAction.DOCUMENT_DOWNLOADED
        }
    assert any(actor.startswith("operator:") for actor in operators)
