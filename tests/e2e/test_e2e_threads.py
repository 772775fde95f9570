"""Agency input through case threads: replies in order, edits, deletions, retried events,
replies from people not asked, and replies held until the secrecy notice is confirmed."""

from __future__ import annotations

from datetime import date

import pytest
from e2e_steps import (
    ACK_ACTION,
    ack,
    ack_button,
    dm_texts,
    ephemeral_texts,
    head_text,
    inputs,
    member,
    minutes_text,
    prepare_meeting,
    reacted,
    reply,
    retry_event,
    room,
)
from workspace_fixtures import CHANNEL, COORDINATOR

from bot.domain.model import InputState
from localslack.driver import DriverError
from localslack.harness import LocalWorkspace

CASE_A = "houkatsu shogai konkyu csw"
HOUKATSU_1 = "要介護認定の申請を支援中。"
HOUKATSU_2 = "母は物忘れが進み、服薬管理ができていない。"
HOUKATSU_3 = "申請は受理された。訪問調査の日程を調整中。"
KONKYU = "世帯収入は母の年金のみ。家賃の滞納が二か月。"


def test_several_replies_are_kept_in_order_and_reach_the_minutes(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    for text in (HOUKATSU_1, HOUKATSU_2, HOUKATSU_3):
        ts = reply(ws, houkatsu, code, text)
        ws.wait_until(lambda ts=ts: reacted(ws, ts))
    ws.wait_until(lambda: "回答済み（3件）" in head_text(ws, code))
    assert "未回答" in head_text(ws, code)  # the other agencies have not answered

    recorded = [i.text for i in inputs(ws, day) if i.state is InputState.RECORDED]
    assert recorded == [HOUKATSU_1, HOUKATSU_2, HOUKATSU_3]
    text = minutes_text(ws, day)
    positions = [text.index(t) for t in (HOUKATSU_1, HOUKATSU_2, HOUKATSU_3)]
    assert positions == sorted(positions), "replies must appear in the order they were posted"


def test_an_edited_reply_updates_the_input(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, HOUKATSU_1)
    ws.wait_until(lambda: reacted(ws, ts))

    ws.slack.user_edits(room(ws), ts, HOUKATSU_3)
    ws.wait_until(lambda: [i.text for i in inputs(ws, day)] == [HOUKATSU_3])
    text = minutes_text(ws, day)
    assert HOUKATSU_3 in text
    assert HOUKATSU_1 not in text
    assert "回答済み（1件）" in head_text(ws, code)


def test_a_deleted_reply_withdraws_the_input(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    konkyu = member("konkyu")
    ack(ws, konkyu)
    ts = reply(ws, konkyu, code, KONKYU)
    ws.wait_until(lambda: "くらし自立相談センター: 回答済み（1件）" in head_text(ws, code))

    response = ws.slack.user_deletes(room(ws), ts)
    assert response is not None and response.event_id is not None
    ws.wait_until(lambda: "くらし自立相談センター: 未回答" in head_text(ws, code))
    assert [i.state for i in inputs(ws, day)] == [InputState.WITHDRAWN]
    # Slack retries the deletion: still one withdrawn input, nothing else changes.
    retry_event(ws, response.event_id)
    ws.settle()
    assert [i.state for i in inputs(ws, day)] == [InputState.WITHDRAWN]
    assert KONKYU not in minutes_text(ws, day)
    assert "回答済み" not in head_text(ws, code)


def test_a_retried_reply_event_is_recorded_once(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    shogai = member("shogai")
    ack(ws, shogai)
    ts = reply(ws, shogai, code, "長男は十年前に一度相談歴あり。その後は途絶。")
    ws.wait_until(lambda: reacted(ws, ts))
    event_id = ws.slack.last_response.event_id if ws.slack.last_response else None
    assert event_id is not None
    for retry in (1, 2):
        assert retry_event(ws, event_id, retry).status == 200
    ws.settle()
    ws.wait_until(lambda: "回答済み（1件）" in head_text(ws, code))
    assert len(inputs(ws, day)) == 1
    assert "回答済み（2件）" not in head_text(ws, code)


def test_a_reply_from_an_agency_not_asked_is_not_recorded(workspace: LocalWorkspace) -> None:
    ws = workspace
    # konkyu is asked for the first case only, so it belongs in the channel but not in the
    # second case's thread.
    day, (_, code) = prepare_meeting(ws, CASE_A, "houkatsu shogai")
    konkyu = member("konkyu")
    ack(ws, konkyu)  # confirmed for the first case: in the meeting's channel
    dms_before = len(dm_texts(ws, COORDINATOR))
    ts = reply(ws, konkyu, code, KONKYU)
    event_id = ws.slack.last_response.event_id if ws.slack.last_response else None
    assert event_id is not None

    told = ws.wait_until(
        lambda: [e for e in ephemeral_texts(ws, konkyu) if "記録されていません" in e]
    )
    assert len(told) == 1
    coordinator_dms = ws.wait_until(lambda: dm_texts(ws, COORDINATOR)[dms_before:])
    assert len(coordinator_dms) == 1
    assert code in coordinator_dms[0] and "<@U0KONKYU>" in coordinator_dms[0]
    assert KONKYU not in coordinator_dms[0]  # the coordinator is told who, not what

    # Slack retries the event: no one is told twice, still nothing recorded.
    assert retry_event(ws, event_id).status == 200
    ws.settle()
    assert len(dm_texts(ws, COORDINATOR)[dms_before:]) == 1
    assert len([e for e in ephemeral_texts(ws, konkyu) if "記録されていません" in e]) == 1
    assert inputs(ws, day) == []
    assert not reacted(ws, ts)
    assert "回答済み" not in head_text(ws, code)
    assert KONKYU not in minutes_text(ws, day)


def test_a_member_who_has_not_confirmed_is_not_in_the_meeting_channel(
    workspace: LocalWorkspace,
) -> None:
    # Before confirming, a member cannot see the case threads at all (Slack shows every
    # thread to every member of a channel, so they are kept out of it); confirming invites
    # them and their reply counts at once.
    ws = workspace
    day, (code,) = _meeting(ws)
    csw = member("csw")
    assert csw not in ws.server.channel(room(ws)).members
    with pytest.raises(DriverError):
        reply(ws, csw, code, "見えないはずのスレッドへの返信")
    [prompt] = dm_texts(ws, csw)
    assert code in prompt and f"<#{room(ws)}>" in prompt  # the DM links to the channel

    answer = ws.command(csw, CHANNEL, "ack")
    assert "守秘義務の確認を記録しました" in answer, answer
    ws.wait_until(lambda: csw in ws.server.channel(room(ws)).members)
    ws.wait_until(lambda: [t for t in dm_texts(ws, csw) if f"<#{room(ws)}>" in t and "招待" in t])
    text = "民生委員から郵便物がたまっていると情報提供。長男は訪問に応じない。"
    ts = reply(ws, csw, code, text)
    ws.wait_until(lambda: "社会福祉協議会: 回答済み（1件）" in head_text(ws, code))
    assert [i.state for i in inputs(ws, day)] == [InputState.RECORDED]
    ws.wait_until(lambda: reacted(ws, ts))
    assert text in minutes_text(ws, day)


def test_the_notice_button_in_the_dm_brings_the_member_into_the_channel(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    houkatsu = member("houkatsu")
    ws.slack.click_button(houkatsu, *ack_button(ws, houkatsu), ACK_ACTION)
    ws.wait_until(lambda: houkatsu in ws.server.channel(room(ws)).members)
    reply(ws, houkatsu, code, HOUKATSU_1)
    ws.wait_until(lambda: "回答済み（1件）" in head_text(ws, code))
    assert [i.state for i in inputs(ws, day)] == [InputState.RECORDED]


def _meeting(ws: LocalWorkspace, agencies: str = CASE_A) -> tuple[date, list[str]]:
    return prepare_meeting(ws, agencies)


def test_a_reply_is_recorded_as_typed_not_as_slack_escaped_it(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = _meeting(ws)
    konkyu = member("konkyu")
    ack(ws, konkyu)
    # What Slack sends for a member typing 「家賃 & 光熱費 <2か月分> を滞納」.
    ts = reply(ws, konkyu, code, "家賃 &amp; 光熱費 &lt;2か月分&gt; を滞納")
    ws.wait_until(lambda: reacted(ws, ts))
    assert [i.text for i in inputs(ws, day)] == ["家賃 & 光熱費 <2か月分> を滞納"]
    ws.slack.user_edits(room(ws), ts, "家賃 &amp; 光熱費 &lt;3か月分&gt; を滞納")
    ws.wait_until(lambda: [i.text for i in inputs(ws, day)] == ["家賃 & 光熱費 <3か月分> を滞納"])
    assert "家賃 & 光熱費 <3か月分> を滞納" in minutes_text(ws, day)


def test_the_bot_never_asks_slack_to_unfurl_links(workspace: LocalWorkspace) -> None:
    """A URL in a bot post must not be fetched and previewed by Slack."""
    ws = workspace
    prepare_meeting(ws, "houkatsu shogai konkyu csw")
    ws.settle()
    posts = [params for method, params in ws.server.api_calls if method == "chat.postMessage"]
    assert posts
    assert all(str(p.get("unfurl_links")).lower() == "false" for p in posts), posts[0]
