"""The local Slack workspace, exercised with the real slack_sdk WebClient and a real Bolt app.

A small Bolt app is served over HTTP (``app.dispatch`` behind ``AppHttpHost``); the driver
signs and sends what Slack would, and the app calls back into the local server through
``WebClient(base_url=server.api_url)``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from localslack import (
    DEFAULT_BOT_TOKEN,
    AppHandler,
    AppHttpHost,
    DriverError,
    LocalSlackServer,
    SlackDriver,
)
from localslack.manifest import manifest_scopes
from localslack.server import UPLOAD

ALICE, BOB, CAROL = "U_ALICE", "U_BOB", "U_CAROL"
KAIGI = "C_KAIGI01"
PUBLIC = "C_PUBLIC"
SECRET = "C_SECRET"
SIGNING_SECRET = "test-signing-secret"


def bolt_handler(app: App) -> AppHandler:
    """Glue a Bolt app to AppHttpHost, the way a deployment's web adapter would."""

    def handle(
        body: str, query: str, headers: dict[str, str]
    ) -> tuple[int, Mapping[str, Sequence[str] | str], str]:
        answer = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
        return answer.status, answer.headers, answer.body

    return handle


@dataclass
class Workspace:
    server: LocalSlackServer
    client: WebClient
    app: App
    driver: SlackDriver


def _populate(server: LocalSlackServer) -> None:
    server.add_user(ALICE, "alice", real_name="山田 花子")
    server.add_user(BOB, "bob", real_name="佐藤 太郎")
    server.add_user(CAROL, "carol")
    server.add_channel(KAIGI, "kaigi-01", members=[ALICE, BOB, server.bot_user_id])
    server.add_channel(PUBLIC, "general", is_private=False, members=[ALICE, BOB])
    server.add_channel(SECRET, "secret", members=[ALICE])


@pytest.fixture
def server() -> Iterator[LocalSlackServer]:
    with LocalSlackServer(signing_secret=SIGNING_SECRET) as srv:
        _populate(srv)
        yield srv


@pytest.fixture
def client(server: LocalSlackServer) -> WebClient:
    return WebClient(base_url=server.api_url, token=server.bot_token)


@pytest.fixture
def ws(server: LocalSlackServer, client: WebClient) -> Iterator[Workspace]:
    # Bolt takes the token from the client (passing both only logs a warning).
    app = App(signing_secret=SIGNING_SECRET, client=client)
    host = AppHttpHost(bolt_handler(app)).start()
    driver = SlackDriver(server, host.url, SIGNING_SECRET)
    try:
        yield Workspace(server, client, app, driver)
    finally:
        driver.close()
        host.stop()


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


# --------------------------------------------------------------------------- commands


def test_signed_slash_command_reaches_bolt_and_respond_is_an_ephemeral(ws: Workspace) -> None:
    seen: list[dict[str, Any]] = []

    @ws.app.command("/shien")
    def shien(ack: Any, command: dict[str, Any], respond: Any) -> None:
        ack()
        seen.append(command)
        respond(f"受け付けました: {command['text']}")

    answer = ws.driver.slash_command(ALICE, KAIGI, "/shien", "open 2026-12-08")

    assert answer.status == 200
    assert answer.latency < 3.0
    ws.driver.wait_for(lambda: ws.server.ephemerals(ALICE))
    [ephemeral] = ws.server.ephemerals(ALICE)
    assert ephemeral["text"] == "受け付けました: open 2026-12-08"
    assert ephemeral["channel"] == KAIGI
    assert ws.server.ephemerals(BOB) == []
    command = seen[0]
    assert command["user_id"] == ALICE and command["channel_id"] == KAIGI
    assert command["channel_name"] == "privategroup"
    assert command["trigger_id"] and command["response_url"].startswith(ws.server.base_url)
    assert ws.server.problems == []


def test_respond_in_channel_posts_a_channel_message(ws: Workspace) -> None:
    @ws.app.command("/shien")
    def shien(ack: Any, respond: Any) -> None:
        ack()
        respond(text="全員へのお知らせ", response_type="in_channel")

    ws.driver.slash_command(BOB, KAIGI, "/shien", "")

    ws.driver.wait_for(lambda: ws.server.messages(KAIGI))
    assert ws.server.messages(KAIGI)[0]["text"] == "全員へのお知らせ"
    assert ws.server.ephemerals(BOB) == []


def test_ack_body_is_shown_and_invalid_ack_blocks_are_reported(ws: Workspace) -> None:
    @ws.app.command("/shien")
    def shien(ack: Any, command: dict[str, Any]) -> None:
        if command["text"] == "bad":
            ack(blocks=[{"type": "section", "text": _plain("x" * 3001)}])
        else:
            ack("すぐに確認します")

    ws.driver.slash_command(ALICE, KAIGI, "/shien", "ok")
    assert [e["text"] for e in ws.server.ephemerals(ALICE)] == ["すぐに確認します"]
    ws.driver.slash_command(ALICE, KAIGI, "/shien", "bad")
    assert len(ws.server.ephemerals(ALICE)) == 1
    assert ws.server.problems == ["invalid_command_response: invalid_blocks"]


def test_response_url_allows_five_uses(server: LocalSlackServer) -> None:
    url = server.issue_response_url(ALICE, KAIGI)
    statuses = []
    for i in range(6):
        body = json.dumps({"text": f"{i}"}).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request) as answer:
                statuses.append(answer.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200] * 5 + [404]
    assert len(server.ephemerals(ALICE)) == 5


def test_bad_signature_and_stale_timestamp_are_rejected_by_bolt(ws: Workspace) -> None:
    calls: list[str] = []

    @ws.app.command("/shien")
    def shien(ack: Any) -> None:
        calls.append("called")
        ack()

    bad = ws.driver.slash_command(ALICE, KAIGI, bad_signature=True)
    stale = ws.driver.slash_command(ALICE, KAIGI, timestamp=ws.driver.stale_timestamp())
    good = ws.driver.slash_command(ALICE, KAIGI)

    assert (bad.status, stale.status, good.status) == (401, 401, 200)
    assert calls == ["called"]


def test_deactivated_or_outside_users_cannot_act(ws: Workspace) -> None:
    ws.server.deactivate_user(BOB)
    with pytest.raises(DriverError):
        ws.driver.slash_command(BOB, KAIGI)
    with pytest.raises(DriverError):
        ws.driver.slash_command(CAROL, KAIGI)  # private channel Carol is not in


# --------------------------------------------------------------------------- Web API


def test_post_message_needs_membership_and_resolves_user_ids_to_dms(
    server: LocalSlackServer, client: WebClient
) -> None:
    assert _error(lambda: client.chat_postMessage(channel=PUBLIC, text="x")).response["error"] == (
        "not_in_channel"
    )
    # A private channel the bot is not in is invisible to it, as on Slack.
    assert _error(lambda: client.chat_postMessage(channel=SECRET, text="x")).response["error"] == (
        "channel_not_found"
    )
    assert _error(lambda: client.chat_postMessage(channel="C_NOPE", text="x")).response[
        "error"
    ] == ("channel_not_found")

    posted = client.chat_postMessage(channel=BOB, text="ご確認ください")
    opened = client.conversations_open(users=BOB)
    again = client.conversations_open(users=[BOB])

    assert posted["channel"] == opened["channel"]["id"] == again["channel"]["id"]
    assert posted["channel"].startswith("D")
    assert [m["text"] for m in server.dms(BOB)] == ["ご確認ください"]
    assert server.dms(ALICE) == []


def test_threads_keep_replies_out_of_the_channel_view(
    ws: Workspace, server: LocalSlackServer, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel=KAIGI, text="議題1")["ts"]
    client.chat_postMessage(channel=KAIGI, text="補足", thread_ts=parent)
    user_reply = ws.driver.user_posts(ALICE, KAIGI, "了解です", thread_ts=parent)

    assert [m["text"] for m in server.messages(KAIGI)] == ["議題1"]
    thread = server.thread(KAIGI, parent)
    assert [m["text"] for m in thread] == ["議題1", "補足", "了解です"]
    assert thread[0]["reply_count"] == 2
    assert thread[0]["latest_reply"] == user_reply
    # Replying to a reply lands in the same thread.
    client.chat_postMessage(channel=KAIGI, text="追記", thread_ts=user_reply)
    assert len(server.thread(KAIGI, parent)) == 4
    assert (
        _error(lambda: client.chat_postMessage(channel=KAIGI, text="x", thread_ts="1.2")).response[
            "error"
        ]
        == "invalid_thread_ts"
    )


def test_update_delete_reactions_and_ephemerals(
    server: LocalSlackServer, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=KAIGI, text="初版")["ts"]
    client.chat_update(channel=KAIGI, ts=ts, text="改訂版")
    assert server.message(KAIGI, ts)["text"] == "改訂版"  # type: ignore[index]

    client.reactions_add(channel=KAIGI, timestamp=ts, name="white_check_mark")
    err = _error(lambda: client.reactions_add(channel=KAIGI, timestamp=ts, name="white_check_mark"))
    assert err.response["error"] == "already_reacted"
    assert server.reactions(KAIGI, ts) == {"white_check_mark": [server.bot_user_id]}

    assert (
        _error(lambda: client.chat_postEphemeral(channel=KAIGI, user=CAROL, text="x")).response[
            "error"
        ]
        == "user_not_in_channel"
    )
    client.chat_postEphemeral(channel=KAIGI, user=BOB, text="あなただけに")
    assert [e["text"] for e in server.ephemerals(BOB)] == ["あなただけに"]

    client.chat_delete(channel=KAIGI, ts=ts)
    assert server.messages(KAIGI) == []
    assert _error(lambda: client.chat_delete(channel=KAIGI, ts=ts)).response["error"] == (
        "message_not_found"
    )


def test_conversation_and_user_lookups(server: LocalSlackServer, client: WebClient) -> None:
    for i in range(5):
        server.add_user(f"U_M{i}", f"m{i}")
        server.join(KAIGI, f"U_M{i}")
    members: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_members(channel=KAIGI, limit=3, cursor=cursor)
        members += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert members == [ALICE, BOB, server.bot_user_id, *(f"U_M{i}" for i in range(5))]

    info = client.conversations_info(channel=KAIGI)["channel"]
    assert info["is_private"] is True and info["name"] == "kaigi-01"
    assert "num_members" not in info  # only with include_num_members, as on Slack
    counted = client.conversations_info(channel=KAIGI, include_num_members=True)["channel"]
    assert counted["num_members"] == 8
    dm = client.conversations_open(users=ALICE)["channel"]["id"]
    assert client.conversations_info(channel=dm)["channel"]["is_im"] is True

    server.deactivate_user(BOB)
    user = client.users_info(user=BOB)["user"]
    assert user["deleted"] is True and user["tz"] == "Asia/Tokyo" and user["is_bot"] is False
    assert client.users_info(user=server.bot_user_id)["user"]["is_bot"] is True
    assert _error(lambda: client.users_info(user="U_NOBODY")).response["error"] == "user_not_found"
    assert _error(lambda: client.conversations_open(users=BOB)).response["error"] == "user_disabled"


def test_tokens_are_checked(server: LocalSlackServer) -> None:
    wrong = WebClient(base_url=server.api_url, token="xoxb-local-wrong")
    none = WebClient(base_url=server.api_url)
    assert _error(wrong.auth_test).response["error"] == "invalid_auth"
    assert _error(none.auth_test).response["error"] == "not_authed"
    # GET with a query token works too, like Slack.
    url = f"{server.api_url}auth.test?token={DEFAULT_BOT_TOKEN}"
    with urllib.request.urlopen(url) as answer:
        assert json.loads(answer.read())["user_id"] == server.bot_user_id


def test_unknown_methods_and_api_calls_are_recorded_without_tokens(
    server: LocalSlackServer, client: WebClient
) -> None:
    err = _error(lambda: client.api_call("conversations.history", params={"channel": KAIGI}))
    assert err.response["error"] == "unknown_method"
    client.chat_postMessage(channel=KAIGI, text="hi")
    assert ("conversations.history", {"channel": KAIGI}) in server.api_calls
    assert server.api_call_count("chat.postMessage") == 1
    assert DEFAULT_BOT_TOKEN not in repr(server.api_calls)


def test_json_bodies_are_ignored_by_form_only_read_methods(
    server: LocalSlackServer, client: WebClient
) -> None:
    # Slack drops JSON arguments for these methods; users.info then says user_not_found.
    err = _error(lambda: client.api_call("users.info", json={"user": ALICE}))
    assert err.response["error"] == "user_not_found"
    assert any("users.info was sent a JSON body" in p for p in server.problems)
    assert client.api_call("users.info", params={"user": ALICE})["user"]["id"] == ALICE
    # Write methods take JSON.
    assert client.api_call("chat.postMessage", json={"channel": KAIGI, "text": "x"})["ok"]


def test_block_kit_limits(server: LocalSlackServer, client: WebClient) -> None:
    def section(text: str) -> dict[str, Any]:
        return {"type": "section", "text": {"type": "mrkdwn", "text": text}}

    def fails(**kwargs: Any) -> str:
        return str(
            _error(lambda: client.chat_postMessage(channel=KAIGI, **kwargs)).response["error"]
        )

    # The limits themselves are fine ...
    client.chat_postMessage(channel=KAIGI, text="ok", blocks=[section("x")] * 50)
    client.chat_postMessage(channel=KAIGI, text="ok", blocks=[section("あ" * 3000)])
    client.chat_postMessage(channel=KAIGI, text="あ" * 40_000)
    # ... one more is not.
    assert fails(text="x", blocks=[section("x")] * 51) == "invalid_blocks"
    assert fails(text="x", blocks=[section("あ" * 3001)]) == "invalid_blocks"
    header = {"type": "header", "text": {"type": "plain_text", "text": "見" * 151}}
    assert fails(text="x", blocks=[header]) == "invalid_blocks"
    button = {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "b" * 76}}
        ],
    }
    assert fails(text="x", blocks=[button]) == "invalid_blocks"
    long_id = {"type": "divider", "block_id": "b" * 256}
    assert fails(text="x", blocks=[long_id]) == "invalid_blocks"
    assert fails(text="あ" * 40_001) == "msg_too_long"
    with pytest.warns(UserWarning):  # slack_sdk itself warns about a missing text
        assert fails() == "no_text"
    err = _error(lambda: client.chat_postMessage(channel=KAIGI, text="x", blocks=[header]))
    assert "json-pointer:/blocks/0/text/text" in err.response["errors"][0]

    trigger = server.issue_trigger(ALICE)
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "支" * 25},
        "blocks": [{"type": "divider"}],
    }
    err = _error(lambda: client.views_open(trigger_id=trigger, view=modal))
    assert err.response["error"] == "invalid_arguments"
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "支援会議"},
        "private_metadata": "m" * 3001,
        "blocks": [{"type": "divider"}],
    }
    assert _error(lambda: client.views_open(trigger_id=trigger, view=modal)).response["error"] == (
        "invalid_arguments"
    )
    modal["private_metadata"] = "m" * 3000
    modal["blocks"] = [section("x")] * 100
    assert client.views_open(trigger_id=trigger, view=modal)["ok"]


def test_rate_limiting_answers_429_with_retry_after() -> None:
    with LocalSlackServer(rate_limit_post_message_per_channel=1.0) as server:
        _populate(server)
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        client.chat_postMessage(channel=KAIGI, text="1")
        client.chat_postMessage(channel=BOB, text="another channel is separate")
        err = _error(lambda: client.chat_postMessage(channel=KAIGI, text="2"))
        assert err.response.status_code == 429
        assert err.response["error"] == "ratelimited"
        assert int(err.response.headers["Retry-After"]) >= 1
        time.sleep(1.05)
        client.chat_postMessage(channel=KAIGI, text="3")
        assert [m["text"] for m in server.messages(KAIGI)] == ["1", "3"]


def test_rate_limiting_is_off_by_default(server: LocalSlackServer, client: WebClient) -> None:
    for i in range(5):
        client.chat_postMessage(channel=KAIGI, text=str(i))
    assert len(server.messages(KAIGI)) == 5


# --------------------------------------------------------------------------- events


def test_message_events_edits_and_deletes_reach_bolt(ws: Workspace) -> None:
    events: list[dict[str, Any]] = []

    @ws.app.event("message")
    def on_message(event: dict[str, Any]) -> None:
        events.append(event)

    ts = ws.driver.user_posts(ALICE, KAIGI, "議事メモです")
    ws.driver.user_edits(KAIGI, ts, "議事メモです（修正）")
    ws.driver.user_deletes(KAIGI, ts)
    # The bot is not in #general: Slack sends it nothing from there.
    ws.driver.user_posts(ALICE, PUBLIC, "雑談")
    assert ws.driver.last_response is None
    # The bot's own post comes back as an event too; Bolt ignores it.
    ws.client.chat_postMessage(channel=KAIGI, text="ボットの投稿")
    dm = ws.server.dm_channel_id(BOB)
    ws.driver.user_posts(BOB, dm, "DMで質問です")

    ws.driver.wait_for(lambda: len(events) >= 4)
    ws.driver.drain()
    posted, edited, deleted, direct = events
    assert posted["text"] == "議事メモです" and posted["channel_type"] == "group"
    assert posted["user"] == ALICE and posted["ts"] == ts
    assert edited["subtype"] == "message_changed" and edited["hidden"] is True
    assert edited["message"]["text"] == "議事メモです（修正）"
    assert edited["previous_message"]["text"] == "議事メモです"
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == ts
    assert direct["channel_type"] == "im" and direct["channel"] == dm
    echoes = [r for r in ws.driver.responses if r.status == 200]
    assert len(echoes) == 5  # 4 user events + the echoed bot post, all acknowledged
    assert all("bot_id" not in e for e in events)


def test_unsigned_events_are_rejected_and_users_post_only_where_they_are(ws: Workspace) -> None:
    event = {"type": "app_mention", "user": ALICE, "channel": KAIGI, "text": "hi", "ts": "1.0"}
    assert ws.driver.deliver_event(event, bad_signature=True).status == 401
    with pytest.raises(DriverError):
        ws.driver.user_posts(CAROL, KAIGI, "入れないはず")
    with pytest.raises(DriverError):
        ws.driver.user_posts(ALICE, KAIGI, "x", thread_ts="9.9")


def test_retried_event_carries_retry_headers_and_same_event_id(ws: Workspace) -> None:
    deliveries: list[tuple[str, str | None]] = []

    @ws.app.event("member_joined_channel")
    def joined(body: dict[str, Any], request: BoltRequest) -> None:
        retry = request.headers.get("x-slack-retry-num")
        deliveries.append((body["event_id"], retry[0] if retry else None))

    first = ws.driver.member_joins(KAIGI, CAROL)
    assert first is not None and first.event_id
    retry = ws.driver.deliver_event({}, event_id=first.event_id, retry_num=1)

    assert retry.status == 200
    ws.driver.wait_for(lambda: len(deliveries) == 2)
    assert deliveries == [(first.event_id, None), (first.event_id, "1")]
    assert CAROL in ws.server.channel(KAIGI).members


def test_url_verification_handshake(ws: Workspace) -> None:
    answer = ws.driver.url_verification("abc123")
    assert answer.status == 200 and answer.json() == {"challenge": "abc123"}


# --------------------------------------------------------------------------- interactivity


def _modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "schedule",
        "title": {"type": "plain_text", "text": "会議の登録"},
        "submit": {"type": "plain_text", "text": "登録"},
        "private_metadata": "case-1",
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "件名"},
                "element": {"type": "plain_text_input", "action_id": "v", "max_length": 30},
            },
            {
                "type": "input",
                "block_id": "date",
                "label": {"type": "plain_text", "text": "開催日"},
                "element": {"type": "datepicker", "action_id": "v"},
            },
            {
                "type": "input",
                "block_id": "room",
                "label": {"type": "plain_text", "text": "会場"},
                "element": {
                    "type": "static_select",
                    "action_id": "v",
                    "options": [
                        {"text": {"type": "plain_text", "text": "第1会議室"}, "value": "r1"},
                        {"text": {"type": "plain_text", "text": "第2会議室"}, "value": "r2"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "flags",
                "optional": True,
                "label": {"type": "plain_text", "text": "区分"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "v",
                    "options": [
                        {"text": {"type": "plain_text", "text": "緊急"}, "value": "urgent"},
                        {"text": {"type": "plain_text", "text": "継続"}, "value": "cont"},
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "who",
                "label": {"type": "plain_text", "text": "担当"},
                "element": {"type": "users_select", "action_id": "v"},
            },
        ],
    }


def test_button_opens_modal_and_submission_reaches_the_listener(ws: Workspace) -> None:
    submitted: list[dict[str, Any]] = []
    opened: list[Any] = []

    @ws.app.action("open_form")
    def open_form(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        opened.append(client.views_open(trigger_id=body["trigger_id"], view=_modal()))

    @ws.app.view("schedule")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        if values["title"]["v"]["value"] == "NG":
            ack(response_action="errors", errors={"title": "件名を確認してください"})
            return
        ack()
        submitted.append(view)

    button = {
        "type": "actions",
        "block_id": "acts",
        "elements": [
            {
                "type": "button",
                "action_id": "open_form",
                "value": "case-1",
                "text": {"type": "plain_text", "text": "登録する"},
            }
        ],
    }
    ts = ws.client.chat_postMessage(channel=KAIGI, text="登録", blocks=[button])["ts"]

    assert ws.driver.click_button(ALICE, KAIGI, ts, "open_form").status == 200
    ws.driver.wait_for(lambda: ws.server.views(ALICE))
    [view] = ws.server.views(ALICE)
    assert view["title"]["text"] == "会議の登録"
    with pytest.raises(DriverError):
        ws.driver.submit_view(ALICE, view["id"], {"title": "件名だけ"})  # required fields empty
    with pytest.raises(DriverError):
        ws.driver.submit_view(ALICE, view["id"], {"title": "x", "date": "2026-12-08", "room": "r9"})

    full = {"date": "2026-12-08", "room": "r2", "flags": ["urgent"], "who": BOB}
    rejected = ws.driver.submit_view(ALICE, view["id"], {"title": "NG", **full})
    assert rejected.json()["response_action"] == "errors"
    assert ws.server.views(ALICE)  # still open

    accepted = ws.driver.submit_view(ALICE, view["id"], {"title": "12月定例", **full})
    assert accepted.status == 200
    assert ws.server.views(ALICE) == []  # an empty ack closes the modal
    values = submitted[0]["state"]["values"]
    assert values["title"]["v"] == {"type": "plain_text_input", "value": "12月定例"}
    assert values["date"]["v"] == {"type": "datepicker", "selected_date": "2026-12-08"}
    assert values["room"]["v"]["selected_option"]["value"] == "r2"
    assert [o["value"] for o in values["flags"]["v"]["selected_options"]] == ["urgent"]
    assert values["who"]["v"] == {"type": "users_select", "selected_user": BOB}
    assert submitted[0]["private_metadata"] == "case-1"
    assert ws.server.problems == []


def test_button_respond_replace_original_updates_the_message(ws: Workspace) -> None:
    @ws.app.action("attend")
    def attend(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        respond(replace_original=True, text=f"出席: {body['actions'][0]['value']}")

    def row(value: str) -> dict[str, Any]:
        button = {"type": "button", "action_id": "attend", "value": value}
        return {"type": "actions", "elements": [{**button, "text": _plain(value)}]}

    # One action_id per block, as Slack demands; rows may share it.
    same_block = [
        {"type": "actions", "elements": [*row("yes")["elements"], *row("no")["elements"]]}
    ]
    err = _error(lambda: ws.client.chat_postMessage(channel=KAIGI, text="x", blocks=same_block))
    assert err.response["error"] == "invalid_blocks"
    ts = ws.client.chat_postMessage(channel=KAIGI, text="出欠", blocks=[row("yes"), row("no")])[
        "ts"
    ]
    with pytest.raises(DriverError):
        ws.driver.click_button(BOB, KAIGI, ts, "attend")  # ambiguous without value=
    with pytest.raises(DriverError):
        ws.driver.click_button(CAROL, KAIGI, ts, "attend", value="yes")  # cannot see it

    ws.driver.click_button(BOB, KAIGI, ts, "attend", value="no")

    ws.driver.wait_for(lambda: ws.server.message(KAIGI, ts)["text"] == "出席: no")  # type: ignore[index]
    assert "blocks" not in ws.server.message(KAIGI, ts)  # type: ignore[operator]


def test_triggers_are_single_use_and_expire(server: LocalSlackServer, client: WebClient) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "確認"},
        "blocks": [{"type": "divider"}],
    }
    trigger = server.issue_trigger(ALICE)
    client.views_open(trigger_id=trigger, view=view)
    assert _error(lambda: client.views_open(trigger_id=trigger, view=view)).response["error"] == (
        "exchanged_trigger_id"
    )
    assert _error(lambda: client.views_open(trigger_id="1.2.3", view=view)).response["error"] == (
        "invalid_trigger_id"
    )
    server.trigger_ttl = 0.05
    late = server.issue_trigger(ALICE)
    time.sleep(0.1)
    assert _error(lambda: client.views_open(trigger_id=late, view=view)).response["error"] == (
        "expired_trigger_id"
    )


def test_views_update_and_push(server: LocalSlackServer, client: WebClient) -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "一"},
        "blocks": [{"type": "divider"}],
    }
    opened = client.views_open(trigger_id=server.issue_trigger(ALICE), view=view)["view"]
    updated = client.views_update(
        view_id=opened["id"],
        hash=opened["hash"],
        view={**view, "title": {"type": "plain_text", "text": "二"}},
    )["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    stale = _error(
        lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=view)
    )
    assert stale.response["error"] == "hash_conflict"
    client.views_push(trigger_id=server.issue_trigger(ALICE), view=view)
    assert [v["title"]["text"] for v in server.views(ALICE)] == ["二", "一"]


# --------------------------------------------------------------------------- files


def test_files_upload_v2_to_a_dm_keeps_the_bytes(
    server: LocalSlackServer, client: WebClient
) -> None:
    data = b"PK\x03\x04" + bytes(range(256)) * 4  # a .docx is a zip; any bytes will do
    dm = client.conversations_open(users=BOB)["channel"]["id"]

    result = client.files_upload_v2(
        channel=dm,
        content=data,
        filename="minutes-2026-12-08.docx",
        title="議事録",
        initial_comment="議事録をお送りします",
    )

    assert result["file"]["name"] == "minutes-2026-12-08.docx"
    [shared] = server.files_shared_with(BOB)
    assert shared.bytes == data
    assert (shared.name, shared.title, shared.channel) == ("minutes-2026-12-08.docx", "議事録", dm)
    assert shared.uploader == server.bot_user_id
    assert server.dms(BOB)[0]["text"] == "議事録をお送りします"
    assert server.files_shared_with(ALICE) == []
    # Slack wants a conversation id here, not a user id.
    err = _error(lambda: client.files_upload_v2(channel=BOB, content=data, filename="x.docx"))
    assert err.response["error"] == "invalid_arguments"


# --------------------------------------------------------------------------- transcript


def test_transcript_reads_like_what_people_saw(ws: Workspace) -> None:
    @ws.app.command("/shien")
    def shien(ack: Any, respond: Any) -> None:
        ack()
        respond("次回は12月8日です")

    ws.client.chat_postMessage(
        channel=KAIGI,
        text="支援会議のお知らせ",
        blocks=[
            {"type": "header", "text": {"type": "plain_text", "text": "12月の支援会議"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "日時: 12月8日（火）"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "福祉課"}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "join",
                        "text": {"type": "plain_text", "text": "出席する"},
                    }
                ],
            },
        ],
    )
    ws.driver.slash_command(ALICE, KAIGI, "/shien", "next")
    ws.driver.wait_for(lambda: ws.server.ephemerals(ALICE))
    ws.client.chat_postMessage(channel=BOB, text="資料をご確認ください")
    ws.client.views_open(trigger_id=ws.server.issue_trigger(ALICE), view=_modal())
    dm = ws.client.conversations_open(users=ALICE)["channel"]["id"]
    ws.client.files_upload_v2(channel=dm, content=b"doc", filename="minutes-2026-12-08.docx")

    text = ws.server.render_transcript()

    assert (
        "#kaigi-01 に投稿\n    ■ 12月の支援会議\n    日時: 12月8日（火）\n    福祉課\n    [出席する]"
        in text
    )
    assert "U_ALICE が #kaigi-01 で /shien next" in text
    assert "U_ALICE への一時メッセージ (#kaigi-01)\n    次回は12月8日です" in text
    assert "U_BOB への DM\n    資料をご確認ください" in text
    assert "U_ALICE にフォーム表示「会議の登録」" in text
    assert "U_ALICE にファイル送信 minutes-2026-12-08.docx" in text
    assert DEFAULT_BOT_TOKEN not in text and SIGNING_SECRET not in text


# --------------------------------------------------------------------------- as strict as Slack


def test_a_method_outside_the_tokens_scopes_answers_missing_scope() -> None:
    scopes = manifest_scopes()
    assert "channels:read" in scopes and "groups:read" in scopes
    with LocalSlackServer(scopes=scopes - {"channels:read", "users:read"}) as server:
        _populate(server)
        server.join(PUBLIC, server.bot_user_id)
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        # A private channel needs groups:read, a public one channels:read.
        assert client.conversations_info(channel=KAIGI)["ok"]
        err = _error(lambda: client.conversations_info(channel=PUBLIC))
        assert err.response["error"] == "missing_scope"
        assert err.response["needed"] == "channels:read"
        assert "groups:read" in err.response["provided"].split(",")
        assert _error(lambda: client.users_info(user=ALICE)).response["needed"] == "users:read"
        # Nothing changed in the workspace: a refused call has no effect.
        assert client.chat_postMessage(channel=KAIGI, text="ok")["ok"]


def test_the_workspace_of_the_tests_has_exactly_the_manifests_scopes() -> None:
    from localslack.harness import LocalWorkspace

    workspace = LocalWorkspace("sqlite://")
    assert workspace.server.scopes == manifest_scopes()


@pytest.mark.parametrize(
    ("kind", "status", "error"),
    [
        ("ratelimited", 429, "ratelimited"),
        ("server_error", 503, "service_unavailable"),
        ("invalid_auth", 200, "invalid_auth"),
    ],
)
def test_injected_failures_answer_like_slack(kind: str, status: int, error: str) -> None:
    with LocalSlackServer() as server:
        _populate(server)
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        server.inject_failure("users.info", kind, times=2, retry_after=2)
        for _ in range(2):
            err = _error(lambda: client.users_info(user=ALICE))
            assert (err.response.status_code, err.response["error"]) == (status, error)
        if kind == "ratelimited":
            assert err.response.headers["Retry-After"] == "2"
        assert client.users_info(user=ALICE)["ok"]  # only the first two calls fail


def test_an_injected_network_failure_drops_the_connection() -> None:
    with LocalSlackServer() as server:
        _populate(server)
        client = WebClient(base_url=server.api_url, token=server.bot_token, timeout=5)
        # slack_sdk retries a connection error once by default: the second drop surfaces.
        server.inject_failure("chat.postMessage", "network", times=2)
        with pytest.raises(Exception) as caught:
            client.chat_postMessage(channel=KAIGI, text="lost")
        assert not isinstance(caught.value, SlackApiError)
        assert server.messages(KAIGI) == []
        assert client.chat_postMessage(channel=KAIGI, text="kept")["ok"]


def test_a_fraction_of_calls_fails_the_same_way_in_every_run() -> None:
    def failures(seed: int) -> list[bool]:
        with LocalSlackServer() as server:
            _populate(server)
            client = WebClient(base_url=server.api_url, token=server.bot_token)
            server.inject_failure("users.info", "fatal_error", times=None, fraction=0.25, seed=seed)
            outcome = []
            for _ in range(40):
                try:
                    client.users_info(user=ALICE)
                    outcome.append(False)
                except SlackApiError:
                    outcome.append(True)
            return outcome

    first = failures(7)
    assert first == failures(7)
    assert 3 <= sum(first) <= 20


def test_an_upload_can_fail_where_slack_sdk_raises_urllibs_errors() -> None:
    with LocalSlackServer() as server:
        _populate(server)
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        server.inject_failure(UPLOAD, "server_error")
        with pytest.raises(Exception) as caught:
            client.files_upload_v2(channel=KAIGI, content=b"x", filename="a.docx")
        assert not isinstance(caught.value, SlackApiError)  # urllib's HTTPError
        assert server.files_shared_with(KAIGI) == []


# --------------------------------------------------------------------------- as real Slack does


def _event_app(ws: Workspace, answer: Any = None) -> list[dict[str, Any]]:
    """Message events the app receives, with their retry headers; ``answer`` is returned."""
    seen: list[dict[str, Any]] = []

    @ws.app.event("message")
    def on_message(event: dict[str, Any], request: BoltRequest) -> Any:
        seen.append({**event, "retry": request.headers.get("x-slack-retry-num")})
        return answer(len(seen)) if answer else None

    return seen


def test_a_file_reply_arrives_as_file_share_with_its_files(ws: Workspace) -> None:
    seen = _event_app(ws)
    head = ws.driver.user_posts(ALICE, KAIGI, "見出し")
    ws.driver.user_posts(BOB, KAIGI, "", thread_ts=head, files=["kiroku.pdf"])
    ws.driver.wait_for(lambda: len(seen) == 2)
    event = seen[1]
    assert event["subtype"] == "file_share" and event["text"] == ""
    assert event["thread_ts"] == head and "blocks" not in event
    [shared] = event["files"]
    assert shared["name"] == "kiroku.pdf" and shared["user"] == BOB
    assert shared["mimetype"] == "application/pdf" and shared["url_private"]


def test_a_link_preview_changes_a_message_but_not_its_text(ws: Workspace) -> None:
    seen = _event_app(ws)
    ts = ws.driver.user_posts(ALICE, KAIGI, "https://example.jp")
    ws.driver.link_preview(KAIGI, ts, "https://example.jp")
    ws.driver.wait_for(lambda: len(seen) == 2)
    changed = seen[1]
    assert changed["subtype"] == "message_changed"
    assert changed["message"]["text"] == changed["previous_message"]["text"]
    assert changed["message"]["attachments"] and "attachments" not in changed["previous_message"]


def test_an_event_the_app_fails_is_sent_again_with_the_retry_headers(
    server: LocalSlackServer, client: WebClient
) -> None:
    # Events are answered when the listener returns (as the bot runs Bolt): an error
    # status makes Slack send the event again.
    app = App(signing_secret=SIGNING_SECRET, client=client, process_before_response=True)
    seen: list[Any] = []

    @app.event("message")
    def on_message(request: BoltRequest) -> BoltResponse | None:
        seen.append(request.headers.get("x-slack-retry-num"))
        return BoltResponse(status=503) if len(seen) < 3 else None

    host = AppHttpHost(bolt_handler(app)).start()
    driver = SlackDriver(server, host.url, SIGNING_SECRET)
    try:
        driver.user_posts(ALICE, KAIGI, "届くまで")
        driver.wait_for(lambda: len(seen) == 3)
        driver.drain()
    finally:
        driver.close()
        host.stop()
    assert seen == [None, ["1"], ["2"]]
    assert driver.retries_sent == 2


def test_a_group_dm_needs_mpim_read() -> None:
    with LocalSlackServer(scopes=manifest_scopes()) as server:
        _populate(server)
        server.add_channel("C_MPIM", "mpdm-alice--bob-1", is_mpim=True, members=[ALICE, BOB])
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        err = _error(lambda: client.conversations_info(channel="C_MPIM"))
        assert (err.response["error"], err.response["needed"]) == ("missing_scope", "mpim:read")
        assert server.channel("C_MPIM").is_private


def test_an_injected_failure_can_spare_the_first_calls() -> None:
    with LocalSlackServer() as server:
        _populate(server)
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        server.inject_failure("users.info", "fatal_error", times=1, after=2)
        assert client.users_info(user=ALICE)["ok"] and client.users_info(user=BOB)["ok"]
        assert _error(lambda: client.users_info(user=ALICE)).response["error"] == "fatal_error"
        assert client.users_info(user=ALICE)["ok"]
