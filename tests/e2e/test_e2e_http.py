"""The HTTP endpoint on the production server: signatures verified, stale requests refused,
/healthz answers; and text people type never turns into a ping or a link in what the bot
posts."""

from __future__ import annotations

import io
import re
import urllib.error
import urllib.request

from docx import Document
from e2e_steps import (
    ACK_ACTION,
    ack,
    ack_button,
    bot_payloads,
    database,
    dm_texts,
    docx_text,
    ephemeral_texts,
    inputs,
    member,
    minutes_text,
    notice_ts,
    prepare_meeting,
    reacted,
    reply,
    room,
)
from workspace_fixtures import CHANNEL, COORDINATOR, meeting_day, register_agencies

from localslack.driver import SlackDriver
from localslack.harness import LocalWorkspace

PRODUCTION_SERVER = True  # shienbot serve --http: gunicorn and its worker processes

CASE_A = "houkatsu shogai konkyu csw"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_healthz_answers(workspace: LocalWorkspace) -> None:
    assert _get(f"{workspace.url}/healthz") == (200, "ok")
    assert _get(f"{workspace.url}/nothing-here")[0] == 404


def test_url_verification_echoes_the_challenge(workspace: LocalWorkspace) -> None:
    response = workspace.slack.url_verification("shien-challenge")
    assert response.status == 200
    assert "shien-challenge" in response.text


def test_a_command_with_a_bad_signature_is_refused_and_has_no_effect(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    response = ws.slack.slash_command(COORDINATOR, CHANNEL, "/shien", "setup", bad_signature=True)
    assert response.status == 401
    response = ws.slack.slash_command(
        COORDINATOR, CHANNEL, "/shien", "setup", timestamp=SlackDriver.stale_timestamp()
    )
    assert response.status == 401
    ws.settle()
    assert ws.server.ephemerals(COORDINATOR) == []
    with database(ws) as uow:
        assert list(uow.channels.list()) == []


def test_events_and_clicks_with_bad_signatures_or_stale_timestamps_have_no_effect(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    notice_ts(ws)
    assert (
        ws.slack.click_button(
            houkatsu, *ack_button(ws, houkatsu), ACK_ACTION, bad_signature=True
        ).status
        == 401
    )
    stale = SlackDriver.stale_timestamp()
    assert (
        ws.slack.click_button(
            houkatsu, *ack_button(ws, houkatsu), ACK_ACTION, timestamp=stale
        ).status
        == 401
    )
    ws.settle()
    with database(ws) as uow:
        meeting = uow.meetings.on_date(CHANNEL, day)
        assert meeting is not None
        assert list(uow.acknowledgements.for_meeting(meeting.id)) == []

    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "要介護認定の申請を支援中。")
    ws.wait_until(lambda: reacted(ws, ts))
    assert ws.slack.last_response is not None and ws.slack.last_response.event_id
    forged = {
        "type": "message",
        "channel": CHANNEL,
        "user": houkatsu,
        "text": "偽の入力",
        "ts": "1999999999.000100",
        "thread_ts": ws.server.messages(room(ws))[1]["ts"],
    }
    assert ws.slack.deliver_event(forged, bad_signature=True).status == 401
    assert ws.slack.deliver_event(forged, timestamp=stale).status == 401
    ws.settle()
    assert [i.text for i in inputs(ws, day)] == ["要介護認定の申請を支援中。"]


INJECTIONS = ("<!channel>", "<!here>", "<https://evil.example|x>", "<@U0CSW>")
_RAW = re.compile(r"<!channel>|<!here>|<https://evil\.example")


def test_typed_markup_never_pings_or_links_in_what_the_bot_posts(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day = meeting_day()
    register_agencies(ws)
    evil_member = "U0EVIL"
    ws.server.add_user(evil_member, "悪意 架空七郎")
    ws.server.join(CHANNEL, evil_member)
    evil_name = "悪意<!channel>機関<https://evil.example|x><!here>"
    answer = ws.command(COORDINATOR, CHANNEL, f"agency add evil {evil_name} <@{evil_member}>")
    assert "登録しました" in answer, answer
    assert "会議を登録しました" in ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00")
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu evil csw")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
    answer = ws.command(COORDINATOR, CHANNEL, "case new shogai konkyu")
    other = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {other}")
    assert "情報収集を開始しました" in ws.command(COORDINATOR, CHANNEL, "open")
    ack(ws, evil_member)
    ack(ws, member("houkatsu"))
    ack(ws, member("konkyu"))  # asked for the other case: in the meeting's channel

    # A reply typed with markup, by a member and by someone not asked for the case.
    injected_reply = "確認中です <!channel> <@U0CSW> <https://evil.example|こちら>"
    ts = reply(ws, evil_member, code, injected_reply)
    ws.wait_until(lambda: reacted(ws, ts))
    reply(ws, member("konkyu"), code, f"依頼先ではない投稿 {injected_reply}")
    ws.wait_until(
        lambda: any("記録されていません" in e for e in ephemeral_texts(ws, member("konkyu")))
    )
    ws.command(COORDINATOR, CHANNEL, "status")
    ws.command(COORDINATOR, CHANNEL, "agency list")
    ws.command(COORDINATOR, CHANNEL, "remind")
    answer = ws.command(
        COORDINATOR, CHANNEL, f"role {code} evil 見守り<!channel><https://evil.example|x>"
    )
    assert "役割を記録しました" in answer, answer
    ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    ws.wait_until(lambda: ws.server.files_shared_with(evil_member))
    for text in INJECTIONS:  # echoed back by error messages
        ws.command(COORDINATOR, CHANNEL, text)
        ws.command(COORDINATOR, CHANNEL, f"agenda add {text}")
        ws.command(COORDINATOR, CHANNEL, f"status {text}")
    ws.settle()

    payloads = bot_payloads(ws)
    payloads += [p for p in dm_texts(ws, evil_member) + ephemeral_texts(ws, evil_member)]
    assert any("悪意" in p for p in payloads)  # the agency name is shown…
    assert any("&lt;!channel&gt;" in p for p in payloads)  # …escaped
    leaks = [p for p in payloads if _RAW.search(p)]
    assert leaks == [], leaks
    # No bot message pings csw on the reply's behalf.
    assert not any("<@U0CSW>" in p and "確認中です" in p for p in payloads)

    # The documents show what was typed, as text.
    text = minutes_text(ws, day)
    assert injected_reply in text
    extract = docx_text(ws.server.files_shared_with(evil_member)[-1].bytes)
    assert "見守り<!channel>" in extract
    Document(io.BytesIO(ws.server.files_shared_with(evil_member)[-1].bytes))  # still valid
