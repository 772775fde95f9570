"""Issue 5 through the real bot: consent withdrawal, direct identifiers in replies and forms,
and ``/shien audit``."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from e2e_steps import (
    INPUT_ACTION,
    ack,
    database,
    dm_texts,
    ephemeral_texts,
    inputs,
    meeting,
    member,
    prepare_meeting,
    reacted,
    reply,
    retry_event,
    room,
    thread_head,
)
from workspace_fixtures import CHANNEL, COORDINATOR, meeting_day, register_agencies

from bot.domain.calendar import JapaneseCalendar, format_wareki
from bot.domain.model import AuditAction, AuditEvent
from localslack.driver import DriverError
from localslack.harness import LocalWorkspace

CASE_A = "houkatsu shogai konkyu csw"
PHONE = "090-1234-5678"
EMAIL = "kakuu.taro@example.jp"


def _events(ws: LocalWorkspace, action: AuditAction) -> list[AuditEvent]:
    with database(ws) as uow:
        return [e for e in uow.audit.list() if e.action is action]


def _consent_day() -> str:
    return (date.today() - timedelta(days=3)).isoformat()


# --------------------------------------------------------------------------- consent


def test_withdrawing_consent_takes_the_case_off_future_multilayer_agendas(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    register_agencies(ws)
    multilayer = meeting_day()
    support = JapaneseCalendar().next_working_day(multilayer + timedelta(days=7))
    assert "会議を登録しました" in ws.command(
        COORDINATOR, CHANNEL, f"adhoc {multilayer} 14:00 重層"
    )
    assert "会議を登録しました" in ws.command(COORDINATOR, CHANNEL, f"adhoc {support} 10:00")
    answer = ws.command(COORDINATOR, CHANNEL, f"case new {CASE_A} 重層 同意:{_consent_day()}")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code} {multilayer}")
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code} {support}")
    assert "情報収集を開始しました" in ws.command(COORDINATOR, CHANNEL, f"open {multilayer}")
    head = thread_head(ws, code)

    # Only coordinators may record a withdrawal.
    answer = ws.command(member("houkatsu"), CHANNEL, f"consent withdraw {code}")
    assert "事務局" in answer and "のみ" in answer, answer

    answer = ws.command(COORDINATOR, CHANNEL, f"同意 撤回 {code}")
    assert "撤回" in answer and format_wareki(multilayer) in answer, answer
    with database(ws) as uow:
        case = uow.cases.list()[0]
        assert not case.has_consent and case.consent is not None
        assert case.consent.withdrawn_by == COORDINATOR
        assert case.consent.withdrawn_on == date.today()
        assert case.consent.recorded_by == COORDINATOR  # who recorded it, and when, is kept
        ml = uow.meetings.on_date(CHANNEL, multilayer)
        sp = uow.meetings.on_date(CHANNEL, support)
        assert ml is not None and sp is not None
        assert list(uow.agenda.for_meeting(ml.id)) == []
        assert [i.case_id for i in uow.agenda.for_meeting(sp.id)] == [case.id]
    (withdrawn,) = _events(ws, AuditAction.CONSENT_WITHDRAWN)
    assert withdrawn.target_id == code and withdrawn.actor == COORDINATOR
    (removed,) = _events(ws, AuditAction.AGENDA_REMOVED)
    assert removed.target_id == code and "consent_withdrawn" in removed.detail
    message = ws.server.message(room(ws), head)
    assert message is not None and "議題から外れました" in str(message.get("text"))

    # A reply in the old thread is no longer recorded; the case cannot go back on a 重層
    # agenda, but a 支援会議 still takes it.
    answer = ws.command(member("houkatsu"), CHANNEL, f"ack {multilayer}")
    assert "構成員として登録されていない" in answer, answer
    # Never confirmed for it, so never in its channel: the old thread is out of reach.
    with pytest.raises(DriverError):
        reply(ws, member("houkatsu"), code, "状況を確認中。")
    ws.settle()
    assert inputs(ws, multilayer) == []
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda add {code} {multilayer}")
    assert "同意" in answer and "議題に追加し" not in answer, answer
    answer = ws.command(COORDINATOR, CHANNEL, f"consent withdraw {code}")
    assert "有効な本人同意の記録がありません" in answer, answer
    # Consent given again: recorded anew, with who and when.
    assert "本人同意" in ws.command(COORDINATOR, CHANNEL, f"consent {code} {date.today()}")
    assert len(_events(ws, AuditAction.CONSENT_RECORDED)) == 2


# --------------------------------------------------------------------------- identifiers


def test_a_reply_with_a_phone_number_is_recorded_flagged_and_its_author_warned_once(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    coordinator_dms = len(dm_texts(ws, COORDINATOR))
    text = f"長男の携帯は {PHONE}、メールは {EMAIL} とのこと。"
    response = ws.slack.user_posts(houkatsu, room(ws), text, thread_ts=thread_head(ws, code))
    ws.wait_until(lambda: reacted(ws, response))
    ws.settle()

    (recorded,) = inputs(ws, day)
    assert recorded.counts and PHONE in recorded.text  # recorded all the same
    (flag,) = _events(ws, AuditAction.INPUT_FLAGGED)
    assert flag.target_id == recorded.id and flag.actor == houkatsu
    assert flag.detail == f"case={code};kinds=phone,email"
    warnings = [e for e in ephemeral_texts(ws, houkatsu) if "電話番号・メールアドレス" in e]
    assert len(warnings) == 1 and "編集" in warnings[0] and "削除" in warnings[0]
    assert PHONE not in warnings[0] and EMAIL not in warnings[0]
    told = dm_texts(ws, COORDINATOR)[coordinator_dms:]
    assert len(told) == 1
    assert code in told[0] and f"<@{houkatsu}>" in told[0] and "電話番号" in told[0]
    assert PHONE not in told[0] and EMAIL not in told[0] and "長男" not in told[0]

    # Slack retries the event: one input, one flag, one warning, one DM.
    (event_id,) = [r.event_id for r in ws.slack.responses if r.event_id][-1:]
    assert retry_event(ws, event_id).status == 200
    ws.settle()
    assert len(inputs(ws, day)) == 1
    assert len(_events(ws, AuditAction.INPUT_FLAGGED)) == 1
    assert len([e for e in ephemeral_texts(ws, houkatsu) if "電話番号" in e]) == 1
    assert len(dm_texts(ws, COORDINATOR)[coordinator_dms:]) == 1


def test_an_edit_that_adds_an_address_is_flagged_once(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A)
    csw = member("csw")
    ack(ws, csw)
    ts = reply(ws, csw, code, "民生委員から情報提供あり。")
    ws.wait_until(lambda: reacted(ws, ts))
    assert _events(ws, AuditAction.INPUT_FLAGGED) == []
    ws.slack.user_edits(room(ws), ts, "民生委員から情報提供あり。架空市中央3丁目5番2号。")
    ws.settle()
    (flag,) = _events(ws, AuditAction.INPUT_FLAGGED)
    assert flag.detail == f"case={code};kinds=address"
    # The same text again (a retried edit event) adds no new kind.
    ws.slack.user_edits(room(ws), ts, "民生委員から情報提供あり。架空市中央3丁目5番2号。")
    ws.settle()
    assert len(_events(ws, AuditAction.INPUT_FLAGGED)) == 1
    assert len([e for e in ephemeral_texts(ws, csw) if "住所" in e]) == 1


def test_an_unconfirmed_member_cannot_reply_at_all(workspace: LocalWorkspace) -> None:
    # Before, a reply from a member who had not confirmed was held (and flagged); now they
    # are not in the meeting's channel, so nothing they type reaches a case thread.
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    konkyu = member("konkyu")
    with pytest.raises(DriverError):
        reply(ws, konkyu, code, "〒248-0012 に転居予定。")
    ws.settle()
    assert _events(ws, AuditAction.INPUT_FLAGGED) == [] and inputs(ws, day) == []


def test_the_input_form_with_an_email_address_is_recorded_and_flagged(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    shogai = member("shogai")
    ack(ws, shogai)
    ws.slack.click_button(shogai, room(ws), thread_head(ws, code), INPUT_ACTION)
    view = ws.wait_until(lambda: ws.server.views(shogai))[-1]
    ws.slack.submit_view(shogai, view["id"], {"situation": f"連絡は {EMAIL} へ。"})
    ws.wait_until(lambda: _events(ws, AuditAction.INPUT_FLAGGED))
    ws.settle()
    assert len(inputs(ws, day)) == 1
    (flag,) = _events(ws, AuditAction.INPUT_FLAGGED)
    assert flag.detail == f"case={code};kinds=email" and flag.actor == shogai
    warnings = [e for e in ephemeral_texts(ws, shogai) if "メールアドレス" in e]
    assert len(warnings) == 1 and "事務局" in warnings[0] and EMAIL not in warnings[0]
    assert any(code in d and "メールアドレス" in d for d in dm_texts(ws, COORDINATOR))


# --------------------------------------------------------------------------- /shien audit


def test_audit_lists_recent_events_for_coordinators_only_and_is_itself_audited(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code_a, code_b) = prepare_meeting(ws, CASE_A, "csw konkyu")
    shogai = member("shogai")
    ack(ws, shogai)

    answer = ws.command(COORDINATOR, CHANNEL, "audit")
    lines = answer.splitlines()
    assert lines[0].startswith("監査記録") and "新しい順" in lines[0]
    # Newest first: the invitation to the meeting's channel, then the confirmation.
    assert "会議チャンネルへの招待" in lines[1] and f"<@{shogai}>" in lines[1], lines[1]
    assert "守秘義務の確認" in lines[2] and f"<@{shogai}>" in lines[2], lines[2]
    assert any("事例の登録" in line and code_a in line and "許可" in line for line in lines)
    assert any(f"会議 {day.isoformat()}" in line for line in lines)
    (viewed,) = _events(ws, AuditAction.AUDIT_VIEWED)
    assert viewed.actor == COORDINATOR and viewed.target_id == "all"

    answer = ws.command(COORDINATOR, CHANNEL, f"監査 {code_b}")
    assert code_b in answer and code_a not in answer.split("\n", 1)[1], answer
    answer = ws.command(COORDINATOR, CHANNEL, f"audit {date.today().isoformat()}")
    assert "事例の登録" in answer
    answer = ws.command(COORDINATOR, CHANNEL, "audit 2020-01-01")
    assert "該当する記録はありません" in answer

    # A member is refused, the refusal is recorded, and nothing is shown.
    answer = ws.command(shogai, CHANNEL, f"audit {code_a}")
    assert "事務局" in answer and "のみ" in answer and code_a not in answer, answer
    denied = _events(ws, AuditAction.ACCESS_DENIED)[-1]
    assert denied.actor == shogai and denied.target_id == "audit" and not denied.allowed
    answer = ws.command(COORDINATOR, CHANNEL, "audit")
    assert "アクセス拒否" in answer and "拒否" in answer
    assert meeting(ws, day) is not None

    # The answer is bounded; the full trail is the CSV export's.
    with database(ws) as uow:
        for n in range(40):
            uow.audit.append(
                AuditEvent(shogai, AuditAction.CASE_VIEWED, "case", code_b, detail=f"n={n}")
            )
        uow.commit()
    lines = ws.command(COORDINATOR, CHANNEL, "audit").splitlines()
    assert len(lines) == 31 and "最新30件" in lines[0] and "--csv" in lines[0], lines[0]
    assert "n=39" in lines[1] and "n=10" in lines[30]  # newest first
