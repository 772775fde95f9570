"""Issue 11: each meeting has its own private channel, owned by the bot, and only the
coordinators and the members who confirmed the notice are ever in it."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from e2e_steps import (
    ACK_ACTION,
    ack,
    ack_button,
    dm_texts,
    head_text,
    meeting,
    member,
    prepare_meeting,
    record_meeting,
    reply,
    room,
    thread_head,
)
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from workspace_fixtures import CHANNEL, COORDINATOR, OUTSIDER

from bot.domain import confidentiality
from bot.services import rooms
from localslack.harness import LocalWorkspace
from localslack.server import LocalSlackServer

CASE_A = "houkatsu shogai konkyu"


def _members(ws: LocalWorkspace) -> set[str]:
    return set(ws.server.channel(room(ws)).members) - {ws.server.bot_user_id}


def test_taking_a_members_only_case_off_the_agenda_takes_them_out(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (_, code_b) = prepare_meeting(ws, "houkatsu shogai", "houkatsu konkyu")
    for key in ("houkatsu", "shogai", "konkyu"):
        ack(ws, member(key))
    assert _members(ws) == {COORDINATOR, *(member(k) for k in ("houkatsu", "shogai", "konkyu"))}
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda remove {code_b}")
    assert "外しました" in answer, answer
    # konkyu was asked for that case only; houkatsu still has the other one.
    ws.wait_until(lambda: member("konkyu") not in _members(ws))
    assert member("houkatsu") in _members(ws) and member("shogai") in _members(ws)
    told = ws.wait_until(
        lambda: [t for t in dm_texts(ws, member("konkyu")) if "会議チャンネルから外れました" in t]
    )
    assert code_b not in told[-1]  # why, without the case


@pytest.mark.parametrize("is_bot", [False, True], ids=["a person", "another app"])
def test_anyone_else_joining_is_removed_at_once_and_the_coordinators_told(
    workspace: LocalWorkspace, is_bot: bool
) -> None:
    ws = workspace
    prepare_meeting(ws, CASE_A)
    intruder = OUTSIDER
    if is_bot:
        intruder = "U0OTHERAPP"
        ws.server.add_user(intruder, "other-app", is_bot=True)
    before = len(dm_texts(ws, COORDINATOR))
    ws.slack.member_joins(room(ws), intruder)
    ws.wait_until(lambda: intruder not in _members(ws))
    told = ws.wait_until(lambda: dm_texts(ws, COORDINATOR)[before:])
    assert f"<@{intruder}>" in told[-1] and "外しました" in told[-1]


@pytest.mark.parametrize("how", ["public", "shared"])
def test_converting_or_sharing_the_channel_stops_posting(
    workspace: LocalWorkspace, how: str
) -> None:
    ws = workspace
    prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    meeting_room = room(ws)
    if how == "public":
        ws.server.convert_to_public(meeting_room)
    else:
        ws.server.share_externally(meeting_room)
    before = len(ws.server.messages(meeting_room))
    dms_before = len(dm_texts(ws, COORDINATOR))
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
    ws.settle()
    # No thread for the new case, and the coordinators are told what to do.
    assert len(ws.server.messages(meeting_room)) == before
    told = ws.wait_until(
        lambda: [t for t in dm_texts(ws, COORDINATOR)[dms_before:] if "投稿を止めました" in t]
    )
    assert ("公開" if how == "public" else "外部と共有") in told[-1]
    assert not any(code in m.get("text", "") for m in ws.server.messages(CHANNEL))


def test_a_new_notice_version_needs_a_new_confirmation_the_old_button_cannot_give(
    workspace: LocalWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    old_dm, old_ts = ack_button(ws, houkatsu)
    ws.slack.click_button(houkatsu, old_dm, old_ts, ACK_ACTION)
    ws.wait_until(lambda: houkatsu in _members(ws))

    # The wording changes (a new release, or the municipality's setting).
    original = confidentiality.notice_for

    def revised(*args: object, **kwargs: object) -> confidentiality.SecrecyNotice:
        return replace(original(*args, **kwargs), version="2099.1")  # type: ignore[arg-type]

    monkeypatch.setattr("bot.services.context.notice_for", revised)
    assert ws.runtime is not None
    assert rooms.refresh_notices(ws.runtime.context) == 1
    ws.settle()
    # Posted in the meeting's channel; the member is out until they confirm it.
    assert "2099.1" in json.dumps(ws.server.messages(room(ws))[-1], ensure_ascii=False)
    assert houkatsu not in _members(ws)
    ws.wait_until(lambda: [t for t in dm_texts(ws, houkatsu) if "改訂されました" in t])

    # The old DM's button carries the version it showed: it confirms nothing newer.
    ws.slack.click_button(houkatsu, old_dm, old_ts, ACK_ACTION)
    ws.wait_until(lambda: [t for t in ws.server.ephemerals(houkatsu) if "以前の版" in str(t)])
    assert houkatsu not in _members(ws)
    with ws.runtime.database.unit_of_work() as uow:
        versions = {
            a.notice_version
            for a in uow.acknowledgements.for_meeting(meeting(ws, day).id)
            if a.user_id == houkatsu
        }
    assert versions == {confidentiality.SUPPORT_NOTICE.version}

    # The new button does, and brings them back.
    ws.slack.click_button(houkatsu, *ack_button(ws, houkatsu), ACK_ACTION)
    ws.wait_until(lambda: houkatsu in _members(ws))
    reply(ws, houkatsu, code, "状況に変わりなし。")
    ws.wait_until(lambda: "回答済み（1件）" in head_text(ws, code))


def test_the_channel_is_archived_when_the_minutes_are_final(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    assert thread_head(ws, code)
    meeting_room = room(ws)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    saved = record_meeting(ws, day, {"jimu": [COORDINATOR], "houkatsu": [houkatsu]})
    assert "会議記録を保存しました" in saved, saved
    ws.command(COORDINATOR, CHANNEL, f"minutes final {day}")
    ws.wait_until(lambda: ws.server.channel(meeting_room).is_archived)
    assert meeting(ws, day).room_archived_at is not None


def test_one_standard_cycle_and_its_web_api_calls(workspace: LocalWorkspace) -> None:
    """Open a meeting of one case asked of three agencies, each member confirms and replies:
    the Web API calls that takes (see README, 計測値)."""
    ws = workspace
    ws.server.clear_failures()
    start = ws.server.api_call_count()
    _, (code,) = prepare_meeting(ws, CASE_A)
    for key in ("houkatsu", "shogai", "konkyu"):
        ws.slack.click_button(member(key), *ack_button(ws, member(key)), ACK_ACTION)
        ws.wait_until(lambda k=key: member(k) in _members(ws))
        reply(ws, member(key), code, "状況を確認中。")
    ws.wait_until(lambda: "回答済み（1件）" in head_text(ws, code).split("konkyu")[0])
    ws.settle()
    calls = [m for m, _ in ws.server.api_calls[start:]]
    counts = {m: calls.count(m) for m in sorted(set(calls))}
    print("standard cycle:", len(calls), counts)
    assert counts["conversations.create"] == 1 and counts["conversations.invite"] == 4
    assert "conversations.kick" not in counts


# --------------------------------------------------------------------------- localslack


def test_the_local_workspace_answers_channel_management_with_slacks_errors() -> None:
    with LocalSlackServer(scopes={"groups:write", "groups:read"}) as server:
        server.add_user("U0A", "a")
        client = WebClient(token=server.bot_token, base_url=server.api_url)

        def error(method: str, **kwargs: object) -> str:
            with pytest.raises(SlackApiError) as raised:
                getattr(client, method)(**kwargs)
            return str(raised.value.response["error"])

        created = client.conversations_create(name="shien-20261208-x7k2", is_private=True)
        channel = created["channel"]["id"]
        assert created["channel"]["is_private"]
        assert error("conversations_create", name="shien-20261208-x7k2", is_private=True) == (
            "name_taken"
        )
        assert error("conversations_create", name="支援 会議", is_private=True) == (
            "invalid_name_specials"
        )
        assert (
            error("conversations_create", name="public-one") == "missing_scope"
        )  # channels:manage
        client.conversations_setTopic(channel=channel, topic="令和8年12月8日 支援会議")
        client.conversations_invite(channel=channel, users="U0A")
        assert error("conversations_invite", channel=channel, users="U0A") == "already_in_channel"
        assert error("conversations_invite", channel=channel, users=server.bot_user_id) == (
            "cant_invite_self"
        )
        assert error("conversations_kick", channel=channel, user=server.bot_user_id) == (
            "cant_kick_self"
        )
        server.inject_failure("conversations.kick", "restricted_action", times=1)
        assert error("conversations_kick", channel=channel, user="U0A") == "restricted_action"
        client.conversations_kick(channel=channel, user="U0A")
        assert error("conversations_kick", channel=channel, user="U0A") == "not_in_channel"
        client.conversations_archive(channel=channel)
        assert error("conversations_archive", channel=channel) == "already_archived"


def test_where_apps_may_not_create_channels_the_coordinator_makes_one_and_the_bot_adopts_it(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, _ = prepare_meeting(ws, CASE_A, open_collection=False)
    ws.server.inject_failure("conversations.create", "restricted_action", times=1)
    answer = ws.command(COORDINATOR, CHANNEL, "open")
    assert "作成できませんでした（restricted_action）" in answer and f"open {day}" in answer
    # A channel with someone besides the coordinators in it is not adopted.
    ws.server.add_channel(
        "C0MADE01", "shien-made", members=[COORDINATOR, OUTSIDER, ws.server.bot_user_id]
    )
    answer = ws.command(COORDINATOR, "C0MADE01", f"open {day}")
    assert "事務局以外の人" in answer and f"<@{OUTSIDER}>" in answer, answer
    ws.server.add_channel("C0MADE02", "shien-made2", members=[COORDINATOR, ws.server.bot_user_id])
    answer = ws.command(COORDINATOR, "C0MADE02", f"open {day}")
    assert "情報収集を開始しました" in answer, answer
    assert meeting(ws, day).room_id == "C0MADE02"
    assert [m for m in ws.server.messages("C0MADE02") if m.get("bot_id")]
    assert not [m for m in ws.server.messages(CHANNEL) if m.get("bot_id")]
