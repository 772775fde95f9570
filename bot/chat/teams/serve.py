"""The Teams endpoint: ``POST /api/messages`` as a plain ASGI application.

Built on the Teams SDK's own HTTP layer (``HttpServer`` on its ``FastAPIAdapter``), which
validates every request's Bot Framework JWT (signature from Microsoft's published keys,
issuer, audience = the bot's app ID, expiry, and the service URL claim) before the bot sees
the activity. Only ``SHIEN_TEAMS_ALLOW_UNAUTHENTICATED=true`` turns the validation off, for
local testing against the Agents Playground, and the settings refuse that unless the
connector is on this machine (``settings_check``).

The application is ASGI, so any ASGI server can serve it (``shienbot serve --teams`` uses
uvicorn, which the SDK brings); a small middleware in front refuses bodies over 1 MB and
anything that is not JSON before they are read, and ``GET /healthz`` answers for probes.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from microsoft_teams.api import ClientCredentials, InvokeResponse
from microsoft_teams.apps.events import ActivityEvent
from microsoft_teams.apps.http import FastAPIAdapter
from microsoft_teams.apps.http.http_server import HttpServer

from bot.chat.teams.app import TeamsBot

MESSAGING_ENDPOINT = "/api/messages"
MAX_BODY = 1_000_000

ASGIApp = Any


class BodyLimit:
    """Refuse, before reading them, requests whose body is too large or not JSON."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            await _refuse(send, 415)
            return
        if not length.isdigit():
            await _refuse(send, 411)
            return
        if int(length) > self.limit:
            await _refuse(send, 413)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Any, status: int) -> None:
    body = json.dumps({"error": status}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def build_asgi(
    bot: TeamsBot, credentials: ClientCredentials | None, *, allow_unauthenticated: bool
) -> ASGIApp:
    """The ASGI application of the bot's endpoint."""
    adapter = FastAPIAdapter(FastAPI(docs_url=None, redoc_url=None, openapi_url=None))
    server = HttpServer(adapter, MESSAGING_ENDPOINT)

    async def on_request(event: ActivityEvent) -> InvokeResponse[Any]:
        # ``handle`` only reads the activity and hands the work to the background threads.
        result = bot.handle(event.body.model_dump())
        return InvokeResponse(status=int(result.get("status", 200)), body=result.get("body"))

    server.on_request = on_request
    server.initialize(
        credentials=credentials,
        dangerously_allow_unauthenticated_requests=allow_unauthenticated,
    )

    @adapter.app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return BodyLimit(adapter.app)
