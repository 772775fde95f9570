"""``shienbot demo --platform teams``: the same offline demo, on the Teams stand-in.

The real bot behind its ASGI endpoint, against Microsoft 365 Agents Playground when it is
installed here (``npm install --prefix .teamslocal @microsoft/m365agentsplayground``), else
against our own connector alone; no Microsoft service is contacted either way. It prints
what each person saw in their 1:1 chat with the bot, and what the channel saw, and writes
the documents received through file consent to ``out``.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.cli import EXIT_OK, EXIT_PROBLEMS
from bot.settings import Settings
from storage.files import write_private
from teamslocal.cycle import run_cycle
from teamslocal.harness import TeamsHarness
from teamslocal.playground import find_playground
from teamslocal.roster import PEOPLE

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@dataclass
class TeamsDemoResult:
    files: list[Path] = field(default_factory=list)
    calls: int = 0
    outside_personal: int = 0
    leaked: list[str] = field(default_factory=list)
    playground: bool = False


def _short(text: str, width: int = 110) -> str:
    line = " / ".join(part for part in text.split("\n") if part.strip())
    return line if len(line) <= width else line[: width - 1] + "…"


def run_teams_demo(out: Path, *, use_playground: bool | None = None) -> TeamsDemoResult:
    result = TeamsDemoResult()
    result.playground = find_playground() is not None if use_playground is None else use_playground
    print(
        "Teams 側: "
        + (
            "Microsoft 365 Agents Playground（ヘッドレス）"
            if result.playground
            else "ローカルのコネクタ（Agents Playground は未インストール）"
        )
    )
    with (
        tempfile.TemporaryDirectory() as folder,
        TeamsHarness(Path(folder), use_playground=result.playground, clock=lambda: NOW) as harness,
    ):
        cycle = run_cycle(harness, say=lambda text: print(f"\n▶ {text}"))
        for person in PEOPLE:
            print(f"\n━━ {person.name} の個人チャット")
            for message in harness.messages(person):
                print(f"   {_short(message.text)}")
        personal = harness.personal_conversations()
        outside = [
            c for c in harness.recorded() if c.conversation_id and c.conversation_id not in personal
        ]
        print("\n━━ チャネルに投稿されたもの（事例の内容は含まれません）")
        for call in outside:
            print(f"   {_short(str(call.body.get('text') or ''))}")
        secrets = list(cycle.codes.values())
        result.leaked = [s for c in outside for s in secrets if s in str(c.body)]
        result.outside_personal = len(outside)
        result.calls = len(harness.recorded())
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (
        ("minutes-2026-12-08-draft.docx", cycle.minutes),
        ("minutes-2026-12-08.docx", cycle.final_minutes),
        ("roles-2026-12-08.docx", cycle.roles),
    ):
        path = out / name
        write_private(path, data)
        result.files.append(path)
    return result


def cmd_demo_teams(settings: Settings, args: argparse.Namespace) -> int:
    print("支援会議ボット デモ（Teams）— 架空市のチームで、会議の一巡を実行します。")
    print("登場する人・機関・世帯はすべて架空です。事例の内容は各自の個人チャットにだけ届きます。")
    result = run_teams_demo(Path(args.out))
    print("\n━━ 作成した文書（ファイルの受け取りを許可して OneDrive 役のサーバーから取得）")
    for path in result.files:
        print(f"   {path}")
    print(f"\nコネクタの呼び出し: {result.calls}回（チャネル宛て {result.outside_personal}回）")
    if result.leaked:
        print("チャネルに事例番号が送られました: " + "、".join(result.leaked))
        return EXIT_PROBLEMS
    return EXIT_OK
