"""Buttons and forms: the secrecy notice's button, the 入力する form of a case thread, the
decision form and the case form; repeated clicks and re-submitted forms have one effect."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from typing import Any

import pytest
from e2e_steps import (
    ACK_ACTION,
    INPUT_ACTION,
    ack,
    ack_button,
    database,
    dm_texts,
    ephemeral_texts,
    head_text,
    inputs,
    meeting,
    member,
    minutes_text,
    prepare_meeting,
    room,
    send_view_submission,
    text_state,
    thread_head,
)
from workspace_fixtures import CHANNEL, COORDINATOR, meeting_day, register_agencies

from localslack.driver import DriverError
from localslack.harness import LocalWorkspace

CASE_A = "houkatsu shogai konkyu csw"


def _acknowledgements(ws: LocalWorkspace, user_id: str) -> int:
    meeting_id = meeting(ws, meeting_day()).id
    with database(ws) as uow:
        return sum(1 for a in uow.acknowledgements.for_meeting(meeting_id) if a.user_id == user_id)


def test_the_notice_button_records_one_acknowledgement_however_often_clicked(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    prepare_meeting(ws, CASE_A)
    shogai = member("shogai")
    assert ws.slack.click_button(shogai, *ack_button(ws, shogai), ACK_ACTION).status == 200
    ws.wait_until(lambda: any("確認を記録しました" in e for e in ephemeral_texts(ws, shogai)))
    assert ws.slack.click_button(shogai, *ack_button(ws, shogai), ACK_ACTION).status == 200
    ws.wait_until(lambda: any("すでに確認済み" in e for e in ephemeral_texts(ws, shogai)))
    assert _acknowledgements(ws, shogai) == 1


def test_a_double_click_racing_on_the_notice_button_records_once(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    prepare_meeting(ws, CASE_A)
    csw = member("csw")
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def click() -> None:
        barrier.wait()
        statuses.append(ws.slack.click_button(csw, *ack_button(ws, csw), ACK_ACTION).status)

    clicks = [threading.Thread(target=click) for _ in range(2)]
    for thread in clicks:
        thread.start()
    for thread in clicks:
        thread.join()
    assert statuses == [200, 200]
    ws.wait_until(lambda: len(ws.server.ephemerals(csw)) >= 2)
    assert _acknowledgements(ws, csw) == 1
    answers = ephemeral_texts(ws, csw)
    assert sum("確認を記録しました" in a for a in answers) == 1
    assert sum("すでに確認済み" in a for a in answers) == 1


def _open_input_form(ws: LocalWorkspace, user_id: str, code: str) -> dict[str, Any]:
    before = len(ws.server.views(user_id))
    assert (
        ws.slack.click_button(user_id, room(ws), thread_head(ws, code), INPUT_ACTION).status == 200
    )
    views = ws.wait_until(lambda: (v := ws.server.views(user_id)) and len(v) > before and v)
    view: dict[str, Any] = views[-1]
    return view


def test_the_input_button_opens_a_form_whose_submission_is_recorded_once(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)

    view = _open_input_form(ws, houkatsu, code)
    labels = str(view["blocks"])
    assert "状況" in labels and "課題" in labels and "支援内容・提案" in labels
    values = {
        "situation": "母は物忘れが進み、服薬管理ができていない。",
        "issues": "長男が訪問に応じず、介護保険の申請が進まない。",
        "proposal": "要介護認定の申請を支援する。",
    }
    response = ws.slack.submit_view(houkatsu, view["id"], values)
    assert response.status == 200
    ws.wait_until(lambda: any("を記録しました" in d for d in dm_texts(ws, houkatsu)))
    ws.wait_until(lambda: "地域包括支援センター: 回答済み（1件）" in head_text(ws, code))

    # Slack delivers the same submission again (a double click on 送信).
    resent = {**view, "state": text_state(values)}
    assert send_view_submission(ws, houkatsu, resent) == 200
    ws.wait_until(lambda: any("すでに受け付けて" in d for d in dm_texts(ws, houkatsu)))
    recorded = inputs(ws, day)
    assert len(recorded) == 1
    assert "【状況】母は物忘れが進み、服薬管理ができていない。" in recorded[0].text
    assert "回答済み（1件）" in head_text(ws, code)
    text = minutes_text(ws, day)
    assert "要介護認定の申請を支援する。" in text


def test_an_empty_input_form_is_sent_back_with_an_error(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    view = _open_input_form(ws, houkatsu, code)
    response = ws.slack.submit_view(houkatsu, view["id"], {})
    assert response.json()["response_action"] == "errors"
    assert "situation" in response.json()["errors"]
    assert inputs(ws, day) == []


def test_the_input_button_asks_an_unconfirmed_member_to_confirm_first(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    # Before confirming, the member is not in the meeting's channel: the thread and its
    # button are out of reach (the bot's own check behind the button is tested in
    # tests/services).
    with pytest.raises(DriverError, match="cannot see"):
        ws.slack.click_button(houkatsu, room(ws), thread_head(ws, code), INPUT_ACTION)
    assert ws.server.views(houkatsu) == []


def test_the_input_button_refuses_a_member_of_an_agency_not_asked(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (_, code) = prepare_meeting(ws, CASE_A, "houkatsu shogai")
    konkyu = member("konkyu")
    ack(ws, konkyu)
    ws.slack.click_button(konkyu, room(ws), thread_head(ws, code), INPUT_ACTION)
    told = ws.wait_until(lambda: [e for e in ephemeral_texts(ws, konkyu) if "入力できません" in e])
    assert code in told[-1]
    assert ws.server.views(konkyu) == []


def _open_decision_form(ws: LocalWorkspace, code: str) -> dict[str, Any]:
    assert ws.command(COORDINATOR, CHANNEL, f"decide {code}") == ""
    view: dict[str, Any] = ws.server.views(COORDINATOR)[-1]
    assert view["callback_id"] == "shien_decision_form"
    return view


def test_the_decision_form_refuses_a_monitoring_date_before_the_meeting(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    view = _open_decision_form(ws, code)
    response = ws.slack.submit_view(
        COORDINATOR,
        view["id"],
        {"policy": "母の介護保険サービス導入を優先する。", "monitoring": day - timedelta(days=1)},
    )
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "monitoring" in answer["errors"] and "例:" in answer["errors"]["monitoring"]
    assert [v["id"] for v in ws.server.views(COORDINATOR)] == [view["id"]]  # still open
    with database(ws) as uow:
        assert list(uow.decisions.for_meeting(meeting(ws, day).id)) == []


def test_a_valid_decision_reaches_the_minutes_once(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    view = _open_decision_form(ws, code)
    values = {
        "policy": "母の介護保険サービス導入を優先し、長男へは手紙で継続的に働きかける。",
        "monitoring": day + timedelta(days=42),
        "outcome": "continue",
        "notes": "六週間後に再度検討する。",
    }
    assert ws.slack.submit_view(COORDINATOR, view["id"], values).status == 200
    ws.wait_until(lambda: any("決定事項を記録しました" in d for d in dm_texts(ws, COORDINATOR)))
    assert ws.server.views(COORDINATOR) == []

    # The same form delivered again replaces the decision rather than adding one.
    state = {
        "values": {
            "policy": {"policy": {"type": "plain_text_input", "value": values["policy"]}},
            "monitoring": {
                "monitoring": {
                    "type": "datepicker",
                    "selected_date": (day + timedelta(days=42)).isoformat(),
                }
            },
            "outcome": {
                "outcome": {"type": "static_select", "selected_option": {"value": "continue"}}
            },
            "notes": {"notes": {"type": "plain_text_input", "value": values["notes"]}},
        }
    }
    assert send_view_submission(ws, COORDINATOR, {**view, "state": state}) == 200
    ws.wait_until(
        lambda: sum("決定事項を記録しました" in d for d in dm_texts(ws, COORDINATOR)) == 2
    )
    with database(ws) as uow:
        assert len(list(uow.decisions.for_meeting(meeting(ws, day).id))) == 1

    text = minutes_text(ws, day)
    assert values["policy"] in text
    assert "継続" in text
    assert values["notes"] in text
    assert (day + timedelta(days=42)).strftime("%-m月%-d日") in text


def _open_case_form(ws: LocalWorkspace) -> dict[str, Any]:
    assert ws.command(COORDINATOR, CHANNEL, "case new") == ""
    view: dict[str, Any] = ws.server.views(COORDINATOR)[-1]
    assert view["callback_id"] == "shien_case_form"
    return view


def _case_codes(ws: LocalWorkspace) -> list[str]:
    with database(ws) as uow:
        return [str(c.code) for c in uow.cases.list()]


def test_case_new_without_arguments_opens_the_case_form(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    view = _open_case_form(ws)
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"agencies", "consent", "urgent", "summary"} <= blocks
    assert "kind" not in blocks  # a case belongs to no meeting kind
    values = {
        "agencies": ["houkatsu", "csw"],
        "urgent": "yes",
        "summary": "十四歳が脳卒中の祖母の世話を毎晩している。",
    }
    assert ws.slack.submit_view(COORDINATOR, view["id"], values).status == 200
    confirmations = ws.wait_until(
        lambda: [d for d in dm_texts(ws, COORDINATOR) if "を登録しました" in d]
    )
    assert len(_case_codes(ws)) == 1
    code = _case_codes(ws)[0]
    assert code in confirmations[-1]
    assert "十四歳" not in confirmations[-1]  # the summary is for the minutes, not for chat


def test_a_resubmitted_case_form_registers_one_case(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    view = _open_case_form(ws)
    assert ws.slack.submit_view(COORDINATOR, view["id"], {"agencies": ["houkatsu"]}).status == 200
    ws.wait_until(lambda: any("を登録しました" in d for d in dm_texts(ws, COORDINATOR)))
    option = next(
        o
        for b in view["blocks"]
        if b.get("block_id") == "agencies"
        for o in b["element"]["options"]
        if o["value"] == "houkatsu"
    )
    state = {
        "values": {
            "agencies": {"agencies": {"type": "multi_static_select", "selected_options": [option]}}
        }
    }
    before = len(dm_texts(ws, COORDINATOR))
    assert send_view_submission(ws, COORDINATOR, {**view, "state": state}) == 200
    ws.wait_until(lambda: len(dm_texts(ws, COORDINATOR)) > before)
    assert len(_case_codes(ws)) == 1


def test_the_case_form_records_the_consent_a_multilayer_meeting_needs(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    register_agencies(ws)
    view = _open_case_form(ws)
    given = date.today() - timedelta(days=3)
    response = ws.slack.submit_view(
        COORDINATOR, view["id"], {"agencies": ["csw"], "consent": given.isoformat()}
    )
    assert response.status == 200
    ws.wait_until(lambda: any("を登録しました" in d for d in dm_texts(ws, COORDINATOR)))
    with database(ws) as uow:
        [case] = uow.cases.list()
    assert case.has_consent and case.consent is not None and case.consent.given_on == given


def test_the_case_form_puts_a_future_consent_date_beside_its_field(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    register_agencies(ws)
    view = _open_case_form(ws)
    later = (date.today() + timedelta(days=3)).isoformat()  # in the future in any time zone
    response = ws.slack.submit_view(
        COORDINATOR,
        view["id"],
        {"agencies": ["csw"], "consent": later},
    )
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "未来の日付" in answer["errors"]["consent"]
    assert _case_codes(ws) == []
