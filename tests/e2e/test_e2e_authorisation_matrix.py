"""The authorisation matrix, checked through the real bot.

Every role × every command and document × the person's own meeting and another meeting (a
second channel with a meeting of its own) has an expected answer below: ``allowed``,
``denied`` or ``held`` (a reply kept until its author confirms the secrecy notice). For each
denied cell the test also checks that nothing was created (no data, no post, no file, no
form) and that nothing private (ephemeral answers, DMs) named a case the person is not asked
for.

One world is built per module; each role's cells run in one test, in a fixed order (``ack``
last: confirming changes what an unconfirmed member may do).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from e2e_steps import INPUT_ACTION
from workspace_fixtures import meeting_day

from bot.documents import DocxRenderer
from bot.domain.model import AuditAction, InputSource, InputState
from localslack.harness import LocalWorkspace

OWN, OTHER = "C0KAIGIA1", "C0KAIGIB2"
COORDINATOR = "U0JIMU"
PEOPLE = {
    COORDINATOR: "事務局 架空花子",
    "U0HOUKATSU": "包括 架空一郎",  # asked for the own meeting's case, confirmed
    "U0KONKYU": "自立 架空三子",  # asked, has not confirmed
    "U0SHOGAI": "基幹 架空二郎",  # member of an agency that is not asked
    "U0CSW": "CSW 架空四郎",  # asked and confirmed, then removed from the agency
    "U0DEACT": "保健 架空七子",  # asked and confirmed, then the account was deactivated
    "U0KOSODATE": "子ども 架空五月",  # the other meeting's only member
    "U0OUTSIDER": "無関係 架空五郎",  # nobody to the bot
}
AGENCIES = {
    "houkatsu": ("U0HOUKATSU", "架空市中央地域包括支援センター"),
    "konkyu": ("U0KONKYU", "架空市くらし自立相談センター"),
    "shogai": ("U0SHOGAI", "架空市基幹相談支援センター"),
    "csw": ("U0CSW", "架空市社会福祉協議会"),
    "hoken": ("U0DEACT", "架空市保健センター"),
    "kosodate": ("U0KOSODATE", "架空市子ども家庭支援センター"),
}
ROSTER = {
    OWN: {COORDINATOR, "U0HOUKATSU", "U0KONKYU", "U0DEACT"},
    OTHER: {COORDINATOR, "U0KOSODATE"},
}
ROLES = {
    "coordinator": COORDINATOR,
    "confirmed member": "U0HOUKATSU",
    "unconfirmed member": "U0KONKYU",
    "member of an agency not asked": "U0SHOGAI",
    "removed member": "U0CSW",
    "outsider": "U0OUTSIDER",
    "deactivated account": "U0DEACT",
}
CODES = {OWN: "R8-001", OTHER: "R8-002"}
ASKED = {OWN: "houkatsu", OTHER: "kosodate"}  # an agency already asked for the case
# In this order; ack last.
COMMANDS = (
    "status",
    "remind",
    "role",
    "decide",
    "minutes",
    "roles",
    "audit",
    "agenda add",
    "agenda",
    "agenda remove",
    "case ask",
    "record",
    "open",
    "input form",
    "thread reply",
    "ack",
)

A, D, H = "allowed", "denied", "held"


def _row(own: dict[str, str], other: dict[str, str]) -> dict[tuple[str, str], str]:
    return {
        **{(command, OWN): own.get(command, D) for command in COMMANDS},
        **{(command, OTHER): other.get(command, D) for command in COMMANDS},
    }


_COORDINATOR_ROW = {c: A for c in COMMANDS if c not in ("input form", "thread reply")}
# The checked-in matrix: (command, meeting) → expected, per role. Unlisted cells are denied.
EXPECTED: dict[str, dict[tuple[str, str], str]] = {
    # Coordinators run every meeting; they answer for no agency, so the input form and a
    # thread reply are not theirs.
    "coordinator": _row(_COORDINATOR_ROW, _COORDINATOR_ROW),
    "confirmed member": _row({"status": A, "ack": A, "input form": A, "thread reply": A}, {}),
    # Not in the meeting's channel until confirming: Slack itself keeps the thread away.
    "unconfirmed member": _row({"ack": A}, {}),
    "member of an agency not asked": _row({}, {}),
    "removed member": _row({}, {}),
    "outsider": _row({}, {}),
    "deactivated account": _row({}, {}),
}


@dataclass
class World:
    ws: LocalWorkspace
    day: str
    heads: dict[str, str]  # channel → the case thread's ts
    rooms: dict[str, str]  # the coordinators' channel → its meeting's own channel


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    renderer = DocxRenderer()
    database = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'matrix.sqlite3'}"
    with LocalWorkspace(database, coordinators=(COORDINATOR,), renderer=renderer) as ws:
        for user_id, name in PEOPLE.items():
            ws.server.add_user(user_id, name)
        for channel, name in ((OWN, "kaigi-a1"), (OTHER, "kaigi-b2")):
            members = [*ROSTER[channel], ws.server.bot_user_id]
            ws.server.add_channel(channel, name, is_private=True, members=members)
            ws.server.join(channel, "U0CSW") if channel == OWN else None
        day = meeting_day().isoformat()

        def run(user: str, channel: str, text: str, expect: str) -> None:
            answer = ws.command(user, channel, text)
            assert expect in answer, (text, answer)

        run(COORDINATOR, OWN, "setup", "会議チャンネルに設定")
        run(COORDINATOR, OTHER, "setup", "会議チャンネルに設定")
        for key, (user_id, name) in AGENCIES.items():
            run(COORDINATOR, OWN, f"agency add {key} {name} <@{user_id}>", "登録しました")
        for channel in (OWN, OTHER):
            run(COORDINATOR, channel, f"adhoc {day} 14:00", "会議を登録しました")
        run(COORDINATOR, OWN, "case new houkatsu konkyu csw hoken", "R8-001")
        run(COORDINATOR, OTHER, "case new kosodate", "R8-002")
        for channel, code in CODES.items():
            run(COORDINATOR, channel, f"agenda add {code}", "議題に追加")
            run(COORDINATOR, channel, "open", "情報収集を開始しました")
        for user, channel in (
            (COORDINATOR, OWN),
            (COORDINATOR, OTHER),
            ("U0HOUKATSU", OWN),
            ("U0CSW", OWN),
            ("U0DEACT", OWN),
            ("U0KOSODATE", OTHER),
        ):
            run(user, channel, "ack", "確認を記録しました")
        run(COORDINATOR, OWN, "agency remove csw <@U0CSW>", "外しました")
        ws.settle()
        ws.server.deactivate_user("U0DEACT")
        assert ws.runtime is not None
        # The bot caches users.info for a minute; the matrix must not wait for it.
        ws.runtime.context.chat._users.clear()  # type: ignore[attr-defined]
        # Slack ends a deactivated account's sessions, but a request already on its way (or
        # a client that has not noticed) still arrives: let the driver send it.
        ws.slack._active_user = ws.server.user  # type: ignore[method-assign]
        created = [c.id for c in ws.server.channels_created_by_bot()]
        rooms = dict(zip(CODES, created, strict=True))  # opened in CODES' order
        heads = {channel: _head(ws, rooms[channel], code) for channel, code in CODES.items()}
        yield World(ws, day, heads, rooms)
        ws.settle()
        assert not ws.server.problems, ws.server.problems


def _head(ws: LocalWorkspace, channel: str, code: str) -> str:
    for message in ws.server.messages(channel):
        if f"事例 {code}" in str(message.get("text", "")):
            return str(message["ts"])
    raise AssertionError(f"no thread for {code}")


# --------------------------------------------------------------------------- observing


def _data(world: World) -> dict[str, Any]:
    """Everything a request could create or change, apart from the audit trail."""
    assert world.ws.runtime is not None
    with world.ws.runtime.database.unit_of_work() as uow:
        cases = list(uow.cases.list())
        meetings = [m for c in (OWN, OTHER) for m in uow.meetings.upcoming(c, meeting_day())]
        return {
            "cases": [(str(c.code), c.asked_agency_ids, c.status, c.consent) for c in cases],
            "meetings": [(m.id, m.state, m.notice_ref) for m in meetings],
            "agenda": [
                (i.id, i.thread_ref) for m in meetings for i in uow.agenda.for_meeting(m.id)
            ],
            "inputs": [
                (i.id, i.state, i.text) for m in meetings for i in uow.inputs.for_meeting(m.id)
            ],
            "acks": [
                (a.meeting_id, a.user_id)
                for m in meetings
                for a in uow.acknowledgements.for_meeting(m.id)
            ],
            "roles": [r.id for c in cases for r in uow.roles.for_case(c.id)],
            "decisions": [d.case_id for m in meetings for d in uow.decisions.for_meeting(m.id)],
            "members": sorted(
                (m.agency_id, m.user_id, m.active)
                for a in uow.agencies.list()
                for m in uow.memberships.for_agency(a.id, active_only=False)
            ),
            "coordinators": [c.user_id for c in uow.coordinators.list()],
        }


def _bot_posts(world: World) -> int:
    server = world.ws.server
    return sum(
        1
        for channel in (OWN, OTHER)
        for message in server.messages(channel)
        for item in server.thread(channel, str(message["ts"])) or [message]
        if item.get("bot_id")
    )


def _denials(world: World, user: str) -> list[str]:
    """The ``access.denied`` rows written for ``user``: their reasons, oldest first."""
    assert world.ws.runtime is not None
    with world.ws.runtime.database.unit_of_work() as uow:
        return [
            e.detail
            for e in uow.audit.list()
            if e.action is AuditAction.ACCESS_DENIED and e.actor == user and not e.allowed
        ]


@dataclass
class Seen:
    """What one person had received, and what existed, before a cell."""

    data: dict[str, Any]
    denials: int
    posts: int
    ephemerals: int
    dms: int
    files: int
    views: int


def _seen(world: World, user: str) -> Seen:
    server = world.ws.server
    return Seen(
        data=_data(world),
        denials=len(_denials(world, user)),
        posts=_bot_posts(world),
        ephemerals=len(server.ephemerals(user)),
        dms=len([m for m in server.dms(user) if m.get("bot_id")]),
        files=len(server.files_shared_with(user)),
        views=len(server.views(user)),
    )


def _private_since(world: World, user: str, before: Seen) -> str:
    server = world.ws.server
    new = server.ephemerals(user)[before.ephemerals :]
    new += [m for m in server.dms(user) if m.get("bot_id")][before.dms :]
    return json.dumps(new, ensure_ascii=False)


# --------------------------------------------------------------------------- the cells


def _command(text: str, success: Callable[[str], bool]) -> Callable[[World, str, str], str]:
    def cell(world: World, user: str, channel: str) -> str:
        text_here = text.format(code=CODES[channel], day=world.day, agency=ASKED[channel])
        answer = world.ws.command(user, channel, text_here)
        world.ws.settle()
        return A if success(answer) else D

    return cell


def _opened_form(text: str) -> Callable[[World, str, str], str]:
    def cell(world: World, user: str, channel: str) -> str:
        before = len(world.ws.server.views(user))
        world.ws.command(user, channel, text.format(code=CODES[channel]))
        world.ws.settle()
        return A if len(world.ws.server.views(user)) > before else D

    return cell


def _got_file(text: str) -> Callable[[World, str, str], str]:
    def cell(world: World, user: str, channel: str) -> str:
        before = len(world.ws.server.files_shared_with(user))
        world.ws.command(user, channel, text.format(day=world.day))
        world.ws.settle()
        return A if len(world.ws.server.files_shared_with(user)) > before else D

    return cell


# Cells Slack itself refuses (the person is not in the meeting's channel): the bot never
# sees the request, so there is no audit row to expect.
_OUT_OF_REACH: set[tuple[str, str, str]] = set()


def _team(world: World, room: str) -> str:
    return next(channel for channel, own in world.rooms.items() if own == room)


def _input_form(world: World, user: str, channel: str) -> str:
    before = len(world.ws.server.views(user))
    room = world.rooms[channel]
    if user not in world.ws.server.channel(room).members:
        _OUT_OF_REACH.add((user, "input form", channel))
        return D  # the thread and its button are in a channel they are not in
    world.ws.slack.click_button(user, room, world.heads[channel], INPUT_ACTION)
    world.ws.settle()
    return A if len(world.ws.server.views(user)) > before else D


def _thread_reply(world: World, user: str, channel: str) -> str:
    channel = world.rooms[channel]  # case threads live in the meeting's own channel
    head = world.ws.server.user(user)
    if head.deleted:  # Slack refuses the post; the event of one already on its way arrives
        ts = f"{time.time():.6f}"
        event = {
            "type": "message",
            "channel": channel,
            "channel_type": "group",
            "user": user,
            "text": "状況を確認中。",
            "ts": ts,
            "thread_ts": world.heads[_team(world, channel)],
            "event_ts": ts,
        }
        world.ws.slack.deliver_event(event)
    elif user not in world.ws.server.channel(channel).members:
        _OUT_OF_REACH.add((user, "thread reply", _team(world, channel)))
        return D  # Slack refuses a post in a channel one is not in
    else:
        text = "状況を確認中。"
        ts = world.ws.slack.user_posts(
            user, channel, text, thread_ts=world.heads[_team(world, channel)]
        )
    world.ws.settle()
    assert world.ws.runtime is not None
    with world.ws.runtime.database.unit_of_work() as uow:
        recorded = uow.inputs.by_source(InputSource.THREAD, f"{channel}:{ts}")
    if recorded is None:
        return D
    return {InputState.RECORDED: A, InputState.HELD: H}[recorded.state]


CELLS: dict[str, Callable[[World, str, str], str]] = {
    "status": _command("status", lambda a: "—" in a and ("R8-" in a or "表示できる" in a)),
    "remind": _command(
        "remind", lambda a: "リマインドを送りました" in a or "未回答の機関はありません" in a
    ),
    "role": _command("role {code} {agency} 訪問の継続", lambda a: "役割を記録しました" in a),
    "decide": _opened_form("decide {code}"),
    "minutes": _got_file("minutes {day}"),
    "roles": _got_file("roles {day}"),
    "audit": _command("audit {code}", lambda a: a.startswith("監査記録")),
    "agenda add": _command("agenda add {code}", lambda a: "議題" in a and "のみ" not in a),
    "agenda": _command("agenda", lambda a: "の議題（1件）" in a),
    # An unknown code: the coordinator is told which exist; nothing is taken off.
    "agenda remove": _command("agenda remove R8-099", lambda a: "登録されていません" in a),
    # The agency is asked already: the coordinator is told so; nothing changes.
    "case ask": _command("case ask {code} {agency}", lambda a: "すでに" in a and "依頼先" in a),
    "record": _opened_form("record"),
    "open": _command("open", lambda a: "情報収集を開始しました" in a),
    "input form": _input_form,
    "thread reply": _thread_reply,
    "ack": _command("ack", lambda a: "確認を記録しました" in a or "すでに確認済み" in a),
}
# Answers about the thread a person is looking at name its case (visible in the channel).
_THREAD_SCOPED = {"input form", "thread reply"}


def _entitled(user: str) -> set[str]:
    """Case codes a person may read in private answers: every one for a coordinator, else
    the cases their (active) agency is asked for."""
    if user == COORDINATOR:
        return set(CODES.values())
    return {"R8-001"} if user in ("U0HOUKATSU", "U0KONKYU") else set()


def _place(world: World, user: str) -> None:
    """Each channel holds its roster and the person playing the role (who has, say, been
    added to the other channel by mistake): the cells test the bot, not Slack's channel
    membership."""
    for channel, roster in ROSTER.items():
        wanted = roster | {user, world.ws.server.bot_user_id}
        members = set(world.ws.server.channel(channel).members)
        for extra in members - wanted:
            world.ws.server.leave(channel, extra)
        for missing in wanted - members:
            world.ws.server.join(channel, missing)


@pytest.mark.parametrize("role", list(ROLES))
def test_authorisation_matrix(world: World, role: str) -> None:
    user = ROLES[role]
    _place(world, user)
    mismatches = []
    for command in COMMANDS:
        for channel in (OWN, OTHER):
            expected = EXPECTED[role][(command, channel)]
            world.ws.server.close_view(user, "", clear=True)  # forms left open earlier
            before = _seen(world, user)
            got = CELLS[command](world, user, channel)
            where = f"{role} × {command} × {'own' if channel == OWN else 'other'}"
            if got != expected:
                mismatches.append(f"{where}: expected {expected}, got {got}")
                continue
            private = _private_since(world, user, before)
            hidden = set(CODES.values()) - _entitled(user)
            if command not in _THREAD_SCOPED:
                leaked = [code for code in hidden if code in private]
                assert not leaked, f"{where}: {leaked} revealed in {private}"
            denials = _denials(world, user)[before.denials :]
            if expected != D:
                assert not denials, f"{where}: allowed, yet audited as denied: {denials}"
                continue
            if (user, command, channel) in _OUT_OF_REACH:
                assert not denials and _data(world) == before.data, where
                continue
            # Every refusal leaves exactly one trace, with its reason.
            assert len(denials) == 1, f"{where}: {len(denials)} access.denied rows: {denials}"
            assert denials[0].startswith("reason=") and len(denials[0]) > 7, where
            assert _data(world) == before.data, f"{where}: a denied request changed data"
            assert _bot_posts(world) == before.posts, f"{where}: a denied request posted"
            server = world.ws.server
            assert len(server.files_shared_with(user)) == before.files, where
            assert len(server.views(user)) == before.views, where
    assert not mismatches, "\n".join(mismatches)
