"""``shienbot demo``, plugged into the product's command line from beside it.

``pyproject.toml`` declares :func:`register` in the ``shienbot.commands`` entry-point group;
``bot.cli`` calls it while building its parser, so the product never imports ``localslack``.
This module stays light (the demo and the bot load only when the command runs) because it
is imported for every ``shienbot`` invocation, ``--help`` included.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import TYPE_CHECKING

from bot.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, Output, OutputError

if TYPE_CHECKING:
    from bot.settings import Settings
    from localslack.demo import DemoResult


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``demo`` to the ``shienbot`` subcommands."""
    demo = commands.add_parser(
        "demo",
        help="ローカルのSlackワークスペースで会議の一巡を実演し、議事録などを --out に書き出します",
    )
    demo.add_argument(
        "--out",
        default="demo-output",
        metavar="DIR",
        help="出力先フォルダ（既定 demo-output）: 文書と、端末のコマンドを試せるデータベース"
        " demo.sqlite3。同じフォルダで再実行すると、データベースを作り直します",
    )
    demo.add_argument(
        "--platform",
        choices=("slack", "teams"),
        default="slack",
        help="実演するチャット（既定 slack。teams は Teams の代役で実行）",
    )
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    """One whole meeting cycle on a local Slack workspace (no Slack, no network)."""
    if getattr(args, "platform", "slack") == "teams":  # the Teams stand-in's own demo
        from teamslocal.demo import cmd_demo_teams

        return cmd_demo_teams(settings, args)
    from localslack.demo import run_demo

    try:
        out = Output.prepare(args.out, folder=True).path
    except OutputError as error:
        print(f"引数エラー: --out — {error}", file=sys.stderr)
        return EXIT_USAGE
    print("支援会議ボット デモ — 架空市のローカルSlackワークスペースで、会議の一巡を実行します。")
    print("登場する人・機関・世帯はすべて架空です。チャットには事例番号だけが出ます。")
    result = run_demo(out)
    print("\n━━ 作成した文書")
    for path in result.files:
        print(f"   {path}")
    print(f"\nWeb API 呼び出し: {result.api_calls}回")
    if result.audit_problem:
        print(f"監査記録の検証: 問題があります — {result.audit_problem}")
    else:
        print(
            f"監査記録の検証（shienbot audit --verify と同じ）: {result.audit_events}件、改ざんなし"
        )
    _print_terminal_hint(result)
    if result.audit_problem:
        return EXIT_PROBLEMS
    if result.problems:
        print("\n実際のSlackならエラーになった点:")
        for problem in result.problems:
            print(f"   - {problem}")
        return EXIT_PROBLEMS
    return EXIT_OK


def _print_terminal_hint(result: DemoResult) -> None:
    """How to try the terminal commands on the database the demo leaves behind."""
    if result.database is None or result.meeting_day is None:
        return
    from localslack.demo import database_url

    database = result.database
    env = f"DATABASE_URL={shlex.quote(database_url(database))}"
    terminal = shlex.quote(f"{database.parent / 'terminal'}/")
    day = result.meeting_day.isoformat()
    replaced = "（前回のデモのデータベースは作り直しました）" if result.replaced else ""
    print("\n━━ 端末のコマンドを試す")
    print(f"   デモのデータベース: {database}{replaced}")
    print("   同じ --out でデモをもう一度実行すると、このデータベースは作り直されます。")
    print(f"   {env} shienbot audit --verify")
    print(f"   {env} shienbot audit --csv --out {terminal}")
    print(f"   {env} shienbot minutes --meeting {day} --out {terminal}")
    print(f"   {env} shienbot roles --meeting {day} --agency houkatsu --out {terminal}")
