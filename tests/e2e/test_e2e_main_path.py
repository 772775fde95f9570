"""The product's main path, end to end: a coordinator runs a meeting from a private channel,
agencies answer in threads, and the coordinator downloads the documents."""

from __future__ import annotations

import io

from docx import Document
from e2e_steps import room
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, meeting_day, register_agencies

from localslack.harness import LocalWorkspace


def _thread_head(ws: LocalWorkspace, code: str) -> str:
    for message in ws.server.messages(room(ws)):
        if f"事例 {code}" in str(message.get("text", "")):
            return str(message["ts"])
    raise AssertionError(f"no thread for {code}")


def test_a_whole_meeting_cycle(workspace: LocalWorkspace) -> None:
    ws = workspace
    day = meeting_day()
    register_agencies(ws)
    assert "会議を登録しました" in ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00")
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu shogai konkyu csw")
    assert "R8-001" in answer, answer
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, "agenda add R8-001")
    answer = ws.command(COORDINATOR, CHANNEL, "open")
    assert "情報収集を開始しました" in answer, answer

    houkatsu = MEMBERS["houkatsu"][0]
    assert "守秘義務の確認を記録しました" in ws.command(houkatsu, CHANNEL, "ack")
    ws.wait_until(lambda: houkatsu in ws.server.channel(room(ws)).members)
    head = _thread_head(ws, "R8-001")
    ts = ws.slack.user_posts(houkatsu, room(ws), "要介護認定の申請を支援中。", thread_ts=head)
    ws.wait_until(lambda: ws.server.reactions(room(ws), ts))
    ws.wait_until(lambda: "回答済み" in str(ws.server.message(room(ws), head)))

    assert "役割を記録しました" in ws.command(
        COORDINATOR, CHANNEL, f"role R8-001 houkatsu 母の介護保険サービス導入 期限:{day} 主担当"
    )
    assert "議事録" in ws.command(COORDINATOR, CHANNEL, f"minutes {day}")
    files = ws.wait_until(lambda: ws.server.files_shared_with(COORDINATOR))
    document = Document(io.BytesIO(files[-1].bytes))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells
    )
    assert "R8-001" in text
    assert "要介護認定の申請を支援中。" in text
