"""Running a meeting: adding coordinators, opening collection (the notice before any case,
one thread per case, prompts to the agencies asked), late agenda items and urgent cases."""

from __future__ import annotations

import json
import re

from e2e_steps import (
    ACK_ACTION,
    INPUT_ACTION,
    dm_texts,
    head_text,
    member,
    prepare_meeting,
    room,
    thread_head,
)
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, OUTSIDER, register_agencies

from localslack.harness import LocalWorkspace


def test_a_coordinator_can_add_another_coordinator(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    second = "U0JIMU2"
    ws.server.add_user(second, "事務局 架空八子")
    ws.server.join(CHANNEL, second)
    assert "事務局" in ws.command(second, CHANNEL, "agency list")  # refused for now
    answer = ws.command(COORDINATOR, CHANNEL, f"coordinator add <@{second}>")
    assert f"<@{second}>" in answer and "追加しました" in answer, answer
    answer = ws.command(second, CHANNEL, "agency list")
    assert "登録済みの関係機関" in answer, answer
    answer = ws.command(COORDINATOR, CHANNEL, f"coordinator add <@{second}>")
    assert "すでに" in answer, answer


def test_open_posts_the_notice_first_then_one_thread_per_case_and_prompts_those_asked(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code_a, code_c) = prepare_meeting(ws, "houkatsu shogai", "houkatsu konkyu 緊急")
    # Nothing about a case in the coordinators' channel: the meeting has its own.
    assert not [m for m in ws.server.messages(CHANNEL) if m.get("bot_id")]
    meeting_room = ws.server.channel(room(ws))
    assert meeting_room.is_private and not meeting_room.is_ext_shared
    assert re.fullmatch(rf"shien-{day:%Y%m%d}-[a-z0-9]{{4}}", meeting_room.name)
    assert "支援会議" in meeting_room.topic and "R8-" not in meeting_room.topic
    # Only the coordinator (and the bot) until members confirm the notice.
    assert set(meeting_room.members) == {COORDINATOR, ws.server.bot_user_id}
    posted = ws.server.messages(room(ws))
    bot_posts = [m for m in posted if m.get("bot_id")]
    assert len(bot_posts) == 3
    notice, first, second = bot_posts
    assert ACK_ACTION in json.dumps(notice) and "守秘義務" in json.dumps(notice, ensure_ascii=False)
    assert code_a not in json.dumps(notice) and code_c not in json.dumps(notice)
    assert f"事例 {code_a}" in first["text"] and INPUT_ACTION in json.dumps(first)
    assert f"【緊急】事例 {code_c}" in second["text"]
    assert "未回答" in head_text(ws, code_a)

    prompts = {key: dm_texts(ws, user) for key, (user, _) in MEMBERS.items()}
    assert len(prompts["houkatsu"]) == 1
    assert code_a in prompts["houkatsu"][0] and code_c in prompts["houkatsu"][0]
    assert len(prompts["shogai"]) == 1
    assert code_a in prompts["shogai"][0] and code_c not in prompts["shogai"][0]
    assert len(prompts["konkyu"]) == 1
    assert code_c in prompts["konkyu"][0] and code_a not in prompts["konkyu"][0]
    assert prompts["csw"] == []
    assert dm_texts(ws, OUTSIDER) == []

    # Opening again mends nothing that is already there: no second notice, thread or prompt.
    answer = ws.command(COORDINATOR, CHANNEL, "open")
    assert "新規 0件" in answer, answer
    ws.settle()
    assert len([m for m in ws.server.messages(room(ws)) if m.get("bot_id")]) == 3
    assert all(
        len(dm_texts(ws, user)) == (0 if key == "csw" else 1) for key, (user, _) in MEMBERS.items()
    )


def test_a_case_added_after_opening_gets_its_thread_at_once(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, first = prepare_meeting(ws, "houkatsu shogai konkyu csw")
    ws.settle()
    dms_before = {key: len(ws.server.dms(member(key))) for key in ("houkatsu", "shogai", "csw")}
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu csw")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
    assert "スレッドを作成しました" in answer and "依頼のDM 2人" in answer, answer
    assert thread_head(ws, code)
    ws.settle()
    # The members newly asked hear of this case only; an agency not asked hears nothing.
    for key in ("houkatsu", "csw"):
        new = ws.server.dms(member(key))[dms_before[key] :]
        assert len(new) == 1 and code in str(new[0]) and first[0] not in str(new[0])
    assert len(ws.server.dms(member("shogai"))) == dms_before["shogai"]
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
    assert "すでに" in answer, answer
    ws.settle()
    assert (
        len([m for m in ws.server.messages(room(ws)) if f"事例 {code}" in str(m.get("text"))]) == 1
    )
