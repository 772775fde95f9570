"""``shienbot demo``, plugged into the product's command line from beside it.

``pyproject.toml`` declares :func:`register` in the ``shienbot.commands`` entry-point group;
``bot.cli`` calls it while building its parser, so the product never imports ``localslack``.
This module stays light (the demo and the bot load only when the command runs) because it
is imported for every ``shienbot`` invocation, ``--help`` included.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import EXIT_OK, EXIT_PROBLEMS

if TYPE_CHECKING:
    from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the ``shienbot`` subcommands."""
    demo = commands.add_parser(
        "demo",
        help="ローカルのSlackワークスペースで会議の一巡を実演し、議事録などを --out に書き出します",
    )
    demo.add_argument(
        "--out", default="demo-output", help="文書の出力先フォルダ（既定 demo-output）"
    )
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """One whole meeting cycle on a local Slack workspace (no Slack, no network)."""
    from localslack.demo import run_demo

    out = Path(args.out)
    print("支援会議ボット デモ — 架空市のローカルSlackワークスペースで、会議の一巡を実行します。")
    print("登場する人・機関・世帯はすべて架空です。チャットには事例番号だけが出ます。")
    result = run_demo(out)
    print("\n━━ 作成した文書")
    for path in result.files:
        print(f"   {path}")
    print(f"\nWeb API 呼び出し: {result.api_calls}回")
    if result.problems:
        print("\n実際のSlackならエラーになった点:")
        for problem in result.problems:
            print(f"   - {problem}")
        return EXIT_PROBLEMS
    return EXIT_OK
