"""A meeting channel of 架空市 driven through the services with a controllable clock, a chat
gateway that records what it was asked to send, and a scheduler stand-in that runs the
planned sends that are due when told to."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.model import ChannelFacts
from bot.domain.timeline import PlannedSend
from bot.services import admin, cases, meetings
from bot.services.access import Actor
from bot.services.chat import ChatUnavailable, FileToSend, Form, Message, MessageRef
from bot.services.context import ServiceContext
from bot.services.scheduled import JobResult, run_send
from storage import Database

JST = ZoneInfo("Asia/Tokyo")
CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
HOUKATSU = "U0HOUKATSU"
CSW = "U0CSW"
COORD = Actor(COORDINATOR)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class RecordingChat:
    members: set[str]
    posts: list[tuple[str, str]] = field(default_factory=list)
    dms: list[tuple[str, str]] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)
    fail: bool = False
    rooms: dict[str, set[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _check(self) -> None:
        if self.fail:
            raise ChatUnavailable("chat.postMessage: ratelimited")

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        self._check()
        with self._lock:
            self.posts.append((channel_id, message.text))
            return MessageRef(channel_id, f"{len(self.posts)}.0")

    def update(self, ref: MessageRef, message: Message) -> None:
        self.updates.append((ref.channel_id, message.text))

    def post_ephemeral(
        self,
        channel_id: str,
        user_id: str,
        message: Message,
        *,
        thread: MessageRef | None = None,
    ) -> None:
        pass

    def send_direct(self, user_id: str, message: Message) -> MessageRef:
        self._check()
        with self._lock:
            self.dms.append((user_id, message.text))
            return MessageRef(f"D{user_id}", f"{len(self.dms)}.0")

    def send_file(self, user_id: str, file: FileToSend, comment: str) -> None:
        pass

    def add_reaction(self, ref: MessageRef, name: str) -> None:
        pass

    def channel_facts(self, channel_id: str) -> ChannelFacts:
        if channel_id in self.rooms:  # a meeting's own channel: whoever the bot invited
            return ChannelFacts(True, False, frozenset(self.rooms[channel_id]))
        return ChannelFacts(True, False, frozenset(self.members))

    def create_private_channel(self, name: str) -> str:
        self._check()
        with self._lock:
            room_id = f"G{len(self.rooms) + 1:04d}"
            self.rooms[room_id] = set()
            return room_id

    def set_topic(self, channel_id: str, topic: str) -> None:
        pass

    def invite(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            self.rooms.setdefault(channel_id, set()).add(user_id)

    def kick(self, channel_id: str, user_id: str) -> None:
        with self._lock:
            self.rooms.setdefault(channel_id, set()).discard(user_id)

    def archive(self, channel_id: str) -> None:
        pass

    def user_is_active(self, user_id: str) -> bool:
        return True

    def display_name(self, user_id: str) -> str:
        return user_id

    def open_form(self, interaction_ref: str, form: Form) -> None:
        pass

    def dms_to(self, user_id: str) -> list[str]:
        return [text for user, text in self.dms if user == user_id]


class StubScheduler:
    """Keeps the planned sends; ``run_due`` plays the scheduler waking up at the clock's now."""

    def __init__(self) -> None:
        self.jobs: dict[str, PlannedSend] = {}

    def plan(self, sends: Sequence[PlannedSend], *, within: object = None) -> None:
        for send in sends:
            self.jobs[send.key] = send

    def unplan(self, keys: Sequence[str], *, within: object = None) -> None:
        for key in keys:
            self.jobs.pop(key, None)

    def due(self, now: datetime) -> list[PlannedSend]:
        return sorted(s for s in self.jobs.values() if s.due <= now)

    def run_due(self, ctx: ServiceContext) -> list[tuple[str, JobResult]]:
        results = []
        for send in self.due(ctx.now()):
            del self.jobs[send.key]
            results.append((send.key.split(":")[0], run_send(ctx, send)))
        return results


def make_context(database: Database, clock: Clock) -> ServiceContext:
    ctx = ServiceContext(
        uow=database.unit_of_work,
        chat=RecordingChat({COORDINATOR, HOUKATSU, CSW}),
        clock=clock,
        tz=JST,
        documents=Any,  # type: ignore[arg-type]  # no documents in these tests
        scheduler=StubScheduler(),
    )
    admin.ensure_coordinators(ctx, [COORDINATOR])
    admin.setup_channel(ctx, COORD, CHANNEL)
    admin.register_agency(ctx, COORD, "houkatsu", "架空市中央地域包括支援センター", [HOUKATSU])
    admin.register_agency(ctx, COORD, "csw", "架空市社会福祉協議会", [CSW])
    return ctx


def new_case(ctx: ServiceContext, *keys: str) -> str:
    return str(cases.create_case(ctx, COORD, cases.NewCase(agency_keys=list(keys))))


def stub(ctx: ServiceContext) -> StubScheduler:
    assert isinstance(ctx.scheduler, StubScheduler)
    return ctx.scheduler


def chat(ctx: ServiceContext) -> RecordingChat:
    assert isinstance(ctx.chat, RecordingChat)
    return ctx.chat


__all__ = ["meetings"]
