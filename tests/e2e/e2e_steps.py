"""Steps shared by the end-to-end tests: preparing a meeting, finding what the bot posted,
reading documents back, and looking into the database."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any
from urllib.parse import urlencode

from docx import Document
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, NAMES, meeting_day, register_agencies

from bot.domain.model import AgencyInput, Meeting
from localslack.driver import BotResponse
from localslack.harness import LocalWorkspace
from storage.unit_of_work import SqlUnitOfWork

INPUT_ACTION = "shien_input"
ACK_ACTION = "shien_ack"


def member(key: str) -> str:
    return MEMBERS[key][0]


def prepare_meeting(
    ws: LocalWorkspace, *cases: str, open_collection: bool = True, kind: str = ""
) -> tuple[date, list[str]]:
    """Register the agencies, a meeting a week ahead and one case per ``cases`` entry (its
    agency keys, space separated); put them on the agenda and, by default, open collection."""
    day = meeting_day()
    register_agencies(ws)
    answer = ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00 {kind}".strip())
    assert "会議を登録しました" in answer, answer
    codes = []
    for keys in cases:
        answer = ws.command(COORDINATOR, CHANNEL, f"case new {keys}")
        assert "を登録しました" in answer, answer
        code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
        assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
        codes.append(code)
    if open_collection:
        answer = ws.command(COORDINATOR, CHANNEL, "open")
        assert "情報収集を開始しました" in answer, answer
    return day, codes


def record_meeting(
    ws: LocalWorkspace,
    day: date,
    present: dict[str, Sequence[str]] | None = None,
    **values: Any,
) -> str:
    """The coordinator saves the meeting's 会議記録 through its form: ``present`` maps an
    agency key (or ``"jimu"``, the secretariat) to the people ticked, ``values`` the other
    fields by block ID (as the driver takes them). Returns the bot's confirming DM."""
    before = len(ws.server.dms(COORDINATOR))
    assert ws.command(COORDINATOR, CHANNEL, f"record {day}") == ""  # the form opened
    view = ws.server.views(COORDINATOR)[-1]
    with database(ws) as uow:
        ids = {a.key: a.id for a in uow.agencies.list()}
    fields = dict(values)
    for key, people in (present or {}).items():
        group = "coordinators" if key == "jimu" else ids[key]
        fields[f"present_{group}"] = list(people)
    ws.slack.submit_view(COORDINATOR, view["id"], fields)
    dms = ws.wait_until(
        lambda: len(ws.server.dms(COORDINATOR)) > before and ws.server.dms(COORDINATOR)
    )
    return str(dms[-1].get("text", ""))


def ack(ws: LocalWorkspace, user_id: str) -> None:
    """A member confirms the notice; the bot then invites them into the meeting's channel."""
    answer = ws.command(user_id, CHANNEL, "ack")
    assert "守秘義務の確認を記録しました" in answer, answer
    if rooms(ws):  # collection is open: the confirmation brings them into its channel
        ws.wait_until(lambda: user_id in ws.server.channel(room(ws)).members)


def room(ws: LocalWorkspace) -> str:
    """The newest meeting's own private channel (the bot created it when collection opened)."""
    created = ws.server.channels_created_by_bot()
    assert created, "no meeting channel was created"
    return created[-1].id


def rooms(ws: LocalWorkspace) -> list[str]:
    return [c.id for c in ws.server.channels_created_by_bot()]


def thread_head(ws: LocalWorkspace, code: str) -> str:
    for message in ws.server.messages(room(ws)):
        if f"事例 {code}" in str(message.get("text", "")):
            return str(message["ts"])
    raise AssertionError(f"no thread for {code}")


def head_text(ws: LocalWorkspace, code: str) -> str:
    """The case's thread head as shown (text and blocks)."""
    message = ws.server.message(room(ws), thread_head(ws, code))
    assert message is not None
    return json.dumps(message, ensure_ascii=False)


def notice_ts(ws: LocalWorkspace) -> str:
    for message in ws.server.messages(room(ws)):
        if ACK_ACTION in json.dumps(message.get("blocks") or []):
            return str(message["ts"])
    raise AssertionError("no secrecy notice in the channel")


def ack_button(ws: LocalWorkspace, user_id: str) -> tuple[str, str]:
    """Where the member's confirmation button is: the newest DM that carries it (a member
    who has not confirmed cannot see the meeting's channel)."""
    dm = ws.server.dm_channel_id(user_id)
    for message in reversed(ws.server.messages(dm)):
        if ACK_ACTION in json.dumps(message.get("blocks") or []):
            return dm, str(message["ts"])
    raise AssertionError(f"no confirmation button in {user_id}'s DMs")


def reply(ws: LocalWorkspace, user_id: str, code: str, text: str) -> str:
    """A member replies in the case's thread; returns the reply's ts."""
    return ws.slack.user_posts(user_id, room(ws), text, thread_ts=thread_head(ws, code))


def retry_event(
    ws: LocalWorkspace, event_id: str, retry_num: int = 1, reason: str = "http_timeout"
) -> BotResponse:
    """Slack's retry of an event: the same envelope, signed again at a later time (a new
    signature, so it is not refused as a replay; its effects are made once by the
    database's idempotency keys)."""
    return ws.slack.deliver_event(
        {},
        event_id=event_id,
        retry_num=retry_num,
        retry_reason=reason,
        timestamp=int(time.time()) + retry_num,
    )


def reacted(ws: LocalWorkspace, ts: str) -> bool:
    return bool(ws.server.reactions(room(ws), ts))


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a Word document, page headers included."""
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [c.text for t in section.header.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def minutes_text(ws: LocalWorkspace, day: date) -> str:
    """Ask for the minutes as the coordinator and read the newest file back."""
    before = len(ws.server.files_shared_with(COORDINATOR))
    assert "議事録" in ws.command(COORDINATOR, CHANNEL, f"minutes {day}")
    files = ws.wait_until(
        lambda: (f := ws.server.files_shared_with(COORDINATOR)) and len(f) > before and f
    )
    return docx_text(files[-1].bytes)


@contextmanager
def database(ws: LocalWorkspace) -> Iterator[SqlUnitOfWork]:
    with ws.database.unit_of_work() as uow:
        yield uow


def meeting(ws: LocalWorkspace, day: date) -> Meeting:
    with database(ws) as uow:
        found = uow.meetings.on_date(CHANNEL, day)
        assert found is not None
        return found


def inputs(ws: LocalWorkspace, day: date) -> list[AgencyInput]:
    meeting_id = meeting(ws, day).id
    with database(ws) as uow:
        return list(uow.inputs.for_meeting(meeting_id))


def dm_texts(ws: LocalWorkspace, user_id: str) -> list[str]:
    """What the bot said to a person by DM (text and blocks of each message)."""
    return [json.dumps(m, ensure_ascii=False) for m in ws.server.dms(user_id) if m.get("bot_id")]


def ephemeral_texts(ws: LocalWorkspace, user_id: str) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) for e in ws.server.ephemerals(user_id)]


def bot_payloads(ws: LocalWorkspace, channels: Sequence[str] = (CHANNEL,)) -> list[str]:
    """Everything the bot posted, raw: channel messages and thread replies (the meetings'
    own channels too), every DM and every ephemeral of the known people."""
    payloads = []
    for channel_id in [*channels, *rooms(ws)]:
        for message in ws.server.messages(channel_id):
            for item in ws.server.thread(channel_id, str(message["ts"])) or [message]:
                if item.get("bot_id"):
                    payloads.append(json.dumps(item, ensure_ascii=False))
    for user_id in NAMES:
        payloads += dm_texts(ws, user_id)
        payloads += ephemeral_texts(ws, user_id)
    return payloads


def send_view_submission(ws: LocalWorkspace, user_id: str, view: dict[str, Any]) -> int:
    """Send a ``view_submission`` for ``view`` (with its ``state``) again, as Slack does when
    a form is submitted twice; returns the HTTP status."""
    payload = {
        "type": "view_submission",
        "team": {"id": ws.server.team_id, "domain": ws.server.team_domain},
        "user": {"id": user_id, "username": user_id, "name": user_id, "team_id": ws.server.team_id},
        "api_app_id": ws.server.app_id,
        "token": "local-verification-token",
        "trigger_id": ws.server.issue_trigger(user_id),
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
    return ws.slack.send_raw(body, "application/x-www-form-urlencoded").status


def text_state(values: dict[str, str]) -> dict[str, Any]:
    """``view.state`` for plain text inputs whose block and action ids are the field id."""
    return {
        "values": {
            field_id: {field_id: {"type": "plain_text_input", "value": text}}
            for field_id, text in values.items()
        }
    }
