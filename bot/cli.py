"""The ``shienbot`` command line: the composition root that picks concrete adapters.

Exit codes: 0 success, 1 a check found problems or an operation failed, 2 a setting or an
argument is missing or malformed (one line naming it, never a traceback).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, tzinfo
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.domain.audit_chain import ChainBreak
    from bot.services.access import Actor
    from bot.services.context import ServiceContext
    from storage import Database

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


def _database(settings: Settings) -> Database:
    # Imported here so that `shienbot --help` stays fast and works without a database driver.
    from storage import Database

    return Database(settings.resolved_database_url)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Bring the database schema up to date (safe to run repeatedly); with
    ``--grant-app-role``, give the bot's PostgreSQL role its least privileges."""
    from storage.database import NotSQLite

    role = args.grant_app_role
    if role is not None and not _is_postgresql(settings):
        print(
            "引数エラー: --grant-app-role — PostgreSQL のときだけ使えます"
            "（SQLite ではファイルの権限 0600 がアクセス制御です）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    database = _database(settings)
    try:
        before = database.current_revision()
        database.upgrade()
        after = database.current_revision()
        if role is not None:
            database.grant_app_role(role)
    except LookupError:
        print(f"ロール「{role}」がありません（CREATE ROLE で作成してください）。", file=sys.stderr)
        return EXIT_PROBLEMS
    except NotSQLite:  # pragma: no cover - checked above
        return EXIT_USAGE
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
    if role is not None:
        print(
            f"ロール「{role}」に権限を設定しました（監査記録は追加と参照のみ。"
            "テーブルの所有者はこの移行を実行したロールです）。"
        )
    return EXIT_OK


def _is_postgresql(settings: Settings) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).get_backend_name() == "postgresql"


def _security_problems(settings: Settings, database: Database) -> list[str]:
    """What would let someone read the database files or rewrite the audit trail."""
    from storage.files import loose_mode

    problems: list[str] = []
    sqlite_file = database.sqlite_file
    if sqlite_file is not None:
        folders = {sqlite_file.parent}
        if settings.database_url is None:
            folders.add(settings.data_dir)
        for folder in sorted(folders):
            mode = loose_mode(folder)
            if mode is not None:
                problems.append(
                    f"データフォルダ {folder} を他のユーザーが参照できます（{mode:04o}）。"
                    f"`chmod 700 {folder}` を実行してください。"
                )
        for path in database.sqlite_files():
            mode = loose_mode(path)
            if mode is not None:
                problems.append(
                    f"データベースのファイル {path} を他のユーザーが読めます（{mode:04o}）。"
                    f"`chmod 600 {path}` を実行してください。"
                )
    if database.audit_table_alterable():
        problems.append(
            "ボットの接続ロールが監査記録のテーブルを変更できます（所有者またはスーパーユーザー）。"
            "所有者のロールで `shienbot migrate --grant-app-role <ボットのロール>` を実行し、"
            "ボットはそのロールで接続してください（README「PostgreSQL」参照）。"
        )
    return problems


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
        security = _security_problems(settings, database)
        problems.extend(security)
        if not security:
            print("  ファイルの権限・監査記録の保護: OK")
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
    if not socket_mode:
        return _serve_http(settings, args)
    from bot.bootstrap import build_runtime
    from bot.chat.slack.serve import serve_socket_mode
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
        assert settings.slack_app_token is not None
        log.info("ソケットモードで起動しました")
        serve_socket_mode(
            runtime.app, settings.slack_app_token.get_secret_value(), settings.slack_api_url
        )
    except KeyboardInterrupt:
        log.info("停止しました")
    except Exception as error:
        code = getattr(getattr(error, "response", None), "get", lambda *_: None)("error")
        print(f"Slack との接続に失敗しました: {code or type(error).__name__}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        runtime.close()
    return EXIT_OK


def _serve_http(settings: Settings, args: argparse.Namespace) -> int:
    """HTTP mode on gunicorn: SHIEN_HTTP_WORKERS processes behind one address (see
    ``bot.bootstrap.serve_http``); SIGTERM or Ctrl+C stops it gracefully."""
    from bot import texts
    from bot.bootstrap import document_renderer, serve_http
    from bot.chat.slack.production import ServerOptions
    from bot.documents import DocumentTemplateError

    try:
        document_renderer(settings)  # a broken template stops the start here, once
    except DocumentTemplateError as error:
        print(texts.SERVE.template_error.format(error=error), file=sys.stderr)
        return EXIT_PROBLEMS
    options = ServerOptions(
        host=args.host,
        port=args.port,
        workers=settings.http_workers,
        read_timeout=float(settings.http_read_timeout),
        verbose=args.verbose,
    )
    log.info(texts.SERVE.http_starting.format(bind=options.bind, workers=options.workers))
    try:
        status = serve_http(
            settings,
            options,
            run_jobs=not args.no_scheduler,
            boot_error=lambda error: texts.SERVE.start_failed.format(
                error=_describe_db_error(error)
            ),
        )
    except Exception as error:
        print(texts.SERVE.start_failed.format(error=_describe_db_error(error)), file=sys.stderr)
        return EXIT_PROBLEMS
    if status != 0:
        print(texts.SERVE.http_failed, file=sys.stderr)
        return EXIT_PROBLEMS
    log.info(texts.SERVE.stopped)
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
    if not _write_private(out, data):
        return EXIT_PROBLEMS
    print(f"{what}を書き出しました: {out}（SHA-256: {sha256_of(data)}）")
    return EXIT_OK


def _write_private(out: Path, data: bytes) -> bool:
    """Documents hold case content: written 0600 whatever the umask; a failure is one line."""
    from storage.files import write_private

    try:
        write_private(out, data)
    except OSError as error:
        print(
            f"書き出せませんでした: {out} — {error.strerror or type(error).__name__}",
            file=sys.stderr,
        )
        return False
    return True


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
    stdout, the export itself audited; or ``--verify``, the check of its hash chain."""
    from bot.domain.calendar import parse_date
    from bot.domain.errors import DomainError
    from bot.services.access import Actor
    from bot.services.audit_log import audit_csv

    if args.verify:
        return _verify_audit(settings, args.anchor)
    if args.anchor:
        print("引数エラー: --anchor は --verify と一緒に指定してください。", file=sys.stderr)
        return EXIT_USAGE
    if not args.csv:
        print(
            "引数エラー: --csv か --verify を指定してください"
            "（例: shienbot audit --csv --out audit.csv）。",
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
        if not _write_private(Path(args.out), data):
            return EXIT_PROBLEMS
        print(f"監査記録 {rows}件を書き出しました: {args.out}", file=sys.stderr)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return EXIT_OK


def _verify_audit(settings: Settings, anchor: str | None) -> int:
    """Check the audit trail's hash chain: 0 and one line when intact, 1 and the first event
    that does not match when not. With an anchor (a hash noted from an earlier run), the
    chain must still contain it."""
    from storage.audit_chain import verify_audit_trail

    anchor = (anchor or "").strip().rstrip("…").lower()
    if anchor and not re.fullmatch(r"[0-9a-f]{16,64}", anchor):
        print(
            "引数エラー: --anchor — 以前の検証で表示されたハッシュ（16文字以上の16進数）を"
            "指定してください。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    database = _database(settings)
    try:
        report = verify_audit_trail(database.engine, anchor)
    except Exception as exc:
        print(f"監査記録を検証できませんでした: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    if report.problem is None and anchor and report.anchor_seq is None:
        print(
            f"監査記録の改ざんを検出しました: 以前の検証で記録したハッシュ {anchor[:16]}… が"
            "見つかりません（記録全体が作り直されています）。"
        )
        return EXIT_PROBLEMS
    if report.problem is None:
        found = f"、記録したハッシュは連番 {report.anchor_seq}" if anchor else ""
        print(
            f"監査記録は改ざんされていません: {report.count}件を検証しました"
            f"（最新の連番 {report.last_seq}、ハッシュ {report.last_hash[:16]}…{found}）。"
        )
        return EXIT_OK
    print(f"監査記録の改ざんを検出しました: {describe_break(report.problem, settings.tz)}")
    return EXIT_PROBLEMS


def describe_break(problem: ChainBreak, tz: tzinfo) -> str:
    """One Japanese line naming the first event that does not match, and what it means."""
    from bot.domain.audit_chain import BreakKind
    from bot.domain.model import AuditAction
    from bot.services.audit_log import action_label

    event = problem.event
    named = ""
    if event is not None:
        try:
            action = action_label(AuditAction(event.action))
        except ValueError:
            action = event.action
        when = event.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        named = f"連番 {event.seq} の記録（{when}、{action}、ID {event.event_id}）"
    head = problem.expected_last_seq
    return {
        BreakKind.CHANGED: f"{named}の内容が記録時と一致しません（書き換えまたは置き換え）。",
        BreakKind.RELINKED: f"{named}が直前の記録とつながっていません"
        "（その前の記録が削除・並べ替え・置き換えされています）。",
        BreakKind.INSERTED: f"{named}以降に、後から挿入された記録があります。",
        BreakKind.UNRECORDED: f"{named}はボットを通さずに追加されています"
        f"（ボットが記録した最後は連番 {head}）。",
        BreakKind.TAIL_DELETED: f"最後の記録（連番 {head}）までのうち、末尾の記録が削除されています。",
        BreakKind.NO_HEAD: "監査記録のチェーンの先頭（audit_chain）がありません"
        "（削除されたか、`shienbot migrate` が未実行です）。",
    }[problem.kind]


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the embedded SQLite database while the bot runs (0600)."""
    from storage.audit_chain import verify_audit_trail

    if _is_postgresql(settings):
        print(
            "引数エラー: backup は埋め込みの SQLite データベース用です。PostgreSQL は pg_dump で"
            "保存してください（README「PostgreSQL」参照）。",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out = Path(args.out)
    if out.is_dir():
        stamp = datetime.now(settings.tz).strftime("%Y%m%d-%H%M%S")
        out = out / f"shienbot-backup-{stamp}.sqlite3"
    if not out.parent.is_dir():
        print(f"引数エラー: --out — フォルダ「{out.parent}」がありません。", file=sys.stderr)
        return EXIT_USAGE
    database = _database(settings)
    try:
        if database.current_revision() is None:
            print(
                "データベースがまだありません（`shienbot migrate` を実行してください）。",
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
        report = database.backup(out)
    except Exception as exc:
        print(f"バックアップできませんでした: {_describe_db_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    copy = _database_at(report.path)
    try:
        chain = verify_audit_trail(copy.engine)
    finally:
        copy.dispose()
    verdict = (
        f"監査記録 {chain.count}件の検証 OK"
        if chain.ok
        else "監査記録の検証で問題が見つかりました（`shienbot audit --verify` で確認してください）"
    )
    print(f"バックアップを作成しました: {report.path}（{report.size:,}バイト、{verdict}）。")
    return EXIT_OK if chain.ok else EXIT_PROBLEMS


def _database_at(path: Path) -> Database:
    from storage import Database

    return Database(f"sqlite:///{path}")


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
        scrubbed = None
        if not args.dry_run and database.sqlite_file is not None:
            # Deleted rows are zeroed (secure_delete); VACUUM and a TRUNCATE checkpoint
            # leave no copy in free pages or the WAL either (also after an earlier run
            # whose checkpoint another connection held up).
            scrubbed = database.scrub()
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
        if scrubbed is False:
            print(
                "注意: 他の接続が読み取り中だったため、WAL ファイルの消去が完了していません。"
                "ボットが動いていない時間にもう一度 `shienbot purge` を実行してください。",
                file=sys.stderr,
            )
            return EXIT_PROBLEMS
        if report.inputs and _is_postgresql(settings):
            print(
                "PostgreSQL では、削除した内容がディスクから消えるのはテーブルの書き直し後です。"
                "所有者のロールで `VACUUM FULL agency_inputs;` を実行してください（README参照）。"
            )
    return EXIT_OK


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
    migrate.add_argument(
        "--grant-app-role",
        metavar="ROLE",
        help="PostgreSQL: ボットが接続するロールに必要な権限だけを与えます"
        "（監査記録は追加と参照のみ。移行はテーブルの所有者のロールで実行してください）",
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
        "audit",
        help="監査記録を CSV（Excel で開ける UTF-8 BOM 付き）で書き出すか、改ざんがないか検証します",
    )
    mode = audit.add_mutually_exclusive_group()
    mode.add_argument("--csv", action="store_true", help="CSV 形式で書き出します")
    mode.add_argument(
        "--verify",
        action="store_true",
        help="監査記録のハッシュチェーンを検証します（改ざんがあれば最初の記録を示し、終了コード 1）",
    )
    audit.add_argument(
        "--anchor",
        metavar="HASH",
        help="--verify で、以前の検証で表示されたハッシュが今もチェーンにあることも確かめます",
    )
    audit.add_argument("--since", metavar="YYYY-MM-DD", help="この日以降の記録だけ")
    audit.add_argument("--out", help="出力先のファイル（既定は標準出力）")
    audit.set_defaults(handler=cmd_audit)

    backup = commands.add_parser(
        "backup",
        help="埋め込みの SQLite データベースを、ボットの実行中でも一貫した状態でコピーします",
    )
    backup.add_argument(
        "--out",
        required=True,
        help="出力先のファイル、またはフォルダ（フォルダなら shienbot-backup-日時.sqlite3）",
    )
    backup.set_defaults(handler=cmd_backup)

    purge = commands.add_parser(
        "purge",
        help="議事録の確定から SHIEN_RETENTION_DAYS 日を過ぎた会議の入力（スレッド・フォーム）を削除します",
    )
    purge.add_argument(
        "--dry-run", action="store_true", help="削除せずに、対象の件数だけを表示します"
    )
    purge.set_defaults(handler=cmd_purge)

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
