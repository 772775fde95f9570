"""Benchmark: the acks people meet, from the production server, against a bare Bolt app.

Run: ``.venv/bin/python benchmarks/bench_serving.py [--quick] [--requests N] [--workers W]
[--api-delay S] [--rate R] [--postgres] [--clients 8 32] [--rounds R] [--by-kind]``

The bot runs as ``shienbot serve --http`` (gunicorn, ``--workers`` processes) against the
local Slack workspace, on a throwaway SQLite file (``--postgres``: a fresh schema of
``TEST_DATABASE_URL``). A meeting is set up as in the end-to-end tests (four agencies, three
cases, collection open, acks). Beside it runs a bare Bolt app that only acks, served the same
way (``benchmarks/bare_app.py``: same server, worker class, workers and threads).

Then, for 1, 8 and 32 concurrent clients, unpaced (each client sends its next request as
soon as the previous ack has arrived) and paced (``--rate`` requests per second in all),
with the Web API answering at once and slowed by ``--api-delay`` seconds per call, the same
mix of requests — ``/shien status``, ``help``, ``agenda add``, ``role``, ``ack``, a click on
the notice's button, thread replies and edits — goes to the bare app and to the bot in
``--rounds`` rounds, the two taking turns to go first (the bot's earlier work has settled
before each round), and the figures are over all rounds: ``--requests`` acks per case and
side (1,600 by default, so that a p99 is the 16th slowest ack; over 400, it was the 4th, and
at 32 clients a round of 100 requests was mostly its clients' first connections). The load comes from another process
(``benchmarks/loadgen.py``), signing each request as it sends it.

Printed per case: p50, p99 and max ack latency, requests per second, and the bot's ratio to
the bare app (p99 and requests per second). The goal for 8 and 32 clients: p99 within 1.5×
the bare app's, no ack over 500 ms, at least half the bare app's requests per second.
``--quick`` runs three small cases as a smoke test (its figures mean little).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ack_latency import ACK_ACTION, CHANNEL, COORDINATOR, MEMBERS, MIX, Meeting, set_up

from localslack.driver import BotResponse, SlackDriver
from localslack.harness import LocalWorkspace
from localslack.server import LocalSlackServer
from storage.inbox import inbox_for

HERE = Path(__file__).resolve().parent
# Seconds without a Web API call, the inbox empty, after which the bot's work is taken as
# done (its work processes run at the lowest priority, so a pause of a second means little).
QUIET = 2.0
P99_RATIO_GOAL = 1.5
MAX_ACK_MS = 500.0
RPS_RATIO_GOAL = 0.5


@dataclass(frozen=True)
class Case:
    clients: int
    paced: bool
    api_delay: float

    @property
    def label(self) -> str:
        pace = "paced" if self.paced else "unpaced"
        return f"{self.clients:>2} clients, {pace:<7}, API +{self.api_delay * 1000:.0f} ms"


@dataclass(frozen=True)
class Result:
    p50: float  # ms
    p99: float
    max: float
    rps: float
    failed: int
    by_kind: dict[str, tuple[float, float]]  # kind -> (p99, max), ms


# --------------------------------------------------------------------------- requests


class RecordingDriver(SlackDriver):
    """Builds Slack's requests exactly as the driver sends them (and plays the users' side
    in the workspace), but records them instead of sending: the load generator sends them."""

    def __init__(self, server: LocalSlackServer) -> None:
        super().__init__(server, "http://unused", server.signing_secret, echo_bot_messages=False)
        self.recorded: list[tuple[str, str]] = []
        self.kinds: list[str] = []
        self.kind = ""

    def send_raw(self, body: bytes, content_type: str, **_: Any) -> BotResponse:
        self.recorded.append((content_type, body.decode("utf-8")))
        self.kinds.append(self.kind)
        return BotResponse(200, b"")


@dataclass(frozen=True)
class Load:
    requests: list[tuple[str, str]]  # (content type, body)
    kinds: list[str]  # the kind of each request (MIX's names)


def build_requests(
    server: LocalSlackServer, meeting: Meeting, count: int, rng: random.Random
) -> Load:
    driver = RecordingDriver(server)
    member_ids = [u for u, _ in MEMBERS.values()]
    head = meeting.heads[meeting.codes[0]]
    kinds = rng.choices(list(MIX), weights=list(MIX.values()), k=count)
    for kind in kinds:
        driver.kind = kind
        user = rng.choice(member_ids)
        if kind == "status":
            driver.slash_command(COORDINATOR, CHANNEL, "/shien", "status")
        elif kind == "help":
            driver.slash_command(user, CHANNEL, "/shien", "help")
        elif kind == "agenda add":
            driver.slash_command(
                COORDINATOR, CHANNEL, "/shien", f"agenda add {rng.choice(meeting.codes)}"
            )
        elif kind == "role":
            key = rng.choice(("houkatsu", "csw"))
            due = meeting.day + timedelta(days=14)
            text = f"role {meeting.codes[1]} {key} 見守りの継続 期限:{due}"
            driver.slash_command(COORDINATOR, CHANNEL, "/shien", text)
        elif kind == "ack":
            driver.slash_command(user, CHANNEL, "/shien", "ack")
        elif kind == "button ack":
            dm, notice_ts = meeting.notices[user]
            driver.click_button(user, dm, notice_ts, ACK_ACTION)
        elif kind == "reply":
            text = f"経過の報告 {rng.randrange(10_000)}。"
            ts = driver.user_posts(user, meeting.room, text, thread_ts=head)
            meeting.replies.setdefault(user, []).append((ts, meeting.codes[0]))
        else:  # edit
            ts, _ = rng.choice(meeting.replies[user])
            driver.user_edits(meeting.room, ts, f"訂正した報告 {rng.randrange(10_000)}。")
    return Load(driver.recorded, driver.kinds)


# --------------------------------------------------------------------------- running


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@dataclass
class Samples:
    """What one side (the bare app or the bot) met in one case, over all its rounds."""

    latencies: list[float]  # ms
    statuses: list[int]
    kinds: list[str]
    elapsed: float = 0.0  # s, sending time of all rounds

    def result(self) -> Result:
        per_kind: dict[str, list[float]] = {}
        for latency, kind in zip(self.latencies, self.kinds, strict=True):
            per_kind.setdefault(kind, []).append(latency)
        return Result(
            p50=percentile(self.latencies, 50),
            p99=percentile(self.latencies, 99),
            max=max(self.latencies),
            rps=len(self.latencies) / self.elapsed,
            failed=sum(1 for status in self.statuses if status != 200),
            by_kind={kind: (percentile(v, 99), max(v)) for kind, v in sorted(per_kind.items())},
        )


def run_load(
    url: str, secret: str, load: Load, clients: int, rate: float | None, into: Samples
) -> None:
    """Send ``load`` with ``clients`` concurrent clients (paced at ``rate``), adding what
    was met to ``into``."""
    job = {
        "url": url,
        "secret": secret,
        "clients": clients,
        "rate": rate,
        "requests": load.requests,
    }
    done = subprocess.run(
        [sys.executable, str(HERE / "loadgen.py")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    answer = json.loads(done.stdout)
    for latency, status, index in answer["samples"]:
        into.latencies.append(latency * 1000)
        into.statuses.append(status)
        into.kinds.append(load.kinds[index])
    into.elapsed += answer["elapsed"]


class WebApiDelay:
    """Makes every Web API call of the local workspace (and every ``response_url`` post)
    take ``seconds`` longer, as a distant or busy Slack does.

    The local workspace stands in for Slack's servers, which never take CPU from the bot's
    machine: all of its threads — the one accepting connections, and each connection's from
    its first byte read — run at the lowest priority (``SCHED_IDLE`` where Linux has it,
    else ``nice 19``, per thread), so that the bot's acks are measured against a bare app's
    on equal terms (the bare app makes no Web API calls)."""

    def __init__(self, server: LocalSlackServer) -> None:
        self.seconds = 0.0
        httpd, acceptor = server._httpd, server._thread
        assert httpd is not None and acceptor is not None and acceptor.native_id is not None
        _lowest_priority(acceptor.native_id)
        serve_connection = httpd.process_request_thread

        def idle_connection(*args: Any) -> None:
            _lowest_priority(threading.get_native_id())
            serve_connection(*args)

        httpd.process_request_thread = idle_connection  # type: ignore[method-assign,assignment]
        for name in ("handle_api", "handle_response_url", "handle_upload"):
            handle = getattr(server, name)

            def slow(*args: Any, handle: Callable[..., Any] = handle, **kwargs: Any) -> Any:
                if self.seconds:
                    time.sleep(self.seconds)
                return handle(*args, **kwargs)

            setattr(server, name, slow)


def _lowest_priority(thread: int) -> None:
    with contextlib.suppress(OSError):
        if hasattr(os, "SCHED_IDLE"):
            os.sched_setscheduler(thread, os.SCHED_IDLE, os.sched_param(0))
        else:
            os.setpriority(os.PRIO_PROCESS, thread, 19)


def settle(ws: LocalWorkspace, quiet: float, timeout: float = 180.0) -> None:
    """Wait until the bot's inbox is empty and it has made no Web API call for ``quiet``
    seconds."""
    deadline = time.monotonic() + timeout
    inbox = inbox_for(ws.database)
    count, since = ws.server.api_call_count(), time.monotonic()
    while (time.monotonic() - since < quiet or inbox.count()) and time.monotonic() < deadline:
        time.sleep(0.05)
        if ws.server.api_call_count() != count:
            count, since = ws.server.api_call_count(), time.monotonic()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def bare_app(server: LocalSlackServer, workers: int) -> Iterator[str]:
    """The bare Bolt app in its own server; yields its Request URL."""
    port = _free_port()
    env = {
        **os.environ,
        "SLACK_SIGNING_SECRET": server.signing_secret,
        "SLACK_BOT_TOKEN": server.bot_token,
        "SLACK_API_URL": server.api_url,
    }
    process = subprocess.Popen(
        [sys.executable, str(HERE / "bare_app.py"), "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the bare app did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def database_url(postgres: bool, tmp: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{tmp / 'bench.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        raise SystemExit("--postgres needs TEST_DATABASE_URL")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --------------------------------------------------------------------------- report


def report(rows: list[tuple[Case, Result, Result]]) -> bool:
    print(
        f"\n{'case':<34} | {'bare p50':>8} {'p99':>6} {'max':>6} {'req/s':>6} |"
        f" {'bot p50':>8} {'p99':>6} {'max':>6} {'req/s':>6} | {'p99 ×':>6} {'req/s ×':>7}"
    )
    print("-" * 112)
    met = True
    for case, bare, bot in rows:
        p99_ratio = bot.p99 / bare.p99
        rps_ratio = bot.rps / bare.rps
        flags = []
        if case.clients >= 8:
            if p99_ratio > P99_RATIO_GOAL:
                flags.append("p99")
            if bot.max > MAX_ACK_MS:
                flags.append("max")
            if not case.paced and rps_ratio < RPS_RATIO_GOAL:
                flags.append("req/s")
        if bot.failed or bare.failed:
            flags.append(f"{bot.failed + bare.failed} not 200")
        met = met and not flags
        print(
            f"{case.label:<34} | {bare.p50:>8.1f} {bare.p99:>6.1f} {bare.max:>6.1f}"
            f" {bare.rps:>6.0f} | {bot.p50:>8.1f} {bot.p99:>6.1f} {bot.max:>6.1f}"
            f" {bot.rps:>6.0f} | {p99_ratio:>6.2f} {rps_ratio:>7.2f}"
            f"{'  <- ' + ', '.join(flags) if flags else ''}"
        )
    return met


def report_kinds(rows: list[tuple[Case, Result, Result]]) -> None:
    kinds = sorted({kind for _, _, bot in rows for kind in bot.by_kind})
    print(
        f"\nthe bot's p99 / max per kind of request (ms)\n{'case':<34} | "
        + " | ".join(f"{kind:>13}" for kind in kinds)
    )
    for case, _, bot in rows:
        cells = []
        for kind in kinds:
            p99, top = bot.by_kind.get(kind, (0.0, 0.0))
            cells.append(f"{p99:>6.0f} {top:>6.0f}")
        print(f"{case.label:<34} | " + " | ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument(
        "--requests", type=int, default=1600, help="requests per case and side, over all rounds"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes of each server")
    parser.add_argument("--api-delay", type=float, default=0.2, help="slowed Web API: s/call")
    parser.add_argument("--rate", type=float, default=50.0, help="paced cases: requests/s")
    parser.add_argument("--postgres", action="store_true", help="the bot on TEST_DATABASE_URL")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--rounds", type=int, default=4, help="rounds per case, bare and bot taking turns"
    )
    parser.add_argument(
        "--clients", type=int, nargs="+", default=[1, 8, 32], help="concurrent clients"
    )
    parser.add_argument(
        "--by-kind", action="store_true", help="also print the bot's p99/max per request kind"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    rng = random.Random(args.seed)
    if args.quick:
        cases = [Case(1, False, 0.0), Case(8, False, 0.0), Case(8, True, 0.05)]
        count = 40
    else:
        cases = [
            Case(clients, paced, delay)
            for delay in (0.0, args.api_delay)
            for clients in args.clients
            for paced in (False, True)
        ]
        count = args.requests
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="shien-serving-") as tmp,
        database_url(args.postgres, Path(tmp)) as url,
        LocalWorkspace(
            url, coordinators=(COORDINATOR,), production=True, workers=args.workers
        ) as ws,
    ):
        meeting = set_up(ws)
        settle(ws, quiet=0.3)
        delay = WebApiDelay(ws.server)
        secret = ws.server.signing_secret
        bot_url = f"{ws.url}/slack/events"
        print(
            f"bot: shienbot serve --http, {args.workers} workers, "
            f"{'PostgreSQL' if args.postgres else 'SQLite'}; bare Bolt app: same server."
            f" Set-up {time.perf_counter() - started:.1f} s, {count} requests per case"
            f" in {args.rounds} rounds, paced at {args.rate:g}/s"
        )
        rows = []
        with bare_app(ws.server, args.workers) as bare_url:
            for case in cases:
                rate = args.rate if case.paced else None
                delay.seconds = case.api_delay
                bare, bot = Samples([], [], []), Samples([], [], [])
                calls = ws.server.api_call_count()
                # Rounds, the two apps taking turns to go first: a burst of noise on this
                # shared machine then falls on both sides alike rather than on one.
                for round_ in range(args.rounds):
                    requests = build_requests(ws.server, meeting, count // args.rounds, rng)
                    sides = [(bare_url, bare), (bot_url, bot)]
                    for url, into in sides if round_ % 2 == 0 else sides[::-1]:
                        run_load(url, secret, requests, case.clients, rate, into)
                        if into is bot:
                            settle(ws, quiet=QUIET + 3 * case.api_delay)
                rows.append((case, bare.result(), bot.result()))
                print(
                    f"  {case.label}: done ({ws.server.api_call_count() - calls}"
                    " Web API calls after the acks)",
                    flush=True,
                )
                delay.seconds = 0.0
        met = report(rows)
        if args.by_kind:
            report_kinds(rows)
        problems = [p for p in ws.server.problems if "answered after" not in p]
        if problems:
            print(f"\nproblems the local workspace saw: {len(problems)}")
            for problem in problems[:5]:
                print(f"  {problem}")
    goal = "met" if met else "NOT met"
    print(
        f"\ngoal for 8 and 32 clients (p99 ≤ {P99_RATIO_GOAL}× bare, max ≤ {MAX_ACK_MS:.0f} ms,"
        f" req/s ≥ {RPS_RATIO_GOAL}× bare unpaced): {goal}"
    )
    print(f"total: {time.perf_counter() - started:.0f} s")
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    raise SystemExit(main())
