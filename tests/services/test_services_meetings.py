"""Meetings: ad-hoc scheduling, the agenda, opening collection, the secrecy confirmation,
status, reminders and people joining the channel."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from fakes.chat import Direct, Posted, Reacted, RoomCall
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    OUTSIDER,
    START,
    World,
)

from bot.domain.confidentiality import SUPPORT_NOTICE as SECRECY_NOTICE
from bot.domain.errors import ConsentRequired, DomainError, Duplicate, InvalidValue, NotFound
from bot.domain.model import (
    AuditAction,
    CaseStatus,
    ChannelFacts,
    MeetingKind,
    MeetingState,
    Occasion,
)
from bot.domain.timeline import SendKind
from bot.services import admin, inputs, meetings
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import channel_link, mention
from bot.services.messages import ACK_ACTION, INPUT_ACTION

LABEL = "令和8年（2026年）12月8日（火）14:00 支援会議（随時）"

# --------------------------------------------------------------------------- ad-hoc meetings


def test_scheduling_an_adhoc_meeting_plans_its_timeline(world: World) -> None:
    answer = meetings.schedule_adhoc(
        world.ctx, COORD, CHANNEL, MEETING_DAY, START, MeetingKind.SUPPORT
    )
    assert answer == (
        f"会議を登録しました: {LABEL}\n次は議題を追加してください（/shien agenda add R8-001 2026-12-08）。"
    )
    meeting = world.meeting()
    assert meeting is not None and meeting.adhoc and meeting.state is MeetingState.SCHEDULED
    [created] = world.audit()
    assert (created.action, created.target_id, created.detail) == (
        AuditAction.MEETING_CREATED,
        meeting.id,
        "date=2026-12-08",
    )
    kinds = [s.kind for s in world.scheduler.planned]
    assert kinds == [
        SendKind.OPEN,
        SendKind.REMIND,
        SendKind.REMIND,
        SendKind.MORNING,
        SendKind.AFTER,
    ]


@pytest.mark.parametrize(
    ("day", "start", "message"),
    [
        (date(2026, 11, 20), START, "過去の日時は指定できません"),
        (date(2026, 11, 24), time(9, 0), "過去の日時は指定できません"),
        (date(2027, 1, 11), START, "成人の日のため会議日にできません"),
        (date(2026, 12, 12), START, re.escape("直近の開庁日は令和8年12月14日（月）")),
    ],
)
def test_adhoc_meetings_need_a_future_working_day(
    world: World, day: date, start: time, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message):
        meetings.schedule_adhoc(world.ctx, COORD, CHANNEL, day, start, MeetingKind.SUPPORT)
    assert world.audit() == [] and world.scheduler.planned == []


def test_a_later_time_today_is_fine(world: World) -> None:
    meetings.schedule_adhoc(
        world.ctx, COORD, CHANNEL, date(2026, 11, 24), time(15), MeetingKind.SUPPORT
    )
    assert world.meeting(date(2026, 11, 24)) is not None


def test_a_taken_date_is_a_duplicate(world: World) -> None:
    world.new_meeting()
    with pytest.raises(Duplicate, match=re.escape(f"すでに登録されています（{LABEL}）")):
        meetings.schedule_adhoc(world.ctx, COORD, CHANNEL, MEETING_DAY, START, MeetingKind.SUPPORT)


def test_a_cancelled_meeting_comes_back_on_its_date(world: World) -> None:
    first = world.new_meeting()
    with world.ctx.uow() as uow:
        meeting = uow.meetings.get(first.id)
        assert meeting is not None
        meeting.cancel()
        uow.meetings.save(meeting)
        uow.commit()
    world.mark()
    meetings.schedule_adhoc(
        world.ctx, COORD, CHANNEL, MEETING_DAY, time(10), MeetingKind.MULTILAYER
    )
    again = world.meeting()
    assert again is not None and again.id == first.id
    assert (again.state, again.kind, again.start_time) == (
        MeetingState.SCHEDULED,
        MeetingKind.MULTILAYER,
        time(10),
    )
    assert world.actions() == ["meeting.created"]


def test_meetings_need_a_meeting_channel(world: World) -> None:
    with pytest.raises(DomainError, match="会議チャンネルとして設定されていません"):
        meetings.schedule_adhoc(world.ctx, COORD, "C0ELSE", MEETING_DAY, START, MeetingKind.SUPPORT)


def test_only_coordinators_schedule_meetings(world: World) -> None:
    with pytest.raises(PermissionDenied):
        meetings.schedule_adhoc(
            world.ctx, Actor(HOUKATSU), CHANNEL, MEETING_DAY, START, MeetingKind.SUPPORT
        )
    assert [e.target_id for e in world.denials()] == ["adhoc"]
    assert world.meeting() is None


# --------------------------------------------------------------------------- the agenda


def test_adding_cases_to_the_agenda(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw")
    world.new_meeting()
    world.mark()
    assert meetings.add_to_agenda(world.ctx, COORD, CHANNEL, first, None) == (
        f"R8-001 を{LABEL}の議題に追加しました（1件目）。"
    )
    assert "（2件目）" in meetings.add_to_agenda(world.ctx, COORD, CHANNEL, second, MEETING_DAY)
    meeting = world.meeting()
    assert meeting is not None
    assert [(e.action, e.target_id, e.detail) for e in world.audit()] == [
        (AuditAction.AGENDA_ADDED, "R8-001", f"meeting={meeting.id}"),
        (AuditAction.AGENDA_ADDED, "R8-002", f"meeting={meeting.id}"),
    ]
    assert world.chat.calls == []  # nothing is posted before collection opens
    again = meetings.add_to_agenda(world.ctx, COORD, CHANNEL, first, None)
    assert again == f"R8-001 はすでに{LABEL}の議題です。"
    assert len(world.audit()) == 2


def test_the_agenda_of_an_unknown_date_names_the_upcoming_ones(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.new_meeting(date(2026, 12, 15))
    with pytest.raises(NotFound) as raised:
        meetings.add_to_agenda(world.ctx, COORD, CHANNEL, code, date(2026, 12, 9))
    assert raised.value.message == (
        "令和8年12月9日（水）の会議はこのチャンネルにありません。今後の会議: 令和8年12月8日（火）、令和8年12月15日（火）"
    )


def test_no_meeting_at_all(world: World) -> None:
    code = world.new_case("houkatsu")
    with pytest.raises(NotFound, match="今後の会議が登録されていません"):
        meetings.add_to_agenda(world.ctx, COORD, CHANNEL, code, None)


def test_multilayer_meetings_need_consent_and_take_an_occasion(world: World) -> None:
    without = world.new_case("houkatsu")
    with_consent = world.new_case("csw", kind=MeetingKind.MULTILAYER, consent_on=date(2026, 11, 2))
    world.new_meeting(kind=MeetingKind.MULTILAYER)
    with pytest.raises(ConsentRequired, match="本人同意の記録がない"):
        meetings.add_to_agenda(world.ctx, COORD, CHANNEL, without, None)
    meetings.add_to_agenda(world.ctx, COORD, CHANNEL, with_consent, None)
    assert world.item(with_consent).occasion is Occasion.PLAN
    world.new_meeting(date(2026, 12, 15))
    with pytest.raises(InvalidValue, match="重層的支援会議でのみ"):
        meetings.add_to_agenda(
            world.ctx, COORD, CHANNEL, without, date(2026, 12, 15), Occasion.REPLAN
        )


def test_a_closed_case_cannot_go_on_an_agenda(world: World) -> None:
    code = world.new_case("houkatsu")
    with world.ctx.uow() as uow:
        case = uow.cases.by_code(world.case(code).code)
        assert case is not None
        case.status = CaseStatus.CLOSED
        uow.cases.save(case)
        uow.commit()
    world.new_meeting()
    with pytest.raises(DomainError, match="終結または中断"):
        world.put_on_agenda(code)


def test_only_coordinators_add_to_the_agenda(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.mark()
    with pytest.raises(PermissionDenied):
        meetings.add_to_agenda(world.ctx, Actor(HOUKATSU), CHANNEL, code, None)
    assert [e.target_id for e in world.denials()] == ["agenda.add"]


def test_an_adhoc_meeting_in_its_window_opens_once_it_has_a_case(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting(date(2026, 11, 27))  # Friday: the window opened 11/20
    world.mark()
    world.put_on_agenda(code, date(2026, 11, 27))
    [send] = world.scheduler.planned
    assert (send.kind, send.due) == (SendKind.OPEN, world.ctx.now())


def test_a_case_added_while_collecting_gets_its_thread_and_prompts(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw", "houkatsu")
    world.collecting(first)
    world.mark()
    answer = meetings.add_to_agenda(world.ctx, COORD, CHANNEL, second, None)
    assert answer == f"R8-002 を{LABEL}の議題に追加し、スレッドを作成しました（依頼のDM 2人）。"
    assert world.chat.kinds() == ["Posted", "Direct", "Direct"]
    # Each member is asked for the new case only (houkatsu was asked for R8-001 before).
    assert "R8-002" in world.chat.dm_texts(HOUKATSU)[0]
    assert "R8-001" not in world.chat.dm_texts(HOUKATSU)[0]


# --------------------------------------------------------------------------- opening collection


def test_opening_posts_the_notice_then_one_thread_per_case_then_dms(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw", "houkatsu")
    world.new_meeting()
    world.put_on_agenda(first)
    world.put_on_agenda(second)
    world.mark()
    answer = world.open()
    assert answer == (
        f"{LABEL}の情報収集を開始しました。守秘義務の通知と、事例ごとのスレッド（2件）を"
        "投稿しました（新規 2件）。依頼のDMを 2人に送りました。"
    )
    # The meeting's own channel first (created, topic, the coordinator invited), then the
    # notice and the threads there, then the DMs.
    assert world.chat.kinds() == [*["RoomCall"] * 3, *["Posted"] * 3, "Direct", "Direct"]
    create, topic, invite = world.chat.calls[:3]
    assert isinstance(create, RoomCall) and create.subject.startswith("shien-20261208-")
    assert isinstance(topic, RoomCall) and topic.subject.startswith(LABEL)
    assert isinstance(invite, RoomCall) and invite.subject == COORDINATOR
    notice, thread1, thread2 = world.posts()
    assert {p.channel_id for p in (notice, thread1, thread2)} == {world.room()}
    assert SECRECY_NOTICE.title in notice.text and "議題の事例数: 2件" in notice.text
    button = notice.message.blocks[5]  # header, notice, the chat's rule, fields, ask, buttons
    meeting = world.meeting()
    assert meeting is not None and meeting.state is MeetingState.COLLECTING
    assert getattr(button, "buttons")[0].action_id == ACK_ACTION  # noqa: B009
    # The button carries the notice version it shows: it can never confirm a newer one.
    assert getattr(button, "buttons")[0].value == f"{meeting.id}:{SECRECY_NOTICE.version}"  # noqa: B009
    assert (
        "事例 R8-001（支援会議）" in thread1.text
        and "• 架空市中央地域包括支援センター: 未回答" in thread1.text
    )
    assert "R8-002" in thread2.text and INPUT_ACTION not in thread2.text
    assert meeting.notice_ref == notice.ref.key()
    assert world.item(first).thread_ref == thread1.ref.key()
    assert world.chat.dm_texts(HOUKATSU)[0].startswith("会議への情報提供のお願い: R8-001、R8-002")
    assert world.chat.dm_texts(CSW)[0].startswith("会議への情報提供のお願い: R8-002")
    assert [(e.action, e.target_id) for e in world.audit()] == [
        (AuditAction.COLLECTION_OPENED, meeting.id),
        (AuditAction.ROOM_CREATED, meeting.id),
        (AuditAction.ROOM_INVITED, meeting.id),
    ]
    # No case code or content appears in the notice.
    assert "R8-" not in notice.text


def test_opening_again_posts_and_asks_nothing_new(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.mark()
    answer = world.open()
    assert "（新規 0件）" in answer and "依頼のDMを 0人" in answer
    assert world.chat.calls == []


def test_a_member_whose_dm_failed_is_asked_when_opening_again(world: World) -> None:
    code = world.new_case("houkatsu", "csw")
    world.new_meeting()
    world.put_on_agenda(code)
    world.chat.fail_for.add(CSW)
    assert "依頼のDMを 1人" in world.open()
    world.chat.fail_for.clear()
    world.mark()
    assert "依頼のDMを 1人" in world.open()
    assert [dm.user_id for dm in world.chat.dms()] == [CSW]


def test_deactivated_members_are_not_asked(world: World) -> None:
    code = world.new_case("houkatsu", "csw")
    world.chat.deactivated.add(CSW)
    world.new_meeting()
    world.put_on_agenda(code)
    assert "依頼のDMを 1人" in world.open()
    assert [dm.user_id for dm in world.chat.dms()] == [HOUKATSU]


def test_opening_needs_an_agenda(world: World) -> None:
    world.new_meeting()
    with pytest.raises(DomainError, match="議題がありません"):
        world.open()
    assert world.chat.calls == []


def test_people_in_the_coordinators_channel_see_no_case_content(world: World) -> None:
    # The coordinators' channel carries commands and status only: who is in it does not
    # matter to the cases, which go to the meeting's own channel.
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(code)
    world.chat.set_members(CHANNEL, [COORDINATOR, HOUKATSU, CSW, OUTSIDER])
    world.open()
    assert world.chat.posts(CHANNEL) == []
    assert len(world.posts()) == 2  # the notice and the thread, in the meeting's channel


def test_an_outsider_in_the_meeting_channel_is_removed_and_the_coordinators_told(
    world: World,
) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    room = world.room()
    world.chat.facts[room] = ChannelFacts(True, False, frozenset({COORDINATOR, OUTSIDER}))
    world.mark()
    assert meetings.member_joined(world.ctx, room, OUTSIDER, "Ev1")
    kicks = [c for c in world.chat.calls if isinstance(c, RoomCall) and c.action == "kick"]
    assert [k.subject for k in kicks] == [OUTSIDER]
    [event] = world.audit()
    assert (event.action, event.actor, event.detail, event.allowed) == (
        AuditAction.ROOM_REMOVED,
        OUTSIDER,
        "reason=outsider",
        False,
    )
    [told] = world.chat.dms(COORDINATOR)
    assert mention(OUTSIDER) in told.text


def test_opening_in_a_channel_that_became_public_is_refused(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(code)
    world.chat.set_members(CHANNEL, [COORDINATOR], private=False)
    with pytest.raises(DomainError, match="公開チャンネル"):
        world.open()
    assert world.chat.calls == []


def test_only_coordinators_open_collection(world: World) -> None:
    code = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(code)
    world.mark()
    with pytest.raises(PermissionDenied):
        meetings.open_collection(world.ctx, Actor(HOUKATSU), CHANNEL, None)
    assert [e.target_id for e in world.denials()] == ["open"]


def test_channel_facts_are_asked_outside_transactions(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    facts = [q for q in world.chat.queries if q.method == "channel_facts"]
    assert facts and not any(q.in_transaction for q in facts)


# --------------------------------------------------------------------------- acknowledging


def test_a_member_confirms_the_notice_once(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    answer = world.ack(HOUKATSU)
    assert answer == f"{LABEL}の守秘義務の確認を記録しました。確認日時: 令和8年11月24日（火）10:00"
    meeting = world.meeting()
    assert meeting is not None
    event, invited = world.audit()
    assert (invited.action, invited.actor) == (AuditAction.ROOM_INVITED, HOUKATSU)
    assert (event.action, event.actor, event.target_id, event.detail) == (
        AuditAction.NOTICE_ACKNOWLEDGED,
        HOUKATSU,
        meeting.id,
        f"notice={SECRECY_NOTICE.version}",
    )
    assert world.ack(HOUKATSU) == (
        f"{LABEL}の守秘義務はすでに確認済みです。確認日時: 令和8年11月24日（火）10:00"
    )
    assert len(world.audit()) == 2


def test_the_button_names_the_meeting_by_id(world: World) -> None:
    meeting = world.collecting(world.new_case("houkatsu"))
    answer = meetings.acknowledge(
        world.ctx, Actor(COORDINATOR), meeting_id=meeting.id, via="button"
    )
    assert "確認を記録しました" in answer
    with world.ctx.uow() as uow:
        [ack] = uow.acknowledgements.for_meeting(meeting.id)
    assert (ack.user_id, ack.via) == (COORDINATOR, "button")
    with pytest.raises(NotFound, match="会議が見つかりません"):
        meetings.acknowledge(world.ctx, Actor(COORDINATOR), meeting_id="0" * 32)


@pytest.mark.parametrize("who", [OUTSIDER, CSW])
def test_people_not_asked_cannot_confirm(world: World, who: str) -> None:
    meeting = world.collecting(world.new_case("houkatsu"))
    world.mark()
    with pytest.raises(PermissionDenied, match="構成員として登録されていない"):
        world.ack(who)
    [denied] = world.denials()
    assert (denied.actor, denied.target_type, denied.target_id, denied.detail) == (
        who,
        *(("command", "ack") if who == OUTSIDER else ("meeting", meeting.id)),
        f"reason=ack:{'outsider' if who == OUTSIDER else 'not_asked'}",
    )


def test_a_deactivated_member_cannot_confirm(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.chat.deactivated.add(HOUKATSU)
    world.mark()
    with pytest.raises(PermissionDenied):
        world.ack(HOUKATSU)
    assert [e.detail for e in world.denials()] == ["reason=ack:deactivated"]


def test_confirming_releases_held_replies(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("houkatsu")
    world.collecting(first, second)
    t1, t2 = world.thread(first), world.thread(second)
    inputs.record_reply(
        world.ctx, world.room(), t1.message_id, "1764000100.000001", HOUKATSU, "見守り中"
    )
    inputs.record_reply(
        world.ctx, world.room(), t1.message_id, "1764000100.000002", HOUKATSU, "続報"
    )
    inputs.record_reply(
        world.ctx, world.room(), t2.message_id, "1764000100.000003", HOUKATSU, "把握なし"
    )
    world.mark()
    answer = world.ack(HOUKATSU)
    assert "保留中だった入力 2事例分を記録しました。" in answer
    assert world.actions() == ["notice.acknowledged", *["input.recorded"] * 3, "room.invited"]
    assert {e.detail for e in world.audit(AuditAction.INPUT_RECORDED)} == {"released"}
    reactions = world.chat.reactions()
    # Released in the inputs' order (same instant: by ID, as the SQL ORDER BY).
    assert sorted(r.ref.message_id for r in reactions) == [
        "1764000100.000001",
        "1764000100.000002",
        "1764000100.000003",
    ]
    assert {u.ref for u in world.chat.updates()} == {t1, t2}
    assert all(i.counts for i in world.inputs())
    assert any(isinstance(c, Reacted) for c in world.chat.calls)
    # Then into the meeting's channel, and told where it is.
    assert [c.action for c in world.chat.calls if isinstance(c, RoomCall)] == ["invite"]


# --------------------------------------------------------------------------- status


def test_the_coordinator_sees_every_case_and_who_confirmed(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw")
    meeting = world.collecting(first, second)
    world.ack(HOUKATSU)
    inputs.record_reply(
        world.ctx, world.room(), world.thread(first).message_id, "1.1", HOUKATSU, "状況"
    )
    world.mark()
    lines = meetings.status(world.ctx, COORD, CHANNEL, None).splitlines()
    assert lines == [
        f"{LABEL} — 情報収集中",
        f"守秘義務の確認: 済 1人 {mention(HOUKATSU)}",
        f"守秘義務の確認: 未 1人 {mention(CSW)}",
        "• R8-001: 架空市中央地域包括支援センター 回答済み（1件）",
        "• R8-002: 架空市社会福祉協議会 未回答",
        f"依頼先の構成員（会議チャンネル {channel_link(world.room())}）:",
        f"• {mention(CSW)}: 確認 未 / チャンネル 不参加",
        f"• {mention(HOUKATSU)}: 確認 済 / チャンネル 参加",
    ]
    assert [(e.action, e.target_id, e.detail) for e in world.audit()] == [
        (AuditAction.CASE_VIEWED, "R8-001", f"via=status;meeting={meeting.id}"),
        (AuditAction.CASE_VIEWED, "R8-002", f"via=status;meeting={meeting.id}"),
    ]


def test_a_confirmed_member_sees_only_their_agencys_cases(world: World) -> None:
    first, second = world.new_case("houkatsu"), world.new_case("csw")
    world.collecting(first, second)
    world.ack(CSW)
    world.mark()
    lines = meetings.status(world.ctx, Actor(CSW), CHANNEL, MEETING_DAY).splitlines()
    assert lines == [f"{LABEL} — 情報収集中", "• R8-002: 架空市社会福祉協議会 未回答"]
    assert [e.target_id for e in world.audit(AuditAction.CASE_VIEWED)] == ["R8-002"]


def test_an_unconfirmed_member_is_asked_to_confirm_first(world: World) -> None:
    meeting = world.collecting(world.new_case("houkatsu"))
    world.mark()
    with pytest.raises(PermissionDenied, match="先に守秘義務の確認"):
        meetings.status(world.ctx, Actor(HOUKATSU), CHANNEL, None)
    assert [(e.target_id, e.detail) for e in world.denials()] == [
        (meeting.id, "reason=status:unconfirmed_member")
    ]
    assert world.audit(AuditAction.CASE_VIEWED) == []


@pytest.mark.parametrize("who", [OUTSIDER, CSW])
def test_people_not_asked_see_no_status(world: World, who: str) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    with pytest.raises(PermissionDenied):
        meetings.status(world.ctx, Actor(who), CHANNEL, None)
    standing = "outsider" if who == OUTSIDER else "not_asked"
    assert [e.detail for e in world.denials()] == [f"reason=status:{standing}"]


def test_a_deactivated_coordinator_sees_no_status(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.chat.deactivated.add(COORDINATOR)
    world.mark()
    with pytest.raises(PermissionDenied):
        meetings.status(world.ctx, COORD, CHANNEL, None)
    assert [e.detail for e in world.denials()] == ["reason=status:deactivated"]


def test_the_coordinator_sees_an_empty_agenda(world: World) -> None:
    world.new_meeting()
    lines = meetings.status(world.ctx, COORD, CHANNEL, None).splitlines()
    assert lines[-2:] == [
        "（表示できる事例はありません）",
        "会議チャンネルはまだ作成されていません。",
    ]
    assert lines[0] == f"{LABEL} — 予定"


@pytest.mark.parametrize("command", ["status", "ack"])
def test_an_outsider_naming_a_wrong_date_learns_nothing_and_is_audited(
    world: World, command: str
) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    with pytest.raises(PermissionDenied):
        if command == "status":
            meetings.status(world.ctx, Actor(OUTSIDER), CHANNEL, date(2026, 12, 9))
        else:
            world.ack(OUTSIDER, date(2026, 12, 9))
    assert [e.actor for e in world.denials()] == [OUTSIDER]


# --------------------------------------------------------------------------- reminders


def test_reminding_the_members_who_have_not_answered(world: World) -> None:
    first, second = world.new_case("houkatsu", "csw"), world.new_case("csw")
    world.collecting(first, second)
    world.ack(HOUKATSU)
    inputs.record_reply(
        world.ctx, world.room(), world.thread(first).message_id, "1.1", HOUKATSU, "済"
    )
    world.mark()
    answer = meetings.remind(world.ctx, COORD, CHANNEL, None)
    assert answer == "未回答の機関の構成員 1人にリマインドを送りました。"
    [dm] = world.chat.dms()
    assert dm.user_id == CSW and dm.text.startswith(
        "【リマインド】未回答の事例があります: R8-001、R8-002"
    )
    assert world.audit() == []


def test_reminding_when_everyone_answered(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    world.ack(HOUKATSU)
    inputs.record_reply(
        world.ctx, world.room(), world.thread(code).message_id, "1.1", HOUKATSU, "済"
    )
    assert meetings.remind(world.ctx, COORD, CHANNEL, None) == "未回答の機関はありません。"


def test_one_unreachable_member_does_not_stop_the_reminders(world: World) -> None:
    admin.register_agency(world.ctx, COORD, "kodomo", "子ども家庭センター", ["U0KODOMO"])
    world.collecting(world.new_case("houkatsu", "csw", "kodomo"))
    world.chat.fail_for.add(HOUKATSU)
    world.chat.deactivated.add("U0KODOMO")  # skipped, neither sent nor failed
    world.mark()
    answer = meetings.remind(world.ctx, COORD, CHANNEL, None)
    assert answer.startswith(
        "未回答の機関の構成員 1人にリマインドを送りました。1人には送れませんでした。"
    )
    assert [dm.user_id for dm in world.chat.dms()] == [CSW]


def test_reminding_before_opening_is_refused(world: World) -> None:
    world.new_meeting()
    with pytest.raises(DomainError, match="まだ始まっていません"):
        meetings.remind(world.ctx, COORD, CHANNEL, None)


def test_only_coordinators_remind(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    with pytest.raises(PermissionDenied):
        meetings.remind(world.ctx, Actor(HOUKATSU), CHANNEL, None)
    assert [e.target_id for e in world.denials()] == ["remind"]


# --------------------------------------------------------------------------- joining


def test_an_outsider_joining_is_reported_to_the_coordinators_once(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    assert meetings.member_joined(world.ctx, CHANNEL, OUTSIDER, "Ev1")
    [event] = world.audit()
    assert (event.action, event.actor, event.allowed, event.target_id, event.detail) == (
        AuditAction.CHANNEL_OUTSIDER,
        OUTSIDER,
        False,
        CHANNEL,
        "joined",
    )
    [dm] = world.chat.dms()
    assert dm.user_id == COORDINATOR and mention(OUTSIDER) in dm.text
    assert meetings.member_joined(world.ctx, CHANNEL, OUTSIDER, "Ev1")  # the retried event
    assert len(world.chat.dms()) == 1 and len(world.audit()) == 1


def test_people_on_the_roster_and_other_channels_are_not_reported(world: World) -> None:
    world.collecting(world.new_case("houkatsu"))
    world.mark()
    assert not meetings.member_joined(world.ctx, CHANNEL, HOUKATSU, "Ev2")
    assert not meetings.member_joined(world.ctx, CHANNEL, COORDINATOR, "Ev3")
    assert not meetings.member_joined(world.ctx, "C0ELSE", OUTSIDER, "Ev4")
    assert world.chat.calls == [] and world.audit() == []


def test_a_deactivated_coordinator_is_not_told(world: World) -> None:
    world.chat.deactivated.add(COORDINATOR)
    assert meetings.member_joined(world.ctx, CHANNEL, OUTSIDER)
    assert world.chat.dms() == []
    assert len(world.audit(AuditAction.CHANNEL_OUTSIDER)) == 1


def test_messages_carry_no_case_content(world: World) -> None:
    code = world.new_case("houkatsu")
    world.collecting(code)
    texts = [c.text for c in world.chat.calls if isinstance(c, Posted | Direct)]
    assert texts and not any("状況と問題点" in t for t in texts)
