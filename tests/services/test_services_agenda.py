"""The agenda as the coordinator manages it: listing it, taking a case off, asking one more
agency for a case."""

from __future__ import annotations

from datetime import date

import pytest
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    World,
)

from bot.domain.errors import DomainError, NotFound
from bot.domain.model import AuditAction, MeetingKind
from bot.services import admin, agenda, inputs
from bot.services.access import Actor, PermissionDenied

LABEL = "令和8年（2026年）12月8日（火）14:00 支援会議（随時）"


def test_listing_the_agenda(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw", "houkatsu")
    world.new_meeting()
    world.put_on_agenda(first)
    world.put_on_agenda(second)
    world.mark()
    answer = agenda.list_agenda(world.ctx, COORD, CHANNEL, None)
    assert answer.splitlines() == [
        f"{LABEL}の議題（2件）:",
        "1. R8-001 — 依頼先: 架空市中央地域包括支援センター",
        "2. R8-002 — 依頼先: 架空市社会福祉協議会、架空市中央地域包括支援センター",
    ]
    assert world.audit() == [] and world.chat.calls == []


def test_an_empty_agenda_says_how_to_add(world: World) -> None:
    world.new_meeting()
    answer = agenda.list_agenda(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert "議題はまだありません" in answer and "/shien agenda add R8-001 2026-12-08" in answer


def test_only_coordinators_list_or_change_the_agenda(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(code)
    world.mark()
    member = Actor(HOUKATSU)
    with pytest.raises(PermissionDenied):
        agenda.list_agenda(world.ctx, member, CHANNEL, None)
    with pytest.raises(PermissionDenied):
        agenda.remove_from_agenda(world.ctx, member, CHANNEL, code, None)
    with pytest.raises(PermissionDenied):
        agenda.ask_agency(world.ctx, member, code, "csw")
    assert [e.target_id for e in world.denials()] == ["agenda", "agenda.remove", "case.ask"]


def test_taking_a_case_off_a_meeting_collecting_input(world: World) -> None:
    code, other = world.new_case("houkatsu"), world.new_case("houkatsu")
    world.collecting(code, other)
    thread = world.thread(code)
    world.mark()
    answer = agenda.remove_from_agenda(world.ctx, COORD, CHANNEL, code, None)
    assert answer == (
        f"R8-001 を{LABEL}の議題から外しました。事例のスレッドにも、議題から外れたことを表示しました。"
    )
    meeting, other_id = world.meeting(), world.case(other).id
    assert meeting is not None
    with world.ctx.uow() as uow:
        assert [i.case_id for i in uow.agenda.for_meeting(meeting.id)] == [other_id]
    [update] = world.chat.updates()
    assert update.ref == thread and "議題から外れました" in update.text
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.AGENDA_REMOVED,
        "R8-001",
        f"meeting={meeting.id};reason=coordinator",
    )
    # A reply in that thread is no longer recorded as input for the meeting.
    world.ack(HOUKATSU)
    inputs.record_reply(world.ctx, world.room(), thread.message_id, "9.1", HOUKATSU, "遅れた返信")
    assert [i.case_id for i in world.inputs()] == []


def test_taking_off_a_case_not_on_the_agenda_or_from_a_held_meeting(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    answer = agenda.remove_from_agenda(world.ctx, COORD, CHANNEL, code, MEETING_DAY)
    assert answer == f"R8-001 は{LABEL}の議題にありません（/shien agenda で確認できます）。"
    world.put_on_agenda(code)
    world.clock.set(world.clock.now.replace(year=2026, month=12, day=8, hour=16))
    world.record(present={"jimu": (COORDINATOR,)})  # on the day: the meeting is held
    with pytest.raises(DomainError, match="開催済み"):
        agenda.remove_from_agenda(world.ctx, COORD, CHANNEL, code, MEETING_DAY)
    with pytest.raises(NotFound):
        agenda.remove_from_agenda(world.ctx, COORD, CHANNEL, "R8-099", MEETING_DAY)


def test_asking_one_more_agency_while_collecting(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    thread = world.thread(code)
    world.mark()
    answer = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert answer == (
        "「架空市社会福祉協議会」を R8-001 の依頼先に追加しました。"
        f"{LABEL}のスレッドの回答状況を更新し、依頼のDMを 1人に送りました。"
        "依頼前にスレッドへ投稿されていた場合、その投稿は記録されていないため、"
        "改めて返信していただくようお伝えください。"
    )
    assert world.agency_id("csw") in world.case(code).asked_agency_ids
    [update] = world.chat.updates()
    assert update.ref == thread and "• 架空市社会福祉協議会: 未回答" in update.text
    # Only the newly asked agency's member is prompted; houkatsu was asked already.
    assert [dm.user_id for dm in world.chat.dms()] == [CSW]
    assert world.chat.dm_texts(CSW)[0].startswith("会議への情報提供のお願い: R8-001")
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.CASE_AGENCY_ASKED,
        "R8-001",
        "agency=csw",
    )
    # Now csw's member may answer in the thread, once confirmed.
    world.ack(CSW)
    inputs.record_reply(
        world.ctx, world.room(), thread.message_id, "7.1", CSW, "家計相談の記録あり"
    )
    assert [i.author_user_id for i in world.inputs()] == [CSW]


def test_asking_before_collection_and_asking_twice(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(code)
    world.mark()
    answer = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert answer.endswith("情報収集が始まると、この機関の構成員にも依頼のDMが届きます。")
    assert world.chat.calls == []
    again = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert again == "「架空市社会福祉協議会」はすでに R8-001 の依頼先です。"
    assert len(world.audit(AuditAction.CASE_AGENCY_ASKED)) == 1


def test_asking_an_agency_without_members_says_how_to_register_them(world: World) -> None:
    code = world.new_case("houkatsu")
    admin.register_agency(world.ctx, COORD, "konkyu", "架空市くらし自立相談センター", [])
    answer = agenda.ask_agency(world.ctx, COORD, code, "konkyu")
    assert "/shien agency add konkyu" in answer
    with pytest.raises(NotFound, match="kodomo"):
        agenda.ask_agency(world.ctx, COORD, code, "kodomo")


def test_the_agenda_of_a_multilayer_meeting_shows_the_occasion(world: World) -> None:
    code = world.new_case("houkatsu", consent_on=date(2026, 11, 1))
    world.new_meeting(kind=MeetingKind.MULTILAYER)
    world.put_on_agenda(code)
    answer = agenda.list_agenda(world.ctx, COORD, CHANNEL, None)
    assert "1. R8-001（プラン策定時） — 依頼先: 架空市中央地域包括支援センター" in answer


def test_the_purpose_given_with_a_case_goes_to_the_minutes(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    answer = agenda.add(world.ctx, COORD, CHANNEL, code, None, None, "\u202e支援の入口の検討 ")
    assert answer.endswith("\nR8-001 の検討の目的を記録しました（議事録に記載されます）。")
    assert world.item(code).purpose == "支援の入口の検討"
    # Given again for a case already on the agenda, it replaces the purpose.
    again = agenda.add(world.ctx, COORD, CHANNEL, code, None, None, "状況の共有")
    assert again.startswith("R8-001 はすでに") and world.item(code).purpose == "状況の共有"
    with pytest.raises(DomainError, match="200文字以内"):
        agenda.add(world.ctx, COORD, CHANNEL, world.new_case("csw"), None, None, "あ" * 201)
    assert len(world.meeting_items()) == 1  # the too long one was not added either


def test_asking_again_after_slack_refused_sends_what_did_not_go_out(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.chat.fail_for.add(CSW)  # the prompt DM to csw's member does not go out
    answer = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert "依頼のDMを 0人に送りました" in answer
    world.chat.fail_for.clear()
    world.mark()
    again = agenda.ask_agency(world.ctx, COORD, code, "csw")
    assert again == (
        "「架空市社会福祉協議会」はすでに R8-001 の依頼先です。"
        "まだ届いていなかった依頼のDMを 1人に送りました。"
    )
    assert [dm.user_id for dm in world.chat.dms()] == [CSW]
    assert world.audit(AuditAction.CASE_AGENCY_ASKED) == []  # asked once
    assert agenda.ask_agency(world.ctx, COORD, code, "csw").endswith("の依頼先です。")
