"""Bulk writes to APScheduler's job table (``apscheduler_jobs``, see ``storage.orm``).

APScheduler's ``add_job`` writes one job per transaction; planning twelve months of
meetings for a channel is some sixty jobs, so the scheduler adapter stores them here in one
transaction instead (rows in APScheduler's own format: pickled job state, UTC timestamp).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from storage.orm import SchedulerJobRow

__all__ = ["delete_jobs", "upsert_jobs"]

_CHUNK = 500


def upsert_jobs(bind: Engine | Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace jobs (``id``, ``next_run_time``, ``job_state``) in one transaction:
    the connection's (a unit of work's), or a new one of the engine. One statement, compiled
    once and sent with many parameter sets."""
    if not rows:
        return
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            _upsert(connection, rows)
    else:
        _upsert(bind, rows)


def _upsert(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    table = SchedulerJobRow.__table__
    dialect: Any = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.id],
        set_={
            "next_run_time": statement.excluded.next_run_time,
            "job_state": statement.excluded.job_state,
        },
    )
    for start in range(0, len(rows), _CHUNK):
        connection.execute(statement, list(rows[start : start + _CHUNK]))


def delete_jobs(connection: Connection, keys: Sequence[str]) -> None:
    """Remove the jobs with these IDs, in the connection's transaction."""
    for start in range(0, len(keys), _CHUNK):
        chunk = list(keys[start : start + _CHUNK])
        connection.execute(delete(SchedulerJobRow).where(SchedulerJobRow.id.in_(chunk)))
