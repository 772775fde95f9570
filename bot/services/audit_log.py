"""Reading the audit trail: ``/shien audit`` for coordinators and the CSV export for the
privacy officer. Reading it through chat is itself audited (``audit.viewed``).

The trail holds no case content, so neither does anything shown here: who, when, which
action, an opaque target or a case code, allowed or denied, and short codes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timedelta, tzinfo

from bot import texts
from bot.domain.errors import InvalidValue
from bot.domain.model import AuditAction, AuditEvent, CaseCode, validate_user_id
from bot.services.access import Actor, require_coordinator
from bot.services.audit import audit
from bot.services.chat import mention
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork

SHOWN = 30  # lines in one chat answer: the full trail is the CSV export's job

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.COORDINATOR_ADDED: texts.AUDIT_LOG.action_coordinator_added,
    AuditAction.AGENCY_REGISTERED: texts.AUDIT_LOG.action_agency_registered,
    AuditAction.MEMBER_ADDED: texts.AUDIT_LOG.action_member_added,
    AuditAction.MEMBER_REMOVED: texts.AUDIT_LOG.action_member_removed,
    AuditAction.CHANNEL_SETUP: texts.AUDIT_LOG.action_channel_setup,
    AuditAction.CHANNEL_OUTSIDER: texts.AUDIT_LOG.action_channel_outsider,
    AuditAction.SERIES_SET: texts.AUDIT_LOG.action_series_set,
    AuditAction.MEETING_CREATED: texts.AUDIT_LOG.action_meeting_created,
    AuditAction.MEETING_CANCELLED: texts.AUDIT_LOG.action_meeting_cancelled,
    AuditAction.MEETING_MOVED: texts.AUDIT_LOG.action_meeting_moved,
    AuditAction.CASE_CREATED: texts.AUDIT_LOG.action_case_created,
    AuditAction.CASE_VIEWED: texts.AUDIT_LOG.action_case_viewed,
    AuditAction.CONSENT_RECORDED: texts.AUDIT_LOG.action_consent_recorded,
    AuditAction.CONSENT_WITHDRAWN: texts.AUDIT_LOG.action_consent_withdrawn,
    AuditAction.AGENDA_ADDED: texts.AUDIT_LOG.action_agenda_added,
    AuditAction.AGENDA_REMOVED: texts.AUDIT_LOG.action_agenda_removed,
    AuditAction.COLLECTION_OPENED: texts.AUDIT_LOG.action_collection_opened,
    AuditAction.ROOM_CREATED: texts.AUDIT_LOG.action_room_created,
    AuditAction.ROOM_INVITED: texts.AUDIT_LOG.action_room_invited,
    AuditAction.ROOM_REMOVED: texts.AUDIT_LOG.action_room_removed,
    AuditAction.ROOM_STOPPED: texts.AUDIT_LOG.action_room_stopped,
    AuditAction.ROOM_ARCHIVED: texts.AUDIT_LOG.action_room_archived,
    AuditAction.NOTICE_ACKNOWLEDGED: texts.AUDIT_LOG.action_notice_acknowledged,
    AuditAction.INPUT_RECORDED: texts.AUDIT_LOG.action_input_recorded,
    AuditAction.INPUT_HELD: texts.AUDIT_LOG.action_input_held,
    AuditAction.INPUT_EDITED: texts.AUDIT_LOG.action_input_edited,
    AuditAction.INPUT_WITHDRAWN: texts.AUDIT_LOG.action_input_withdrawn,
    AuditAction.INPUT_REJECTED: texts.AUDIT_LOG.action_input_rejected,
    AuditAction.INPUT_FLAGGED: texts.AUDIT_LOG.action_input_flagged,
    AuditAction.INPUT_PURGED: texts.AUDIT_LOG.action_input_purged,
    AuditAction.ROLE_ASSIGNED: texts.AUDIT_LOG.action_role_assigned,
    AuditAction.MEETING_RECORDED: texts.AUDIT_LOG.action_meeting_recorded,
    AuditAction.CASE_AGENCY_ASKED: texts.AUDIT_LOG.action_case_agency_asked,
    AuditAction.REPORT_EXPORTED: texts.AUDIT_LOG.action_report_exported,
    AuditAction.DECISION_RECORDED: texts.AUDIT_LOG.action_decision_recorded,
    AuditAction.DOCUMENT_DOWNLOADED: texts.AUDIT_LOG.action_document_downloaded,
    AuditAction.MINUTES_FINALISED: texts.AUDIT_LOG.action_minutes_finalised,
    AuditAction.AUDIT_VIEWED: texts.AUDIT_LOG.action_audit_viewed,
    AuditAction.ACCESS_DENIED: texts.AUDIT_LOG.action_access_denied,
    AuditAction.CARD_WITHDRAWN: texts.AUDIT_LOG.action_card_withdrawn,
    AuditAction.DOCUMENT_DECLINED: texts.AUDIT_LOG.action_document_declined,
}
TARGET_LABELS = {
    "case": texts.AUDIT_LOG.target_case,
    "meeting": texts.AUDIT_LOG.target_meeting,
    "input": texts.AUDIT_LOG.target_input,
    "command": texts.AUDIT_LOG.target_command,
    "channel": texts.AUDIT_LOG.target_channel,
    "agency": texts.AUDIT_LOG.target_agency,
    "user": texts.AUDIT_LOG.target_user,
    "audit": texts.AUDIT_LOG.target_audit,
    "report": texts.AUDIT_LOG.target_report,
}


def action_label(action: AuditAction) -> str:
    return ACTION_LABELS.get(action, action.value)


def _who(actor: str) -> str:
    """A chat user as a mention; ``system`` and ``operator:<login>`` as they are."""
    if actor == "system" or actor.startswith("operator:"):
        return actor
    try:
        return mention(validate_user_id(actor))
    except InvalidValue:
        return actor


def _result(event: AuditEvent) -> str:
    return texts.AUDIT_LOG.allowed if event.allowed else texts.AUDIT_LOG.denied


def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def _target(uow: UnitOfWork, event: AuditEvent) -> str:
    label = TARGET_LABELS.get(event.target_type, event.target_type)
    if event.target_type == "meeting":
        meeting = uow.meetings.get(event.target_id)
        if meeting is not None:
            return f"{label} {meeting.date.isoformat()}"
    if len(event.target_id) == 32 and event.target_id.isalnum():  # an opaque ID: shortened
        return f"{label} {event.target_id[:8]}"
    return f"{label} {event.target_id}"


def show_audit(
    ctx: ServiceContext,
    actor: Actor,
    *,
    case_code: str | None = None,
    day: date | None = None,
) -> str:
    """Coordinators only. The newest events (all, one case's, or one day's in the
    municipality's time zone), newest first, at most ``SHOWN`` lines. Audited as
    ``audit.viewed``."""
    code = str(CaseCode.parse(case_code)) if case_code else None
    since, until = _day_bounds(day, ctx.tz) if day else (None, None)
    with ctx.uow() as uow:
        require_coordinator(ctx, uow, actor, "audit")
        events = list(uow.audit.list(case_code=code, since=since, until=until))
        shown = list(reversed(events[-SHOWN:]))
        scope = code or (day.isoformat() if day else "")
        more = ""
        if len(events) > SHOWN:
            more = texts.AUDIT_LOG.title_more.format(shown=SHOWN, total=len(events))
        title = texts.AUDIT_LOG.title.format(
            scope=texts.AUDIT_LOG.title_scope.format(scope=scope) if scope else "", more=more
        )
        lines = [title]
        for event in shown:
            at = event.at.astimezone(ctx.tz)
            lines.append(
                texts.AUDIT_LOG.line.format(
                    at=f"{at:%Y-%m-%d %H:%M}",
                    who=_who(event.actor),
                    action=action_label(event.action),
                    target=_target(uow, event),
                    result=_result(event),
                    detail=texts.AUDIT_LOG.line_detail.format(detail=event.detail)
                    if event.detail
                    else "",
                )
            )
        if not shown:
            lines.append(texts.AUDIT_LOG.none)
        audit(
            ctx,
            uow,
            actor,
            AuditAction.AUDIT_VIEWED,
            "audit",
            scope or "all",
            f"shown={len(shown)}",
        )
        uow.commit()
    return "\n".join(lines)


CSV_HEADER = (
    texts.AUDIT_LOG.csv_at,
    texts.AUDIT_LOG.csv_actor,
    texts.AUDIT_LOG.csv_action,
    texts.AUDIT_LOG.csv_action_code,
    texts.AUDIT_LOG.csv_target_type,
    texts.AUDIT_LOG.csv_target,
    texts.AUDIT_LOG.csv_result,
    texts.AUDIT_LOG.csv_detail,
    texts.AUDIT_LOG.csv_id,
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A spreadsheet must never read a cell as a formula (CSV injection)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def audit_csv(
    uow_factory: Callable[[], UnitOfWork],
    clock: Callable[[], datetime],
    tz: tzinfo,
    actor: Actor,
    since: date | None = None,
) -> tuple[str, int]:
    """The whole trail (or from ``since``, a local date) as CSV text, oldest first, for the
    privacy officer at the server's terminal. Returns (text, rows). The export is audited
    as ``audit.viewed`` (target ``csv``). The caller writes it as UTF-8 with a BOM."""
    start = _day_bounds(since, tz)[0] if since else None
    with uow_factory() as uow:
        events: Sequence[AuditEvent] = uow.audit.list(since=start)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for event in events:
            writer.writerow(
                _cell(value)
                for value in (
                    event.at.astimezone(tz).isoformat(timespec="seconds"),
                    event.actor,
                    action_label(event.action),
                    event.action.value,
                    event.target_type,
                    event.target_id,
                    _result(event),
                    event.detail,
                    event.id,
                )
            )
        uow.audit.append(
            AuditEvent(
                actor=actor.user_id,
                action=AuditAction.AUDIT_VIEWED,
                target_type="audit",
                target_id="csv",
                detail=f"rows={len(events)}" + (f";since={since.isoformat()}" if since else ""),
                at=clock(),
            )
        )
        uow.commit()
    return buffer.getvalue(), len(events)
