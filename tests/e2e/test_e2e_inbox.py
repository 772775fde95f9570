"""The production server stores each request before its ack and works on it afterwards:
a reply acked while Slack cannot be asked is recorded later, without Slack sending it again;
a reply acked just before the work process dies, or the whole server is killed, is recorded
when the work process or the server is back."""

from __future__ import annotations

import os
import signal
from datetime import date
from pathlib import Path

from e2e_steps import ack, inputs, member, prepare_meeting, reacted, reply, room

from localslack.harness import BotProcess, LocalWorkspace
from storage.inbox import inbox_for

PRODUCTION_SERVER = True
WORKERS = 1  # one serving process, one work process: which one holds a request is known

ALL = "houkatsu shogai konkyu csw"


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _tree(pid: int) -> list[int]:
    every, todo = [], [pid]
    while todo:
        current = todo.pop()
        every.append(current)
        todo.extend(_children(current))
    return every


def _work_processes(ws: LocalWorkspace) -> list[int]:
    assert ws.bot is not None and ws.bot.process is not None
    found = []
    for pid in _tree(ws.bot.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(pid)
    return found


def _stored(ws: LocalWorkspace) -> int:
    return inbox_for(ws.database).count()


def _acked_reply(ws: LocalWorkspace, who: str, code: str, text: str) -> str:
    """Post a thread reply; it is acked with 200 (stored: Slack need not send it again)."""
    ts = reply(ws, who, code, text)
    assert ws.slack.last_response is not None
    assert ws.slack.last_response.status == 200
    return ts


def _meeting(ws: LocalWorkspace, *confirming: str) -> tuple[date, str]:
    """A meeting of one case asked of every agency, collection open, ``confirming`` members
    confirmed and in its channel, the bot idle."""
    day, [code] = prepare_meeting(ws, ALL)
    for key in confirming:
        ack(ws, member(key))
    ws.settle()
    return day, code


def test_a_reply_acked_while_users_info_fails_is_recorded_without_slack_sending_it_again(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, code = _meeting(ws, "houkatsu")
    houkatsu = member("houkatsu")
    # A fresh work process (no user cached): the reply's author must be asked about.
    [worker] = _work_processes(ws)
    os.kill(worker, signal.SIGKILL)
    ws.wait_until(lambda: _work_processes(ws) not in ([], [worker]), timeout=20)
    asked = ws.server.api_call_count("users.info")
    ws.server.inject_failure("users.info", "fatal_error", times=1)
    ts = _acked_reply(ws, houkatsu, code, "日中は独居。見守りを継続しています。")
    ws.settle(timeout=30)
    [recorded] = inputs(ws, day)
    assert recorded.source_ref == f"{room(ws)}:{ts}"
    assert reacted(ws, ts)
    assert ws.slack.retries_sent == 0
    assert ws.server.api_call_count("users.info") >= asked + 2  # failed, then asked again
    assert _stored(ws) == 0


def test_a_reply_acked_before_the_work_process_dies_is_recorded_by_the_next_one(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, code = _meeting(ws, "houkatsu")
    houkatsu = member("houkatsu")
    [worker] = _work_processes(ws)
    os.kill(worker, signal.SIGSTOP)  # the work process hangs...
    try:
        ts = _acked_reply(ws, houkatsu, code, "通院に同行しました。")
        assert _stored(ws) == 1  # ...with the reply acked and stored, not yet recorded
        assert inputs(ws, day) == []
    finally:
        os.kill(worker, signal.SIGKILL)  # ...and dies
    # Started again within a second, the work process gets what its serving process stored.
    ws.wait_until(lambda: len(inputs(ws, day)) == 1, timeout=20)
    [recorded] = inputs(ws, day)
    assert recorded.source_ref == f"{room(ws)}:{ts}" and recorded.text == "通院に同行しました。"
    ws.settle()
    assert _stored(ws) == 0
    assert [i.text for i in inputs(ws, day)] == ["通院に同行しました。"]  # once


def test_requests_acked_before_the_whole_server_was_killed_are_worked_on_when_it_starts(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, code = _meeting(ws, "houkatsu", "csw")
    houkatsu, csw = member("houkatsu"), member("csw")
    assert ws.bot is not None and ws.bot.process is not None
    [worker] = _work_processes(ws)
    os.kill(worker, signal.SIGSTOP)
    first = _acked_reply(ws, houkatsu, code, "訪問しました。変わりありません。")
    second = _acked_reply(ws, csw, code, "地域の見守りを続けます。")
    assert _stored(ws) == 2
    # A power cut of the bot's processes: nothing stops gracefully.
    for pid in _tree(ws.bot.process.pid):
        os.kill(pid, signal.SIGKILL)
    ws.bot.stop()
    assert inputs(ws, day) == []
    ws.bot = BotProcess(ws.server, ws.database_url, coordinators=ws.coordinators, workers=1)
    ws.bot.start()
    ws.wait_until(lambda: len(inputs(ws, day)) == 2, timeout=30)
    assert {i.source_ref for i in inputs(ws, day)} == {
        f"{room(ws)}:{first}",
        f"{room(ws)}:{second}",
    }
    ws.settle()
    assert _stored(ws) == 0
