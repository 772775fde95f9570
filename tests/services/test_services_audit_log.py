"""Reading the audit trail (``/shien audit``, the CSV export) and the retention purge."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from fakes.context import JST
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    HOUKATSU,
    MEETING_DAY,
    World,
)

from bot.domain.errors import InvalidValue
from bot.domain.model import AuditAction, AuditEvent
from bot.services import audit_log, documents, inputs, retention
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import mention

OPERATOR = Actor("operator:privacy")


def test_the_trail_newest_first_and_its_own_reading_audited(world: World) -> None:
    code = world.new_case("houkatsu")
    world.clock.advance(minutes=1)
    meeting = world.new_meeting()
    world.mark()
    lines = audit_log.show_audit(world.ctx, COORD).splitlines()
    assert lines[0] == "監査記録 — 新しい順"
    assert lines[1] == (
        f"• 2026-11-24 10:01 {mention(COORDINATOR)} 会議の登録 会議 2026-12-08 許可（date=2026-12-08）"
    )
    assert (
        f"• 2026-11-24 10:00 {mention(COORDINATOR)} 事例の登録 事例 {code} 許可（kind=support）"
        in lines
    )
    assert lines[-1].startswith("• 2026-11-24 10:00 system 事務局の追加 ユーザー U0JIMU 許可")
    [viewed] = world.audit()
    assert (viewed.action, viewed.target_id, viewed.detail) == (
        AuditAction.AUDIT_VIEWED,
        "all",
        f"shown={len(lines) - 1}",
    )
    assert meeting.id[:8] not in "\n".join(lines)  # meetings are shown by date


def test_one_case_s_trail(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.ack(HOUKATSU)
    inputs.record_reply(
        world.ctx, world.room(), world.thread(code).message_id, "4.1", HOUKATSU, "x"
    )
    world.new_case("csw")
    world.mark()
    lines = audit_log.show_audit(world.ctx, COORD, case_code="r8-1").splitlines()
    assert lines[0] == "監査記録（R8-001） — 新しい順"
    actions = [line.split()[4] for line in lines[1:]]
    assert actions == ["入力の記録", "議題への追加", "事例の登録"]
    assert "入力 " in lines[1]  # an input's opaque ID, shortened
    assert world.audit()[0].target_id == "R8-001"


def test_one_day_s_trail_in_local_time(world: World) -> None:
    world.clock.set(datetime(2026, 11, 25, 0, 30, tzinfo=JST))  # 11/24 15:30 UTC
    world.new_case("houkatsu")
    lines = audit_log.show_audit(world.ctx, COORD, day=date(2026, 11, 25)).splitlines()
    assert lines[0] == "監査記録（2026-11-25） — 新しい順"
    assert len(lines) == 2 and "事例の登録" in lines[1]
    empty = audit_log.show_audit(world.ctx, COORD, day=date(2026, 11, 26))
    assert empty.splitlines()[1:] == ["（該当する記録はありません）"]


def test_a_long_trail_shows_the_newest_thirty(world: World) -> None:
    for _ in range(40):
        world.new_case("houkatsu")
    lines = audit_log.show_audit(world.ctx, COORD).splitlines()
    total = len(world.store.audit_events()) - 1  # without this reading
    assert lines[0] == (
        f"監査記録 — 新しい順、最新30件を表示（全{total}件。全件は shienbot audit --csv）"
    )
    assert len(lines) == 31 and "R8-040" in lines[1]


def test_denials_show_as_refused(world: World) -> None:
    with pytest.raises(PermissionDenied):
        audit_log.show_audit(world.ctx, Actor(HOUKATSU))
    [denied] = world.denials()
    assert (denied.actor, denied.target_id) == (HOUKATSU, "audit")
    line = audit_log.show_audit(world.ctx, COORD).splitlines()[1]
    assert line == (
        f"• 2026-11-24 10:00 {mention(HOUKATSU)} アクセス拒否 コマンド audit 拒否（reason=not_coordinator）"
    )


def test_actors_that_are_not_chat_users_are_shown_as_they_are(world: World) -> None:
    with world.ctx.uow() as uow:
        for actor in ("operator:jimu", "=not a user"):
            uow.audit.append(
                AuditEvent(actor, AuditAction.AUDIT_VIEWED, "audit", "csv", at=world.ctx.clock())
            )
        uow.commit()
    lines = audit_log.show_audit(world.ctx, COORD).splitlines()
    assert lines[1].startswith("• 2026-11-24 10:00 =not a user 監査記録の閲覧 監査記録 csv")
    assert lines[2].startswith("• 2026-11-24 10:00 operator:jimu 監査記録の閲覧")


def test_the_csv_export_for_the_privacy_officer(world: World) -> None:
    world.new_case("houkatsu")
    with world.ctx.uow() as uow:
        uow.audit.append(
            AuditEvent(
                "=HYPERLINK(1)",
                AuditAction.ACCESS_DENIED,
                "command",
                "+cmd",
                allowed=False,
                detail="-1",
                at=world.ctx.clock(),
            )
        )
        uow.commit()
    world.mark()
    text, rows = audit_log.audit_csv(world.ctx.uow, world.ctx.clock, JST, OPERATOR)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(audit_log.CSV_HEADER) and len(table) == rows + 1
    *_, last = table
    assert last[:8] == [
        "2026-11-24T10:00:00+09:00",
        "'=HYPERLINK(1)",
        "アクセス拒否",
        "access.denied",
        "command",
        "'+cmd",
        "拒否",
        "'-1",
    ]
    [viewed] = world.audit()
    assert (viewed.actor, viewed.target_id, viewed.detail) == (
        "operator:privacy",
        "csv",
        f"rows={rows}",
    )


def test_the_csv_export_from_a_date(world: World) -> None:
    world.new_case("houkatsu")
    world.clock.advance(days=1)
    world.new_case("houkatsu")
    _, rows = audit_log.audit_csv(
        world.ctx.uow, world.ctx.clock, JST, OPERATOR, since=date(2026, 11, 25)
    )
    assert rows == 1  # the second case's creation only
    assert world.store.audit_events()[-1].detail == f"rows={rows};since=2026-11-25"


# --------------------------------------------------------------------------- retention


def _finalised(world: World) -> str:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.ack(HOUKATSU)
    thread = world.thread(code).message_id
    inputs.record_reply(world.ctx, world.room(), thread, "5.1", HOUKATSU, "一報")
    inputs.record_reply(world.ctx, world.room(), thread, "5.2", HOUKATSU, "続報")
    world.record(present={"houkatsu": (HOUKATSU,)})
    documents.finalise_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    world.mark()
    return code


def test_purging_deletes_old_inputs_and_leaves_tombstones(world: World) -> None:
    _finalised(world)
    meeting = world.meeting()
    assert meeting is not None
    ids = {i.id for i in world.inputs()}
    world.clock.advance(days=31)
    report = retention.purge_inputs(world.ctx.uow, world.ctx.clock, OPERATOR, 30)
    assert (report.meetings, report.inputs, report.dry_run) == (1, 2, False)
    assert report.cutoff == world.ctx.clock() - timedelta(days=30)
    assert world.inputs() == []
    tombstones = world.audit(AuditAction.INPUT_PURGED)
    assert {e.target_id for e in tombstones} == ids
    assert {e.detail for e in tombstones} == {f"case=R8-001;meeting={meeting.id}"}
    again = retention.purge_inputs(world.ctx.uow, world.ctx.clock, OPERATOR, 30)
    assert (again.meetings, again.inputs) == (0, 0)


def test_a_dry_run_and_a_recent_finalisation_delete_nothing(world: World) -> None:
    _finalised(world)
    world.clock.advance(days=10)
    assert retention.purge_inputs(world.ctx.uow, world.ctx.clock, OPERATOR, 30).inputs == 0
    world.clock.advance(days=30)
    dry = retention.purge_inputs(world.ctx.uow, world.ctx.clock, OPERATOR, 30, dry_run=True)
    assert (dry.meetings, dry.inputs, dry.dry_run) == (1, 2, True)
    assert len(world.inputs()) == 2 and world.audit() == []


def test_the_retention_period_must_be_positive(world: World) -> None:
    with pytest.raises(InvalidValue, match="1日以上"):
        retention.purge_inputs(world.ctx.uow, world.ctx.clock, OPERATOR, 0)
