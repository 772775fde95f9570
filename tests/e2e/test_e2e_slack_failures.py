"""Slack answering slowly, refusing a call or dropping the connection, through the real bot
and the local workspace: every path ends in "recorded" or "the person was told"."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from e2e_steps import (
    INPUT_ACTION,
    ack,
    database,
    dm_texts,
    head_text,
    inputs,
    member,
    notice_ts,
    prepare_meeting,
    reacted,
    reply,
    room,
    thread_head,
)
from workspace_fixtures import CHANNEL, COORDINATOR

from bot.chat.slack.gateway import SlackGateway
from bot.domain.model import AuditAction, InputState
from localslack.harness import LocalWorkspace
from localslack.server import UPLOAD

# --------------------------------------------------------------------------- deliveries


def test_a_failed_upload_does_not_stop_the_other_deliveries(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu shogai konkyu csw", open_collection=False)
    for key in ("houkatsu", "shogai", "csw"):
        answer = ws.command(COORDINATOR, CHANNEL, f"role {codes[0]} {key} 継続的な見守り")
        assert "役割を記録しました" in answer, answer
        ack(ws, member(key))
    # The coordinator's full summary goes first, then one extract per member: the second
    # upload (houkatsu's extract) fails where slack_sdk raises urllib's HTTPError.
    ws.server.inject_failure(UPLOAD, "server_error", times=1, after=1)
    answer = ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    ws.settle()
    assert "1人には送れませんでした" in answer, answer
    received = [
        key for key in ("houkatsu", "shogai", "csw") if ws.server.files_shared_with(member(key))
    ]
    assert len(received) == 2
    with database(ws) as uow:
        sent_to = sorted(
            e.detail.rsplit("to=", 1)[1]
            for e in uow.audit.list()
            if e.action is AuditAction.DOCUMENT_DOWNLOADED and ";to=" in e.detail
        )
    assert sent_to == sorted(member(key) for key in received)


# --------------------------------------------------------------------------- helpers

ALL = "houkatsu shogai konkyu csw"  # every agency with a member in the channel


def _gateway(ws: LocalWorkspace) -> SlackGateway:
    assert ws.runtime is not None
    chat = ws.runtime.context.chat
    assert isinstance(chat, SlackGateway)
    return chat


def _fresh_user_lookups(ws: LocalWorkspace) -> None:
    """Every reply asks Slack about its author (no answer cached)."""
    _gateway(ws).user_cache_seconds = 0


def _denials(ws: LocalWorkspace) -> list[str]:
    with database(ws) as uow:
        return [e.detail for e in uow.audit.list() if e.action is AuditAction.ACCESS_DENIED]


def _texts(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, ensure_ascii=False)


# --------------------------------------------------------------------------- finding 3


@pytest.mark.parametrize(
    ("kind", "times"),
    [("invalid_auth", 1), ("ratelimited", 1), ("server_error", 1), ("network", 2)],
)
def test_a_reply_is_recorded_although_users_info_failed(
    workspace: LocalWorkspace, kind: str, times: int
) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ws.settle()
    _fresh_user_lookups(ws)
    ws.server.inject_failure("users.info", kind, times=times)
    ts = reply(ws, houkatsu, code, "日中は独居。見守りを継続しています。")
    assert ws.slack.last_response is not None
    assert ws.slack.last_response.status == 503  # Slack is asked to send the event again
    ws.settle()
    [recorded] = inputs(ws, day)
    assert recorded.source_ref == f"{room(ws)}:{ts}" and recorded.state is InputState.RECORDED
    assert reacted(ws, ts)
    # Nobody was told it was refused, and no refusal was audited.
    assert "記録されていません" not in _texts(ws.server.ephemerals(houkatsu))
    assert not any("依頼先以外" in t for t in dm_texts(ws, COORDINATOR))
    assert _denials(ws) == []


def test_a_reply_slack_gave_up_on_is_retried_by_the_bot(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ws.settle()
    _fresh_user_lookups(ws)
    # The first delivery and Slack's three retries all find users.info failing.
    ws.server.inject_failure("users.info", "fatal_error", times=4)
    reply(ws, houkatsu, code, "状況を確認中です。")
    ws.settle(timeout=20)
    assert [i.text for i in inputs(ws, day)] == ["状況を確認中です。"]
    assert ws.slack.retries_sent == 3
    assert _denials(ws) == []


# --------------------------------------------------------------------------- finding 2


def test_a_reply_to_the_secrecy_notice_is_answered_in_its_thread(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, _ = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)  # in the meeting's channel, where the notice is its first message
    notice = notice_ts(ws)
    ws.slack.user_posts(houkatsu, room(ws), "確認しました", thread_ts=notice)
    ws.settle()
    [told] = [e for e in ws.server.ephemerals(houkatsu) if e.get("thread_ts") == notice]
    assert "記録されていません" in _texts([told]) and "事例のスレッド" in _texts([told])
    assert inputs(ws, day) == []


# --------------------------------------------------------------------------- finding 4


def test_a_reply_that_is_only_a_file_does_not_answer(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    head = thread_head(ws, code)
    ts = ws.slack.user_posts(houkatsu, room(ws), "", thread_ts=head, files=["kiroku.pdf"])
    ws.settle()
    assert inputs(ws, day) == []
    assert "回答済み" not in head_text(ws, code)
    [told] = [e for e in ws.server.ephemerals(houkatsu) if e.get("thread_ts") == head]
    assert "添付ファイル" in _texts([told])
    # Writing the content as text (editing the message) records it.
    ws.slack.user_edits(room(ws), ts, "訪問時の様子: 体調は安定")
    ws.settle()
    assert [i.text for i in inputs(ws, day)] == ["訪問時の様子: 体調は安定"]
    assert "回答済み" in head_text(ws, code)


def test_the_text_beside_a_file_is_recorded_and_the_file_is_not(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    head = thread_head(ws, code)
    ws.slack.user_posts(houkatsu, room(ws), "本文です", thread_ts=head, files=["a.png", "b.png"])
    ws.settle()
    assert [i.text for i in inputs(ws, day)] == ["本文です"]
    assert "添付ファイルは入力として記録されず" in _texts(ws.server.ephemerals(houkatsu))


# --------------------------------------------------------------------------- finding 8


def test_warnings_about_a_reply_are_shown_in_its_thread(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, [code] = prepare_meeting(ws, ALL)
    head = thread_head(ws, code)
    csw = member("csw")
    ack(ws, csw)
    before = len(ws.server.ephemerals(csw))
    reply(ws, csw, code, "連絡先は 090-1234-5678 です")
    ws.settle()
    mine = ws.server.ephemerals(csw)[before:]
    assert len(mine) >= 1  # the identifiers
    assert all(e.get("thread_ts") == head for e in mine), _texts(mine)


def test_a_link_preview_is_not_an_edit(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "資料は https://example.jp/a にあります")
    ws.settle()
    ws.slack.link_preview(room(ws), ts, "https://example.jp/a")
    ws.settle()
    [recorded] = inputs(ws, day)
    assert recorded.updated_at is None
    with database(ws) as uow:
        assert not [e for e in uow.audit.list() if e.action is AuditAction.INPUT_EDITED]


def test_the_bot_invited_again_is_not_reported_as_an_outsider(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    prepare_meeting(ws, ALL)
    ws.settle()
    before = len(dm_texts(ws, COORDINATOR))
    ws.server.leave(CHANNEL, ws.server.bot_user_id)
    ws.slack.member_joins(CHANNEL, ws.server.bot_user_id)
    ws.settle()
    assert len(dm_texts(ws, COORDINATOR)) == before
    with database(ws) as uow:
        assert not [e for e in uow.audit.list() if e.action is AuditAction.CHANNEL_OUTSIDER]


# --------------------------------------------------------------------------- finding 7


def test_setup_in_a_direct_message_asks_for_a_private_channel(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    dm = ws.server.dm_channel_id(COORDINATOR)
    answer = ws.command(COORDINATOR, dm, "setup")
    assert "プライベートチャンネル" in answer and "通信に失敗" not in answer, answer
    with database(ws) as uow:
        assert uow.channels.get(dm) is None
    assert not ws.server.problems


@pytest.mark.parametrize("bot_in_it", [True, False])
def test_setup_in_a_group_dm_asks_for_a_private_channel(
    workspace: LocalWorkspace, bot_in_it: bool
) -> None:
    ws = workspace
    people = [COORDINATOR, member("houkatsu")]
    ws.server.add_channel(
        "C0GROUPDM1",
        "mpdm-jimu--houkatsu-1",
        is_mpim=True,
        members=[*people, ws.server.bot_user_id] if bot_in_it else people,
    )
    answer = ws.command(COORDINATOR, "C0GROUPDM1", "setup")
    assert "プライベートチャンネル" in answer and "通信に失敗" not in answer, answer
    with database(ws) as uow:
        assert uow.channels.get("C0GROUPDM1") is None


# --------------------------------------------------------------------------- finding 6


def _slow_web_api(ws: LocalWorkspace, seconds: float) -> list[float]:
    """Every Web API call takes ``seconds`` longer; returns when each call came."""
    server = ws.server
    handle = server.handle_api
    called: list[float] = []

    def slow(method: str, *args: Any, **kwargs: Any) -> Any:
        called.append(time.monotonic())
        time.sleep(seconds)
        return handle(method, *args, **kwargs)

    server.handle_api = slow  # type: ignore[method-assign]
    return called


def _input_form(ws: LocalWorkspace, user_id: str, code: str) -> dict[str, Any]:
    ws.slack.click_button(user_id, room(ws), thread_head(ws, code), INPUT_ACTION)
    views = ws.wait_until(lambda: ws.server.views(user_id))
    view: dict[str, Any] = views[-1]
    return view


def test_a_form_is_acked_before_the_bot_asks_slack_anything(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    view = _input_form(ws, houkatsu, code)
    ws.settle()
    _gateway(ws)._users.clear()  # nothing known about the author: still not asked
    called = _slow_web_api(ws, 1.0)
    values = {"situation": "電話 090-1234-5678 で連絡がつく"}  # identifiers: a warning follows
    sent = time.monotonic()
    response = ws.slack.submit_view(houkatsu, view["id"], values)
    answered = time.monotonic()
    assert response.status == 200 and response.latency < 0.5, response.latency
    # Nothing was asked of Slack while the person waited: every call came after the answer.
    assert all(at >= sent + response.latency - 0.05 for at in called), (sent, answered, called)
    assert ws.server.views(houkatsu) == []  # the form closed: the input is saved
    assert len(inputs(ws, day)) == 1
    ws.settle(timeout=30)
    assert any("を記録しました" in d for d in dm_texts(ws, houkatsu))
    assert "回答済み（1件）" in head_text(ws, code)


def test_a_form_opens_at_once_however_busy_the_bot_is(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, [code] = prepare_meeting(ws, ALL)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ws.settle()
    # Every worker is busy with slow work (documents, paced posts) for longer than a
    # trigger_id lives.
    release = threading.Event()
    for _ in range(8):
        ws._listeners.submit(release.wait, 10)
    try:
        ws.slack.click_button(houkatsu, room(ws), thread_head(ws, code), INPUT_ACTION)
        opened = ws.wait_until(lambda: ws.server.views(houkatsu), timeout=5)
        assert opened
    finally:
        release.set()
    assert not any("expired_trigger_id" in p for p in ws.server.problems)
