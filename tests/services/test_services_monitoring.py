"""Monitoring carried forward: a case whose 次回モニタリング date falls on or before a meeting
(and after the one before it) comes back to that meeting's agenda, marked モニタリング."""

from __future__ import annotations

from datetime import date, time

import pytest
from services_world import (
    CHANNEL,
    COORD,
    HOUKATSU,
    MEETING_DAY,
    World,
)

from bot.domain.model import AuditAction, MeetingKind, Occasion
from bot.services import agenda, decisions, documents, monitoring
from bot.services.chat import FormValues

ON = date(2027, 1, 19)  # the 次回モニタリング date decided at MEETING_DAY


def _decide(world: World, code: str, on: date | None = ON, outcome: str = "continue") -> str:
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    values = FormValues(
        texts={"policy": "見守り継続"},
        dates={"monitoring": on},
        choices={"outcome": (outcome,)},
    )
    return decisions.submit_decision(world.ctx, COORD, form.metadata, values)


@pytest.fixture
def code(world: World) -> str:
    """R8-001 discussed at MEETING_DAY (2026-12-08)."""
    made = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(made)
    world.mark()
    return made


def _agenda(world: World, day: date) -> list[tuple[str, date | None, Occasion | None]]:
    meeting = world.meeting(day)
    assert meeting is not None
    with world.ctx.uow() as uow:
        items = list(uow.agenda.for_meeting(meeting.id))
        codes = {c.id: str(c.code) for c in uow.cases.list()}
    return [(codes[i.case_id], i.monitoring_on, i.occasion) for i in items]


def test_a_meeting_registered_later_takes_the_case_and_says_so(world: World, code: str) -> None:
    waiting = _decide(world, code)  # no meeting after the date yet: the coordinator is told
    assert waiting.endswith(
        "\n次回モニタリング日 令和9年1月19日（火） 以降の会議が登録されると、"
        "その最初の会議の議題に事例が自動で入ります。"
    )
    early = monitoring.schedule_adhoc(
        world.ctx, COORD, CHANNEL, date(2027, 1, 12), time(14), MeetingKind.SUPPORT
    )
    assert "次回モニタリング" not in early  # before the date: not this one
    answer = monitoring.schedule_adhoc(
        world.ctx, COORD, CHANNEL, date(2027, 1, 26), time(14), MeetingKind.SUPPORT
    )
    assert answer.endswith(
        "次回モニタリングの日を迎える事例を、その日以降の最初の会議の議題に入れました"
        "（モニタリング）:\n"
        "• R8-001: 次回モニタリング日 令和9年1月19日（火） → "
        "令和9年（2027年）1月26日（火）14:00 支援会議（随時）\n"
        "不要な場合は /shien agenda remove R8-001 2027-01-26 のように外せます。"
    )
    assert _agenda(world, date(2027, 1, 12)) == []
    assert _agenda(world, date(2027, 1, 26)) == [("R8-001", ON, None)]
    [added] = world.audit(AuditAction.AGENDA_ADDED)
    assert (added.actor, added.target_id) == (COORD.user_id, "R8-001")
    # A meeting registered after that one does not take it again.
    monitoring.schedule_adhoc(
        world.ctx, COORD, CHANNEL, date(2027, 2, 9), time(14), MeetingKind.SUPPORT
    )
    assert _agenda(world, date(2027, 2, 9)) == []


def test_a_meeting_already_registered_takes_it_when_the_decision_is_recorded(
    world: World, code: str
) -> None:
    world.new_meeting(date(2027, 1, 19))  # on the date itself
    answer = _decide(world, code)
    assert "• R8-001: 次回モニタリング日 令和9年1月19日（火） → 令和9年（2027年）1月19日（火）" in (
        answer
    )
    assert _agenda(world, date(2027, 1, 19)) == [("R8-001", ON, None)]
    assert world.chat.calls == []  # before the form's ack: no chat call at all


def test_the_thread_and_the_minutes_say_monitoring(world: World, code: str) -> None:
    world.new_meeting(date(2027, 1, 26))
    _decide(world, code)
    world.clock.set(world.clock.now.replace(year=2027, month=1, day=20))
    answer = monitoring.open_collection(world.ctx, COORD, CHANNEL, date(2027, 1, 26))
    assert "情報収集を開始しました" in answer
    thread = next(p for p in world.posts() if "R8-001" in p.text)
    assert "事例 R8-001（支援会議・モニタリング）" in thread.text
    documents.deliver_minutes(world.ctx, COORD, CHANNEL, date(2027, 1, 26))
    [view] = world.fakes.renderer.minutes
    [case] = view.cases
    assert case.monitoring_on == ON
    assert case.purpose == "モニタリング（前回の会議で定めた次回モニタリング日：令和9年1月19日）"


def test_a_multilayer_meeting_takes_it_only_with_consent_as_a_re_plan(
    world: World, code: str
) -> None:
    world.new_meeting(date(2027, 1, 20), MeetingKind.MULTILAYER)
    world.new_meeting(date(2027, 1, 26))
    _decide(world, code)
    # No consent: the 重層的支援会議 cannot discuss it; the next 支援会議 takes it.
    assert _agenda(world, date(2027, 1, 20)) == []
    assert _agenda(world, date(2027, 1, 26)) == [("R8-001", ON, None)]

    other = world.new_case("houkatsu", consent_on=date(2026, 11, 1))
    world.put_on_agenda(other)
    _decide(world, other)
    assert _agenda(world, date(2027, 1, 20)) == [("R8-002", ON, Occasion.REPLAN)]


def test_taken_off_by_the_coordinator_it_stays_off(world: World, code: str) -> None:
    world.new_meeting(date(2027, 1, 26))
    _decide(world, code)
    answer = agenda.remove_from_agenda(world.ctx, COORD, CHANNEL, code, date(2027, 1, 26))
    assert answer.endswith("次回モニタリングによる自動の追加は、この会議では行いません。")
    world.clock.set(world.clock.now.replace(year=2027, month=1, day=20))
    assert monitoring.carry(world.ctx, CHANNEL) == []
    assert _agenda(world, date(2027, 1, 26)) == []


def test_a_case_brought_back_by_hand_or_closed_is_left_alone(world: World, code: str) -> None:
    world.new_meeting(date(2027, 1, 12))
    world.put_on_agenda(code, date(2027, 1, 12))  # the coordinator brought it earlier
    world.new_meeting(date(2027, 1, 26))
    _decide(world, code)
    assert _agenda(world, date(2027, 1, 26)) == []

    closed = world.new_case("houkatsu")
    world.put_on_agenda(closed)
    _decide(world, closed, outcome="close")
    assert [c for c, _, _ in _agenda(world, date(2027, 1, 26))] == []


def test_a_collecting_meeting_gets_the_thread_and_the_prompts_from_the_scheduler(
    world: World, code: str
) -> None:
    """Placed from the scheduler's job (not before a form's ack), a meeting already collecting
    gets the case's thread and its agencies' prompt at once."""
    other = world.new_case("houkatsu")
    world.clock.set(world.clock.now.replace(year=2027, month=1, day=20))
    world.collecting(other, day=date(2027, 1, 26))
    world.clock.set(world.clock.now.replace(year=2026, month=11, day=24))
    _decide(world, code)  # quiet: the meeting is collecting, nothing placed yet
    assert [c for c, _, _ in _agenda(world, date(2027, 1, 26))] == ["R8-002"]
    world.mark()
    carried = monitoring.carry(world.ctx, CHANNEL)
    assert [c.code for c in carried] == ["R8-001"]
    assert any("事例 R8-001（支援会議・モニタリング）" in p.text for p in world.posts())
    assert world.chat.dm_texts(HOUKATSU)[0].startswith("会議への情報提供のお願い: R8-001")


def test_nothing_to_carry_without_a_decision_date(world: World, code: str) -> None:
    world.new_meeting(date(2027, 1, 26))
    _decide(world, code, on=None)
    assert monitoring.carry(world.ctx, CHANNEL) == []
    assert monitoring.told([]) == ""
    assert _agenda(world, MEETING_DAY) == [("R8-001", None, None)]
