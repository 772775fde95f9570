"""Opening collection is one operation however it is triggered: the scheduler's opening,
``/shien open`` typed right after, ``agenda add`` inside the window, two processes at once.
Each case gets exactly one thread head, claimed in the database before it is posted.

These run on the real databases (SQLite and PostgreSQL), with a chat whose posts take a
while, as Slack's do (and as pacing makes them), and start every trigger at the same moment.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from datetime import time as clock_time

import pytest
from fakes.chat import Posted, RecordingChat
from fakes.context import JST, NOW, DescribingRenderer, FixedClock

from bot.domain.model import MeetingKind
from bot.services import admin, cases, meetings, scheduled
from bot.services.access import Actor
from bot.services.chat import ChatUnavailable, Message, MessageRef
from bot.services.context import ServiceContext
from storage import Database

CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
COORD = Actor(COORDINATOR)
DAY = date(2026, 12, 1)  # a Tuesday a week after NOW: inside its collection window


class SlowChat(RecordingChat):
    """Posts take 30 ms, like a call to Slack (pacing makes them take a second)."""

    def post(
        self, channel_id: str, message: Message, *, thread: MessageRef | None = None
    ) -> MessageRef:
        time.sleep(0.03)
        return super().post(channel_id, message, thread=thread)


@pytest.fixture
def ctx(database: Database) -> ServiceContext:
    context = ServiceContext(
        uow=database.unit_of_work,
        chat=SlowChat(),
        clock=FixedClock(NOW),
        tz=JST,
        documents=DescribingRenderer(),
    )
    admin.ensure_coordinators(context, [COORDINATOR])
    admin.setup_channel(context, COORD, CHANNEL)
    admin.register_agency(context, COORD, "houkatsu", "包括", ["U0HOUKATSU"])
    admin.register_agency(context, COORD, "csw", "社協", ["U0CSW"])
    meetings.schedule_adhoc(context, COORD, CHANNEL, DAY, clock_time(14, 0), MeetingKind.SUPPORT)
    return context


def new_case(ctx: ServiceContext, *keys: str) -> str:
    return str(cases.create_case(ctx, COORD, cases.NewCase(agency_keys=list(keys))))


def race(*work: Callable[[], object]) -> list[BaseException]:
    """Start every piece of work at the same moment; the errors they raised."""
    start = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def room_posts(chat: RecordingChat) -> list[Posted]:
    """Posts in the meetings' own channels (the fake names them G0001, G0002, …)."""
    return [post for post in chat.posts() if post.channel_id.startswith("G")]


def heads(ctx: ServiceContext) -> Counter[str]:
    """How often each case's thread head and the notice were posted in the channel."""
    chat = ctx.chat
    assert isinstance(chat, RecordingChat)
    posted: Counter[str] = Counter()
    assert not chat.posts(CHANNEL)  # the coordinators' channel never carries case content
    for post in room_posts(chat):
        first = post.message.text
        posted["notice" if "守秘義務" in post.text and "事例" not in first else first] += 1
    return posted


def recorded_heads(ctx: ServiceContext) -> dict[str, str | None]:
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, DAY)
        assert meeting is not None
        return {item.case_id: item.thread_ref for item in uow.agenda.for_meeting(meeting.id)}


def assert_one_head_per_case(ctx: ServiceContext, cases_on_agenda: int) -> None:
    posted = heads(ctx)
    assert posted["notice"] == 1, posted
    assert len(posted) == cases_on_agenda + 1, posted
    assert set(posted.values()) == {1}, posted
    chat = ctx.chat
    assert isinstance(chat, RecordingChat)
    refs = {post.ref.key() for post in room_posts(chat)}
    recorded = recorded_heads(ctx)
    assert None not in recorded.values()
    assert set(recorded.values()) <= refs  # every recorded head is one that was posted


def test_the_scheduler_and_two_coordinators_open_at_once(ctx: ServiceContext) -> None:
    codes = [new_case(ctx, "houkatsu"), new_case(ctx, "csw"), new_case(ctx, "houkatsu", "csw")]
    for code in codes:
        meetings.add_to_agenda(ctx, COORD, CHANNEL, code, DAY)
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, DAY)
        assert meeting is not None
    errors = race(
        lambda: scheduled.open_due(ctx, meeting.id),
        lambda: meetings.open_collection(ctx, COORD, CHANNEL, DAY),
        lambda: meetings.open_collection(ctx, COORD, CHANNEL, DAY),
    )
    assert errors == []
    assert_one_head_per_case(ctx, 3)
    # Each member asked is prompted once, whoever opened.
    chat = ctx.chat
    assert isinstance(chat, RecordingChat)
    assert sorted(dm.user_id for dm in chat.dms()) == ["U0CSW", "U0HOUKATSU"]


def test_a_case_added_while_collection_opens_gets_one_thread(ctx: ServiceContext) -> None:
    first = new_case(ctx, "houkatsu")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, first, DAY)
    second = new_case(ctx, "csw")
    errors = race(
        lambda: meetings.open_collection(ctx, COORD, CHANNEL, DAY),
        lambda: meetings.add_to_agenda(ctx, COORD, CHANNEL, second, DAY),
        lambda: meetings.open_collection(ctx, COORD, CHANNEL, DAY),
    )
    assert errors == []
    meetings.open_collection(ctx, COORD, CHANNEL, DAY)  # whatever the order, it ends complete
    assert_one_head_per_case(ctx, 2)


def test_a_head_slack_refused_is_posted_by_the_next_opening(ctx: ServiceContext) -> None:
    code = new_case(ctx, "houkatsu")
    meetings.add_to_agenda(ctx, COORD, CHANNEL, code, DAY)
    chat = ctx.chat
    assert isinstance(chat, RecordingChat)
    chat.fail_for.add("G0001")  # the meeting's channel, created by the opening
    with pytest.raises(ChatUnavailable):
        meetings.open_collection(ctx, COORD, CHANNEL, DAY)
    chat.fail_for.clear()
    meetings.open_collection(ctx, COORD, CHANNEL, DAY)
    assert_one_head_per_case(ctx, 1)
