"""``shienbot serve --teams``: the bot's Teams endpoint on uvicorn (the ASGI server the Teams
SDK brings), with the scheduler, until stopped."""

from __future__ import annotations

import argparse
import logging
import sys

from bot import texts
from bot.chat.teams.settings_check import teams_problems
from bot.settings import Settings

log = logging.getLogger(__name__)
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def serve_teams(settings: Settings, args: argparse.Namespace) -> int:
    problems = teams_problems(settings)
    if problems:
        for problem in problems:
            print(texts.SETTINGS.error.format(variable="TEAMS", message=problem), file=sys.stderr)
        return EXIT_USAGE
    import uvicorn

    from bot.bootstrap_teams import build_teams_runtime

    try:
        runtime = build_teams_runtime(settings, scheduler=True, run_jobs=not args.no_scheduler)
    except Exception as error:
        print(texts.TEAMS_CLI.not_started.format(reason=type(error).__name__), file=sys.stderr)
        return EXIT_PROBLEMS
    try:
        log.info(texts.TEAMS_CLI.listening.format(host=args.host, port=args.port))
        uvicorn.run(
            runtime.asgi,
            host=args.host,
            port=args.port,
            lifespan="off",
            log_level="warning",
            proxy_headers=True,
        )
    except KeyboardInterrupt:
        log.info(texts.TEAMS_CLI.stopped)
    finally:
        runtime.close()
    return EXIT_OK
