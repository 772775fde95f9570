"""Scheduling through the real bot over HTTP: /shien monthly, meetings, move and cancel, and
the timeline's jobs (opening, reminders) run through the services at a controlled time,
paced under the local workspace's per-channel rate limit."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, NAMES, register_agencies

from bot.documents import DocxRenderer
from bot.domain.timeline import PlannedSend
from bot.scheduling import PacedChat, Pacer
from bot.services.scheduled import run_send
from localslack.harness import LocalWorkspace

JST = ZoneInfo("Asia/Tokyo")
HOUKATSU = MEMBERS["houkatsu"][0]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Jobs:
    """The scheduler as the services see it; ``run_due`` plays its wake-up."""

    def __init__(self) -> None:
        self.planned: dict[str, PlannedSend] = {}

    def plan(self, sends: Sequence[PlannedSend], *, within: object = None) -> None:
        self.planned.update({s.key: s for s in sends})

    def unplan(self, keys: Sequence[str], *, within: object = None) -> None:
        for key in keys:
            self.planned.pop(key, None)

    def run_due(self, ws: LocalWorkspace, pacer: Pacer) -> list[str]:
        assert ws.runtime is not None
        ctx = replace(ws.runtime.context, chat=PacedChat(ws.runtime.context.chat, pacer))
        done = []
        for send in sorted(s for s in self.planned.values() if s.due <= ctx.now()):
            del self.planned[send.key]
            done.append(f"{send.kind.value}:{run_send(ctx, send).value}")
        return done


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 7, 20, 10, 0, tzinfo=JST))


@pytest.fixture
def scheduled(
    tmp_path: Path, renderer: DocxRenderer, clock: Clock
) -> Iterator[tuple[LocalWorkspace, Jobs]]:
    database = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    with LocalWorkspace(
        database, coordinators=(COORDINATOR,), renderer=renderer, clock=clock, rate_limit=2.0
    ) as ws:
        for user_id, name in NAMES.items():
            ws.server.add_user(user_id, name)
        members = [COORDINATOR, *(u for u, _ in MEMBERS.values()), ws.server.bot_user_id]
        ws.server.add_channel(CHANNEL, "kaigi-01", is_private=True, members=members)
        jobs = Jobs()
        assert ws.runtime is not None
        ws.runtime.context.scheduler = jobs
        yield ws, jobs
        ws.settle()
        assert not ws.server.problems, ws.server.problems


def _reminders(ws: LocalWorkspace, user_id: str) -> int:
    return sum("【リマインド】" in str(m.get("text")) for m in ws.server.dms(user_id))


def test_monthly_meetings_move_cancel_and_reminders(
    scheduled: tuple[LocalWorkspace, Jobs], clock: Clock
) -> None:
    ws, jobs = scheduled
    register_agencies(ws)
    refused = ws.command(HOUKATSU, CHANNEL, "monthly 2 火 14:00")
    assert "事務局（コーディネーター）のみ" in refused

    answer = ws.command(COORDINATOR, CHANNEL, "monthly 2 火 14:00")
    assert "毎月第2火曜日 14:00 支援会議" in answer
    assert "8月12日（水）14:00 — 令和8年8月11日（火）は山の日のため翌開庁日に変更" in answer
    answer = ws.command(COORDINATOR, CHANNEL, "定例 第2火曜 14:00 休日:skip")
    assert "令和8年8月11日（火） — 山の日のため休会" in answer
    listing = ws.command(HOUKATSU, CHANNEL, "会議一覧")
    assert "令和8年（2026年）9月8日（火）14:00 支援会議（定例） — 議題 0件・予定" in listing
    assert "8月12日" not in listing

    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu shogai konkyu csw")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code} 2026-09-08")

    # 9/1 09:00: collection opens by itself; the channel posts are paced under the limit.
    clock.now = datetime(2026, 9, 1, 9, 0, tzinfo=JST)
    assert jobs.run_due(ws, Pacer(0.5)) == ["open:sent"]
    ws.settle()
    posted = [c for c in ws.server.api_calls if c[0] == "chat.postMessage"]
    meeting_room = ws.server.channels_created_by_bot()[-1].id
    in_channel = [c for c in posted if c[1].get("channel") == meeting_room]
    assert len(in_channel) == len(ws.server.messages(meeting_room)) == 2  # no 429, no retry
    assert ws.server.messages(CHANNEL) == []  # nothing about cases in the coordinators' one
    assert any("情報提供のお願い" in str(m.get("text")) for m in ws.server.dms(HOUKATSU))

    # 9/4 09:00 (3 days before is a Saturday): one reminder, however often the job fires.
    clock.now = datetime(2026, 9, 4, 9, 0, tzinfo=JST)
    assert jobs.run_due(ws, Pacer(0.0)) == ["remind:sent"]
    jobs.planned.clear()
    assert _reminders(ws, HOUKATSU) == 1

    answer = ws.command(COORDINATOR, CHANNEL, "move 2026-09-08 2026-09-10 15:00")
    assert "令和8年（2026年）9月10日（木）15:00" in answer and "4人" in answer
    assert "変更になりました" in str(ws.server.dms(HOUKATSU)[-1].get("text"))
    assert any(k.startswith("remind:") and "20260910T1500" in k for k in jobs.planned)

    answer = ws.command(COORDINATOR, CHANNEL, "中止 2026-09-10")
    assert "中止しました" in answer
    assert "中止になりました" in str(ws.server.dms(HOUKATSU)[-1].get("text"))
    assert not [k for k in jobs.planned if "20260910" in k]
    clock.now = datetime(2026, 9, 9, 9, 0, tzinfo=JST)
    assert jobs.run_due(ws, Pacer(0.0)) == []
    assert _reminders(ws, HOUKATSU) == 1
    assert "9月10日" not in ws.command(COORDINATOR, CHANNEL, "meetings")
