"""The need-to-know policy where it was once assembled by hand: each behaviour here was
found by trying the bot as a new user would, and failed before the one policy
(``bot.services.access``) was applied everywhere. Every refusal leaves an
``access.denied`` row with its reason."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from e2e_steps import (
    ack,
    database,
    dm_texts,
    inputs,
    member,
    minutes_text,
    prepare_meeting,
    reply,
    room,
    send_view_submission,
    thread_head,
)
from workspace_fixtures import CHANNEL, COORDINATOR

from bot.domain.model import AuditAction, InputState
from localslack.driver import DriverError
from localslack.harness import LocalWorkspace

INPUT_ACTION = "shien_input"
ALL = "houkatsu shogai konkyu csw"  # every agency in the channel: nobody is an outsider


def _denials(ws: LocalWorkspace, user: str) -> list[str]:
    with database(ws) as uow:
        return [
            e.detail
            for e in uow.audit.list()
            if e.action is AuditAction.ACCESS_DENIED and e.actor == user
        ]


def test_an_unconfirmed_member_opening_the_input_form_is_refused_and_audited(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, ALL)
    konkyu = member("konkyu")
    # Not in the meeting's channel before confirming: the button is out of reach.
    with pytest.raises(DriverError, match="cannot see"):
        ws.slack.click_button(konkyu, room(ws), thread_head(ws, code), INPUT_ACTION)
    assert ws.server.views(konkyu) == []
    # A click that reaches the bot anyway (an old client, a forged payload) is refused.
    ws.server.join(room(ws), konkyu)
    ws.slack.click_button(konkyu, room(ws), thread_head(ws, code), INPUT_ACTION)
    ws.wait_until(lambda: _denials(ws, konkyu) == ["reason=input_form:unconfirmed_member"])
    assert ws.server.views(konkyu) == []


def test_a_removed_member_can_no_longer_edit_or_delete_an_earlier_reply(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "訪問時、本人は在宅で落ち着いていた。")
    ws.wait_until(lambda: [i for i in inputs(ws, day) if i.state is InputState.RECORDED])
    assert "外しました" in ws.command(COORDINATOR, CHANNEL, f"agency remove houkatsu <@{houkatsu}>")
    # Out of the meeting's channel at once, and told why.
    ws.wait_until(lambda: houkatsu not in ws.server.channel(room(ws)).members)
    ws.wait_until(
        lambda: [t for t in dm_texts(ws, houkatsu) if "会議チャンネルから外れました" in t]
    )

    ws.slack.user_edits(room(ws), ts, "（書き換え）別件の記載。")
    ws.wait_until(lambda: len(_denials(ws, houkatsu)) == 1)
    ws.slack.user_deletes(room(ws), ts)
    ws.wait_until(lambda: len(_denials(ws, houkatsu)) == 2)
    ws.settle()

    (kept,) = inputs(ws, day)
    assert kept.state is InputState.RECORDED
    assert kept.text == "訪問時、本人は在宅で落ち着いていた。"
    text = minutes_text(ws, day)
    assert "本人は在宅で落ち着いていた" in text and "書き換え" not in text
    assert _denials(ws, houkatsu) == [
        "reason=edit:outsider",
        "reason=withdraw:outsider",
    ]


def test_a_member_may_still_edit_and_delete_while_asked(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "初回の記載。")
    ws.wait_until(lambda: inputs(ws, day))
    ws.slack.user_edits(room(ws), ts, "訂正後の記載。")
    ws.wait_until(lambda: inputs(ws, day)[0].text == "訂正後の記載。")
    ws.slack.user_deletes(room(ws), ts)
    ws.wait_until(lambda: inputs(ws, day)[0].state is InputState.WITHDRAWN)
    assert _denials(ws, houkatsu) == []


def test_a_decision_form_naming_a_case_of_another_meeting_is_refused(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, ALL)
    other_day = day + timedelta(days=7)
    while "会議を登録しました" not in ws.command(COORDINATOR, CHANNEL, f"adhoc {other_day} 14:00"):
        other_day += timedelta(days=1)
    assert ws.command(COORDINATOR, CHANNEL, f"decide {code}") == ""
    view = ws.server.views(COORDINATOR)[-1]
    with database(ws) as uow:
        other = uow.meetings.on_date(CHANNEL, other_day)
        assert other is not None
        case_id = view["private_metadata"].split(":")[1]
    forged = {
        **view,
        "private_metadata": f"{other.id}:{case_id}",
        "state": {"values": {}},
    }
    assert send_view_submission(ws, COORDINATOR, forged) == 200
    ws.settle()
    with database(ws) as uow:
        assert list(uow.decisions.for_meeting(other.id)) == []
    assert _denials(ws, COORDINATOR) == ["reason=decide:case_not_on_meeting"]


def test_coordinator_commands_refuse_before_they_validate(workspace: LocalWorkspace) -> None:
    """A non-coordinator learns that the command is not theirs — not that their date is in
    the past — and the attempt is audited."""
    ws = workspace
    _, (code,) = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    past = (date.today() - timedelta(days=30)).isoformat()
    future = (date.today() + timedelta(days=30)).isoformat()
    for text in (
        f"adhoc {past} 14:00",
        f"consent {code} {future}",
        f"cancel {past}",
        "agency add",
        f"role {code}",
    ):
        answer = ws.command(houkatsu, CHANNEL, text)
        assert "事務局（コーディネーター）のみ" in answer, (text, answer)
    assert (
        _denials(ws, houkatsu)
        == [
            "reason=not_coordinator",
        ]
        * 5
    )


def test_the_case_form_refuses_a_non_coordinator_before_validating(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    prepare_meeting(ws, ALL)
    assert ws.command(COORDINATOR, CHANNEL, "case new") == ""
    view = ws.server.views(COORDINATOR)[-1]
    houkatsu = member("houkatsu")
    assert send_view_submission(ws, houkatsu, {**view, "state": {"values": {}}}) == 200
    ws.settle()
    dms = [m for m in ws.server.dms(houkatsu) if m.get("bot_id")]
    assert "事務局（コーディネーター）のみ" in json.dumps(dms[-1], ensure_ascii=False)
    assert _denials(ws, houkatsu) == ["reason=not_coordinator"]
