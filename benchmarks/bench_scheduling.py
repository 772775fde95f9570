"""Scheduling at municipal scale: 300 channels × 12 monthly meetings with their timelines.

Measures, on a fresh SQLite file (and PostgreSQL when ``TEST_DATABASE_URL`` is set):
- planning and persisting: ``/shien monthly`` for every channel (meetings materialised,
  timelines computed and stored as APScheduler jobs in the bot's database);
- peak Python memory while replacing the rule of 30 channels (tracemalloc, which slows
  Python down several times, so it is not on while the time is taken);
- one scheduler wake-up (APScheduler's look for due jobs and the next run time) with
  nothing due, and with the 300 openings of one morning due (jobs handed to a no-op
  executor, so the figure is the scheduler's own cost, not Slack's).

Run: ``.venv/bin/python benchmarks/bench_scheduling.py`` (stops by itself in well under two
minutes). Prints a table.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text

from bot.chat.offline import OfflineChat
from bot.domain.model import MeetingChannel, MeetingKind
from bot.scheduling import ShienScheduler
from bot.services import admin, scheduling
from bot.services.access import Actor
from bot.services.context import ServiceContext
from storage import Database

CHANNELS = 300
JST = ZoneInfo("Asia/Tokyo")
COORDINATOR = Actor("U0JIMU")
NOW = datetime(2026, 3, 16, 10, 0, tzinfo=JST)  # a Monday; the timelines start in April


class _NoopExecutor:
    """Stands in for the thread pool so a wake-up's figure is the scheduler's own work."""

    submitted = 0

    def submit_job(self, job: Any, run_times: Any) -> None:
        _NoopExecutor.submitted += 1

    def shutdown(self, wait: bool = True) -> None:
        pass


def _context(database: Database) -> ServiceContext:
    return ServiceContext(
        uow=database.unit_of_work,
        chat=OfflineChat(),
        clock=lambda: NOW,
        tz=JST,
        documents=None,  # type: ignore[arg-type]
    )


def _setup_channels(ctx: ServiceContext) -> list[str]:
    admin.ensure_coordinators(ctx, [COORDINATOR.user_id])
    channels = [f"C{i:07d}" for i in range(CHANNELS)]
    with ctx.uow() as uow:
        for channel in channels:
            uow.channels.add(MeetingChannel(channel, COORDINATOR.user_id))
        uow.commit()
    return channels


def run(database: Database, label: str) -> dict[str, str]:
    database.upgrade()
    ctx = _context(database)
    channels = _setup_channels(ctx)
    scheduler = ShienScheduler(database, ctx, tz=JST, run_jobs=False).start()
    ctx.scheduler = scheduler
    try:
        started = time.perf_counter()
        for i, channel in enumerate(channels):
            scheduling.set_monthly(
                ctx,
                COORDINATOR,
                channel,
                1 + i % 4,
                i % 5,
                clock_time(13 + i % 4, 0),
                MeetingKind.SUPPORT,
            )
        elapsed = time.perf_counter() - started
        # Peak memory, traced apart (tracing slows Python down several times, so the time
        # above is taken without it): the rule replaced in the first 30 channels. Each
        # channel is planned in its own transaction, so the peak does not grow with their
        # number.
        tracemalloc.start()
        for i, channel in enumerate(channels[:30]):
            scheduling.set_monthly(
                ctx,
                COORDINATOR,
                channel,
                1 + (i + 1) % 4,
                i % 5,
                clock_time(13 + i % 4, 0),
                MeetingKind.SUPPORT,
            )
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with database.engine.connect() as connection:
            meetings = connection.scalar(text("SELECT count(*) FROM meetings"))
            jobs = connection.scalar(text("SELECT count(*) FROM apscheduler_jobs"))

        # One wake-up: the query for due jobs and the next run time, nothing due.
        store = scheduler.scheduler._lookup_jobstore("default")
        quiet = []
        for _ in range(20):
            t0 = time.perf_counter()
            store.get_due_jobs(NOW)
            store.get_next_run_time()
            quiet.append(time.perf_counter() - t0)

        # The busiest morning: every opening due at once (its jobs unpickled, handed to a
        # no-op executor and removed, as APScheduler does).
        first_open = min(
            job.next_run_time for job in store.get_all_jobs() if job.id.startswith("open:")
        )
        busy_at = first_open + timedelta(seconds=1)
        due = len(store.get_due_jobs(busy_at))
        sched = scheduler.scheduler
        sched._executors["default"] = _NoopExecutor()  # type: ignore[assignment]
        sched.state = 1  # STATE_RUNNING, without starting the thread or the lease

        class _Frozen(datetime):
            @classmethod
            def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
                return busy_at.astimezone(tz) if tz else busy_at.replace(tzinfo=None)

        import apscheduler.schedulers.base as base

        original = base.datetime
        base.datetime = _Frozen  # type: ignore[misc]
        t0 = time.perf_counter()
        try:
            sched._process_jobs()
        finally:
            busy = time.perf_counter() - t0
            base.datetime = original  # type: ignore[misc]
        sched.state = 2  # STATE_PAUSED: stop() shuts it down normally
    finally:
        scheduler.stop()
    return {
        "database": label,
        "meetings": str(meetings),
        "jobs stored": str(jobs),
        "plan + persist": f"{elapsed:.1f} s ({elapsed / CHANNELS * 1000:.0f} ms/channel)",
        "peak memory (replacing 30 rules)": f"{peak / 1024 / 1024:.1f} MiB",
        "wake-up, nothing due": f"{statistics.median(quiet) * 1000:.1f} ms",
        "wake-up, busiest": f"{busy * 1000:.0f} ms for {due} due jobs",
    }


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{tmp}/bench.sqlite3")
        try:
            rows.append(run(database, "SQLite"))
        finally:
            database.dispose()
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin_engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        database = Database(url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            rows.append(run(database, "PostgreSQL"))
        finally:
            database.dispose()
            with admin_engine.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin_engine.dispose()
    keys = list(rows[0])
    width = max(len(k) for k in keys)
    print(f"Scheduling benchmark: {CHANNELS} channels × 12 monthly meetings with timelines")
    print(" | ".join([f"{'':{width}}", *(r["database"].ljust(36) for r in rows)]))
    for key in keys[1:]:
        print(" | ".join([f"{key:{width}}", *(r[key].ljust(36) for r in rows)]))


if __name__ == "__main__":
    main()
