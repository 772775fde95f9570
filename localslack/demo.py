"""``shienbot demo``: one whole meeting cycle on a local Slack workspace, offline.

The real bot runs over HTTP against the local workspace with a throwaway SQLite database.
架空市's coordinator sets up a channel, registers agencies, schedules an ad-hoc meeting and
three cases (one a 重層的支援会議 case with consent); the agencies confirm the secrecy notice
and answer in threads; roles and a decision are recorded; the minutes and role summaries
are written to ``--out``. The transcript shows what each person saw.

Every person, agency and household here is fictional (../shared/scenarios.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.domain.calendar import JapaneseCalendar
from bot.services.messages import ACK_ACTION
from localslack import SharedFile
from localslack.harness import LocalWorkspace

CHANNEL = "C0KAIGI01"
CHANNEL_NAME = "kaigi-01"  # opaque: no personal data in channel names
COORDINATOR = "U0JIMU"
AGENCIES = {
    # key: (member user id, member display name, agency name)
    "houkatsu": ("U0HOUKATSU", "包括 架空一郎", "架空市中央地域包括支援センター"),
    "shogai": ("U0SHOGAI", "基幹 架空二郎", "架空市基幹相談支援センター"),
    "konkyu": ("U0KONKYU", "自立 架空三子", "架空市くらし自立相談センター"),
    "csw": ("U0CSW", "CSW 架空四郎", "架空市社会福祉協議会（CSW）"),
    "kosodate": ("U0KOSODATE", "子ども 架空五月", "架空市子ども家庭支援センター"),
}
OUTSIDER = ("U0VISITOR", "来訪 架空六郎")

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
        "houkatsu": ["祖母の介護サービス利用状況を確認する。"],
        "kosodate": ["ヤングケアラー支援の窓口につなぐ。"],
    },
}


@dataclass
class DemoResult:
    files: list[Path] = field(default_factory=list)
    api_calls: int = 0
    problems: list[str] = field(default_factory=list)


class _Narrator:
    """Prints each step and what people saw because of it (new transcript entries), with
    people's display names instead of their IDs."""

    def __init__(self, ws: LocalWorkspace, echo: Callable[[str], None]) -> None:
        self.ws, self.echo, self.seen, self.step_no = ws, echo, 0, 0
        self.names = {COORDINATOR: "事務局 架空花子", OUTSIDER[0]: OUTSIDER[1]}
        self.names.update({user_id: name for user_id, name, _ in AGENCIES.values()})

    def _readable(self, text: str) -> str:
        for user_id, name in self.names.items():
            text = text.replace(f"<@{user_id}>", f"@{name}").replace(user_id, name)
        return text

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


def meeting_day(today: date) -> date:
    return JapaneseCalendar().next_working_day(today + timedelta(days=7))


def run_demo(out_dir: Path, echo: Callable[[str], None] = print) -> DemoResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    result = DemoResult()
    with tempfile.TemporaryDirectory(prefix="shienbot-demo-") as tmp:
        ws = LocalWorkspace(f"sqlite:///{Path(tmp) / 'demo.sqlite3'}", coordinators=(COORDINATOR,))
        with ws:
            _cast(ws)
            _play(ws, _Narrator(ws, echo), result, out_dir)
            result.api_calls = ws.server.api_call_count()
            result.problems = list(ws.server.problems)
    return result


def _cast(ws: LocalWorkspace) -> None:
    ws.server.add_user(COORDINATOR, "事務局 架空花子")
    for user_id, name, _ in AGENCIES.values():
        ws.server.add_user(user_id, name)
    ws.server.add_user(*OUTSIDER)
    members = [COORDINATOR, *(u for u, _, _ in AGENCIES.values()), ws.server.bot_user_id]
    ws.server.add_channel(CHANNEL, CHANNEL_NAME, is_private=True, members=members)


def _play(ws: LocalWorkspace, say: _Narrator, result: DemoResult, out_dir: Path) -> None:
    today = date.today()
    day = meeting_day(today)
    coordinator = COORDINATOR

    def run(user: str, text: str) -> str:
        return ws.command(user, CHANNEL, text)

    say.step("事務局がプライベートチャンネルを会議チャンネルにする（/shien setup）")
    run(coordinator, "setup")
    say.step("事務局が関係機関と構成員を登録する（/shien agency add）")
    for key, (user_id, _, name) in AGENCIES.items():
        run(coordinator, f"agency add {key} {name} <@{user_id}>")

    say.step(f"事務局が随時の支援会議を登録する（/shien adhoc {day} 14:00）")
    run(coordinator, f"adhoc {day} 14:00")
    say.step("日付を誤った場合（過去の日付）— 正しい形と例が返る")
    run(coordinator, "adhoc 2020-01-07 14:00")

    say.step("事務局が事例を登録する（フォーム: 8050世帯、状況と問題点は議事録にだけ載る）")
    run(coordinator, "case new")
    view = ws.server.views(coordinator)[-1]
    ws.slack.submit_view(
        coordinator,
        view["id"],
        {
            "agencies": ["houkatsu", "shogai", "konkyu", "csw"],
            "urgent": "no",
            "summary": "母（82）と長男（54）の二人世帯。長男は約十年自宅から出ていない。"
            "母の認知症が進み、民生委員が郵便物の滞留に気づいた。長男は訪問を拒否している。",
        },
    )
    ws.wait_until(lambda: any("R8-001" in str(m.get("text")) for m in ws.server.dms(coordinator)))
    say.step("重層的支援会議の事例（本人同意あり）と、緊急の事例をコマンドで登録する")
    run(coordinator, f"case new csw kosodate shogai 重層 同意:{today - timedelta(days=6)}")
    run(coordinator, "case new houkatsu kosodate csw 緊急")
    say.step("議題に追加する。存在しない事例番号には登録済みの番号が示される")
    for code in ("R8-001", "R8-002", "R8-003"):
        run(coordinator, f"agenda add {code}")
    run(coordinator, "agenda add R8-099")

    say.step("情報収集を開始する（/shien open）: 守秘義務の通知 → 事例ごとのスレッド → 依頼のDM")
    run(coordinator, "open")
    notice = next(m for m in ws.server.messages(CHANNEL) if "守秘義務" in str(m.get("text")))
    heads = {
        code: next(
            m["ts"] for m in ws.server.messages(CHANNEL) if f"事例 {code}" in str(m.get("text"))
        )
        for code in INPUTS
    }

    konkyu = AGENCIES["konkyu"][0]
    say.step("確認前に返信した構成員: 投稿は保留され、本人にだけ確認を促す")
    early = ws.slack.user_posts(
        konkyu, CHANNEL, INPUTS["R8-001"]["konkyu"][0], thread_ts=heads["R8-001"]
    )
    ws.wait_until(lambda: len(ws.server.ephemerals(konkyu)) > 0)

    say.step("各機関の構成員が守秘義務を確認する（通知のボタン、または /shien ack）")
    ws.slack.click_button(coordinator, CHANNEL, str(notice["ts"]), ACK_ACTION)
    for key, (user_id, _, _) in AGENCIES.items():
        if key == "konkyu":
            run(user_id, "ack")  # its held reply now counts
        else:
            before = len(ws.server.ephemerals(user_id))
            ws.slack.click_button(user_id, CHANNEL, str(notice["ts"]), ACK_ACTION)
            _wait_for_answer(ws, user_id, before)
    ws.wait_until(lambda: ws.server.reactions(CHANNEL, early))

    say.step("各機関がスレッドに返信する（受付のリアクションと、スレッド先頭の回答状況の更新）")
    for code, by_agency in INPUTS.items():
        for key, texts in by_agency.items():
            if code == "R8-001" and key == "konkyu":
                continue  # already posted above
            for text in texts:
                ts = ws.slack.user_posts(AGENCIES[key][0], CHANNEL, text, thread_ts=heads[code])
                _wait_for_receipt(ws, ts)
    say.step("依頼先ではない機関の投稿は記録されず、本人と事務局に知らせる")
    before = len(ws.server.dms(coordinator))
    ws.slack.user_posts(konkyu, CHANNEL, "（依頼先外からの補足）", thread_ts=heads["R8-003"])
    ws.wait_until(lambda: len(ws.server.dms(coordinator)) > before)

    say.step(
        "事務局が回答状況を確認し（/shien status）、未回答の機関にリマインドする（/shien remind）"
    )
    run(coordinator, "status")
    run(coordinator, "remind")

    say.step("会議で役割分担を記録する（/shien role）")
    month, fortnight = day + timedelta(days=30), day + timedelta(days=14)
    for text in (
        f"role R8-001 houkatsu 母の介護保険サービス導入 期限:{month} 主担当",
        "role R8-001 csw 長男への手紙による継続的な働きかけ（アウトリーチ）",
        "role R8-001 konkyu 家計改善支援と家賃の相談",
        "role R8-002 csw 本人への伴走と想いの代弁 主担当",
        "role R8-002 kosodate 子育て支援グループ（発達が気になる子の親の会）の紹介",
        f"role R8-003 houkatsu 祖母の介護サービスの見直し 期限:{fortnight} 主担当",
    ):
        run(coordinator, text)

    say.step("決定事項をフォームで記録する（/shien decide R8-001）")
    run(coordinator, "decide R8-001")
    view = ws.server.views(coordinator)[-1]
    ws.slack.submit_view(
        coordinator,
        view["id"],
        {
            "policy": "母の介護サービス導入を優先し、長男には手紙で継続的に働きかける。",
            "monitoring": (day + timedelta(days=42)).isoformat(),
            "outcome": "continue",
            "notes": "地域包括支援センターを主担当とし、六週間後に状況を確認する。",
        },
    )
    ws.wait_until(
        lambda: any(
            "決定事項を記録しました" in str(m.get("text")) for m in ws.server.dms(coordinator)
        )
    )

    say.step("事務局が議事録と役割分担表を受け取る。各機関には自機関の役割だけが届く")
    run(coordinator, "minutes")
    run(coordinator, "roles")
    expected = 1 + 1 + len({"houkatsu", "csw", "konkyu", "kosodate"})
    ws.wait_until(lambda: len(_all_files(ws)) >= expected, timeout=20)

    say.step("会議の構成員ではない人がチャンネルに参加すると、事務局に直ちに知らせる")
    before = len(ws.server.dms(coordinator))
    ws.slack.member_joins(CHANNEL, OUTSIDER[0])
    ws.wait_until(lambda: len(ws.server.dms(coordinator)) > before)
    say.flush()

    for shared in _all_files(ws):
        target = out_dir / shared.name
        target.write_bytes(shared.bytes)
        if target not in result.files:
            result.files.append(target)


def _all_files(ws: LocalWorkspace) -> list[SharedFile]:
    people = [COORDINATOR, *(u for u, _, _ in AGENCIES.values())]
    files: list[SharedFile] = []
    for person in people:
        for shared in ws.server.files_shared_with(person):
            if shared.name not in {f.name for f in files}:
                files.append(shared)
    return files


def _wait_for_receipt(ws: LocalWorkspace, ts: str) -> None:
    ws.wait_until(lambda: ws.server.reactions(CHANNEL, ts))


def _wait_for_answer(ws: LocalWorkspace, user_id: str, seen: int) -> None:
    ws.wait_until(lambda: len(ws.server.ephemerals(user_id)) > seen)
