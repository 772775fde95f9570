"""Benchmark: how fast the bot acks Slack's requests (slash commands, buttons, events).

Run: .venv/bin/python benchmarks/bench_ack_latency.py [--requests N] [--rate R] [--mode M]

The real bot is served over HTTP against the local Slack workspace (``LocalWorkspace``) on a
throwaway SQLite database. A meeting is set up as in the end-to-end tests (channel, four
agencies, an ad-hoc meeting a week ahead on a working day, three cases on the agenda,
collection open, acks), then a mix of requests is driven through the driver:

* ``/shien status``, ``help``, ``agenda add`` of a case already on the agenda, ``role``, ``ack``
* a click on the notice's ``shien_ack`` button
* a member's reply in a case thread (a ``message`` event) and an edit of it
  (``message_changed``)

The latency is ``BotResponse.latency``: from sending the request until the bot's HTTP answer
(the ack) has been read. The work after the ack continues in Bolt's worker threads and is not
in the figure. Two phases, so that neither floods the bot:

* **sequential** — one request at a time; after each, wait for its visible answer (the
  ephemeral reply, the reaction on the reply) and until the bot's Web API calls have stopped.
  This is the ack of an otherwise idle bot.
* **paced** — open loop at ``--rate`` requests per second (default 10, a busy meeting with
  several members at once) from up to eight concurrent senders, without waiting for answers:
  acks are measured while earlier requests' work is still running in the same process.

Prints p50/p95/p99/max per request kind and overall, and the number of Web API calls the
measured requests caused. The goal (issue) is p99 under 100 ms.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.calendar import JapaneseCalendar
from localslack.driver import BotResponse
from localslack.harness import LocalWorkspace

CHANNEL = "C0KAIGI01"
COORDINATOR = "U0JIMU"
MEMBERS = {
    "houkatsu": ("U0HOUKATSU", "架空市中央地域包括支援センター"),
    "shogai": ("U0SHOGAI", "架空市基幹相談支援センター"),
    "konkyu": ("U0KONKYU", "架空市くらし自立相談センター"),
    "csw": ("U0CSW", "架空市社会福祉協議会"),
}
NAMES = {
    COORDINATOR: "事務局 架空花子",
    "U0HOUKATSU": "包括 架空一郎",
    "U0SHOGAI": "基幹 架空二郎",
    "U0KONKYU": "自立 架空三子",
    "U0CSW": "CSW 架空四郎",
}
CASES = ("houkatsu shogai konkyu csw", "houkatsu csw", "shogai konkyu")
ACK_ACTION = "shien_ack"
GOAL_MS = 100.0
# Relative weights of the request kinds: members mostly reply and ack, the coordinator
# checks the status and records roles.
MIX = {
    "status": 3,
    "help": 1,
    "agenda add": 1,
    "role": 2,
    "ack": 2,
    "button ack": 2,
    "reply": 4,
    "edit": 2,
}


@dataclass
class Meeting:
    """What the set-up produced: the day, case codes, thread heads and the notice."""

    day: date
    codes: list[str]
    heads: dict[str, str]  # case code -> thread ts (in the meeting's own channel)
    room: str  # the meeting's own private channel, where the case threads are
    notices: dict[str, tuple[str, str]]  # member -> (DM channel, ts) of their notice button
    replies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # user -> (ts, code)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Sample:
    kind: str
    latency: float
    status: int


# --------------------------------------------------------------------------- set-up


def meeting_day() -> date:
    return JapaneseCalendar().next_working_day(date.today() + timedelta(days=7))


def set_up(ws: LocalWorkspace) -> Meeting:
    for user_id, name in NAMES.items():
        ws.server.add_user(user_id, name)
    members = [COORDINATOR, *(u for u, _ in MEMBERS.values()), ws.server.bot_user_id]
    ws.server.add_channel(CHANNEL, "kaigi-01", is_private=True, members=members)

    def expect(user: str, text: str, wanted: str) -> str:
        answer = ws.command(user, CHANNEL, text)
        if wanted not in answer:
            raise SystemExit(f"set-up failed at /shien {text.split()[0]}: {answer[:200]}")
        return answer

    expect(COORDINATOR, "setup", "会議チャンネルに設定")
    for key, (user_id, name) in MEMBERS.items():
        expect(COORDINATOR, f"agency add {key} {name} <@{user_id}>", "登録しました")
    day = meeting_day()
    expect(COORDINATOR, f"adhoc {day} 14:00", "会議を登録しました")
    codes = []
    for keys in CASES:
        answer = expect(COORDINATOR, f"case new {keys}", "を登録しました")
        code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
        codes.append(code)
        expect(COORDINATOR, f"agenda add {code}", "議題に追加")
    expect(COORDINATOR, "open", "情報収集を開始しました")
    for user_id, _ in MEMBERS.values():
        expect(user_id, "ack", "守秘義務の確認を記録しました")

    with ws.database.unit_of_work() as uow:
        found = uow.meetings.on_date(CHANNEL, day)
        room = found.room_id if found is not None else None
    if room is None:
        raise SystemExit("set-up failed: the meeting has no channel of its own")
    heads: dict[str, str] = {}
    for message in ws.server.messages(room):
        text = str(message.get("text", ""))
        for code in codes:
            if f"事例 {code}" in text and code not in heads:
                heads[code] = str(message["ts"])
    # The secrecy notice's button comes to each member by DM.
    notices: dict[str, tuple[str, str]] = {}
    for user_id, _ in MEMBERS.values():
        for message in ws.server.dms(user_id):
            if ACK_ACTION in str(message.get("blocks", "")):
                notices[user_id] = (ws.server.dm_channel_id(user_id), str(message["ts"]))
    if len(heads) != len(codes) or len(notices) != len(MEMBERS):
        raise SystemExit("set-up failed: no case threads or no secrecy notice buttons")
    meeting = Meeting(day, codes, heads, room, notices)
    # One reply per member so that edits have something to edit from the start.
    for user_id, _ in MEMBERS.values():
        code = codes[0]
        ts = ws.slack.user_posts(user_id, room, "初回の回答です。", thread_ts=heads[code])
        ws.wait_until(partial(ws.server.reactions, room, ts))
        meeting.replies[user_id] = [(ts, code)]
    settle(ws)
    return meeting


# --------------------------------------------------------------------------- requests


def settle(ws: LocalWorkspace, quiet: float = 0.05, timeout: float = 10.0) -> None:
    """Wait until the bot has made no Web API call for ``quiet`` seconds and every echoed
    bot message has been delivered."""
    deadline = time.monotonic() + timeout
    last = ws.server.api_call_count()
    still_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.01)
        ws.slack.drain(timeout=max(0.1, deadline - time.monotonic()))
        count = ws.server.api_call_count()
        if count != last:
            last, still_since = count, time.monotonic()
        elif time.monotonic() - still_since >= quiet:
            return


# A request returns the bot's HTTP answer and a condition that holds once its visible answer
# has arrived (None: wait for quiet instead).
Request = Callable[[], tuple[BotResponse, Callable[[], object] | None]]


def requests_for(ws: LocalWorkspace, meeting: Meeting, rng: random.Random) -> dict[str, Request]:
    member_ids = [u for u, _ in MEMBERS.values()]
    # Every member of the first case's agencies may reply in its thread.
    thread_code = meeting.codes[0]

    def slash(user: str, text: str) -> tuple[BotResponse, Callable[[], object] | None]:
        before = len(ws.server.ephemerals(user))
        response = ws.slack.slash_command(user, CHANNEL, "/shien", text)
        return response, lambda: len(ws.server.ephemerals(user)) > before

    def status() -> tuple[BotResponse, Callable[[], object] | None]:
        return slash(COORDINATOR, "status")

    def help_() -> tuple[BotResponse, Callable[[], object] | None]:
        return slash(rng.choice(member_ids), "help")

    def agenda_add() -> tuple[BotResponse, Callable[[], object] | None]:
        return slash(COORDINATOR, f"agenda add {rng.choice(meeting.codes)}")

    def role() -> tuple[BotResponse, Callable[[], object] | None]:
        key = rng.choice(("houkatsu", "csw"))
        due = meeting.day + timedelta(days=14)
        return slash(COORDINATOR, f"role {meeting.codes[1]} {key} 見守りの継続 期限:{due}")

    def ack() -> tuple[BotResponse, Callable[[], object] | None]:
        return slash(rng.choice(member_ids), "ack")

    def button_ack() -> tuple[BotResponse, Callable[[], object] | None]:
        user = rng.choice(member_ids)
        before = len(ws.server.ephemerals(user))
        dm, ts = meeting.notices[user]
        response = ws.slack.click_button(user, dm, ts, ACK_ACTION)
        return response, lambda: len(ws.server.ephemerals(user)) > before

    def reply() -> tuple[BotResponse, Callable[[], object] | None]:
        user = rng.choice(member_ids)
        ts = ws.slack.user_posts(
            user,
            meeting.room,
            f"経過の報告 {rng.randrange(10_000)}。",
            thread_ts=meeting.heads[thread_code],
        )
        response = ws.slack.last_response
        assert response is not None
        with meeting.lock:
            meeting.replies.setdefault(user, []).append((ts, thread_code))
        return response, lambda: ws.server.reactions(meeting.room, ts)

    def edit() -> tuple[BotResponse, Callable[[], object] | None]:
        user = rng.choice(member_ids)
        with meeting.lock:
            ts, _ = rng.choice(meeting.replies[user])
        response = ws.slack.user_edits(meeting.room, ts, f"訂正した報告 {rng.randrange(10_000)}。")
        assert response is not None
        return response, None

    return {
        "status": status,
        "help": help_,
        "agenda add": agenda_add,
        "role": role,
        "ack": ack,
        "button ack": button_ack,
        "reply": reply,
        "edit": edit,
    }


def plan(count: int, rng: random.Random) -> list[str]:
    kinds = list(MIX)
    return rng.choices(kinds, weights=[MIX[k] for k in kinds], k=count)


def run_sequential(
    ws: LocalWorkspace, meeting: Meeting, count: int, rng: random.Random
) -> list[Sample]:
    requests = requests_for(ws, meeting, rng)
    samples = []
    for kind in plan(count, rng):
        response, answered = requests[kind]()
        samples.append(Sample(kind, response.latency, response.status))
        if answered is not None:
            try:
                ws.wait_until(answered, timeout=10)
            except TimeoutError:
                print(f"  (no visible answer to {kind} within 10 s)", file=sys.stderr)
        settle(ws)
    return samples


def run_paced(
    ws: LocalWorkspace, meeting: Meeting, count: int, rate: float, rng: random.Random
) -> list[Sample]:
    requests = requests_for(ws, meeting, rng)
    kinds = plan(count, rng)
    samples: list[Sample] = []
    lock = threading.Lock()
    started = time.monotonic()

    def send(index: int, kind: str) -> None:
        delay = started + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        response, _ = requests[kind]()
        with lock:
            samples.append(Sample(kind, response.latency, response.status))

    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="sender") as pool:
        for future in [pool.submit(send, i, kind) for i, kind in enumerate(kinds)]:
            future.result()
    settle(ws, quiet=0.2, timeout=60)
    return samples


def slow_web_api(ws: LocalWorkspace, seconds: float) -> None:
    """Make every Web API call of the local server take ``seconds`` longer, as a distant or
    rate-limited Slack does: the bot's work after the ack then holds its threads longer."""
    server = ws.server
    for name in ("handle_api", "handle_response_url"):  # respond() crosses to Slack too
        handle = getattr(server, name)

        def slow(*args: Any, handle: Callable[..., Any] = handle, **kwargs: Any) -> Any:
            time.sleep(seconds)
            return handle(*args, **kwargs)

        setattr(server, name, slow)


# --------------------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def table(title: str, samples: list[Sample]) -> float:
    print(f"\n{title}")
    print(
        f"{'request':<12} {'count':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
        f" {'mean ms':>8} {'not 200':>7}"
    )
    groups = {kind: [s for s in samples if s.kind == kind] for kind in MIX}
    groups = {k: v for k, v in groups.items() if v}
    groups["overall"] = samples
    for kind, group in groups.items():
        ms = [s.latency * 1000 for s in group]
        bad = sum(1 for s in group if s.status != 200)
        if kind == "overall":
            print("-" * 66)
        print(
            f"{kind:<12} {len(ms):>5} {percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f}"
            f" {percentile(ms, 99):>8.1f} {max(ms):>8.1f} {statistics.fmean(ms):>8.1f} {bad:>7}"
        )
    return percentile([s.latency * 1000 for s in samples], 99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300, help="requests per phase")
    parser.add_argument("--rate", type=float, default=10.0, help="paced phase: requests/s")
    parser.add_argument("--mode", choices=("sequential", "paced", "both"), default="both")
    parser.add_argument(
        "--api-delay",
        type=float,
        default=0.0,
        help="seconds each Web API call takes in the measured phases (real Slack: ~0.1-0.3)",
    )
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="shien-bench-") as tmp:
        started = time.perf_counter()
        ws = LocalWorkspace(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", coordinators=(COORDINATOR,))
        with ws:
            meeting = set_up(ws)
            setup_calls = ws.server.api_call_count()
            if args.api_delay > 0:
                slow_web_api(ws, args.api_delay)
            print(
                f"set-up: {time.perf_counter() - started:.1f} s, {setup_calls} Web API calls "
                f"(meeting {meeting.day}, cases {', '.join(meeting.codes)}); Web API delay in "
                f"the measured phases: {args.api_delay * 1000:.0f} ms per call"
            )
            worst = 0.0
            phases: list[tuple[str, Callable[[], list[Sample]]]] = []
            if args.mode in ("sequential", "both"):
                phases.append(
                    (
                        "sequential (one at a time, each answer awaited)",
                        lambda: run_sequential(ws, meeting, args.requests, rng),
                    )
                )
            if args.mode in ("paced", "both"):
                phases.append(
                    (
                        f"paced ({args.rate:g} requests/s, up to 8 at once, answers not awaited)",
                        lambda: run_paced(ws, meeting, args.requests, args.rate, rng),
                    )
                )
            for title, phase in phases:
                calls_before = ws.server.api_call_count()
                phase_started = time.perf_counter()
                samples = phase()
                elapsed = time.perf_counter() - phase_started
                calls = ws.server.api_call_count() - calls_before
                worst = max(worst, table(f"{title}: {elapsed:.1f} s", samples))
                print(
                    f"Web API calls: {calls} ({calls / len(samples):.1f} per request);"
                    f" workspace total {ws.server.api_call_count()}"
                )
            problems = ws.server.problems
            if problems:
                print(f"\nproblems the local workspace saw: {len(problems)}")
                for problem in problems[:10]:
                    print(f"  {problem}")
        verdict = "met" if worst < GOAL_MS else "NOT met"
        print(f"\ngoal p99 < {GOAL_MS:.0f} ms: {verdict} (worst phase p99 {worst:.1f} ms)")
        print(f"total: {time.perf_counter() - started:.1f} s")
    return 0 if worst < GOAL_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
