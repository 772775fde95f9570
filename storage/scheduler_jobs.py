"""Bulk writes to APScheduler's job table (``apscheduler_jobs``, see ``storage.orm``).

APScheduler's ``add_job`` writes one job per transaction; planning twelve months of
meetings for a channel is some sixty jobs, so the scheduler adapter stores them here in one
transaction instead (rows in APScheduler's own format: pickled job state, UTC timestamp).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from storage.orm import SchedulerJobRow

__all__ = ["upsert_jobs"]

_CHUNK = 500


def upsert_jobs(engine: Engine, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace jobs (``id``, ``next_run_time``, ``job_state``) in one transaction."""
    if not rows:
        return
    table = SchedulerJobRow.__table__
    with engine.begin() as connection:
        dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
        for start in range(0, len(rows), _CHUNK):
            statement: Any = dialect.insert(table).values(list(rows[start : start + _CHUNK]))
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.id],
                set_={
                    "next_run_time": statement.excluded.next_run_time,
                    "job_state": statement.excluded.job_state,
                },
            )
            connection.execute(statement)
