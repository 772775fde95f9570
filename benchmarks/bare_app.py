"""A bare Bolt app that only acks, served exactly as ``shienbot serve --http`` serves the bot
(gunicorn, the same worker class and settings, Bolt's WSGI adapter): the baseline of
``bench_serving.py``.

Run: ``python benchmarks/bare_app.py --port N --workers W`` with ``SLACK_SIGNING_SECRET``,
``SLACK_BOT_TOKEN`` and ``SLACK_API_URL`` set. ``GET /healthz`` answers once a worker serves.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.chat.slack.production import ServerOptions, serve


def build_app() -> Any:
    # Bolt asks auth.test once (who the bot is) before its first request: at the local
    # workspace, as the bot does.
    client = WebClient(os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=True,
        logger=logging.getLogger("slack_bolt"),
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.command(re.compile(".*"))(only_ack)
    app.action(re.compile(".*"))(only_ack)
    app.view(re.compile(".*"))(only_ack)
    app.event("message")(only_ack)
    app.event("member_joined_channel")(only_ack)
    handler = SlackRequestHandler(app)

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return handler(environ, start_response)

    return wsgi


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    return serve(ServerOptions(port=args.port, workers=args.workers), build_app)


if __name__ == "__main__":
    raise SystemExit(main())
