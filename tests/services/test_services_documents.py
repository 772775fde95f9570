"""Minutes and role summaries: what each reader gets, by DM or at the terminal."""

from __future__ import annotations

from datetime import date, time

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

from bot.domain.documents import sha256_of
from bot.domain.errors import InvalidValue, NotFound
from bot.domain.model import AuditAction, FinalDocument, MeetingKind
from bot.services import admin, decisions, documents, inputs, meetings
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import FormValues
from bot.services.document_views import MinutesView

OPERATOR = Actor("operator:jimu")


@pytest.fixture
def held(world: World) -> tuple[str, str]:
    """Two cases discussed at MEETING_DAY: replies, acknowledgements, roles, a decision."""
    first, second = world.new_case("houkatsu", "csw"), world.new_case("csw")
    world.collecting(first, second)
    world.ack(COORDINATOR)
    world.ack(HOUKATSU)
    world.ack(CSW)
    thread = world.thread(first).message_id
    inputs.record_reply(world.ctx, world.room(), thread, "2.1", CSW, "社協で家計相談中")
    world.clock.advance(minutes=1)
    inputs.record_reply(world.ctx, world.room(), thread, "2.2", HOUKATSU, "包括で見守り中")
    world.clock.advance(minutes=1)
    inputs.record_reply(world.ctx, world.room(), thread, "2.3", HOUKATSU, "取り下げる投稿")
    inputs.withdraw_reply(world.ctx, world.room(), "2.3")
    decisions.assign_role(world.ctx, COORD, CHANNEL, first, "houkatsu", "見守り", None, True)
    world.clock.advance(minutes=1)
    decisions.assign_role(world.ctx, COORD, CHANNEL, first, "csw", "家計相談", None, False)
    decisions.assign_role(world.ctx, COORD, CHANNEL, second, "csw", "同行支援", None, False)
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, first)
    values = FormValues(
        texts={"policy": "見守り継続"},
        dates={"monitoring": date(2027, 1, 19)},
        choices={"outcome": ("continue",)},
    )
    decisions.submit_decision(world.ctx, COORD, form.metadata, values)
    world.record(
        present={"jimu": (COORDINATOR,), "houkatsu": (HOUKATSU,)},
        place="本庁舎3階 第1会議室",
        method=("in_person",),
        started=time(14, 0),
        ended=time(15, 30),
        chair=(COORDINATOR,),
        recorder=(COORDINATOR,),
        absent_agencies=(world.agency_id("csw"),),
    )
    world.mark()
    return first, second


# --------------------------------------------------------------------------- minutes


def test_the_draft_minutes_go_to_the_coordinator(world: World, held: tuple[str, str]) -> None:
    answer = documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert answer == "議事録（minutes-2026-12-08-draft.docx）をDMでお送りしました。"
    [sent] = world.chat.files()
    assert sent.user_id == COORDINATOR and sent.file.filename == "minutes-2026-12-08-draft.docx"
    assert "（案）" in sent.comment and "守秘義務" in sent.comment
    [view] = world.fakes.renderer.minutes
    assert sent.file.data.decode().startswith("minutes draft=True name=架空市支援会議（随時）")
    assert view.author == f"name:{COORDINATOR}"
    meeting = world.meeting()
    assert meeting is not None
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.DOCUMENT_DOWNLOADED,
        meeting.id,
        "file=minutes-2026-12-08-draft.docx",
    )


def test_the_minutes_hold_what_the_meeting_used(world: World, held: tuple[str, str]) -> None:
    documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    [view] = world.fakes.renderer.minutes
    # Who attended as recorded (not who confirmed the notice: CSW confirmed, but was absent).
    assert [(a.agency_name, a.people) for a in view.attendees] == [
        ("事務局", (f"name:{COORDINATOR}",)),
        ("架空市中央地域包括支援センター", (f"name:{HOUKATSU}",)),
    ]
    assert [(a.agency_name, a.people) for a in view.absentees] == [("架空市社会福祉協議会", ())]
    assert (view.place, view.method) == ("本庁舎3階 第1会議室", "対面")
    assert (view.chair, view.recorder) == (f"事務局　name:{COORDINATOR}",) * 2
    assert (f"{view.starts_at:%H:%M}", f"{view.ends_at:%H:%M}") == ("14:00", "15:30")
    assert view.recorded and not view.multilayer
    assert view.notice.statutory and "第106条の6" in view.notice.basis
    # The secrecy confirmations are listed apart, as they were.
    assert {a.person for a in view.acknowledgements} == {
        f"name:{u}" for u in (COORDINATOR, HOUKATSU, CSW)
    }
    first, second = view.cases
    # Recorded inputs only, grouped in the case's order of asking (houkatsu, then csw).
    assert [(i.agency_name, i.text) for i in first.inputs] == [
        ("架空市中央地域包括支援センター", "包括で見守り中"),
        ("架空市社会福祉協議会", "社協で家計相談中"),
    ]
    assert [(r.agency_name, r.task, r.lead) for r in first.roles] == [
        ("架空市中央地域包括支援センター", "見守り", True),
        ("架空市社会福祉協議会", "家計相談", False),
    ]
    assert first.lead_agency_name == "架空市中央地域包括支援センター"
    assert (first.support_policy, first.outcome_label, first.next_monitoring_on) == (
        "見守り継続",
        "継続",
        date(2027, 1, 19),
    )
    assert (second.inputs, second.outcome_label, second.lead_agency_name) == ((), "", "")
    assert view.next_meeting_at is None


def test_finalising_freezes_the_minutes(world: World, held: tuple[str, str]) -> None:
    answer = documents.deliver_final_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    [sent] = world.chat.files()
    digest = sha256_of(sent.file.data)
    assert answer == (
        f"議事録を確定しました。確定版（minutes-2026-12-08.docx、SHA-256: {digest[:16]}…）をDMでお送りしました。"
    )
    assert world.fakes.renderer.minutes[-1].draft is False
    meeting = world.meeting()
    assert meeting is not None and meeting.minutes_sha256 == digest and meeting.minutes_final
    event, archived = world.audit()
    assert (event.action, event.detail) == (AuditAction.MINUTES_FINALISED, f"sha256={digest}")
    # The meeting is over on record: its own channel is archived.
    assert archived.action is AuditAction.ROOM_ARCHIVED
    assert world.meeting() is not None and world.meeting().room_archived_at is not None  # type: ignore[union-attr]
    # Later changes never alter them: the frozen bytes come back, nothing is rendered again.
    inputs.record_reply(
        world.ctx, world.room(), world.thread(held[0]).message_id, "2.9", HOUKATSU, "後日"
    )
    world.mark()
    rendered = len(world.fakes.renderer.minutes)
    again = documents.deliver_final_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert again.startswith("議事録は令和8年11月24日（火）10:03に確定済みです。確定版")
    assert world.audit() == []
    answer = documents.deliver_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert answer == "議事録（minutes-2026-12-08.docx）をDMでお送りしました。"
    assert [f.file.data for f in world.chat.files()] == [sent.file.data, sent.file.data]
    assert "（確定版）" in world.chat.files()[-1].comment
    assert len(world.fakes.renderer.minutes) == rendered
    assert [e.detail for e in world.audit()] == ["file=minutes-2026-12-08.docx"]


def test_the_terminal_names_a_meeting_by_date_alone(world: World, held: tuple[str, str]) -> None:
    meeting, filename, _, final = documents.minutes_document(world.ctx, OPERATOR, None, MEETING_DAY)
    assert (meeting.date, filename, final) == (MEETING_DAY, "minutes-2026-12-08-draft.docx", False)
    assert world.audit()[0].actor == "operator:jimu"
    with pytest.raises(InvalidValue, match="会議の日付を指定してください"):
        documents.minutes_document(world.ctx, OPERATOR, None, None)
    with pytest.raises(NotFound, match="2026-12-09 の会議はありません"):
        documents.minutes_document(world.ctx, OPERATOR, None, date(2026, 12, 9))


def test_the_terminal_asks_for_a_channel_when_a_date_is_ambiguous(
    world: World, held: tuple[str, str]
) -> None:
    admin.setup_channel(world.ctx, COORD, "C0KAIGI02")
    meetings.schedule_adhoc(
        world.ctx, COORD, "C0KAIGI02", MEETING_DAY, time(10), MeetingKind.SUPPORT
    )
    with pytest.raises(InvalidValue, match="複数のチャンネル"):
        documents.minutes_document(world.ctx, OPERATOR, None, MEETING_DAY)
    meeting, *_ = documents.minutes_document(world.ctx, OPERATOR, "C0KAIGI02", MEETING_DAY)
    assert meeting.channel_id == "C0KAIGI02"


def test_without_a_date_today_s_meeting_else_the_next(world: World, held: tuple[str, str]) -> None:
    meeting, *_ = documents.minutes_document(world.ctx, COORD, CHANNEL, None)
    assert meeting.date == MEETING_DAY
    world.clock.advance(days=14)  # the meeting day itself
    meeting, *_ = documents.minutes_document(world.ctx, COORD, CHANNEL, None)
    assert meeting.date == MEETING_DAY
    world.clock.advance(days=1)
    with pytest.raises(NotFound, match="今後の会議が登録されていません"):
        documents.minutes_document(world.ctx, COORD, CHANNEL, None)


def test_only_coordinators_get_documents(world: World, held: tuple[str, str]) -> None:
    for deliver, what in (
        (documents.deliver_minutes, "minutes"),
        (documents.deliver_final_minutes, "minutes.final"),
        (documents.deliver_role_summaries, "roles"),
    ):
        with pytest.raises(PermissionDenied):
            deliver(world.ctx, Actor(HOUKATSU), CHANNEL, MEETING_DAY)
        assert world.denials()[-1].target_id == what
    assert world.chat.files() == [] and world.fakes.renderer.minutes == []


# --------------------------------------------------------------------------- role summaries


def test_each_agency_gets_only_its_own_tasks(world: World, held: tuple[str, str]) -> None:
    admin.register_agency(world.ctx, COORD, "kodomo", "子ども家庭センター", ["U0KODOMO"])
    world.mark()  # an agency without a role gets nothing
    answer = documents.deliver_role_summaries(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert (
        answer
        == "役割分担表（全機関）をDMでお送りし、2機関の構成員 2人に各機関の役割だけを送りました。"
    )
    full, *extracts = world.fakes.renderer.role_summaries
    assert [a.agency_name for a in full.agencies] == [
        "架空市中央地域包括支援センター",
        "架空市社会福祉協議会",
    ]
    assert [[a.agency_name for a in e.agencies] for e in extracts] == [
        ["架空市社会福祉協議会"],
        ["架空市中央地域包括支援センター"],
    ]
    assert world.chat.kinds() == ["FileSent", "Direct", "FileSent", "Direct", "FileSent"]
    [to_csw] = world.chat.files(CSW)
    assert to_csw.file.filename == "roles-2026-12-08-csw.docx"
    assert "家計相談" in to_csw.file.data.decode() and "見守り" not in to_csw.file.data.decode()
    [dm] = world.chat.dms(CSW)
    assert "• R8-001: 家計相談" in dm.text and "• R8-002: 同行支援" in dm.text
    assert "見守り" not in dm.text
    # One row for the full summary, then one per extract that actually went out.
    assert [e.detail for e in world.audit()] == [
        "file=roles-2026-12-08.docx",
        f"file=roles-2026-12-08-csw.docx;to={CSW}",
        f"file=roles-2026-12-08-houkatsu.docx;to={HOUKATSU}",
    ]


def test_unreachable_and_deactivated_members_get_nothing_and_are_not_audited(
    world: World, held: tuple[str, str]
) -> None:
    world.chat.deactivated.add(CSW)
    world.chat.fail_for.add(HOUKATSU)
    answer = documents.deliver_role_summaries(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert answer.endswith(
        "構成員 0人に各機関の役割だけを送りました。1人には送れませんでした（アカウントが無効か、Slack に届きませんでした）。"
    )
    assert world.chat.files() == world.chat.files(COORDINATOR)
    assert [e.detail for e in world.audit()] == ["file=roles-2026-12-08.docx"]


def test_one_agency_s_extract_at_the_terminal(world: World, held: tuple[str, str]) -> None:
    _, filename, data = documents.role_summary_document(
        world.ctx, OPERATOR, None, MEETING_DAY, "houkatsu"
    )
    assert filename == "roles-2026-12-08-houkatsu.docx"
    assert data.decode().splitlines()[1:] == [
        "agency 架空市中央地域包括支援センター: R8-001:見守り*"
    ]
    with pytest.raises(NotFound, match="kodomo"):
        documents.role_summary_document(world.ctx, OPERATOR, None, MEETING_DAY, "kodomo")


def test_finalising_at_the_same_moment_as_another_coordinator_keeps_theirs(
    world: World, held: tuple[str, str]
) -> None:
    """The other coordinator's final version is stored while this one is being rendered."""
    render = world.fakes.renderer.render_minutes
    meeting = world.meeting()
    assert meeting is not None
    theirs = FinalDocument(
        meeting.id, "minutes", "minutes-2026-12-08.docx", "f" * 64, b"theirs", "U0OTHER"
    )

    def render_while_another_finalises(view: MinutesView) -> bytes:
        with world.ctx.uow() as uow:
            uow.final_documents.add(theirs)
            uow.commit()
        return render(view)

    world.fakes.renderer.render_minutes = render_while_another_finalises  # type: ignore[method-assign]
    _, document, now = documents.finalise_minutes(world.ctx, COORD, CHANNEL, MEETING_DAY)
    assert not now and document.data == b"theirs"
    assert world.audit(AuditAction.MINUTES_FINALISED) == []
