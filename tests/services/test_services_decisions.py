"""What the meeting decides: role assignments and the decision form."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    OUTSIDER,
    World,
)

from bot.domain.errors import DomainError, InvalidValue, NotFound
from bot.domain.model import AuditAction, CaseStatus, Outcome, Urgency
from bot.domain.timeline import SendKind
from bot.services import admin, cases, decisions
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import (
    DateInput,
    FormErrors,
    FormValues,
    SelectInput,
    TextInput,
    mention,
)

TODAY = date(2026, 11, 24)


@pytest.fixture
def code(world: World) -> str:
    """R8-001 (houkatsu asked) on the agenda of the meeting of MEETING_DAY."""
    made = world.new_case("houkatsu")
    world.new_meeting()
    world.put_on_agenda(made)
    world.mark()
    return made


def role(
    world: World, code: str, key: str, task: str, *, lead: bool = False, due: date | None = None
) -> str:
    return decisions.assign_role(world.ctx, COORD, CHANNEL, code, key, task, due, lead)


def roles_of(world: World, code: str) -> list[tuple[str, str, bool, date | None]]:
    case = world.case(code)
    with world.ctx.uow() as uow:
        keys = {a.id: a.key for a in uow.agencies.list()}
        return [(keys[r.agency_id], r.task, r.lead, r.due_on) for r in uow.roles.for_case(case.id)]


# --------------------------------------------------------------------------- roles


def test_assigning_a_role(world: World, code: str) -> None:
    answer = role(world, code, "houkatsu", "介護保険サービスの導入", due=date(2026, 12, 25))
    assert answer == (
        "R8-001 の役割を記録しました: 架空市中央地域包括支援センター — 介護保険サービスの導入"
        "、期限 令和8年（2026年）12月25日（金）"
    )
    assert roles_of(world, code) == [
        ("houkatsu", "介護保険サービスの導入", False, date(2026, 12, 25))
    ]
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.ROLE_ASSIGNED,
        "R8-001",
        "agency=houkatsu",
    )
    meeting = world.meeting()
    with world.ctx.uow() as uow:
        [made] = uow.roles.for_case(world.case(code).id)
    assert meeting is not None and made.meeting_id == meeting.id


def assignees_of(world: World, code: str) -> list[tuple[str, str | None]]:
    case = world.case(code)
    with world.ctx.uow() as uow:
        return [(r.task, r.assignee_user_id) for r in uow.roles.for_case(case.id)]


def test_a_role_names_the_person_at_the_agency(world: World, code: str) -> None:
    answer = decisions.assign_role(
        world.ctx, COORD, CHANNEL, code, "houkatsu", "介護保険の申請", None, True, HOUKATSU
    )
    assert answer == (
        f"R8-001 の役割を記録しました: 【主担当】架空市中央地域包括支援センター"
        f"（担当 {mention(HOUKATSU)}） — 介護保険の申請"
    )
    assert assignees_of(world, code) == [("介護保険の申請", HOUKATSU)]
    # The same task again without 担当 keeps the person; naming another member changes it.
    role(world, code, "houkatsu", "介護保険の申請")
    assert assignees_of(world, code) == [("介護保険の申請", HOUKATSU)]


@pytest.mark.parametrize("who", [CSW, OUTSIDER, COORDINATOR])
def test_the_person_named_must_be_an_active_member_of_that_agency(
    world: World, code: str, who: str
) -> None:
    with pytest.raises(InvalidValue) as raised:
        decisions.assign_role(
            world.ctx, COORD, CHANNEL, code, "houkatsu", "見守り", None, False, who
        )
    assert "構成員として登録されていません" in raised.value.message
    assert "/shien agency add houkatsu" in raised.value.message
    assert world.audit() == [] and assignees_of(world, code) == []


def test_a_member_removed_from_the_agency_cannot_be_named(world: World, code: str) -> None:
    admin.remove_member(world.ctx, COORD, "houkatsu", HOUKATSU)
    with pytest.raises(InvalidValue):
        decisions.assign_role(
            world.ctx, COORD, CHANNEL, code, "houkatsu", "見守り", None, False, HOUKATSU
        )


def test_the_same_task_again_updates_it(world: World, code: str) -> None:
    role(world, code, "houkatsu", "見守り", due=date(2026, 12, 25))
    answer = role(world, code, "houkatsu", "見守り")
    assert "（登録済みの役割を更新）" in answer
    assert roles_of(world, code) == [("houkatsu", "見守り", False, date(2026, 12, 25))]


def test_the_lead_mark_moves(world: World, code: str) -> None:
    role(world, code, "houkatsu", "見守り", lead=True)
    world.clock.advance(minutes=1)  # roles list by creation time
    answer = role(world, code, "csw", "家計相談", lead=True)
    assert "【主担当】架空市社会福祉協議会" in answer
    assert roles_of(world, code) == [
        ("houkatsu", "見守り", False, None),
        ("csw", "家計相談", True, None),
    ]


def test_an_agency_given_a_role_is_asked_for_the_case(world: World, code: str) -> None:
    role(world, code, "csw", "家計相談")
    with world.ctx.uow() as uow:
        csw = uow.agencies.by_key("csw")
    assert csw is not None and csw.id in world.case(code).asked_agency_ids


@pytest.mark.parametrize(
    ("task", "due", "message"),
    [
        ("  ", None, "役割・支援内容を入力してください"),
        ("見守り", TODAY - timedelta(days=1), "期限に過去の日付は指定できません"),
    ],
)
def test_bad_roles(world: World, code: str, task: str, due: date | None, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        role(world, code, "houkatsu", task, due=due)
    assert world.audit() == []


def test_roles_of_unknown_cases_agencies_and_channels(world: World, code: str) -> None:
    with pytest.raises(NotFound, match="R8-009"):
        role(world, "R8-009", "houkatsu", "見守り")
    with pytest.raises(NotFound, match="kodomo"):
        role(world, code, "kodomo", "見守り")
    with pytest.raises(DomainError, match="会議チャンネルとして設定されていません"):
        decisions.assign_role(world.ctx, COORD, "C0ELSE", code, "houkatsu", "見守り", None, False)
    assert world.audit() == []


def test_a_case_on_no_agenda_has_no_roles_yet(world: World) -> None:
    code = world.new_case("houkatsu")
    with pytest.raises(NotFound, match="議題になっていません"):
        role(world, code, "houkatsu", "見守り")


def test_only_coordinators_assign_roles(world: World, code: str) -> None:
    with pytest.raises(PermissionDenied):
        decisions.assign_role(
            world.ctx, Actor(HOUKATSU), CHANNEL, code, "houkatsu", "x", None, False
        )
    assert [e.target_id for e in world.denials()] == ["role"]


def test_the_meeting_of_a_case_is_the_latest_held_else_the_next(world: World, code: str) -> None:
    later = date(2026, 12, 15)
    world.new_meeting(later)
    world.put_on_agenda(code, later)
    case = world.case(code)
    with world.ctx.uow() as uow:
        assert decisions.meeting_of_case(world.ctx, uow, CHANNEL, case).date == MEETING_DAY
    world.clock.advance(days=15)  # 2026-12-09: the 12/8 meeting is past
    with world.ctx.uow() as uow:
        assert decisions.meeting_of_case(world.ctx, uow, CHANNEL, case).date == MEETING_DAY
    world.clock.advance(days=7)  # 2026-12-16
    with world.ctx.uow() as uow:
        assert decisions.meeting_of_case(world.ctx, uow, CHANNEL, case).date == later


# --------------------------------------------------------------------------- decisions


def _values(
    outcome: str = "continue",
    monitoring: date | None = date(2027, 1, 19),
    policy: str = "見守り継続",
    urgency: str | None = None,
    reason: str = "",
) -> FormValues:
    return FormValues(
        texts={
            "policy": policy,
            "notes": "次回までに家族と面談",
            "discussion": "",
            "urgency_reason": reason,
        },
        dates={"monitoring": monitoring},
        choices={"outcome": (outcome,), "urgency": (urgency,) if urgency else ()},
    )


def _field(form: decisions.Form, field_id: str) -> object:
    return next(f for f in form.fields if f.field_id == field_id)


def _submit(world: World, code: str, values: FormValues, actor: Actor = COORD) -> str:
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    return decisions.submit_decision(world.ctx, actor, form.metadata, values)


def test_the_decision_form_starts_empty(world: World, code: str) -> None:
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    meeting = world.meeting()
    assert meeting is not None
    assert (form.form_id, form.title) == (decisions.DECISION_FORM, "R8-001 協議・決定")
    assert form.metadata == f"{meeting.id}:{world.case(code).id}"
    assert [f.field_id for f in form.fields] == [
        "discussion",
        "urgency",
        "urgency_reason",
        "policy",
        "monitoring",
        "outcome",
        "notes",
    ]
    discussion, urgency, reason, policy, monitoring, outcome, notes = form.fields
    assert isinstance(discussion, TextInput) and discussion.multiline
    assert discussion.label == "協議内容" and discussion.initial == ""
    assert isinstance(urgency, SelectInput) and urgency.optional and urgency.initial is None
    assert [(c.value, c.label) for c in urgency.choices] == [
        ("high", "高"),
        ("medium", "中"),
        ("low", "低"),
    ]
    assert isinstance(reason, TextInput) and reason.label == "緊急度の理由"
    assert isinstance(policy, TextInput) and policy.initial == ""
    assert isinstance(monitoring, DateInput) and monitoring.initial is None
    assert isinstance(outcome, SelectInput) and outcome.initial == "continue"
    assert isinstance(notes, TextInput) and notes.initial == ""


def test_recording_a_decision_plans_the_monitoring(world: World, code: str) -> None:
    answer = _submit(world, code, _values())
    assert answer == (
        "R8-001 の決定事項を記録しました（令和8年（2026年）12月8日（火）14:00 支援会議（随時）・結果: 継続）。"
        "\n次回モニタリング日 令和9年1月19日（火） 以降の会議が登録されると、"
        "その最初の会議の議題に事例が自動で入ります。"
    )
    [event] = world.audit()
    assert (event.action, event.target_id, event.detail) == (
        AuditAction.DECISION_RECORDED,
        "R8-001",
        "outcome=continue",
    )
    assert [s.kind for s in world.scheduler.planned] == [SendKind.AGENDA, SendKind.MONITORING]
    assert all(s.case_id == world.case(code).id for s in world.scheduler.planned)
    # The form now shows what was decided.
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    policy, monitoring = _field(form, "policy"), _field(form, "monitoring")
    assert isinstance(policy, TextInput) and policy.initial == "見守り継続"
    assert isinstance(monitoring, DateInput) and monitoring.initial == date(2027, 1, 19)


def test_the_discussion_and_the_assessment_are_recorded(world: World, code: str) -> None:
    values = _values(urgency="high", reason="\u202e服薬が途切れている。 ")
    values.texts["discussion"] = "母の受診を最優先とし、長男には手紙で関わる。"
    _submit(world, code, values)
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        decision = uow.decisions.get(meeting.id, world.case(code).id)
    assert decision is not None
    assert decision.discussion == "母の受診を最優先とし、長男には手紙で関わる。"
    assert (decision.urgency, decision.urgency_reason) == (Urgency.HIGH, "服薬が途切れている。")
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    urgency, reason = _field(form, "urgency"), _field(form, "urgency_reason")
    assert isinstance(urgency, SelectInput) and urgency.initial == "high"
    assert isinstance(reason, TextInput) and reason.initial == "服薬が途切れている。"


def test_a_reason_without_an_urgency_is_sent_back(world: World, code: str) -> None:
    with pytest.raises(FormErrors) as raised:
        _submit(world, code, _values(reason="理由だけ"))
    assert raised.value.errors == {"urgency": "緊急度（高・中・低）を選んでください。"}


def test_a_resubmitted_decision_replaces_the_first(world: World, code: str) -> None:
    _submit(world, code, _values())
    _submit(world, code, _values(outcome="close", monitoring=None, policy="終結"))
    meeting = world.meeting()
    assert meeting is not None
    with world.ctx.uow() as uow:
        [decision] = uow.decisions.for_meeting(meeting.id)
    assert (decision.outcome, decision.support_policy) == (Outcome.CLOSE, "終結")
    assert world.case(code).status is CaseStatus.CLOSED
    assert len(world.scheduler.planned) == 2  # no monitoring date the second time


def test_suspending_a_case(world: World, code: str) -> None:
    _submit(world, code, _values(outcome="suspend", monitoring=None))
    assert world.case(code).status is CaseStatus.SUSPENDED


def test_moving_to_multilayer_needs_consent(world: World, code: str) -> None:
    with pytest.raises(FormErrors) as raised:
        _submit(world, code, _values(outcome="to_multilayer"))
    assert list(raised.value.errors) == ["outcome"]
    assert world.audit() == []
    cases.record_consent(world.ctx, COORD, code, TODAY)
    _submit(world, code, _values(outcome="to_multilayer"))
    assert world.case(code).status is CaseStatus.OPEN


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (_values(monitoring=MEETING_DAY), "monitoring"),
        (_values(outcome="nonsense"), "outcome"),
        (_values(urgency="nonsense"), "urgency"),
    ],
)
def test_decision_form_errors(world: World, code: str, values: FormValues, field: str) -> None:
    with pytest.raises(FormErrors) as raised:
        _submit(world, code, values)
    assert list(raised.value.errors) == [field]
    assert world.audit() == [] and world.scheduler.planned == []


def test_a_decision_for_something_gone(world: World, code: str) -> None:
    """Metadata the bot did not make (or whose case left the meeting) is refused and
    audited, never recorded."""
    with pytest.raises(PermissionDenied, match="もう一度 /shien decide"):
        decisions.submit_decision(world.ctx, COORD, "nothing:here", _values())
    assert [e.detail for e in world.denials()] == ["reason=decide:case_not_on_meeting"]


def test_only_coordinators_decide(world: World, code: str) -> None:
    with pytest.raises(PermissionDenied):
        decisions.decision_form(world.ctx, Actor(HOUKATSU), CHANNEL, code)
    with pytest.raises(PermissionDenied):
        _submit(world, code, _values(), actor=Actor(HOUKATSU))
    assert [e.target_id for e in world.denials()] == ["decide", "decide"]
    assert world.audit(AuditAction.DECISION_RECORDED) == []


def test_a_coordinator_removed_while_the_form_was_open_is_refused(world: World, code: str) -> None:
    form = decisions.decision_form(world.ctx, COORD, CHANNEL, code)
    world.chat.deactivated.add(COORDINATOR)
    with pytest.raises(PermissionDenied):
        decisions.submit_decision(world.ctx, COORD, form.metadata, _values())
    assert len(world.denials()) == 1
