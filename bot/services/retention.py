"""Retention (``SHIEN_RETENTION_DAYS``): the raw thread and form inputs of a meeting are
deleted once its minutes have been final for that many days.

The final minutes keep what the meeting used; the raw inputs are personal data that has
served its purpose. Each deleted input leaves a tombstone in the audit trail
(``input.purged``: the input's ID, the case code and the meeting ID, never content), written
in the same transaction as the deletion.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import texts
from bot.domain.errors import InvalidValue
from bot.domain.model import AuditAction, AuditEvent
from bot.services.access import Actor
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class PurgeReport:
    meetings: int  # meetings with inputs past the retention period
    inputs: int  # inputs deleted (or, in a dry run, that would be)
    cutoff: datetime  # minutes final before this instant
    dry_run: bool


def purge_inputs(
    uow_factory: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    actor: Actor,
    retention_days: int,
    *,
    dry_run: bool = False,
) -> PurgeReport:
    """Delete the inputs of meetings whose minutes were final more than ``retention_days``
    ago; one transaction per meeting. A dry run counts and changes nothing. Safe to repeat:
    a second run finds nothing left to delete."""
    if retention_days < 1:
        raise InvalidValue(texts.RETENTION.days_not_positive)
    cutoff = clock() - timedelta(days=retention_days)
    with uow_factory() as uow:
        meeting_ids = [m.id for m in uow.meetings.finalised_before(cutoff)]
    meetings = inputs = 0
    for meeting_id in meeting_ids:
        with uow_factory() as uow:
            found = list(uow.inputs.for_meeting(meeting_id))
            if not found:
                continue
            meetings += 1
            inputs += len(found)
            if dry_run:
                continue
            codes: dict[str, str] = {}
            for agency_input in found:
                if agency_input.case_id not in codes:
                    case = uow.cases.get(agency_input.case_id)
                    codes[agency_input.case_id] = str(case.code) if case else "?"
                uow.inputs.delete(agency_input.id)
                uow.audit.append(
                    AuditEvent(
                        actor=actor.user_id,
                        action=AuditAction.INPUT_PURGED,
                        target_type="input",
                        target_id=agency_input.id,
                        detail=f"case={codes[agency_input.case_id]};meeting={meeting_id}",
                        at=clock(),
                    )
                )
            uow.commit()
    return PurgeReport(meetings=meetings, inputs=inputs, cutoff=cutoff, dry_run=dry_run)
