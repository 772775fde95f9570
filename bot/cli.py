"""The ``shienbot`` command line: the composition root that picks concrete adapters.

Exit codes: 0 success, 1 a check found problems or an operation failed, 2 a setting or an
argument is missing or malformed (one line naming it, never a traceback).
"""

from __future__ import annotations

import argparse
import errno
import getpass
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__, texts
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
        return _argument_error("--grant-app-role", texts.CLI.grant_role_postgresql_only)
    database = _database(settings)
    try:
        before = database.current_revision()
        database.upgrade()
        after = database.current_revision()
        if role is not None:
            database.grant_app_role(role)
    except LookupError:
        print(texts.CLI.role_missing.format(role=role), file=sys.stderr)
        return EXIT_PROBLEMS
    except NotSQLite:  # pragma: no cover - checked above
        return EXIT_USAGE
    except Exception as exc:  # report, never dump a traceback with connection details
        print(texts.CLI.migrate_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    if before == after:
        print(texts.CLI.database_current.format(revision=after, url=settings.safe_database_url()))
    else:
        print(
            texts.CLI.database_upgraded.format(
                before=before or texts.CLI.revision_empty,
                after=after,
                url=settings.safe_database_url(),
            )
        )
    if role is not None:
        print(texts.CLI.role_granted.format(role=role))
    return EXIT_OK


def _is_postgresql(settings: Settings) -> bool:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).get_backend_name() == "postgresql"


def _security_problems(settings: Settings, database: Database) -> list[str]:
    """What would let someone read the database files or rewrite the audit trail."""
    from storage.files import loose_mode
    from storage.inbox import inbox_file
    from storage.replay import edge_file

    problems: list[str] = []
    sqlite_file = database.sqlite_file
    if sqlite_file is not None:
        folders = {sqlite_file.parent}
        if settings.database_url is None:
            folders.add(settings.data_dir)
        for folder in sorted(folders):
            mode = loose_mode(folder)
            if mode is not None:
                problems.append(texts.CLI.folder_readable.format(folder=folder, mode=f"{mode:04o}"))
        # The edge's and the inbox's side files (signatures; requests not yet worked on).
        sides = [
            side.with_name(side.name + suffix)
            for side in (edge_file(sqlite_file), inbox_file(sqlite_file))
            for suffix in ("", "-wal", "-shm", "-lock")
        ]
        for path in [*database.sqlite_files(), *(side for side in sides if side.exists())]:
            mode = loose_mode(path)
            if mode is not None:
                problems.append(texts.CLI.file_readable.format(path=path, mode=f"{mode:04o}"))
    if database.audit_table_alterable():
        problems.append(texts.CLI.audit_table_alterable)
    return problems


def cmd_check(settings: Settings, args: argparse.Namespace) -> int:
    """Validate the settings and the database connection; say what is wrong and what to do."""
    problems: list[str] = []
    print(texts.CLI.check_timezone.format(timezone=settings.timezone))
    print(texts.CLI.check_slack_api.format(url=settings.slack_api_url))
    print(texts.CLI.check_coordinators.format(count=len(settings.coordinators)))
    print(texts.CLI.check_database.format(url=settings.safe_database_url()))

    database = _database(settings)
    try:
        database.ping()
        current, head = database.current_revision(), database.head_revision()
        if current == head:
            print(texts.CLI.check_schema_current.format(revision=head))
        else:
            problems.append(
                texts.CLI.schema_outdated.format(
                    current=current or texts.CLI.revision_none, head=head
                )
            )
        security = _security_problems(settings, database)
        problems.extend(security)
        if not security:
            print(texts.CLI.check_protection_ok)
    except Exception as exc:
        problems.append(texts.CLI.database_unreachable.format(error=_describe_db_error(exc)))
    finally:
        database.dispose()

    from bot.documents import DocumentTemplateError, DocxRenderer

    try:
        DocxRenderer(settings.templates_dir).validate_templates()
        print(
            texts.CLI.check_templates_ok.format(
                templates=settings.templates_dir or texts.CLI.standard_templates
            )
        )
    except DocumentTemplateError as error:
        problems.append(texts.CLI.templates_problem.format(error=error.message))

    print(texts.TEAMS_CLI.platform.format(platform=_platform_name(settings)))
    if settings.platform == "teams":  # a deployment runs on one platform (Teams: its checks)
        from bot.chat.teams.settings_check import teams_problems

        print(texts.TEAMS_CLI.service_url.format(url=settings.teams_service_url))
        if settings.teams_allow_unauthenticated:
            print(texts.TEAMS_CLI.unauthenticated)
        problems.extend(teams_problems(settings))
    elif settings.slack_bot_token is None:
        problems.append(texts.CLI.bot_token_missing)
    if (
        settings.platform == "slack"
        and settings.slack_app_token is None
        and settings.slack_signing_secret is None
    ):
        problems.append(texts.CLI.app_token_or_signing_secret)
    if not settings.coordinators:
        problems.append(texts.CLI.coordinators_empty)

    if problems:
        print(texts.CLI.check_problems)
        for problem in problems:
            print(texts.CLI.check_problem.format(problem=problem))
        return EXIT_PROBLEMS
    print(texts.CLI.check_no_problems)
    return EXIT_OK


def _platform_name(settings: Settings) -> str:
    return (
        texts.TEAMS_CLI.teams_name if settings.platform == "teams" else texts.TEAMS_CLI.slack_name
    )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the bot: Socket Mode when ``SLACK_APP_TOKEN`` is set (unless ``--http``), else HTTP.
    A Teams deployment (``--teams``, or the Teams settings) serves ``/api/messages``."""
    if getattr(args, "teams", False) or settings.platform == "teams":
        from bot.chat.teams.run import serve_teams

        return serve_teams(settings, args)
    if settings.slack_bot_token is None:
        print(
            texts.SETTINGS.error.format(
                variable="SLACK_BOT_TOKEN", message=texts.CLI.serve_bot_token
            ),
            file=sys.stderr,
        )
        return EXIT_USAGE
    socket_mode = settings.slack_app_token is not None and not args.http
    if not socket_mode and settings.slack_signing_secret is None:
        print(
            texts.SETTINGS.error.format(
                variable="SLACK_SIGNING_SECRET", message=texts.CLI.serve_signing_secret
            ),
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
        print(texts.CLI.template_error.format(error=error), file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as error:
        print(texts.CLI.start_failed.format(error=_describe_db_error(error)), file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        assert settings.slack_app_token is not None
        log.info(texts.CLI.started_socket_mode)
        serve_socket_mode(
            runtime.app, settings.slack_app_token.get_secret_value(), settings.slack_api_url
        )
    except KeyboardInterrupt:
        log.info(texts.CLI.stopped)
    except Exception as error:
        code = getattr(getattr(error, "response", None), "get", lambda *_: None)("error")
        print(texts.CLI.slack_failed.format(error=code or type(error).__name__), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        runtime.close()
    return EXIT_OK


# --------------------------------------------------------------------------- output files

_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep, "/") if sep)


class OutputError(Exception):
    """``--out`` cannot be used: one Japanese line for the operator."""


@dataclass(frozen=True)
class Output:
    """Where a command writes its file. ``--out`` names a file, or a folder to hold the file
    under its usual name: an existing folder, or any path ending in ``/``. Missing folders
    are created when the command starts, before any work is done (or audited)."""

    path: Path
    folder: bool

    @classmethod
    def prepare(cls, out: str | None, *, folder: bool = False) -> Output:
        """The output of ``--out`` (the working folder when it is not given); with
        ``folder``, ``out`` is always a folder (``shienbot demo --out``).

        Raises:
            OutputError: The folder cannot be made or written to (a file stands in its way,
                no permission, …).
        """
        if not out:
            return cls(Path("."), folder=True)
        path = Path(out).expanduser()
        folder = folder or out.endswith(_SEPARATORS) or path.is_dir()
        where = path if folder else path.parent
        try:
            where.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise OutputError(texts.CLI.out_not_folder.format(folder=where)) from None
        except OSError as error:
            raise OutputError(
                texts.CLI.out_folder_failed.format(folder=where, reason=_reason(error))
            ) from None
        if not os.access(where, os.W_OK | os.X_OK):
            raise OutputError(texts.CLI.out_folder_not_writable.format(folder=where))
        return cls(path, folder)

    def file(self, filename: str) -> Path:
        """The file to write: ``filename`` in the folder, or the file named by ``--out``."""
        return self.path / filename if self.folder else self.path

    def write(self, filename: str, data: bytes) -> Path:
        """Write ``data``; returns the file's path.

        Raises:
            OutputError: The file cannot be written (one Japanese line).
        """
        from storage.files import write_private

        target = self.file(filename)
        try:
            write_private(target, data)  # case content: 0600 whatever the umask
        except OSError as error:
            raise OutputError(
                texts.CLI.write_failed.format(file=target, reason=_reason(error))
            ) from None
        return target


def _reason(error: OSError) -> str:
    """Why a file operation failed, in a few Japanese words (never a traceback)."""
    if isinstance(error, PermissionError):
        return texts.CLI.reason_permission
    if isinstance(error, IsADirectoryError):
        return texts.CLI.reason_folder_exists
    if isinstance(error, FileExistsError | NotADirectoryError):
        return texts.CLI.reason_file_exists
    if error.errno == errno.ENOSPC:
        return texts.CLI.reason_no_space
    return type(error).__name__


def _prepare_output(out: str | None) -> Output | None:
    """``Output.prepare``, or None after printing the one-line argument error."""
    try:
        return Output.prepare(out)
    except OutputError as error:
        _argument_error("--out", error)
        return None


def _argument_error(option: str, message: object) -> int:
    """Print the one-line argument error on stderr; the usage exit status."""
    print(texts.CLI.argument_error.format(option=option, message=message), file=sys.stderr)
    return EXIT_USAGE


def _write_output(output: Output, filename: str, data: bytes) -> Path | None:
    """``Output.write``, or None after printing the one-line error."""
    try:
        return output.write(filename, data)
    except OutputError as error:
        print(texts.CLI.write_error.format(error=error), file=sys.stderr)
        return None


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
        return _argument_error("--meeting", error.message)
    output = _prepare_output(args.out)
    if output is None:
        return EXIT_USAGE
    try:
        database, ctx = build_terminal_context(settings)
    except DocumentTemplateError as error:
        print(texts.CLI.template_error.format(error=error.message), file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        filename, data, what = make(ctx, Actor(_operator()), day)
    except DomainError as error:
        print(error.message, file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    out = _write_output(output, filename, data)
    if out is None:
        return EXIT_PROBLEMS
    print(texts.CLI.document_written.format(document=what, file=out, sha256=sha256_of(data)))
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
                texts.CLI.minutes_final if now else texts.CLI.minutes_final_already,
            )
        _, filename, data, final = documents.minutes_document(ctx, actor, args.channel, day)
        return filename, data, texts.CLI.minutes_final if final else texts.CLI.minutes_draft

    return _document_command(settings, args, make)


def cmd_roles(settings: Settings, args: argparse.Namespace) -> int:
    """The role-assignment summary of one meeting (or one agency's extract) to a file."""
    from bot.services import documents

    def make(ctx: ServiceContext, actor: Actor, day: date) -> tuple[str, bytes, str]:
        _, filename, data = documents.role_summary_document(
            ctx, actor, args.channel, day, args.agency
        )
        return filename, data, texts.CLI.role_summary

    return _document_command(settings, args, make)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def cmd_audit(settings: Settings, args: argparse.Namespace) -> int:
    """The audit trail for the privacy officer: CSV (UTF-8 with BOM, for Excel) to a file or
    stdout, the export itself audited; or ``--verify``, the check of its hash chain."""
    from bot.domain.calendar import parse_date
    from bot.domain.documents import audit_filename
    from bot.domain.errors import DomainError
    from bot.services.access import Actor
    from bot.services.audit_log import audit_csv

    if args.verify:
        return _verify_audit(settings, args.anchor)
    if args.anchor:
        print(texts.CLI.anchor_without_verify, file=sys.stderr)
        return EXIT_USAGE
    if not args.csv:
        print(texts.CLI.csv_or_verify, file=sys.stderr)
        return EXIT_USAGE
    try:
        since = parse_date(args.since) if args.since else None
    except DomainError as error:
        return _argument_error("--since", error.message)
    output = _prepare_output(args.out) if args.out else None
    if args.out and output is None:
        return EXIT_USAGE
    database = _database(settings)
    try:
        text, rows = audit_csv(
            database.unit_of_work, _utc_now, settings.tz, Actor(_operator()), since
        )
    except Exception as exc:
        print(texts.CLI.audit_read_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    data = text.encode("utf-8-sig")
    if output is not None:
        out = _write_output(output, audit_filename(_utc_now().astimezone(settings.tz).date()), data)
        if out is None:
            return EXIT_PROBLEMS
        print(texts.CLI.audit_written.format(rows=rows, file=out), file=sys.stderr)
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
        return _argument_error("--anchor", texts.CLI.anchor_invalid)
    database = _database(settings)
    try:
        report = verify_audit_trail(database.engine, anchor)
    except Exception as exc:
        print(texts.CLI.audit_verify_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    if report.problem is None and anchor and report.anchor_seq is None:
        print(texts.CLI.anchor_missing.format(anchor=anchor[:16]))
        return EXIT_PROBLEMS
    if report.problem is None:
        found = texts.CLI.anchor_found.format(seq=report.anchor_seq) if anchor else ""
        print(
            texts.CLI.audit_intact.format(
                count=report.count,
                last_seq=report.last_seq,
                hash=report.last_hash[:16],
                anchor_found=found,
            )
        )
        return EXIT_OK
    print(texts.CLI.tampered.format(problem=describe_break(report.problem, settings.tz)))
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
        named = texts.CLI.break_event.format(
            seq=event.seq, when=when, action=action, event_id=event.event_id
        )
    head = problem.expected_last_seq
    return {
        BreakKind.CHANGED: texts.CLI.break_changed,
        BreakKind.RELINKED: texts.CLI.break_relinked,
        BreakKind.INSERTED: texts.CLI.break_inserted,
        BreakKind.UNRECORDED: texts.CLI.break_unrecorded,
        BreakKind.TAIL_DELETED: texts.CLI.break_tail_deleted,
        BreakKind.NO_HEAD: texts.CLI.break_no_head,
    }[problem.kind].format(event=named, head=head)


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    """A consistent copy of the embedded SQLite database while the bot runs (0600)."""
    from storage.audit_chain import verify_audit_trail

    if _is_postgresql(settings):
        print(texts.CLI.backup_postgresql, file=sys.stderr)
        return EXIT_USAGE
    output = _prepare_output(args.out)
    if output is None:
        return EXIT_USAGE
    stamp = datetime.now(settings.tz).strftime("%Y%m%d-%H%M%S")
    out = output.file(f"shienbot-backup-{stamp}.sqlite3")
    database = _database(settings)
    try:
        if database.current_revision() is None:
            print(texts.CLI.backup_no_database, file=sys.stderr)
            return EXIT_PROBLEMS
        report = database.backup(out)
    except Exception as exc:
        print(texts.CLI.backup_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    copy = _database_at(report.path)
    try:
        chain = verify_audit_trail(copy.engine)
    finally:
        copy.dispose()
    verdict = (
        texts.CLI.backup_verified.format(count=chain.count)
        if chain.ok
        else texts.CLI.backup_not_verified
    )
    print(texts.CLI.backup_done.format(file=report.path, size=f"{report.size:,}", verdict=verdict))
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
            texts.SETTINGS.error.format(
                variable="SHIEN_RETENTION_DAYS", message=texts.CLI.purge_retention_days
            ),
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
        print(texts.CLI.purge_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    cutoff = report.cutoff.astimezone(settings.tz)
    counts = {
        "days": settings.retention_days,
        "cutoff": f"{cutoff:%Y-%m-%d %H:%M}",
        "meetings": report.meetings,
        "inputs": report.inputs,
    }
    if report.dry_run:
        print(texts.CLI.purge_dry_run.format(**counts))
    else:
        print(texts.CLI.purged.format(**counts))
        if scrubbed is False:
            print(texts.CLI.purge_wal_left, file=sys.stderr)
            return EXIT_PROBLEMS
        if report.inputs and _is_postgresql(settings):
            print(texts.CLI.purge_vacuum_postgresql)
    return EXIT_OK


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    """The 年度's counts for the 重層的支援体制整備事業 as CSV (UTF-8 with BOM, no personal
    data), to a file readable by its owner only, or to stdout. The export is audited."""
    from bot.domain.calendar import fiscal_year_label
    from bot.services.access import Actor
    from bot.services.report import report_csv

    year = args.fiscal_year
    if not 2000 <= year <= 2200:
        return _argument_error("--fiscal-year", texts.REPORT.year_invalid)
    output = _prepare_output(args.out) if args.out else None
    if args.out and output is None:
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
        print(texts.CLI.report_read_failed.format(error=_describe_db_error(exc)), file=sys.stderr)
        return EXIT_PROBLEMS
    finally:
        database.dispose()
    data = text.encode("utf-8-sig")
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return EXIT_OK
    out = _write_output(output, f"report-{year}.csv", data)
    if out is None:
        return EXIT_PROBLEMS
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
                texts.CLI.plugin_failed.format(
                    name=entry_point.name, error=f"{type(exc).__name__}: {exc}"
                ),
                file=sys.stderr,
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shienbot",
        description=texts.CLI_HELP.description,
    )
    parser.add_argument("--version", action="version", version=f"shienbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help=texts.CLI_HELP.verbose)
    commands = parser.add_subparsers(dest="command", metavar="<command>")

    migrate = commands.add_parser("migrate", help=texts.CLI_HELP.migrate)
    migrate.add_argument(
        "--grant-app-role",
        metavar="ROLE",
        help=texts.CLI_HELP.migrate_grant_app_role,
    )
    migrate.set_defaults(handler=cmd_migrate)

    check = commands.add_parser("check", help=texts.CLI_HELP.check)
    check.set_defaults(handler=cmd_check)

    serve = commands.add_parser(
        "serve",
        help=texts.CLI_HELP.serve,
    )
    serve.add_argument("--http", action="store_true", help=texts.CLI_HELP.serve_http)
    serve.add_argument("--teams", action="store_true", help=texts.TEAMS_CLI.serve_teams)
    serve.add_argument("--host", default="127.0.0.1", help=texts.CLI_HELP.serve_host)
    serve.add_argument("--port", type=int, default=3000, help=texts.CLI_HELP.serve_port)
    serve.add_argument(
        "--no-scheduler",
        action="store_true",
        help=texts.CLI_HELP.serve_no_scheduler,
    )
    serve.set_defaults(handler=cmd_serve)

    minutes = commands.add_parser("minutes", help=texts.CLI_HELP.minutes)
    minutes.add_argument(
        "--meeting", required=True, metavar="YYYY-MM-DD", help=texts.CLI_HELP.meeting
    )
    minutes.add_argument("--channel", help=texts.CLI_HELP.channel)
    minutes.add_argument("--final", action="store_true", help=texts.CLI_HELP.minutes_final)
    minutes.add_argument("--out", help=texts.CLI_HELP.minutes_out)
    minutes.set_defaults(handler=cmd_minutes)

    roles = commands.add_parser("roles", help=texts.CLI_HELP.roles)
    roles.add_argument(
        "--meeting", required=True, metavar="YYYY-MM-DD", help=texts.CLI_HELP.meeting
    )
    roles.add_argument("--channel", help=texts.CLI_HELP.channel)
    roles.add_argument("--agency", metavar="KEY", help=texts.CLI_HELP.roles_agency)
    roles.add_argument("--out", help=texts.CLI_HELP.roles_out)
    roles.set_defaults(handler=cmd_roles)

    audit = commands.add_parser(
        "audit",
        help=texts.CLI_HELP.audit,
    )
    mode = audit.add_mutually_exclusive_group()
    mode.add_argument("--csv", action="store_true", help=texts.CLI_HELP.audit_csv)
    mode.add_argument(
        "--verify",
        action="store_true",
        help=texts.CLI_HELP.audit_verify,
    )
    audit.add_argument(
        "--anchor",
        metavar="HASH",
        help=texts.CLI_HELP.audit_anchor,
    )
    audit.add_argument("--since", metavar="YYYY-MM-DD", help=texts.CLI_HELP.audit_since)
    audit.add_argument("--out", help=texts.CLI_HELP.audit_out)
    audit.set_defaults(handler=cmd_audit)

    backup = commands.add_parser(
        "backup",
        help=texts.CLI_HELP.backup,
    )
    backup.add_argument(
        "--out",
        required=True,
        help=texts.CLI_HELP.backup_out,
    )
    backup.set_defaults(handler=cmd_backup)

    purge = commands.add_parser(
        "purge",
        help=texts.CLI_HELP.purge,
    )
    purge.add_argument("--dry-run", action="store_true", help=texts.CLI_HELP.purge_dry_run)
    purge.set_defaults(handler=cmd_purge)

    report = commands.add_parser(
        "report",
        help=texts.CLI_HELP.report,
    )
    report.add_argument(
        "--fiscal-year",
        type=int,
        required=True,
        metavar="YYYY",
        help=texts.CLI_HELP.report_fiscal_year,
    )
    report.add_argument("--out", help=texts.CLI_HELP.report_out)
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
