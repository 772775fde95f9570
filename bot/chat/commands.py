"""The ``/shien`` command table and its dispatcher, independent of the chat platform.

Each subcommand is one ``Spec``: the words that name it (English and Japanese), its usage
with an example, who may run it, a parser that builds its typed arguments, and the use case
it calls. Help, parsing and dispatch all derive from ``TABLE``; a chat adapter turns its
platform's text into ``@<user id>`` mentions and calls ``dispatch``.

To add a command: write its arguments' dataclass and parser here, add one ``Spec`` to
``TABLE``, and put any new wording in ``bot.texts``.

Order of checks in ``dispatch``: the subcommand is recognised, then **who may run it** is
checked (a non-coordinator gets the refusal and an audited ``access.denied``, never a
validation message), then its arguments are parsed, then the use case runs (and applies
the need-to-know policy to what it touches).
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot import texts
from bot.chat import grammar
from bot.chat.grammar import ArgumentError, CommandError, Word
from bot.domain.calendar import HolidayPolicy, parse_weekday
from bot.domain.errors import DomainError
from bot.domain.model import CaseCode, MeetingKind, Occasion
from bot.services import (
    admin,
    agenda,
    audit_log,
    cases,
    consent,
    decisions,
    documents,
    meetings,
    monitoring,
    records,
    scheduling,
)
from bot.services.access import Actor, check_coordinator, with_account
from bot.services.chat import ChatUnavailable, FormUnavailable
from bot.services.context import ServiceContext

log = logging.getLogger(__name__)


class Who(StrEnum):
    ANYONE = "anyone"  # the use case applies the need-to-know policy itself
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Call:
    """One invocation: who, where, and the platform's handle for opening a form."""

    ctx: ServiceContext
    actor: Actor
    channel_id: str
    interaction_ref: str = ""


# --------------------------------------------------------------------------- typed arguments


@dataclass(frozen=True)
class NoArgs:
    pass


@dataclass(frozen=True)
class OneUser:
    user_id: str


@dataclass(frozen=True)
class AgencyAdd:
    key: str
    name: str
    users: tuple[str, ...]


@dataclass(frozen=True)
class AgencyRemove:
    key: str
    user_id: str


@dataclass(frozen=True)
class Adhoc:
    day: date
    start: time
    kind: MeetingKind = MeetingKind.SUPPORT


@dataclass(frozen=True)
class Monthly:
    ordinal: int  # 1–5, or -1 for the last
    weekday: int  # Monday = 0
    start: time
    kind: MeetingKind = MeetingKind.SUPPORT
    policy: HolidayPolicy = HolidayPolicy.NEXT


@dataclass(frozen=True)
class OnDay:
    day: date


@dataclass(frozen=True)
class MeetingDay:
    """A meeting by its date; without one, the channel's next meeting."""

    day: date | None = None


@dataclass(frozen=True)
class Move:
    day: date
    to: date
    start: time | None = None


@dataclass(frozen=True)
class CaseNew:
    """Without agency keys, the case form opens."""

    agency_keys: tuple[str, ...] = ()
    kind: MeetingKind = MeetingKind.SUPPORT
    consent_on: date | None = None
    urgent: bool = False


@dataclass(frozen=True)
class CaseRef:
    code: str


@dataclass(frozen=True)
class Consent:
    code: str
    on: date


@dataclass(frozen=True)
class ConsentWithdraw:
    code: str
    on: date | None = None


@dataclass(frozen=True)
class AuditFilter:
    code: str | None = None
    day: date | None = None


@dataclass(frozen=True)
class AgendaAdd:
    code: str
    day: date | None = None
    occasion: Occasion | None = None
    purpose: str = ""  # 検討の目的, as typed (the rest of the line after 目的:)


@dataclass(frozen=True)
class CaseOnDay:
    """A case on a meeting; without a date, the channel's next meeting."""

    code: str
    day: date | None = None


@dataclass(frozen=True)
class CaseAgency:
    code: str
    agency_key: str


@dataclass(frozen=True)
class Role:
    code: str
    agency_key: str
    task: str
    due_on: date | None = None
    lead: bool = False
    assignee: str | None = None  # 担当: the agency's member (a chat user ID)


# --------------------------------------------------------------------------- parsers


@dataclass(frozen=True)
class Args:
    """A subcommand's words after its name: the mentioned users and the other words."""

    users: tuple[str, ...]
    rest: tuple[Word, ...]

    @property
    def plain(self) -> list[str]:
        return [w.norm for w in self.rest]


_MULTILAYER_WORDS = {"重層", "重層的支援会議", "multilayer"}
_URGENT_WORDS = {"緊急", "urgent"}
_LEAD_WORDS = {"主担当", "lead"}
_OCCASIONS = {
    "プラン策定": Occasion.PLAN,
    "プラン": Occasion.PLAN,
    "plan": Occasion.PLAN,
    "再プラン": Occasion.REPLAN,
    "replan": Occasion.REPLAN,
    "終結": Occasion.CLOSURE,
    "closure": Occasion.CLOSURE,
    "中断": Occasion.SUSPENSION,
    "suspension": Occasion.SUSPENSION,
}
_POLICIES = {
    **dict.fromkeys(("next", "翌", "翌日", "翌開庁日"), HolidayPolicy.NEXT),
    **dict.fromkeys(("prev", "previous", "前", "前日", "前開庁日"), HolidayPolicy.PREVIOUS),
    **dict.fromkeys(("skip", "休会", "なし"), HolidayPolicy.SKIP),
}
_LAST_WORDS = {"last", "最終", "最後", "-1"}
_NTH_PREFIX, _WEEK_SUFFIX = "第", "週"  # 第2週 is 2


def _kind(plain: list[str]) -> MeetingKind:
    multilayer = any(w in _MULTILAYER_WORDS for w in plain)
    return MeetingKind.MULTILAYER if multilayer else MeetingKind.SUPPORT


def _no_args(args: Args) -> NoArgs:
    if args.plain:
        raise ArgumentError(texts.GRAMMAR.no_arguments)
    return NoArgs()


def _one_user(args: Args) -> OneUser:
    if len(args.users) != 1 or args.plain:
        raise ArgumentError(texts.GRAMMAR.one_user_to_add)
    return OneUser(args.users[0])


def _agency_add(args: Args) -> AgencyAdd:
    plain = args.plain
    if not plain:
        raise ArgumentError(texts.GRAMMAR.agency_key)
    if len(plain) < 2:
        raise ArgumentError(texts.GRAMMAR.agency_key_and_name)
    return AgencyAdd(plain[0], " ".join(w.raw for w in args.rest[1:]), args.users)


def _agency_remove(args: Args) -> AgencyRemove:
    plain = args.plain
    if not plain:
        raise ArgumentError(texts.GRAMMAR.agency_key)
    if len(plain) > 1:
        raise ArgumentError(texts.GRAMMAR.agency_key_and_member_only)
    if len(args.users) != 1:
        raise ArgumentError(texts.GRAMMAR.one_member_to_remove)
    return AgencyRemove(plain[0], args.users[0])


def _adhoc(args: Args) -> Adhoc:
    rest = [w for w in args.plain if w not in _MULTILAYER_WORDS]
    if len(rest) != 2:
        raise ArgumentError(texts.GRAMMAR.date_and_time)
    return Adhoc(grammar.day(rest[0]), grammar.clock_time(rest[1]), _kind(args.plain))


def _ordinal(text: str) -> int:
    word = text.lower().removeprefix(_NTH_PREFIX).removesuffix(_WEEK_SUFFIX)
    if word in _LAST_WORDS:
        return -1
    if word in ("1", "2", "3", "4", "5"):
        return int(word)
    raise ArgumentError(
        grammar.quoted(
            text, texts.GRAMMAR.ordinal_unreadable, texts.GRAMMAR.some_ordinal_unreadable
        )
        + texts.GRAMMAR.ordinal_range
    )


def _monthly(args: Args) -> Monthly:
    policy = HolidayPolicy.NEXT
    rest: list[str] = []
    seen: set[str] = set()
    for word in args.plain:
        if word in _MULTILAYER_WORDS:
            continue
        if (value := grammar.key_value(word, "policy")) is not None:
            grammar.once(seen, "policy")
            found = _POLICIES.get(value.lower())
            if found is None:
                raise ArgumentError(texts.GRAMMAR.holiday_policy)
            policy = found
        elif grammar.split_key(word) and not grammar.TIME_LIKE.match(word):
            raise grammar.not_allowed(word)
        else:
            rest.append(word)
    if len(rest) == 2 and (match := _ORDINAL_WEEKDAY.match(rest[0])):  # 第2火曜 14:00
        rest = [match.group(1), match.group(2), rest[1]]
    if len(rest) != 3:
        raise ArgumentError(texts.GRAMMAR.ordinal_weekday_time)
    return Monthly(
        _ordinal(rest[0]),
        parse_weekday(rest[1]),
        grammar.clock_time(rest[2]),
        _kind(args.plain),
        policy,
    )


_ORDINAL_WEEKDAY = re.compile(r"^(?:第)?([1-5]|最終|last)(?:週)?(.+)$", re.IGNORECASE)
_CASE_CODE_LIKE = re.compile(r"^[A-Za-z]")


def _on_day(args: Args) -> OnDay:
    if len(args.plain) != 1:
        raise ArgumentError(texts.GRAMMAR.one_date_to_cancel)
    return OnDay(grammar.day(args.plain[0]))


def _move(args: Args) -> Move:
    plain = args.plain
    if len(plain) not in (2, 3):
        raise ArgumentError(texts.GRAMMAR.move_dates)
    start = grammar.clock_time(plain[2]) if len(plain) == 3 else None
    return Move(grammar.day(plain[0]), grammar.day(plain[1]), start)


def _meeting_day(args: Args) -> MeetingDay:
    if len(args.plain) > 1:
        raise ArgumentError(texts.GRAMMAR.meeting_date_only)
    return MeetingDay(grammar.day(args.plain[0]) if args.plain else None)


def _agenda_list(args: Args) -> MeetingDay:
    if len(args.plain) == 1 and _CASE_CODE_LIKE.match(args.plain[0]):
        raise ArgumentError(texts.GRAMMAR.agenda_add_hint.format(code=args.plain[0][:12]))
    return _meeting_day(args)


def _case_on_day(args: Args) -> CaseOnDay:
    plain = args.plain
    if not plain:
        raise ArgumentError(texts.GRAMMAR.case_code)
    if len(plain) > 2:
        raise ArgumentError(texts.GRAMMAR.code_and_date_only)
    return CaseOnDay(plain[0], grammar.day(plain[1]) if len(plain) == 2 else None)


def _case_agency(args: Args) -> CaseAgency:
    if len(args.plain) != 2:
        raise ArgumentError(texts.GRAMMAR.code_and_agency)
    return CaseAgency(args.plain[0], args.plain[1])


def _case_new(args: Args) -> CaseNew:
    consent_on = None
    keys = []
    seen: set[str] = set()
    for word in args.plain:
        if word in _MULTILAYER_WORDS or word in _URGENT_WORDS:
            continue
        if (value := grammar.key_value(word, "consent")) is not None:
            grammar.once(seen, "consent")
            consent_on = grammar.day(value)
        elif grammar.split_key(word):
            raise grammar.not_allowed(word, texts.GRAMMAR.case_new_allowed)
        else:
            keys.append(word)
    return CaseNew(
        tuple(keys),
        _kind(args.plain),
        consent_on,
        any(w in _URGENT_WORDS for w in args.plain),
    )


def _case_ref(args: Args) -> CaseRef:
    if len(args.plain) != 1:
        raise ArgumentError(texts.GRAMMAR.one_case_code)
    return CaseRef(args.plain[0])


def _consent(args: Args) -> Consent:
    if len(args.plain) != 2:
        raise ArgumentError(texts.GRAMMAR.code_and_consent_date)
    return Consent(args.plain[0], grammar.day(args.plain[1]))


def _consent_withdraw(args: Args) -> ConsentWithdraw:
    plain = args.plain
    if not 1 <= len(plain) <= 2:
        raise ArgumentError(texts.GRAMMAR.case_code)
    return ConsentWithdraw(plain[0], grammar.day(plain[1]) if len(plain) == 2 else None)


def _audit(args: Args) -> AuditFilter:
    plain = args.plain
    if len(plain) > 1:
        raise ArgumentError(texts.GRAMMAR.code_or_date)
    if not plain:
        return AuditFilter()
    if _CASE_CODE_LIKE.match(plain[0]):
        return AuditFilter(code=str(CaseCode.parse(plain[0])))
    return AuditFilter(day=grammar.day(plain[0]))


def _agenda_add(args: Args) -> AgendaAdd:
    occasion = None
    rest = []
    seen: set[str] = set()
    words = list(args.rest)
    purpose = ""
    for n, item in enumerate(words):  # 目的: takes the rest of the line, as typed
        if grammar.key_value(item.norm, "purpose") is not None:
            purpose = " ".join([grammar.raw_value(item), *(w.raw for w in words[n + 1 :])])
            words = words[:n]
            break
    for word in (w.norm for w in words):
        if (value := grammar.key_value(word, "occasion")) is not None:
            grammar.once(seen, "occasion")
            occasion = _OCCASIONS.get(value.lower())
            if occasion is None:
                raise ArgumentError(texts.GRAMMAR.occasions)
        else:
            rest.append(word)
    if not rest:
        raise ArgumentError(texts.GRAMMAR.case_code)
    if len(rest) > 2:
        raise ArgumentError(texts.GRAMMAR.agenda_add_allowed)
    day = grammar.day(rest[1]) if len(rest) == 2 else None
    return AgendaAdd(rest[0], day, occasion, purpose.strip())


def _role(args: Args) -> Role:
    due_on = None
    lead = False
    assignee = None
    task: list[Word] = []
    seen: set[str] = set()
    for item in args.rest:
        if (value := grammar.key_value(item.norm, "due")) is not None:
            grammar.once(seen, "due")
            due_on = grammar.day(value)
        elif (value := grammar.key_value(item.norm, "assignee")) is not None:
            grammar.once(seen, "assignee")
            assignee = grammar.mentioned(value)
            if assignee is None:
                raise ArgumentError(texts.GRAMMAR.assignee_mention)
        elif item.norm in _LEAD_WORDS:
            lead = True
        else:
            task.append(item)
    if len(task) < 3:
        raise ArgumentError(texts.GRAMMAR.role_parts)
    return Role(
        task[0].norm, task[1].norm, " ".join(w.raw for w in task[2:]), due_on, lead, assignee
    )


# --------------------------------------------------------------------------- use cases


def _case_new_run(call: Call, a: CaseNew) -> str | None:
    if not a.agency_keys:
        call.ctx.chat.open_form(call.interaction_ref, cases.case_form(call.ctx, call.actor))
        return None
    new = cases.NewCase(list(a.agency_keys), a.kind, a.consent_on, a.urgent)
    return cases.case_created(cases.create_case(call.ctx, call.actor, new))


def _decide_run(call: Call, a: CaseRef) -> None:
    form = decisions.decision_form(call.ctx, call.actor, call.channel_id, a.code)
    call.ctx.chat.open_form(call.interaction_ref, form)


def _record_run(call: Call, a: MeetingDay) -> None:
    form = records.record_form(call.ctx, call.actor, call.channel_id, a.day)
    call.ctx.chat.open_form(call.interaction_ref, form)


# --------------------------------------------------------------------------- the table

A = TypeVar("A")
_ADD = ("add", "追加", "登録")


@dataclass(frozen=True)
class Spec(Generic[A]):
    """One subcommand. ``heads`` name it (the first is canonical); ``verbs`` follow the
    head for subcommands that share one (``agency add``); a spec with ``default`` set is
    chosen when its head is typed alone."""

    heads: tuple[str, ...]
    verbs: tuple[str, ...]
    usage: str
    summary: str
    who: Who
    parse: Callable[[Args], A]
    run: Callable[[Call, A], str | None]
    takes_users: bool = False
    default: bool = False
    # Whether running it opens a form: the platform's handle for that expires within
    # seconds, so the adapter runs such a command at once, ahead of queued work.
    opens_form: Callable[[A], bool] | None = None

    @property
    def name(self) -> str:
        return " ".join(filter(None, (self.heads[0], self.verbs[0] if self.verbs else "")))

    @property
    def audit_name(self) -> str:
        return self.name.replace(" ", ".")


def _help_run(call: Call, a: NoArgs) -> str:
    return help_text()


C, ANY = Who.COORDINATOR, Who.ANYONE
TABLE: tuple[Spec[Any], ...] = (
    Spec(("help", "ヘルプ", "使い方"), (), "/shien help", "コマンドの一覧を表示します", ANY,
         lambda args: NoArgs(), _help_run),
    Spec(("setup", "設定"), (), "/shien setup",
         "このプライベートチャンネルを会議チャンネルにします（事務局）", C, _no_args,
         lambda c, a: admin.setup_channel(c.ctx, c.actor, c.channel_id)),
    Spec(("coordinator", "事務局"), _ADD, "/shien coordinator add @ユーザー",
         "事務局（コーディネーター）を追加します", C, _one_user,
         lambda c, a: admin.add_coordinator(c.ctx, c.actor, a.user_id),
         takes_users=True, default=True),
    Spec(("agency", "機関"), _ADD,
         "/shien agency add houkatsu 架空市中央地域包括支援センター @構成員 …",
         "関係機関と構成員を登録します（登録済みなら構成員を追加）", C, _agency_add,
         lambda c, a: admin.register_agency(c.ctx, c.actor, a.key, a.name, list(a.users)),
         takes_users=True),
    Spec(("agency", "機関"), ("remove", "削除"), "/shien agency remove houkatsu @構成員",
         "構成員を機関から外します（直ちに閲覧不可）", C, _agency_remove,
         lambda c, a: admin.remove_member(c.ctx, c.actor, a.key, a.user_id), takes_users=True),
    Spec(("agency", "機関"), ("list", "一覧"), "/shien agency list",
         "登録済みの関係機関と構成員を表示します", C, _no_args,
         lambda c, a: admin.list_agencies(c.ctx, c.actor)),
    Spec(("adhoc", "随時", "臨時"), (), "/shien adhoc 2026-12-08 14:00 [重層]",
         "随時の支援会議（または重層的支援会議）を登録します。次回モニタリングの日を迎える事例は"
         "その議題に入ります", C, _adhoc,
         lambda c, a: monitoring.schedule_adhoc(
             c.ctx, c.actor, c.channel_id, a.day, a.start, a.kind)),
    Spec(("monthly", "定例", "毎月"), (), "/shien monthly 2 火 14:00 [重層] [休日:next]",
         "定例会議（例: 毎月第2火曜 14:00。最終週は last）を設定し、今後6回の日程を表示します。"
         "閉庁日は 休日:next（翌開庁日）・prev（前の開庁日）・skip（休会）", C, _monthly,
         lambda c, a: scheduling.set_monthly(
             c.ctx, c.actor, c.channel_id, a.ordinal, a.weekday, a.start, a.kind, a.policy)),
    Spec(("meetings", "会議一覧", "予定"), (), "/shien meetings",
         "このチャンネルの今後の会議（議題数・状況）を表示します", ANY, _no_args,
         lambda c, a: scheduling.list_meetings(c.ctx, c.actor, c.channel_id)),
    Spec(("cancel", "中止"), (), "/shien cancel 2026-12-08",
         "会議を中止します（依頼済みの構成員にDMで通知）", C, _on_day,
         lambda c, a: scheduling.cancel_meeting(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("move", "変更", "移動", "延期"), (), "/shien move 2026-12-08 2026-12-10 [14:00]",
         "会議の日時を変更します（依頼済みの構成員にDMで通知）", C, _move,
         lambda c, a: scheduling.move_meeting(c.ctx, c.actor, c.channel_id, a.day, a.to, a.start)),
    Spec(("case", "事例"), ("new", "新規", *_ADD),
         "/shien case new houkatsu csw [重層] [同意:2026-11-20] [緊急]",
         "事例を登録し、事例番号（R8-001 など）を返します。重層的支援会議で扱う事例は 重層 と"
         "同意の日付を添えます。引数なしでフォームを開きます", C,
         _case_new, _case_new_run, default=True, opens_form=lambda a: not a.agency_keys),
    Spec(("case", "事例"), ("ask", "依頼"), "/shien case ask R8-001 konkyu",
         "事例の依頼先に機関を加え、情報収集中ならスレッドを更新してその機関に依頼のDMを送ります",
         C, _case_agency,
         lambda c, a: agenda.ask_agency(c.ctx, c.actor, a.code, a.agency_key)),
    Spec(("consent", "同意"), (), "/shien consent R8-001 2026-11-20",
         "本人同意の日付を記録します", C, _consent,
         lambda c, a: cases.record_consent(c.ctx, c.actor, a.code, a.on)),
    Spec(("consent", "同意"), ("withdraw", "撤回", "取消", "取り消し"),
         "/shien consent withdraw R8-001 [2026-12-01]",
         "本人同意の撤回を記録し、今後の重層的支援会議の議題から外します", C, _consent_withdraw,
         lambda c, a: consent.withdraw_consent(c.ctx, c.actor, a.code, a.on)),
    Spec(("agenda", "議題"), ("list", "一覧"), "/shien agenda [2026-12-08]",
         "次回（または指定日）の会議の議題を表示します（モニタリングの事例を含む）", C,
         _agenda_list,
         lambda c, a: agenda.list_agenda(c.ctx, c.actor, c.channel_id, a.day), default=True),
    Spec(("agenda", "議題"), _ADD,
         "/shien agenda add R8-001 [2026-12-08] [場面:再プラン] [目的:支援の入口の検討]",
         "事例を次回（または指定日）の会議の議題にします。目的: は行の最後に書き、議事録の"
         "「検討の目的」になります（議題にある事例にもう一度付けると更新）", C, _agenda_add,
         lambda c, a: agenda.add(
             c.ctx, c.actor, c.channel_id, a.code, a.day, a.occasion, a.purpose)),
    Spec(("agenda", "議題"), ("remove", "削除", "外す"), "/shien agenda remove R8-001 [2026-12-08]",
         "事例を次回（または指定日）の会議の議題から外します", C, _case_on_day,
         lambda c, a: agenda.remove_from_agenda(c.ctx, c.actor, c.channel_id, a.code, a.day)),
    Spec(("open", "開始", "収集開始"), (), "/shien open [2026-12-08]",
         "情報収集を開始します（守秘義務の通知と事例ごとのスレッド）", C, _meeting_day,
         lambda c, a: monitoring.open_collection(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("ack", "確認"), (), "/shien ack [2026-12-08]",
         "守秘義務を確認します（通知のボタンでも可）", ANY, _meeting_day,
         lambda c, a: meetings.acknowledge(c.ctx, c.actor, channel_id=c.channel_id, day=a.day)),
    Spec(("status", "状況"), (), "/shien status [2026-12-08]",
         "事例・機関ごとの確認と回答の状況を表示します", ANY, _meeting_day,
         lambda c, a: meetings.status(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("remind", "リマインド", "督促"), (), "/shien remind [2026-12-08]",
         "未回答の機関の構成員にDMでリマインドします", C, _meeting_day,
         lambda c, a: meetings.remind(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("role", "役割"), (),
         "/shien role R8-001 houkatsu 介護保険サービスの導入 [期限:2026-12-25] [主担当]"
         " [担当:@構成員]",
         "役割分担を記録します（担当: その機関の構成員）", C, _role,
         lambda c, a: decisions.assign_role(
             c.ctx, c.actor, c.channel_id, a.code, a.agency_key, a.task, a.due_on, a.lead,
             a.assignee)),
    Spec(("decide", "決定"), (), "/shien decide R8-001",
         "協議内容・緊急度・支援方針・次回モニタリング・結果・決定事項のフォームを開きます", C,
         _case_ref, _decide_run, opens_form=lambda a: True),
    Spec(("record", "会議記録", "記録"), (), "/shien record [2026-12-08]",
         "会議記録（場所・方法・開始と終了・司会・記録者・出欠・次回開催予定）のフォームを"
         "開きます", C, _meeting_day, _record_run, opens_form=lambda a: True),
    Spec(("minutes", "議事録"), (), "/shien minutes [2026-12-08]",
         "議事録（Word）をDMで受け取ります（確定前は案）", C, _meeting_day,
         lambda c, a: documents.deliver_minutes(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("minutes", "議事録"), ("final", "確定"), "/shien minutes final [2026-12-08]",
         "議事録を確定します。以後は確定版がそのまま届き、変更されません", C, _meeting_day,
         lambda c, a: documents.deliver_final_minutes(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("roles", "役割分担表", "役割表"), (), "/shien roles [2026-12-08]",
         "役割分担表（Word）を受け取り、各機関には自機関の役割だけを送ります", C, _meeting_day,
         lambda c, a: documents.deliver_role_summaries(c.ctx, c.actor, c.channel_id, a.day)),
    Spec(("audit", "監査", "監査記録"), (), "/shien audit [R8-001]",
         "監査記録（誰がいつ何をしたか）を新しい順に表示します。日付（2026-12-08）でも絞り込めます（事務局）",
         C, _audit,
         lambda c, a: audit_log.show_audit(c.ctx, c.actor, case_code=a.code, day=a.day)),
)  # fmt: skip
BY_NAME = {spec.name: spec for spec in TABLE}
_HEADS: dict[str, list[Spec[Any]]] = {}
for _spec in TABLE:
    for _head in _spec.heads:
        _HEADS.setdefault(_head.lower(), []).append(_spec)
_ALL_VERBS = {verb.lower() for spec in TABLE for verb in spec.verbs}


def help_text() -> str:
    lines = [texts.GRAMMAR.help_title]
    lines += [f"• {spec.usage}\n    {spec.summary}" for spec in TABLE]
    return "\n".join(lines)


def usage(spec: Spec[Any]) -> str:
    return texts.GRAMMAR.usage.format(usage=spec.usage)


def _head_of(word: str) -> tuple[list[Spec[Any]], str | None] | None:
    """``ヘルプ`` → its specs; ``機関追加`` typed without a space → agency's specs and the
    verb ``追加`` (only where the rest is one of that head's verbs)."""
    found = _HEADS.get(word.lower())
    if found is not None:
        return found, None
    for alias, specs in _HEADS.items():
        tail = word[len(alias) :].lower()
        if word.lower().startswith(alias) and any(tail in s.verbs for s in specs):
            return specs, tail
    return None


def resolve(text: str) -> tuple[Spec[Any], list[Word]]:
    """The subcommand ``text`` names and the words after its name."""
    typed = grammar.words(text)
    if not typed:
        return BY_NAME["help"], []
    head = _head_of(typed[0].norm)
    if head is None:
        raise CommandError(
            grammar.quoted(
                typed[0].norm, texts.GRAMMAR.no_such_command, texts.GRAMMAR.no_such_command_unnamed
            ),
            show_help=True,
        )
    specs, glued = head
    rest = typed[1:]
    verb = glued or (rest[0].norm.lower() if rest else None)
    for spec in specs:
        if verb is not None and verb in (v.lower() for v in spec.verbs):
            return spec, rest if glued else rest[1:]
    if verb is not None and verb in _ALL_VERBS and specs[0].verbs:
        name = f"{specs[0].heads[0]} {verb}"
        raise CommandError(
            grammar.quoted(
                name, texts.GRAMMAR.no_such_command, texts.GRAMMAR.no_such_command_unnamed
            ),
            show_help=True,
        )
    for spec in specs:
        if not spec.verbs or spec.default:
            return spec, rest
    raise CommandError("\n".join(usage(spec) for spec in specs))


def parse_args(spec: Spec[Any], words: list[Word]) -> Any:
    """The typed arguments of ``spec``; errors carry its usage."""
    users = tuple(u for w in words if (u := grammar.user_of(w)) is not None)
    rest = tuple(w for w in words if grammar.user_of(w) is None)
    try:
        if users and not spec.takes_users:
            raise ArgumentError(texts.GRAMMAR.no_mentions_here)
        if spec.takes_users and any(w.norm.startswith("@") for w in rest):
            raise ArgumentError(texts.GRAMMAR.mention_unrecognised)
        return spec.parse(Args(users, rest))
    except DomainError as error:
        raise CommandError(f"{error.message}\n{usage(spec)}") from None


@dataclass(frozen=True)
class Parsed:
    spec: Spec[Any]
    args: Any

    @property
    def name(self) -> str:
        return self.spec.name


def parse(text: str) -> Parsed:
    """Recognise and parse without running: for tests and tools."""
    spec, words = resolve(text)
    return Parsed(spec, parse_args(spec, words))


def opens_form(text: str) -> bool:
    """Whether ``text`` is a command that opens a form (parsing only; nothing runs)."""
    try:
        parsed = parse(text)
    except Exception:
        return False
    return parsed.spec.opens_form is not None and bool(parsed.spec.opens_form(parsed.args))


def dispatch(call: Call, text: str) -> str | None:
    """Run the command in ``text`` for ``call.actor``; the answer is text for them alone.
    Every failure becomes its Japanese message (``answer_for``)."""
    try:
        spec, words = resolve(text)
        if spec.who is Who.COORDINATOR:
            call = replace(call, actor=check_coordinator(call.ctx, call.actor, spec.audit_name))
        elif spec.run is not _help_run:
            # Asked once, before any transaction: the use case's checks then need no Slack.
            call = replace(call, actor=with_account(call.ctx, call.actor))
        return spec.run(call, parse_args(spec, words))
    except Exception as error:
        return answer_for(error, "command", call.ctx.platform)


def answer_for(error: Exception, what: str, platform: str = "Slack") -> str:
    """A known failure becomes its Japanese message; anything else is logged by kind only
    (never its message, which could carry content)."""
    if isinstance(error, CommandError):
        return error.message + ("\n\n" + help_text() if error.show_help else "")
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, FormUnavailable):
        return texts.CHAT.form_unavailable
    if isinstance(error, ChatUnavailable):
        return texts.CHAT.unavailable.format(platform=platform)
    log.error(
        "%s failed: %s\n%s",
        what,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )
    return texts.CHAT.failed
