"""``shienbot demo``: a month of meetings on a local Slack workspace, offline.

The real bot runs over HTTP against the local workspace with a SQLite database left in
``--out`` (``demo.sqlite3``, for trying the terminal commands afterwards) and a clock the demo moves from day to day (令和8年10月5日 → 11月10日). 架空市's coordinator sets
up two private channels — one for the monthly 支援会議, one for the 重層的支援会議 of the
household that gave its consent — registers the agencies and the cases, and runs three
meetings:

- 10月13日 支援会議（定例）: the 8050 household and an urgent young carer. The meeting is
  recorded (会議記録: place, method, times, chair, recorder, who attended and who did not),
  roles name the person at each agency (担当), decisions carry 協議内容 and 緊急度; their
  次回モニタリング dates bring both cases back to the next 支援会議 by themselves.
- 10月27日 重層的支援会議（随時）: the plan for the single mother's household, on consent,
  under the scheme's 要綱 (no statutory penalty cited).
- 11月10日 支援会議（定例）: the two cases back for monitoring and a new one; an agency not
  asked replies, is asked for the case (``case ask``) and answers.

The minutes and role summaries of the three meetings are written to ``--out``. The
transcript shows what each person saw.

Every person, agency and household here is fictional (../shared/scenarios.md).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.services.messages import ACK_ACTION
from localslack import SharedFile
from localslack.harness import LocalWorkspace
from storage.audit_chain import verify_audit_trail

JST = ZoneInfo("Asia/Tokyo")
CHANNEL = "C0KAIGI01"  # the monthly 支援会議
CHANNEL_NAME = "kaigi-01"  # opaque: no personal data in channel names
JUSO_CHANNEL = "C0KAIGI02"  # the 重層的支援会議 of the household that consented
JUSO_CHANNEL_NAME = "kaigi-02"
COORDINATOR = "U0JIMU"
RECORDER = "U0JIMU2"  # the secretariat's second member, who writes the record
AGENCIES = {
    # key: (member user id, member name in the transcript, agency name)
    "houkatsu": ("U0HOUKATSU", "包括 架空一郎", "架空市中央地域包括支援センター"),
    "shogai": ("U0SHOGAI", "基幹 架空二郎", "架空市基幹相談支援センター"),
    "konkyu": ("U0KONKYU", "自立 架空三子", "架空市くらし自立相談センター"),
    "csw": ("U0CSW", "CSW 架空四郎", "架空市社会福祉協議会（CSW）"),
    "kosodate": ("U0KOSODATE", "子ども 架空五月", "架空市子ども家庭支援センター"),
}
CSW_SECOND = ("U0CSW2", "CSW 架空八重")  # a second member of 社協, absent on 10/13
OUTSIDER = ("U0VISITOR", "来訪 架空六郎")
# Slack display names, as the documents show them: a person's name (their agency is beside
# it in the minutes); the transcript adds the agency in front to tell people apart.
DISPLAY_NAMES = {
    COORDINATOR: "架空 花子",
    RECORDER: "架空 春香",
    "U0HOUKATSU": "架空 一郎",
    "U0SHOGAI": "架空 二郎",
    "U0KONKYU": "架空 三子",
    "U0CSW": "架空 四郎",
    "U0KOSODATE": "架空 五月",
    CSW_SECOND[0]: "架空 八重",
    OUTSIDER[0]: "架空 六郎",
}

# The days of the demo (令和8年度), in Japan time.
START = datetime(2026, 10, 5, 10, 0, tzinfo=JST)  # Monday
FIRST = date(2026, 10, 13)  # 支援会議（定例）, 第2火曜 14:00
JUSO = date(2026, 10, 27)  # 重層的支援会議（随時）
SECOND = date(2026, 11, 10)  # 支援会議（定例）

# Inputs from ../shared/scenarios.md: short, factual, one agency's view, no names.
INPUTS = {
    "R8-001": {
        "houkatsu": ["要介護認定の申請を支援中。", "母は物忘れが進み、服薬管理ができていない。"],
        "shogai": ["長男は十年前に一度相談歴あり。その後は途絶。精神科受診歴は不明。"],
        "konkyu": ["世帯収入は母の年金のみ。家賃の滞納が二か月。"],
        "csw": ["民生委員から郵便物がたまっていると情報提供。長男は訪問に応じない。"],
    },
    "R8-002": {
        "csw": [
            "生活福祉資金の相談で来所。これまでの経緯を傾聴。複数の窓口に相談していることを把握。"
        ],
        "kosodate": ["次男の登校バスに乗れない日が週二回ほどある。送迎支援の制度を確認中。"],
        "shogai": ["次男の放課後等デイサービスの利用を検討。"],
    },
    "R8-003": {
        "houkatsu": ["祖母の介護サービス利用状況を確認する。週2回の通所介護のみ。"],
        "kosodate": ["学校から連絡あり。欠席が増えており、本人は祖母の世話をしていると話した。"],
    },
    "R8-004": {
        "houkatsu": ["母の退院前に要介護認定を申請。福祉用具の貸与を検討。"],
        "kosodate": ["長男の来年度の就学に向けて、放課後児童クラブの空きを確認中。"],
    },
}
MONITORING = {  # four weeks on, at the 支援会議 of 11/10
    "R8-001": {
        "houkatsu": ["要介護1の認定。訪問介護が週2回始まった。"],
        "csw": ["長男に手紙を2通。返事はないが、郵便物は受け取っている。"],
    },
    "R8-003": {
        "houkatsu": ["祖母の通所介護を週4回に増やした。"],
        "kosodate": ["本人と面談。欠席は週1回に減った。"],
    },
}


@dataclass
class DemoResult:
    files: list[Path] = field(default_factory=list)
    api_calls: int = 0
    problems: list[str] = field(default_factory=list)
    database: Path | None = None  # the demo's database, left for the terminal commands
    replaced: bool = False  # an earlier demo's database was there and has been replaced
    meeting_day: date | None = None  # a meeting the terminal commands can be tried on
    audit_events: int = 0  # events whose hash chain verified at the end (audit --verify)
    audit_problem: str = ""  # the first event that did not verify, if any


class DemoClock:
    """The bot's clock: the demo moves it to each day of the story; within a day it moves on
    a second at each reading, so what happens in order is recorded in order."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now = self._now
            self._now += timedelta(seconds=1)
            return now

    def set(self, now: datetime) -> None:
        with self._lock:
            self._now = now


_BOLD = re.compile(r"\*([^*\n]+)\*")


class _Narrator:
    """Prints each step and what people saw because of it (new transcript entries), with
    people's display names instead of their IDs, as a person reads them (no mrkdwn)."""

    def __init__(self, ws: LocalWorkspace, echo: Callable[[str], None]) -> None:
        self.ws, self.echo, self.seen, self.step_no = ws, echo, 0, 0
        self.names = {
            COORDINATOR: "事務局 架空花子",
            RECORDER: "事務局 架空春香",
            OUTSIDER[0]: OUTSIDER[1],
            CSW_SECOND[0]: CSW_SECOND[1],
        }
        self.names.update({user_id: name for user_id, name, _ in AGENCIES.values()})

    def _readable(self, text: str) -> str:
        # Longer IDs first: U0JIMU2 is not U0JIMU followed by a 2.
        for user_id, name in sorted(self.names.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(f"<@{user_id}>", f"@{name}").replace(user_id, name)
            text = text.replace(DISPLAY_NAMES[user_id], name)
        # A channel link shows the channel's name, as Slack does.
        text = re.sub(r"<#([A-Z0-9]+)>", lambda m: f"#{self.ws.server.channel(m[1]).name}", text)
        return _BOLD.sub(r"\1", text)  # Slack shows *会議* as 会議 in bold

    def day(self, title: str) -> None:
        self.flush()
        self.echo(f"\n■■ {title}")

    def step(self, title: str) -> None:
        self.flush()
        self.step_no += 1
        self.echo(f"\n━━ {self.step_no}. {title}")

    def flush(self) -> None:
        entries = self.ws.server.transcript
        for entry in entries[self.seen :]:
            if entry.kind == "update":  # a thread head's status: show what changed
                lines = [ln for ln in entry.body.splitlines() if ln.startswith(("■", "•"))]
                text = "\n".join([entry.headline, *(f"    {ln}" for ln in lines)])
            else:
                text = entry.render()
            self.echo("   " + self._readable(text).replace("\n", "\n   "))
        self.seen = len(entries)


DATABASE_FILE = "demo.sqlite3"
# SQLite's companions of a database file (write-ahead log, shared memory, rollback journal).
_SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def database_url(path: Path) -> str:
    """The ``DATABASE_URL`` of a SQLite file (relative paths stay relative)."""
    return f"sqlite:///{path}"


def _fresh_database(path: Path) -> bool:
    """Remove an earlier demo's database (and SQLite's companion files); True if there was one."""
    replaced = False
    for suffix in _SQLITE_COMPANIONS:
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.unlink()
            replaced = replaced or suffix == ""
    return replaced


def run_demo(out_dir: Path, echo: Callable[[str], None] = print) -> DemoResult:
    """Play the month; the documents and the database (``demo.sqlite3``) go to ``out_dir``,
    whose earlier demo database is replaced."""
    out_dir.mkdir(parents=True, exist_ok=True)
    database = out_dir / DATABASE_FILE
    result = DemoResult(database=database, replaced=_fresh_database(database), meeting_day=FIRST)
    clock = DemoClock(START)
    ws = LocalWorkspace(database_url(database), coordinators=(COORDINATOR, RECORDER), clock=clock)
    with ws:
        _cast(ws)
        _Play(ws, _Narrator(ws, echo), clock).run()
        result.api_calls = ws.server.api_call_count()
        result.problems = list(ws.server.problems)
        for shared in _all_files(ws):
            target = out_dir / shared.name
            target.write_bytes(shared.bytes)
            if target not in result.files:
                result.files.append(target)
        # The month's audit trail is checked as `shienbot audit --verify` does.
        assert ws.runtime is not None
        report = verify_audit_trail(ws.runtime.database.engine)
        result.audit_events = report.count
        result.audit_problem = "" if report.problem is None else str(report.problem)
    return result


def _cast(ws: LocalWorkspace) -> None:
    for user_id, name in DISPLAY_NAMES.items():
        ws.server.add_user(user_id, name)
    secretariat = [COORDINATOR, RECORDER, ws.server.bot_user_id]
    everyone = [*secretariat, *(u for u, _, _ in AGENCIES.values()), CSW_SECOND[0]]
    ws.server.add_channel(CHANNEL, CHANNEL_NAME, is_private=True, members=everyone)
    # The 重層的支援会議 of R8-002: only the agencies its consent covers.
    juso = [*secretariat, *(AGENCIES[k][0] for k in ("csw", "kosodate", "shogai"))]
    ws.server.add_channel(JUSO_CHANNEL, JUSO_CHANNEL_NAME, is_private=True, members=juso)


def _label(day: date) -> str:
    return f"{day.month}月{day.day}日"


class _Play:
    """The story, step by step, as the people of 架空市 act it in Slack."""

    def __init__(self, ws: LocalWorkspace, say: _Narrator, clock: DemoClock) -> None:
        self.ws, self.say, self.clock = ws, say, clock

    # ------------------------------------------------------------------ helpers

    def run_command(self, user: str, text: str, channel: str = CHANNEL) -> str:
        return self.ws.command(user, channel, text)

    def at(self, day: date, hour: int, minute: int = 0) -> None:
        self.clock.set(datetime.combine(day, time(hour, minute), tzinfo=JST))

    def agency_id(self, key: str) -> str:
        assert self.ws.runtime is not None
        with self.ws.runtime.database.unit_of_work() as uow:
            agency = uow.agencies.by_key(key)
        assert agency is not None
        return agency.id

    def submit_form(self, user: str, values: dict[str, Any], answer: str) -> None:
        """Submit the form ``user`` has open, and wait for the bot's confirming DM."""
        view = self.ws.server.views(user)[-1]
        before = len(self.ws.server.dms(user))
        self.ws.slack.submit_view(user, view["id"], values)
        self.ws.wait_until(
            lambda: any(answer in str(m.get("text")) for m in self.ws.server.dms(user)[before:])
        )

    def room(self, channel: str = CHANNEL) -> str:
        """The meeting's own private channel: the newest one the bot made for ``channel``'s
        meetings (case threads live there, never in the coordinators' channel)."""
        assert self.ws.runtime is not None
        with self.ws.runtime.database.unit_of_work() as uow:
            rooms = [
                m.room_id
                for m in uow.meetings.upcoming(channel, date.min)
                if m.room_id is not None and m.room_archived_at is None
            ]
        assert rooms, "no meeting channel open"
        return rooms[-1]

    def head(self, code: str, channel: str = CHANNEL) -> str:
        """The ts of the newest thread head of the case in the meeting's channel."""
        heads = [
            m
            for m in self.ws.server.messages(self.room(channel))
            if f"事例 {code}" in str(m.get("text"))
        ]
        return str(heads[-1]["ts"])

    def replies(self, inputs: dict[str, list[str]], code: str, channel: str = CHANNEL) -> None:
        head, room = self.head(code, channel), self.room(channel)
        for key, texts in inputs.items():
            for text in texts:
                ts = self.ws.slack.user_posts(AGENCIES[key][0], room, text, thread_ts=head)
                self.received(room, ts)

    def received(self, channel: str, ts: str) -> None:
        """Wait for the bot's receipt (the reaction) of a reply."""
        self.ws.wait_until(lambda: self.ws.server.reactions(channel, ts))

    def answered(self, user: str, seen: int) -> None:
        """Wait for the bot's answer to ``user`` after the ``seen`` they had."""
        self.ws.wait_until(lambda: len(self.ws.server.ephemerals(user)) > seen)

    def acknowledge(self, people: list[str], day: date, channel: str = CHANNEL) -> None:
        """Coordinators confirm on the notice in the meeting's channel; members on the
        button of their DM (they are not in the channel before), which brings them in."""
        room = self.room(channel)
        notice = next(
            m
            for m in reversed(self.ws.server.messages(room))
            if ACK_ACTION in _json(m) and _label(day) in _json(m)
        )
        for user in people:
            before = len(self.ws.server.ephemerals(user))
            if user in self.ws.server.channel(room).members:
                self.ws.slack.click_button(user, room, str(notice["ts"]), ACK_ACTION)
            else:
                dm = self.ws.server.dm_channel_id(user)
                button = next(
                    m
                    for m in reversed(self.ws.server.messages(dm))
                    if ACK_ACTION in _json(m) and _label(day) in _json(m)
                )
                self.ws.slack.click_button(user, dm, str(button["ts"]), ACK_ACTION)
                self._wait_in(room, user)
            self.answered(user, before)

    def _wait_in(self, room: str, user: str) -> None:
        self.ws.wait_until(lambda: user in self.ws.server.channel(room).members)

    def record(self, day: date, values: dict[str, Any], channel: str = CHANNEL) -> None:
        self.run_command(COORDINATOR, f"record {day}", channel)
        self.submit_form(COORDINATOR, values, "会議記録を保存しました")

    def decide(self, code: str, values: dict[str, Any], channel: str = CHANNEL) -> None:
        self.run_command(COORDINATOR, f"decide {code}", channel)
        self.submit_form(COORDINATOR, values, "決定事項を記録しました")

    def document(self, command: str, channel: str = CHANNEL) -> None:
        """``minutes …`` or ``roles …``: wait until the file has reached the coordinator."""
        before = len(self.ws.server.files_shared_with(COORDINATOR))
        self.run_command(COORDINATOR, command, channel)
        self.ws.wait_until(
            lambda: len(self.ws.server.files_shared_with(COORDINATOR)) > before, timeout=20
        )
        self.ws.settle()

    def new_case(self, values: dict[str, Any], code: str) -> None:
        """Register a case through the form (状況と問題点 goes to the minutes only)."""
        self.run_command(COORDINATOR, "case new")
        self.submit_form(COORDINATOR, {"urgent": "no", **values}, code)

    # ------------------------------------------------------------------ the story

    def run(self) -> None:
        self.set_up()
        self.first_meeting()
        self.multilayer_meeting()
        self.second_meeting()
        say = self.say
        say.step("会議の構成員ではない人が事務局のチャンネルに参加すると、事務局に直ちに知らせる")
        before = len(self.ws.server.dms(COORDINATOR))
        self.ws.slack.member_joins(CHANNEL, OUTSIDER[0])
        self.ws.wait_until(lambda: len(self.ws.server.dms(COORDINATOR)) > before)
        say.flush()

    def set_up(self) -> None:
        say, run = self.say, self.run_command
        say.day("令和8年10月5日（月）— 準備")
        say.step("事務局が2つのプライベートチャンネルを会議チャンネルにする（/shien setup）")
        run(COORDINATOR, "setup")
        run(COORDINATOR, "setup", JUSO_CHANNEL)
        say.step("事務局が関係機関と構成員を登録する（/shien agency add）")
        for key, (user_id, _, name) in AGENCIES.items():
            extra = f" <@{CSW_SECOND[0]}>" if key == "csw" else ""
            run(COORDINATOR, f"agency add {key} {name} <@{user_id}>{extra}")
        say.step("定例の支援会議を設定する（毎月第2火曜 14:00。閉庁日は翌開庁日）")
        run(COORDINATOR, "monthly 2 火 14:00")
        say.step("日付を誤った場合（過去の日付）— 正しい形と例が返る")
        run(COORDINATOR, "adhoc 2020-01-07 14:00")

        say.step(
            "事務局が事例をフォームで登録する（状況と問題点は議事録にだけ載り、チャットには出ない）"
        )
        self.new_case(
            {
                "agencies": ["houkatsu", "shogai", "konkyu", "csw"],
                "summary": "母（82）と長男（54）の二人世帯。長男は約十年自宅から出ていない。"
                "母の認知症が進み、民生委員が郵便物の滞留に気づいた。長男は訪問を拒否している。",
            },
            "R8-001",
        )
        say.step("本人同意のある世帯（重層的支援会議で扱う: 同意を得た日を入れる）と、緊急の事例")
        self.new_case(
            {
                "agencies": ["csw", "kosodate", "shogai"],
                "consent": "2026-10-01",
                "summary": "DV被害により離婚した40代の母と子二人の世帯。次男は重度の自閉症で、"
                "登校バスに乗れない日は母が送迎するため、安定して働けない。"
                "複数の窓口に別々に相談している。",
            },
            "R8-002",
        )
        self.new_case(
            {
                "agencies": ["houkatsu", "kosodate"],
                "urgent": "yes",
                "summary": "14歳の生徒が、脳卒中の後遺症がある祖母の世話を毎晩しており、"
                "週に二、三日欠席している。学校のスクールカウンセラーからの相談。",
            },
            "R8-003",
        )
        say.step("議題を決める（目的: は議事録の「検討の目的」）。存在しない事例番号には一覧が返る")
        run(COORDINATOR, f"agenda add R8-001 {FIRST} 目的:世帯の状況の共有と、支援の入口の検討")
        run(COORDINATOR, f"agenda add R8-003 {FIRST} 目的:ヤングケアラーの可能性がある生徒への対応")
        run(COORDINATOR, "agenda add R8-099")
        say.step(f"重層的支援会議のチャンネルで、随時の重層的支援会議を登録する（{JUSO}）")
        run(COORDINATOR, f"adhoc {JUSO} 14:00 重層", JUSO_CHANNEL)
        run(
            COORDINATOR,
            "agenda add R8-002 目的:支援の目標と方針、各機関の役割分担の決定",
            JUSO_CHANNEL,
        )

    def first_meeting(self) -> None:
        say, run = self.say, self.run_command
        konkyu = AGENCIES["konkyu"][0]
        self.at(date(2026, 10, 6), 9)
        say.day("令和8年10月6日（火）— 定例の支援会議（10月13日）の情報収集")
        say.step("情報収集を開始する: 支援会議の守秘義務（社会福祉法第106条の6）→ スレッド → DM")
        run(COORDINATOR, f"open {FIRST}")
        room = self.room()
        assert konkyu not in self.ws.server.channel(room).members
        say.step(
            "構成員が DM のボタンで守秘義務を確認する: 確認した人から会議チャンネルに招待される"
            "（確認前はチャンネルにおらず、事例のスレッドは見えない）"
        )
        self.acknowledge([COORDINATOR, RECORDER, *(u for u, _, _ in AGENCIES.values())], FIRST)
        say.step("各機関がスレッドに返信する（受付のリアクションと、回答状況の更新）")
        self.replies(INPUTS["R8-001"], "R8-001")
        self.replies(INPUTS["R8-003"], "R8-003")
        say.step("事務局が回答状況を確認する（/shien status）")
        run(COORDINATOR, f"status {FIRST}")

        self.at(FIRST, 16, 10)
        say.day("令和8年10月13日（火）— 定例の支援会議")
        say.step(
            "会議記録を入力する（/shien record）。出席は守秘義務を確認した人が選ばれている:"
            " 当日の欠席だけ直す"
        )
        self.record(
            FIRST,
            {
                "place": "架空市役所 本庁舎3階 第1会議室",
                "method": "in_person",
                "started": "14:00",
                "ended": "15:50",
                "chair": COORDINATOR,
                "recorder": RECORDER,
                "others": "民生委員 1名（R8-001 の経過の説明のため）",
                "absent_people": [f"{self.agency_id('csw')}:{CSW_SECOND[0]}"],
            },
        )
        say.step("役割分担を記録する（担当: その機関の構成員）")
        houkatsu, csw = AGENCIES["houkatsu"][0], AGENCIES["csw"][0]
        for text in (
            f"role R8-001 houkatsu 母の介護保険サービス導入 期限:2026-11-09 主担当"
            f" 担当:<@{houkatsu}>",
            f"role R8-001 csw 長男への手紙による継続的な働きかけ（アウトリーチ） 担当:<@{csw}>",
            f"role R8-001 konkyu 家計改善支援と家賃の相談 担当:<@{konkyu}>",
            f"role R8-003 houkatsu 祖母の介護サービスの見直し 期限:2026-10-27 主担当"
            f" 担当:<@{houkatsu}>",
            f"role R8-003 kosodate ヤングケアラー支援の窓口への同行 担当:<@{AGENCIES['kosodate'][0]}>",
        ):
            run(COORDINATOR, text)
        say.step(
            "事例ごとに協議内容・緊急度・支援方針・次回モニタリングを記録する（/shien decide）。"
            "次回モニタリングの日以降の最初の会議に、事例が自動で戻る"
        )
        self.decide(
            "R8-001",
            {
                "discussion": "母の受診と介護保険の申請を先に進める。長男への訪問は控え、"
                "社協から手紙で継続的に関わる。家賃の滞納は家計改善支援で相談する。",
                "urgency": "medium",
                "urgency_reason": "生命の危険はないが、母の服薬管理ができておらず、"
                "家賃の滞納が続いている。",
                "policy": "母の介護サービス導入を入口に、長男には手紙で継続的に働きかける。",
                "monitoring": "2026-11-09",
                "outcome": "continue",
                "notes": "地域包括支援センターを主担当とし、4週間後に状況を確認する。",
            },
        )
        self.decide(
            "R8-003",
            {
                "discussion": "祖母の通所介護を増やし、本人が世話をする時間を減らす。"
                "学校と子ども家庭支援センターで本人の気持ちを聞く。",
                "urgency": "high",
                "urgency_reason": "本人の欠席が週2〜3日に増え、心身の負担が大きい。",
                "policy": "祖母の介護サービスを見直し、本人が学校に通える時間をつくる。",
                "monitoring": "2026-10-27",
                "outcome": "continue",
                "notes": "2週間以内に介護サービスの見直しを行い、次の支援会議で確認する。",
            },
        )
        say.step("議事録の案（Word）を受け取って確かめる")
        self.document(f"minutes {FIRST}")
        say.step("議事録を確定し、役割分担表を受け取る。各機関には自機関の役割だけが届く")
        self.document(f"minutes final {FIRST}")
        self.document(f"roles {FIRST}")

    def multilayer_meeting(self) -> None:
        say, run = self.say, self.run_command
        members = [AGENCIES[k][0] for k in ("csw", "kosodate", "shogai")]
        self.at(date(2026, 10, 20), 9)
        say.day("令和8年10月20日（火）— 重層的支援会議（10月27日）の情報収集")
        say.step(
            "重層的支援会議の情報収集を開始する: 守秘義務は要綱と本人同意による（罰則の記載なし）"
        )
        run(COORDINATOR, "open", JUSO_CHANNEL)
        say.step("構成員が守秘義務を確認し、スレッドに返信する")
        self.acknowledge([COORDINATOR, RECORDER, *members], JUSO, JUSO_CHANNEL)
        self.replies(INPUTS["R8-002"], "R8-002", JUSO_CHANNEL)

        self.at(JUSO, 15, 40)
        say.day("令和8年10月27日（火）— 重層的支援会議（プラン策定時）")
        say.step("会議記録を入力する（オンライン併用）")
        self.record(
            JUSO,
            {
                "place": "架空市社会福祉協議会 2階 相談室",
                "method": "hybrid",
                "started": "14:00",
                "ended": "15:30",
                "chair": AGENCIES["csw"][0],
                "recorder": RECORDER,
                "present_coordinators": [RECORDER],
                "absent_people": [f"{self.agency_id('csw')}:{CSW_SECOND[0]}"],
            },
            JUSO_CHANNEL,
        )
        say.step("役割分担を記録する（担当: その機関の構成員）")
        for text in (
            f"role R8-002 csw 本人への伴走と想いの代弁 主担当 担当:<@{AGENCIES['csw'][0]}>",
            "role R8-002 kosodate 子育て支援グループ（発達が気になる子の親の会）の紹介"
            f" 担当:<@{AGENCIES['kosodate'][0]}>",
            "role R8-002 shogai 放課後等デイサービスの利用調整 期限:2026-11-20"
            f" 担当:<@{AGENCIES['shogai'][0]}>",
        ):
            run(COORDINATOR, text, JUSO_CHANNEL)
        say.step("協議内容・緊急度・支援方針・次回モニタリングを記録する")
        self.decide(
            "R8-002",
            {
                "discussion": "本人の希望する就労時間を確保するため、次男の送迎と放課後の過ごし方を"
                "関係機関で分担する。生活保護は、車の保有が認められる場合を本人に説明する。",
                "urgency": "low",
                "urgency_reason": "生活は維持できており、当面の危険はない。",
                "policy": "本人の想いに寄り添い、就労と子育ての両立を関係機関で支える。",
                "monitoring": "2027-01-26",
                "outcome": "continue",
                "notes": "プランを承認する。社協を主担当とし、3か月後に評価する。",
            },
            JUSO_CHANNEL,
        )
        say.step("議事録を確定し、役割分担表を受け取る")
        self.document(f"minutes final {JUSO}", JUSO_CHANNEL)
        self.document(f"roles {JUSO}", JUSO_CHANNEL)

    def second_meeting(self) -> None:
        say, run = self.say, self.run_command
        konkyu = AGENCIES["konkyu"][0]
        self.at(date(2026, 11, 2), 9)
        say.day("令和8年11月2日（月）— 定例の支援会議（11月10日）の情報収集")
        say.step(
            "新しい事例を登録し、議題を確かめる（/shien agenda）: 2事例がモニタリングで戻っている"
        )
        self.new_case(
            {
                "agencies": ["houkatsu", "kosodate"],
                "summary": "パートで働く母と、入院中の祖母、5歳の長男の三世代世帯。祖母は退院後に"
                "介護が必要になる見込みで、医療費の負担が重い。長男は来年4月に就学する。",
            },
            "R8-004",
        )
        run(COORDINATOR, f"agenda add R8-004 {SECOND} 目的:退院後の生活と就学に向けた支援の検討")
        run(COORDINATOR, f"agenda {SECOND}")
        say.step("情報収集を開始する")
        run(COORDINATOR, f"open {SECOND}")
        self.acknowledge(
            [COORDINATOR, RECORDER, CSW_SECOND[0], *(u for u, _, _ in AGENCIES.values())],
            SECOND,
        )
        say.step("各機関がスレッドに返信する")
        self.replies(MONITORING["R8-001"], "R8-001")
        self.replies(MONITORING["R8-003"], "R8-003")
        self.replies(INPUTS["R8-004"], "R8-004")
        say.step("依頼先ではない機関の返信は記録されず、事務局は case ask でその機関に依頼する")
        before = len(self.ws.server.dms(COORDINATOR))
        self.ws.slack.user_posts(
            konkyu, self.room(), "高額療養費の相談歴あり。", thread_ts=self.head("R8-004")
        )
        self.ws.wait_until(lambda: len(self.ws.server.dms(COORDINATOR)) > before)
        run(COORDINATOR, "case ask R8-004 konkyu")
        say.step(
            "構成員ではない人が会議チャンネルに追加されると、ボットが直ちに外し、事務局に知らせる"
        )
        before = len(self.ws.server.dms(COORDINATOR))
        self.ws.slack.member_joins(self.room(), OUTSIDER[0])
        self.ws.wait_until(lambda: OUTSIDER[0] not in self.ws.server.channel(self.room()).members)
        self.ws.wait_until(lambda: len(self.ws.server.dms(COORDINATOR)) > before)
        self.replies(
            {"konkyu": ["高額療養費の申請を案内済み。母子福祉資金の貸付も案内する。"]}, "R8-004"
        )

        self.at(SECOND, 16)
        say.day("令和8年11月10日（火）— 定例の支援会議")
        say.step("会議記録を入力する（次回開催予定は定例の日付が選ばれている）")
        self.record(
            SECOND,
            {
                "place": "架空市役所 本庁舎3階 第1会議室",
                "method": "in_person",
                "started": "14:00",
                "ended": "15:45",
                "chair": COORDINATOR,
                "recorder": RECORDER,
                "absent_agencies": [self.agency_id("shogai")],
                f"present_{self.agency_id('shogai')}": [],
            },
        )
        say.step("役割分担と決定事項を記録する（モニタリングの事例は期限を見直す）")
        houkatsu, kosodate = AGENCIES["houkatsu"][0], AGENCIES["kosodate"][0]
        for text in (
            "role R8-001 houkatsu 母の介護保険サービス導入 期限:2027-01-12",
            "role R8-003 houkatsu 祖母の介護サービスの見直し 期限:2026-12-08",
            f"role R8-004 houkatsu 退院後の在宅生活の調整 主担当 担当:<@{houkatsu}>",
            f"role R8-004 kosodate 就学準備の支援 担当:<@{kosodate}>",
            f"role R8-004 konkyu 貸付の申請支援 期限:2026-11-30 担当:<@{konkyu}>",
        ):
            run(COORDINATOR, text)
        self.decide(
            "R8-001",
            {
                "discussion": "訪問介護が始まり、母の服薬は安定した。長男とは手紙でのやりとりを続ける。",
                "urgency": "low",
                "urgency_reason": "母の生活は介護サービスで支えられている。",
                "policy": "現在の支援を継続し、長男への働きかけを続ける。",
                "monitoring": "2027-01-12",
                "outcome": "continue",
                "notes": "1月の支援会議で長男の状況を確認する。",
            },
        )
        self.decide(
            "R8-003",
            {
                "discussion": "通所介護の増加で本人の負担が減り、欠席は週1回になった。",
                "urgency": "medium",
                "urgency_reason": "改善しているが、祖母の状態によって負担が戻るおそれがある。",
                "policy": "学校と連携し、本人の見守りを続ける。",
                "monitoring": "2026-12-08",
                "outcome": "continue",
                "notes": "12月の支援会議で確認する。",
            },
        )
        self.decide(
            "R8-004",
            {
                "discussion": "母の退院に合わせて在宅サービスを調整し、就学と家計の支援を並行する。",
                "urgency": "medium",
                "urgency_reason": "退院日が近く、医療費の負担が大きい。",
                "policy": "退院後の在宅生活を整え、就学準備と家計の支援を行う。",
                "monitoring": "2026-12-08",
                "outcome": "continue",
                "notes": "退院前カンファレンスに包括が出席する。",
            },
        )
        say.step("議事録を確定し、役割分担表を受け取る")
        self.document(f"minutes final {SECOND}")
        self.document(f"roles {SECOND}")


def _json(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False)


def _all_files(ws: LocalWorkspace) -> list[SharedFile]:
    people = [COORDINATOR, *(u for u, _, _ in AGENCIES.values()), CSW_SECOND[0]]
    files: list[SharedFile] = []
    for person in people:
        for shared in ws.server.files_shared_with(person):
            if shared.name not in {f.name for f in files}:
                files.append(shared)
    return files
