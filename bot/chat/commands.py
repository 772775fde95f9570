"""The ``/shien`` command grammar, independent of the chat platform.

Adapters turn the platform's mention syntax into ``@<user id>`` tokens (Slack sends
``<@U123|name>``), then call ``parse``. Keywords, keys, dates and times are matched after
NFKC (full-width input from a Japanese phone works, as do ``ー`` in dates and ``14時``);
free text (an agency's name, a role) is kept as typed. Every error is a ``CommandError``
whose Japanese message shows the expected form with an example.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, time

from bot.domain.calendar import parse_date, parse_time, parse_weekday
from bot.domain.errors import DomainError
from bot.domain.model import CaseCode, MeetingKind, Occasion


class CommandError(DomainError):
    """The command could not be understood. ``show_help`` asks for the full help."""

    def __init__(self, message: str, *, show_help: bool = False) -> None:
        super().__init__(message)
        self.show_help = show_help


@dataclass(frozen=True)
class Command:
    name: str  # canonical subcommand: "help", "setup", "agency add", ...
    users: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    day: date | None = None
    start: time | None = None
    kind: MeetingKind = MeetingKind.SUPPORT
    consent_on: date | None = None
    urgent: bool = False
    due_on: date | None = None
    lead: bool = False
    occasion: Occasion | None = None
    extra: dict[str, str] = field(default_factory=dict)


USAGE: dict[str, tuple[str, str]] = {
    # name: (usage, what it does)
    "help": ("/shien help", "コマンドの一覧を表示します"),
    "setup": ("/shien setup", "このプライベートチャンネルを会議チャンネルにします（事務局）"),
    "coordinator add": (
        "/shien coordinator add @ユーザー",
        "事務局（コーディネーター）を追加します",
    ),
    "agency add": (
        "/shien agency add houkatsu 架空市中央地域包括支援センター @構成員 …",
        "関係機関と構成員を登録します（登録済みなら構成員を追加）",
    ),
    "agency remove": (
        "/shien agency remove houkatsu @構成員",
        "構成員を機関から外します（直ちに閲覧不可）",
    ),
    "agency list": ("/shien agency list", "登録済みの関係機関と構成員を表示します"),
    "adhoc": (
        "/shien adhoc 2026-12-08 14:00 [重層]",
        "随時の支援会議（または重層的支援会議）を登録します",
    ),
    "monthly": (
        "/shien monthly 2 火 14:00 [重層] [休日:next]",
        "定例会議（例: 毎月第2火曜 14:00。最終週は last）を設定し、今後6回の日程を表示します。"
        "閉庁日は 休日:next（翌開庁日）・prev（前の開庁日）・skip（休会）",
    ),
    "meetings": ("/shien meetings", "このチャンネルの今後の会議（議題数・状況）を表示します"),
    "cancel": ("/shien cancel 2026-12-08", "会議を中止します（依頼済みの構成員にDMで通知）"),
    "move": (
        "/shien move 2026-12-08 2026-12-10 [14:00]",
        "会議の日時を変更します（依頼済みの構成員にDMで通知）",
    ),
    "case new": (
        "/shien case new houkatsu csw [重層] [同意:2026-11-20] [緊急]",
        "事例を登録し、事例番号（R8-001 など）を返します。引数なしでフォームを開きます",
    ),
    "consent": ("/shien consent R8-001 2026-11-20", "本人同意の日付を記録します"),
    "consent withdraw": (
        "/shien consent withdraw R8-001 [2026-12-01]",
        "本人同意の撤回を記録し、今後の重層的支援会議の議題から外します",
    ),
    "agenda add": (
        "/shien agenda add R8-001 [2026-12-08] [場面:再プラン]",
        "事例を次回（または指定日）の会議の議題にします",
    ),
    "open": (
        "/shien open [2026-12-08]",
        "情報収集を開始します（守秘義務の通知と事例ごとのスレッド）",
    ),
    "ack": ("/shien ack [2026-12-08]", "守秘義務を確認します（通知のボタンでも可）"),
    "status": ("/shien status [2026-12-08]", "事例・機関ごとの確認と回答の状況を表示します"),
    "remind": ("/shien remind [2026-12-08]", "未回答の機関の構成員にDMでリマインドします"),
    "role": (
        "/shien role R8-001 houkatsu 介護保険サービスの導入 [期限:2026-12-25] [主担当]",
        "役割分担を記録します",
    ),
    "decide": (
        "/shien decide R8-001",
        "支援方針・次回モニタリング・結果・決定事項のフォームを開きます",
    ),
    "minutes": ("/shien minutes [2026-12-08]", "議事録（Word）をDMで受け取ります（確定前は案）"),
    "minutes final": (
        "/shien minutes final [2026-12-08]",
        "議事録を確定します。以後は確定版がそのまま届き、変更されません",
    ),
    "roles": (
        "/shien roles [2026-12-08]",
        "役割分担表（Word）を受け取り、各機関には自機関の役割だけを送ります",
    ),
    "audit": (
        "/shien audit [R8-001]",
        "監査記録（誰がいつ何をしたか）を新しい順に表示します。日付（2026-12-08）でも絞り込めます（事務局）",
    ),
}

ALIASES = {
    "help": "help",
    "ヘルプ": "help",
    "使い方": "help",
    "setup": "setup",
    "設定": "setup",
    "coordinator": "coordinator",
    "事務局": "coordinator",
    "agency": "agency",
    "機関": "agency",
    "adhoc": "adhoc",
    "随時": "adhoc",
    "臨時": "adhoc",
    "monthly": "monthly",
    "定例": "monthly",
    "毎月": "monthly",
    "meetings": "meetings",
    "会議一覧": "meetings",
    "予定": "meetings",
    "cancel": "cancel",
    "中止": "cancel",
    "move": "move",
    "変更": "move",
    "移動": "move",
    "延期": "move",
    "case": "case",
    "事例": "case",
    "consent": "consent",
    "同意": "consent",
    "agenda": "agenda",
    "議題": "agenda",
    "open": "open",
    "開始": "open",
    "収集開始": "open",
    "ack": "ack",
    "確認": "ack",
    "status": "status",
    "状況": "status",
    "remind": "remind",
    "リマインド": "remind",
    "督促": "remind",
    "role": "role",
    "役割": "role",
    "decide": "decide",
    "決定": "decide",
    "minutes": "minutes",
    "議事録": "minutes",
    "roles": "roles",
    "役割分担表": "roles",
    "役割表": "roles",
    "audit": "audit",
    "監査": "audit",
    "監査記録": "audit",
}
VERBS = {
    "add": "add",
    "追加": "add",
    "登録": "add",
    "new": "new",
    "新規": "new",
    "list": "list",
    "一覧": "list",
    "remove": "remove",
    "削除": "remove",
}
OCCASIONS = {
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
_USER = re.compile(r"^@([A-Z0-9][A-Z0-9._-]*)$")
_MULTILAYER_WORDS = {"重層", "重層的支援会議", "multilayer"}
_URGENT_WORDS = {"緊急", "urgent"}
_LEAD_WORDS = {"主担当", "lead"}
_CONSENT_KEYS = {"同意", "consent"}
_OCCASION_KEYS = {"場面", "occasion"}
_DUE_KEYS = {"期限", "due"}
_POLICY_KEYS = {"休日", "holiday", "policy"}
_KEYS = _CONSENT_KEYS | _OCCASION_KEYS | _DUE_KEYS | _POLICY_KEYS
_TAKES_USERS = {"coordinator add", "agency add", "agency remove"}
_VERB_HEADS = ("coordinator", "agency", "case", "agenda")
# NFKC leaves these dashes alone; Japanese phones often type "ー" or "−" for "-".
_DATE_DASHES = re.compile(r"(?<=\d)[‐‑‒–—―−ーｰ](?=\d)")
_KANJI_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?")
_KANJI_TIME = re.compile(r"(\d{1,2})時(?:(\d{1,2})分|(半))?")
_SAFE_ECHO = re.compile(r"[0-9A-Za-z:/@._\-]{1,20}")


@dataclass(frozen=True)
class _Word:
    """One word of the command: ``raw`` as typed (kept for free text such as an agency's
    name or a role), ``norm`` in NFKC for matching keywords, keys, dates and mentions."""

    raw: str
    norm: str


def help_text() -> str:
    lines = [
        "支援会議ボットのコマンド一覧（[ ] は省略可。日付を省くと、このチャンネルの次回の会議）:"
    ]
    lines += [f"• {usage}\n    {what}" for usage, what in USAGE.values()]
    return "\n".join(lines)


def _usage(name: str) -> str:
    return f"使い方: {USAGE[name][0]}"


def _quoted(text: str, known: str, unknown: str) -> str:
    """``「text」known`` when the word cannot be case content (short ASCII), else
    ``unknown``: errors never echo names or long input."""
    return f"「{text}」{known}" if _SAFE_ECHO.fullmatch(text) else unknown


def _key_value(word: str) -> tuple[str, str] | None:
    if ":" in word:  # NFKC has turned the full-width colon into ":"
        key, _, value = word.partition(":")
        return key.lower(), value
    return None


def _words(text: str) -> list[_Word]:
    """Split on any white space (the ideographic space too); ``期限: 2026-12-25`` with a
    space after the colon, as phones often insert, is one word."""
    words: list[_Word] = []
    for raw in text.split():
        norm = unicodedata.normalize("NFKC", raw).strip()
        if not norm:
            continue
        previous = words[-1] if words else None
        if previous and previous.norm.endswith(":") and previous.norm[:-1].lower() in _KEYS:
            words[-1] = _Word(previous.raw + raw, previous.norm + norm)
        else:
            words.append(_Word(raw, norm))
    return words


def _date(text: str) -> date:
    text = _DATE_DASHES.sub("-", text)
    if match := _KANJI_DATE.fullmatch(text):
        text = "-".join(match.groups())
    return parse_date(text)


def _time(text: str) -> time:
    if match := _KANJI_TIME.fullmatch(text):
        hour, minute, half = match.groups()
        text = f"{hour}:{'30' if half else (minute or '0').zfill(2)}"
    return parse_time(text)


_FINAL_WORDS = {"final", "確定"}
_WITHDRAW_WORDS = {"withdraw", "撤回", "取消", "取り消し"}
_CASE_CODE_LIKE = re.compile(r"^[A-Za-z]")


def _split_head(word: str) -> tuple[str, str | None] | None:
    """``ヘルプ`` → ("help", None); ``機関追加`` typed without a space → ("agency", "追加")."""
    head = ALIASES.get(word.lower())
    if head is not None:
        return head, None
    for alias, canonical in ALIASES.items():
        if canonical in _VERB_HEADS and word.startswith(alias) and word[len(alias) :] in VERBS:
            return canonical, word[len(alias) :]
    return None


def parse(text: str) -> Command:
    """Parse the text after ``/shien``. Raises ``CommandError`` with a Japanese message."""
    words = _words(text)
    if not words:
        return Command("help")
    split = _split_head(words[0].norm)
    if split is None:
        raise CommandError(
            _quoted(
                words[0].norm, "というコマンドはありません。", "そのようなコマンドはありません。"
            ),
            show_help=True,
        )
    head, glued_verb = split
    rest = words[1:]
    if glued_verb is not None:
        rest.insert(0, _Word(glued_verb, glued_verb))
    if head in _VERB_HEADS:
        verb = VERBS.get(rest[0].norm.lower()) if rest else None
        defaults = {"coordinator": "add", "agency": None, "case": "new", "agenda": "add"}
        if verb is None:
            verb = defaults[head]
            if verb is None:
                raise CommandError(
                    f"{_usage('agency add')}\n{_usage('agency list')}\n{_usage('agency remove')}"
                )
        else:
            rest = rest[1:]
        if head == "case" and verb == "add":  # 事例 登録 / case add
            verb = "new"
        name = f"{head} {verb}"
        if name not in USAGE:
            raise CommandError(f"「{head} {verb}」というコマンドはありません。", show_help=True)
    else:
        name = head
    try:
        return _parse_args(name, rest)
    except CommandError:
        raise
    except DomainError as error:
        raise CommandError(f"{error.message}\n{_usage(name)}") from None


_POLICIES = {
    "next": "next",
    "翌": "next",
    "翌日": "next",
    "翌開庁日": "next",
    "prev": "prev",
    "previous": "prev",
    "前": "prev",
    "前日": "prev",
    "前開庁日": "prev",
    "skip": "skip",
    "休会": "skip",
    "なし": "skip",
}
_LAST_WORDS = {"last", "最終", "最後", "-1"}
_ORDINAL_WEEKDAY = re.compile(r"^(?:第)?([1-5]|最終|last)(?:週)?(.+)$", re.IGNORECASE)


def _ordinal(text: str) -> str:
    word = text.lower().removeprefix("第").removesuffix("週")
    if word in _LAST_WORDS:
        return "-1"
    if word in ("1", "2", "3", "4", "5"):
        return word
    raise CommandError(
        _quoted(text, "は第何週として読めません。", "第何週として読めない値があります。")
        + f"1〜5 または last（最終）で指定してください。\n{_usage('monthly')}"
    )


def _parse_schedule(name: str, plain: list[str]) -> Command:
    """``monthly``, ``meetings``, ``cancel`` and ``move``."""
    if name == "meetings":
        if plain:
            raise CommandError(f"このコマンドには引数はありません。\n{_usage(name)}")
        return Command(name)
    if name == "cancel":
        if len(plain) != 1:
            raise CommandError(f"中止する会議の日付を1つ指定してください。\n{_usage(name)}")
        return Command(name, day=_date(plain[0]))
    if name == "move":
        if len(plain) not in (2, 3):
            raise CommandError(
                f"今の日付と新しい日付（と開始時刻）を指定してください。\n{_usage(name)}"
            )
        return Command(
            name,
            day=_date(plain[0]),
            start=_time(plain[2]) if len(plain) == 3 else None,
            extra={"to": _date(plain[1]).isoformat()},
        )
    kind = MeetingKind.SUPPORT
    policy = "next"
    args: list[str] = []
    seen: set[str] = set()
    for word in plain:
        pair = _key_value(word)
        if word in _MULTILAYER_WORDS:
            kind = MeetingKind.MULTILAYER
        elif pair and pair[0] in _POLICY_KEYS:
            _one_value(seen, "休日", name)
            found = _POLICIES.get(pair[1].lower())
            if found is None:
                raise CommandError(
                    "休日の扱いは next（翌開庁日）・prev（前の開庁日）・skip（休会）のいずれかです。\n"
                    + _usage(name)
                )
            policy = found
        elif pair and not _TIME_LIKE.match(word):
            raise CommandError(
                _quoted(word, "は指定できません。", "指定できない項目があります。")
                + f"\n{_usage(name)}"
            )
        else:
            args.append(word)
    if len(args) == 2 and (match := _ORDINAL_WEEKDAY.match(args[0])):  # 第2火曜 14:00
        args = [match.group(1), match.group(2), args[1]]
    if len(args) != 3:
        raise CommandError(f"第何週・曜日・開始時刻を指定してください。\n{_usage(name)}")
    return Command(
        name,
        start=_time(args[2]),
        kind=kind,
        extra={
            "ordinal": _ordinal(args[0]),
            "weekday": str(parse_weekday(args[1])),
            "policy": policy,
        },
    )


_TIME_LIKE = re.compile(r"^\d{1,2}:\d{2}$")


def _one_value(seen: set[str], key: str, name: str) -> None:
    if key in seen:
        raise CommandError(f"{key}は1つだけ指定してください。\n{_usage(name)}")
    seen.add(key)


def _parse_args(name: str, words: list[_Word]) -> Command:
    if name == "help":
        return Command(name)
    users = tuple(m.group(1) for w in words if (m := _USER.match(w.norm)))
    rest = [w for w in words if not _USER.match(w.norm)]
    plain = [w.norm for w in rest]
    if users and name not in _TAKES_USERS:
        raise CommandError(f"このコマンドでは@メンションは指定できません。\n{_usage(name)}")
    if name in _TAKES_USERS and any(w.startswith("@") for w in plain):
        raise CommandError(
            "@メンションを認識できませんでした。@ に続けて表示される候補から選んでください。\n"
            + _usage(name)
        )

    if name in ("setup", "agency list"):
        if plain:
            raise CommandError(f"このコマンドには引数はありません。\n{_usage(name)}")
        return Command(name)
    if name == "coordinator add":
        if len(users) != 1 or plain:
            raise CommandError(
                f"追加するユーザーを1人、@メンションで指定してください。\n{_usage(name)}"
            )
        return Command(name, users=users)
    if name == "agency add":
        if not plain:
            raise CommandError(f"機関キーを指定してください。\n{_usage(name)}")
        if len(plain) < 2:
            raise CommandError(f"機関キーと名称を指定してください。\n{_usage(name)}")
        return Command(name, users=users, words=(plain[0], " ".join(w.raw for w in rest[1:])))
    if name == "agency remove":
        if not plain:
            raise CommandError(f"機関キーを指定してください。\n{_usage(name)}")
        if len(plain) > 1:
            raise CommandError(f"指定できるのは機関キーと構成員だけです。\n{_usage(name)}")
        if len(users) != 1:
            raise CommandError(f"外す構成員を1人、@メンションで指定してください。\n{_usage(name)}")
        return Command(name, users=users, words=(plain[0], ""))
    if name == "adhoc":
        kind = (
            MeetingKind.MULTILAYER
            if any(w in _MULTILAYER_WORDS for w in plain)
            else MeetingKind.SUPPORT
        )
        args = [w for w in plain if w not in _MULTILAYER_WORDS]
        if len(args) != 2:
            raise CommandError(f"日付と開始時刻を指定してください。\n{_usage(name)}")
        return Command(name, day=_date(args[0]), start=_time(args[1]), kind=kind)
    if name in ("monthly", "meetings", "cancel", "move"):
        return _parse_schedule(name, plain)
    if name == "case new":
        kind = (
            MeetingKind.MULTILAYER
            if any(w in _MULTILAYER_WORDS for w in plain)
            else MeetingKind.SUPPORT
        )
        consent_on = None
        keys = []
        seen: set[str] = set()
        for word in plain:
            if word in _MULTILAYER_WORDS or word in _URGENT_WORDS:
                continue
            pair = _key_value(word)
            if pair and pair[0] in _CONSENT_KEYS:
                _one_value(seen, "同意", name)
                consent_on = _date(pair[1])
            elif pair:
                raise CommandError(
                    _quoted(word, "は指定できません。", "指定できない項目があります。")
                    + f"指定できるのは機関キー・重層・同意:日付・緊急です。\n{_usage(name)}"
                )
            else:
                keys.append(word)
        return Command(
            name,
            words=tuple(keys),
            kind=kind,
            consent_on=consent_on,
            urgent=any(w in _URGENT_WORDS for w in plain),
        )
    if name == "consent" and plain and plain[0].lower() in _WITHDRAW_WORDS:
        name = "consent withdraw"
        if not 2 <= len(plain) <= 3:
            raise CommandError(f"事例番号を指定してください。\n{_usage(name)}")
        return Command(
            name, words=(plain[1],), consent_on=_date(plain[2]) if len(plain) == 3 else None
        )
    if name == "audit":
        if len(plain) > 1:
            raise CommandError(f"指定できるのは事例番号か日付のどちらか1つです。\n{_usage(name)}")
        if not plain:
            return Command(name)
        if _CASE_CODE_LIKE.match(plain[0]):
            return Command(name, words=(str(CaseCode.parse(plain[0])),))
        return Command(name, day=_date(plain[0]))
    if name == "consent":
        if len(plain) != 2:
            raise CommandError(f"事例番号と同意の日付を指定してください。\n{_usage(name)}")
        return Command(name, words=(plain[0],), consent_on=_date(plain[1]))
    if name == "agenda add":
        occasion = None
        args = []
        seen = set()
        for word in plain:
            pair = _key_value(word)
            if pair and pair[0] in _OCCASION_KEYS:
                _one_value(seen, "場面", name)
                occasion = OCCASIONS.get(pair[1].lower())
                if occasion is None:
                    raise CommandError(
                        f"場面は {'・'.join(('プラン策定', '再プラン', '終結', '中断'))} のいずれかです。\n{_usage(name)}"
                    )
            else:
                args.append(word)
        if not args:
            raise CommandError(f"事例番号を指定してください。\n{_usage(name)}")
        if len(args) > 2:
            raise CommandError(
                f"指定できるのは事例番号・会議の日付・場面だけです。\n{_usage(name)}"
            )
        return Command(
            name,
            words=(args[0],),
            day=_date(args[1]) if len(args) == 2 else None,
            occasion=occasion,
        )
    if name == "minutes" and plain and plain[0].lower() in _FINAL_WORDS:
        name, plain = "minutes final", plain[1:]
    if name in ("open", "ack", "status", "remind", "minutes", "minutes final", "roles"):
        if len(plain) > 1:
            raise CommandError(f"指定できるのは会議の日付だけです。\n{_usage(name)}")
        return Command(name, day=_date(plain[0]) if plain else None)
    if name == "role":
        due_on = None
        lead = False
        task: list[_Word] = []
        seen = set()
        for item in rest:
            pair = _key_value(item.norm)
            if pair and pair[0] in _DUE_KEYS:
                _one_value(seen, "期限", name)
                due_on = _date(pair[1])
            elif item.norm in _LEAD_WORDS:
                lead = True
            else:
                task.append(item)
        if len(task) < 3:
            raise CommandError(
                f"事例番号・機関キー・役割の内容を指定してください。\n{_usage(name)}"
            )
        return Command(
            name,
            words=(task[0].norm, task[1].norm, " ".join(w.raw for w in task[2:])),
            due_on=due_on,
            lead=lead,
        )
    if name == "decide":
        if len(plain) != 1:
            raise CommandError(f"事例番号を1つ指定してください。\n{_usage(name)}")
        return Command(name, words=(plain[0],))
    raise CommandError("コマンドを解釈できませんでした。", show_help=True)  # pragma: no cover
