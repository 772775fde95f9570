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

from bot.domain.errors import InvalidValue
from bot.domain.model import AuditAction, AuditEvent, CaseCode, validate_user_id
from bot.services.access import Actor, require_coordinator
from bot.services.audit import audit
from bot.services.chat import mention
from bot.services.context import ServiceContext
from bot.services.ports import UnitOfWork

SHOWN = 30  # lines in one chat answer: the full trail is the CSV export's job

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.COORDINATOR_ADDED: "事務局の追加",
    AuditAction.AGENCY_REGISTERED: "関係機関の登録",
    AuditAction.MEMBER_ADDED: "構成員の追加",
    AuditAction.MEMBER_REMOVED: "構成員の削除",
    AuditAction.CHANNEL_SETUP: "会議チャンネルの設定",
    AuditAction.CHANNEL_OUTSIDER: "構成員以外の参加",
    AuditAction.SERIES_SET: "定例会議の設定",
    AuditAction.MEETING_CREATED: "会議の登録",
    AuditAction.MEETING_CANCELLED: "会議の中止",
    AuditAction.MEETING_MOVED: "会議の日程変更",
    AuditAction.CASE_CREATED: "事例の登録",
    AuditAction.CASE_VIEWED: "事例の閲覧",
    AuditAction.CONSENT_RECORDED: "本人同意の記録",
    AuditAction.CONSENT_WITHDRAWN: "本人同意の撤回",
    AuditAction.AGENDA_ADDED: "議題への追加",
    AuditAction.AGENDA_REMOVED: "議題からの削除",
    AuditAction.COLLECTION_OPENED: "情報収集の開始",
    AuditAction.NOTICE_ACKNOWLEDGED: "守秘義務の確認",
    AuditAction.INPUT_RECORDED: "入力の記録",
    AuditAction.INPUT_HELD: "入力の保留",
    AuditAction.INPUT_EDITED: "入力の編集",
    AuditAction.INPUT_WITHDRAWN: "入力の取り下げ",
    AuditAction.INPUT_REJECTED: "入力の拒否",
    AuditAction.INPUT_FLAGGED: "個人情報の可能性",
    AuditAction.INPUT_PURGED: "入力の削除（保存期間経過）",
    AuditAction.ROLE_ASSIGNED: "役割分担の記録",
    AuditAction.DECISION_RECORDED: "決定事項の記録",
    AuditAction.DOCUMENT_DOWNLOADED: "文書の取得",
    AuditAction.MINUTES_FINALISED: "議事録の確定",
    AuditAction.AUDIT_VIEWED: "監査記録の閲覧",
    AuditAction.ACCESS_DENIED: "アクセス拒否",
}
TARGET_LABELS = {
    "case": "事例",
    "meeting": "会議",
    "input": "入力",
    "command": "コマンド",
    "channel": "チャンネル",
    "agency": "機関",
    "user": "ユーザー",
    "audit": "監査記録",
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
        title = f"監査記録{'（' + scope + '）' if scope else ''} — 新しい順"
        if len(events) > SHOWN:
            title += f"、最新{SHOWN}件を表示（全{len(events)}件。全件は shienbot audit --csv）"
        lines = [title]
        for event in shown:
            at = event.at.astimezone(ctx.tz)
            result = "許可" if event.allowed else "拒否"
            detail = f"（{event.detail}）" if event.detail else ""
            lines.append(
                f"• {at:%Y-%m-%d %H:%M} {_who(event.actor)} {action_label(event.action)}"
                f" {_target(uow, event)} {result}{detail}"
            )
        if not shown:
            lines.append("（該当する記録はありません）")
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
    "日時",
    "実行者",
    "操作",
    "操作コード",
    "対象の種類",
    "対象",
    "結果",
    "詳細",
    "記録ID",
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
                    "許可" if event.allowed else "拒否",
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
