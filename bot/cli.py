"""The ``shienbot`` command line: the composition root that picks concrete adapters.

Exit codes: 0 success, 1 a check found problems or an operation failed, 2 a setting or an
argument is missing or malformed (one line naming it, never a traceback).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.services.access import Actor
    from bot.services.context import ServiceContext

log = logging.getLogger("shienbot")

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def configure_logging(verbose: bool = False) -> None:
    """The shipped configuration (``bot.log_config``): no request bodies or case content at
    any level — third-party loggers that log bodies at DEBUG (slack_sdk, Bolt, HTTP clients,
    SQL echo) are pinned at WARNING, and the handler drops their lower records regardless."""
    from bot.log_config import configure

    configure(verbose)


def _database(settings: Settings):  # type: ignore[no-untyped-def]
    # Imported here so that `shienbot --help` stays fast and works without a database driver.
    from storage import Database

    return Database(settings.resolved_database_url)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Bring the database schema up to date (safe to run repeatedly)."""
    database = _database(settings)
    try:
        before = database.current_revision()
        database.upgrade()
        after = database.current_revision()
    except Exception as exc:  # report, never dump a traceback with connection details
        print(f"移行に失敗しました: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    if before == after:
        print(f"データベースは最新です（リビジョン {after}）: {settings.safe_database_url()}")
    else:
        print(
            f"データベースを更新しました（{before or '空'} → {after}）: "
            f"{settings.safe_database_url()}"
        )
    return EXIT_OK


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate the settings and the database connection; say what is wrong and what to do."""
    problems: list[str] = []
    print(f"タイムゾーン: {settings.timezone}")
    print(f"Slack API: {settings.slack_api_url}")
    print(f"コーディネーター（初期設定）: {len(settings.coordinators)}人")
    print(f"データベース: {settings.safe_database_url()}")

    database = _database(settings)
    try:
        database.ping()
        current, head = database.current_revision(), database.head_revision()
        if current == head:
            print(f"  接続: OK / スキーマ: 最新（{head}）")
        else:
            problems.append(
                f"データベースのスキーマが古いか未作成です（現在 {current or 'なし'}、最新 {head}）。"
                "`shienbot migrate` を実行してください。"
            )
    except Exception as exc:
        problems.append(f"データベースに接続できません: {_describe_db_error(exc)}")
    finally:
        database.dispose()

    from bot.documents import DocumentTemplateError, DocxRenderer

    try:
        DocxRenderer(settings.templates_dir).validate_templates()
        print(f"文書テンプレート: OK（{settings.templates_dir or '標準のテンプレート'}）")
    except DocumentTemplateError as error:
        problems.append(f"文書テンプレートに問題があります: {error.message}")

    if settings.slack_bot_token is None:
        problems.append("SLACK_BOT_TOKEN が未設定です（ボットの実行に必要です）。")
    if settings.slack_app_token is None and settings.slack_signing_secret is None:
        problems.append(
            "SLACK_APP_TOKEN（ソケットモード）か SLACK_SIGNING_SECRET（HTTPモード）の"
            "どちらかを設定してください。"
        )
    if not settings.coordinators:
        problems.append(
            "SHIEN_COORDINATORS が空です。最初のコーディネーターのユーザーIDを設定してください。"
        )

    if problems:
        print("\n問題が見つかりました:")
        for problem in problems:
            print(f"  - {problem}")
        return EXIT_PROBLEMS
    print("\n問題はありません。")
    return EXIT_OK


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot: Socket Mode when ``SLACK_APP_TOKEN`` is set (unless ``--http``), else HTTP."""
    if settings.slack_bot_token is None:
        print(
            "設定エラー: SLACK_BOT_TOKEN — ボットの実行に必要です（xoxb- で始まる値）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    socket_mode = settings.slack_app_token is not None and not args.http
    if not socket_mode and settings.slack_signing_secret is None:
        print(
            "設定エラー: SLACK_SIGNING_SECRET — HTTPモードではリクエストの署名検証に必要です"
            "（ソケットモードなら SLACK_APP_TOKEN を設定してください）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.bootstrap import build_runtime
    from bot.chat.slack.serve import SlackHTTPServer, serve_socket_mode
    from bot.documents import DocumentTemplateError

    try:
        runtime = build_runtime(
            settings, socket_mode=socket_mode, scheduler=True, run_jobs=not args.no_scheduler
        )
    except DocumentTemplateError as error:
        print(f"テンプレートエラー: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as error:
        print(f"起動できませんでした: {_describe_db_error(error)}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        if socket_mode:
            assert settings.slack_app_token is not None
            log.info("ソケットモードで起動しました")
            serve_socket_mode(
                runtime.app, settings.slack_app_token.get_secret_value(), settings.slack_api_url
            )
        else:
            server = SlackHTTPServer(runtime.app, args.host, args.port)
            server.ready.set()
            log.info("HTTPモードで起動しました: %s/slack/events", server.url)
            server.serve_forever()
    except KeyboardInterrupt:
        log.info("停止しました")
    except Exception as error:
        code = getattr(getattr(error, "response", None), "get", lambda *_: None)("error")
        print(f"Slack との接続に失敗しました: {code or type(error).__name__}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        runtime.close()
    return EXIT_OK


def _operator() -> str:
    """Terminal commands are audited under the operator's login."""
    try:
        login = getpass.getuser()
    except Exception:
        login = "unknown"
    return f"operator:{login}"


def _document_command(
    settings: Settings,
    args: argparse.Namespace,
    make: Callable[[ServiceContext, Actor, date], tuple[str, bytes, str]],
) -> int:
    """Shared by ``minutes`` and ``roles``: parse the date, run the service, write the file."""
    from bot.bootstrap import build_terminal_context
    from bot.documents import DocumentTemplateError
    from bot.domain.calendar import parse_date
    from bot.domain.documents import sha256_of
    from bot.domain.errors import DomainError
    from bot.services.access import Actor

    try:
        day = parse_date(args.meeting)
    except DomainError as error:
        print(f"引数エラー: --meeting — {error.message}", file=sys.stderr)
        return EXIT_USAGE
    try:
        database, ctx = build_terminal_context(settings)
    except DocumentTemplateError as error:
        print(f"テンプレートエラー: {error.message}", file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        filename, data, what = make(ctx, Actor(_operator()), day)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    out = Path(args.out) if args.out else Path(filename)
    if out.is_dir():
        out = out / filename
    out.write_bytes(data)
    print(f"{what}を書き出しました: {out}（SHA-256: {sha256_of(data)}）")
    return EXIT_OK


def cmd_minutes(settings: Settings, args: argparse.Namespace) -> int:
    """The minutes of one meeting to a file: the draft, or with --final the frozen version."""
    from bot.services import documents

    def make(ctx: ServiceContext, actor: Actor, day: date) -> tuple[str, bytes, str]:
        if args.final:
            _, document, now = documents.finalise_minutes(ctx, actor, args.channel, day)
            return (
                document.filename,
                document.data,
                "議事録（確定版）" + ("" if now else "（確定済み）"),
            )
        _, filename, data, final = documents.minutes_document(ctx, actor, args.channel, day)
        return filename, data, "議事録（確定版）" if final else "議事録（案）"

    return _document_command(settings, args, make)


def cmd_roles(settings: Settings, args: argparse.Namespace) -> int:
    """The role-assignment summary of one meeting (or one agency's extract) to a file."""
    from bot.services import documents

    def make(ctx: ServiceContext, actor: Actor, day: date) -> tuple[str, bytes, str]:
        _, filename, data = documents.role_summary_document(
            ctx, actor, args.channel, day, args.agency
        )
        return filename, data, "役割分担表"

    return _document_command(settings, args, make)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """The audit trail for the privacy officer: CSV (UTF-8 with BOM, for Excel) to a file or
    stdout. The export is itself audited."""
    from bot.domain.calendar import parse_date
    from bot.domain.errors import DomainError
    from bot.services.access import Actor
    from bot.services.audit_log import audit_csv

    if not args.csv:
        print(
            "引数エラー: --csv を指定してください（例: shienbot audit --csv --out audit.csv）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        since = parse_date(args.since) if args.since else None
    except DomainError as error:
        print(f"引数エラー: --since — {error.message}", file=sys.stderr)
        return EXIT_USAGE
    database = _database(settings)
    try:
        text, rows = audit_csv(
            database.unit_of_work, _utc_now, settings.tz, Actor(_operator()), since
        )
    except Exception as exc:
        print(f"監査記録を読み出せませんでした: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    data = text.encode("utf-8-sig")
    if args.out:
        Path(args.out).write_bytes(data)
        print(f"監査記録 {rows}件を書き出しました: {args.out}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


def cmd_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Delete the raw inputs of meetings whose minutes have been final for longer than
    ``SHIEN_RETENTION_DAYS``, leaving audit tombstones; ``--dry-run`` only counts."""
    from bot.services.access import Actor
    from bot.services.retention import purge_inputs

    if settings.retention_days is None:
        print(
            "設定エラー: SHIEN_RETENTION_DAYS — 議事録の確定から入力を削除するまでの日数を"
            "設定してください（例: 1825）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    database = _database(settings)
    try:
        report = purge_inputs(
            database.unit_of_work,
            _utc_now,
            Actor(_operator()),
            settings.retention_days,
            dry_run=args.dry_run,
        )
    except Exception as exc:
        print(f"削除できませんでした: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    cutoff = report.cutoff.astimezone(settings.tz)
    scope = (
        f"議事録の確定から{settings.retention_days}日を過ぎた会議"
        f"（{cutoff:%Y-%m-%d %H:%M} より前に確定）"
    )
    if report.dry_run:
        print(
            f"試行（削除していません）: {scope} {report.meetings}件の入力 {report.inputs}件が削除の対象です。"
        )
    else:
        print(
            f"{scope} {report.meetings}件の入力 {report.inputs}件を削除しました"
            "（監査記録に削除の記録を残しました。確定した議事録は残っています）。"
        )
    return EXIT_OK


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """The 年度's counts for the 重層的支援体制整備事業 as CSV (UTF-8 with BOM, no personal
    data), to a file readable by its owner only, or to stdout. The export is audited."""
    from bot import texts
    from bot.domain.calendar import fiscal_year_label
    from bot.services.access import Actor
    from bot.services.report import report_csv

    year = args.fiscal_year
    if not 2000 <= year <= 2200:
        print(f"引数エラー: --fiscal-year — {texts.REPORT.year_invalid}", file=sys.stderr)
        return EXIT_USAGE
    database = _database(settings)
    try:
        text = report_csv(
            database.unit_of_work,
            _utc_now,
            _utc_now().astimezone(settings.tz).date(),
            Actor(_operator()),
            year,
        )
    except Exception as exc:
        print(f"実績を読み出せませんでした: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    data = text.encode("utf-8-sig")
    if not args.out:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    out = Path(args.out)
    if out.is_dir():
        out = out / f"report-{year}.csv"
    _write_private(out, data)
    label = fiscal_year_label(year)
    print(texts.REPORT.written.format(year=label, out=out), file=sys.stderr)
    return EXIT_OK


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable and writable by its owner only (0600), also when
    the file was there before with wider permissions."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)
        os.write(descriptor, data)
    finally:
        os.close(descriptor)


def _describe_db_error(exc: Exception) -> str:
    """One line about a database failure: its kind and the driver's first line, no params."""
    original = getattr(exc, "orig", None) or exc
    first_line = (str(original).strip().splitlines() or [""])[0]
    return f"{type(original).__name__}: {first_line}"[:300]


Command = Callable[[Settings, argparse.Namespace], int]

#: Installed packages add subcommands through this entry-point group: each entry point is a
#: callable ``register(subparsers)`` that adds its subparser and sets ``handler`` (a
#: ``Command``) as its default. ``shienbot demo`` comes this way from ``localslack``, the
#: local Slack workspace beside the product, which the product itself never imports.
COMMANDS_ENTRY_POINT_GROUP = "shienbot.commands"


def _add_plugin_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the subcommands of the ``shienbot.commands`` entry points, in name order.

    Without any (``localslack`` not installed) the CLI simply has no such subcommands. A
    plug-in that fails to load is named on stderr and skipped, so that it can never stop
    ``serve``, ``migrate`` or the other built-in commands."""
    seen: set[str] = set()
    for entry_point in sorted(
        entry_points(group=COMMANDS_ENTRY_POINT_GROUP), key=lambda ep: ep.name
    ):
        if entry_point.name in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(entry_point.name)
        try:
            register = entry_point.load()
            register(commands)
        except Exception as exc:
            print(
                f"拡張コマンド {entry_point.name} を読み込めませんでした: "
                f"{type(exc).__name__}: {exc}",
                file=sys.stderr,
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shienbot",
        description=(
            "支援会議ボット — 重層的支援体制整備事業の支援会議・重層的支援会議を"
            "チャットで運営します。設定は環境変数で行います（README参照）。"
        ),
    )
    parser.add_argument("--version", action="version", version=f"shienbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="詳細なログを出力します")
    commands = parser.add_subparsers(dest="command", metavar="<command>")

    migrate = commands.add_parser(
        "migrate", help="データベースのスキーマを最新にします（何度実行しても安全です）"
    )
    migrate.set_defaults(handler=cmd_migrate)

    check = commands.add_parser(
        "check", help="設定とデータベース接続を確認し、問題があれば内容を表示します"
    )
    check.set_defaults(handler=cmd_check)

    serve = commands.add_parser(
        "serve",
        help="ボットを起動します（SLACK_APP_TOKEN があればソケットモード、--http でHTTPモード）",
    )
    serve.add_argument(
        "--http", action="store_true", help="HTTPモード（/slack/events）で待ち受けます"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="HTTPモードの待ち受けアドレス（既定 127.0.0.1）"
    )
    serve.add_argument("--port", type=int, default=3000, help="HTTPモードのポート（既定 3000）")
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help="このプロセスでは予約送信（情報収集の開始・リマインド）を実行しません（予定の登録は行います）",
    )
    serve.set_defaults(handler=cmd_serve)

    minutes = commands.add_parser("minutes", help="会議の議事録（Word）をファイルに書き出します")
    minutes.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="会議の日付")
    minutes.add_argument("--channel", help="同じ日に複数の会議があるときのチャンネルID")
    minutes.add_argument(
        "--final", action="store_true", help="議事録を確定し、確定版を書き出します"
    )
    minutes.add_argument("--out", help="出力先（ファイルまたはフォルダ。既定は minutes-日付.docx）")
    minutes.set_defaults(handler=cmd_minutes)

    roles = commands.add_parser("roles", help="会議の役割分担表（Word）をファイルに書き出します")
    roles.add_argument("--meeting", required=True, metavar="YYYY-MM-DD", help="会議の日付")
    roles.add_argument("--channel", help="同じ日に複数の会議があるときのチャンネルID")
    roles.add_argument(
        "--agency", metavar="KEY", help="この機関の役割だけを書き出します（例: houkatsu）"
    )
    roles.add_argument("--out", help="出力先（ファイルまたはフォルダ。既定は roles-日付.docx）")
    roles.set_defaults(handler=cmd_roles)

    audit = commands.add_parser(
        "audit", help="監査記録を CSV（Excel で開ける UTF-8 BOM 付き）で書き出します"
    )
    audit.add_argument("--csv", action="store_true", help="CSV 形式で書き出します")
    audit.add_argument("--since", metavar="YYYY-MM-DD", help="この日以降の記録だけ")
    audit.add_argument("--out", help="出力先のファイル（既定は標準出力）")
    audit.set_defaults(handler=cmd_audit)

    purge = commands.add_parser(
        "purge",
        help="議事録の確定から SHIEN_RETENTION_DAYS 日を過ぎた会議の入力（スレッド・フォーム）を削除します",
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="削除せずに、対象の件数だけを表示します"
    )
    purge.set_defaults(handler=cmd_purge)

    report = commands.add_parser(
        "report",
        help="重層的支援体制整備事業の年度の実績（会議の開催回数・検討事例数・結果・場面）を "
        "CSV（UTF-8 BOM 付き・個人情報なし）で書き出します",
    )
    report.add_argument(
        "--fiscal-year",
        type=int,
        required=True,
        metavar="YYYY",
        help="年度（例: 2026 は令和8年度）",
    )
    report.add_argument(
        "--out", help="出力先のファイル（既定は標準出力。ファイルは本人のみ読める 0600）"
    )
    report.set_defaults(handler=cmd_report)

    _add_plugin_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    configure_logging(args.verbose)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    handler: Command = args.handler
    return handler(settings, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
