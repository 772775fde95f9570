"""The local Slack workspace: a stateful Web API stand-in plus a driver playing Slack's side.

It lives beside the product, not inside it: the offline demo (``shienbot demo``, plugged in
through an entry point), the tests and the benchmarks use it; ``bot`` and ``storage`` never
import it.

Usage::

    with LocalSlackServer() as server:
        server.add_user("U_ALICE", "alice")
        server.add_channel("C_KAIGI01", "kaigi-01", members=["U_ALICE", server.bot_user_id])
        client = WebClient(base_url=server.api_url, token=server.bot_token)
        driver = SlackDriver(server, "http://127.0.0.1:3000/slack/events", server.signing_secret)
        driver.slash_command("U_ALICE", "C_KAIGI01", "/shien", "open")
"""

from localslack.apphost import AppHandler, AppHttpHost
from localslack.driver import BotResponse, DriverError, SlackDriver
from localslack.server import (
    DEFAULT_BOT_TOKEN,
    DEFAULT_SIGNING_SECRET,
    FORM_ONLY_METHODS,
    SUPPORTED_METHODS,
    Channel,
    LocalSlackServer,
    SharedFile,
    TranscriptEntry,
    User,
)

__all__ = [
    "DEFAULT_BOT_TOKEN",
    "DEFAULT_SIGNING_SECRET",
    "FORM_ONLY_METHODS",
    "SUPPORTED_METHODS",
    "AppHandler",
    "AppHttpHost",
    "BotResponse",
    "Channel",
    "DriverError",
    "LocalSlackServer",
    "SharedFile",
    "SlackDriver",
    "TranscriptEntry",
    "User",
]
