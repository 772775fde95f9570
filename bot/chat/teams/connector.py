"""Calls to the Bot Framework connector (Teams' REST API), through the Teams SDK's
``ApiClient``, made from the services' worker threads.

The SDK is asynchronous; the services are not. The connector owns one event loop in a
thread of its own and runs every call there, waiting for the answer with a deadline, so a
worker thread calls it like any blocking client. The SDK acquires (and renews) the bot's
token from Entra ID with the app's client credentials; without credentials (local testing
only) no token is sent. Errors become ``ChatUnavailable``; logs carry the operation and
the HTTP status, never a body.

Every call goes to one service URL, ``TEAMS_SERVICE_URL`` (Microsoft's global
``https://smba.trafficmanager.net/teams/`` by default, which serves proactive messages to
every region), never to a URL taken from an incoming activity.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from microsoft_teams.api import Account, ApiClient, ClientCredentials
from microsoft_teams.api.activities.message.message import MessageActivityInput
from microsoft_teams.api.auth.cloud_environment import PUBLIC
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.apps.token_manager import TokenManager
from microsoft_teams.apps.token_provider import AppTokenProvider
from microsoft_teams.common import ClientOptions

from bot.services.chat import ChatUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
TIMEOUT = 30.0


class TeamsConnector:
    """Blocking calls to the connector for one tenant.

    Args:
        service_url: Where every call goes.
        credentials: The bot's app registration; None only for local testing.
    """

    def __init__(self, service_url: str, credentials: ClientCredentials | None) -> None:
        self.service_url = service_url.rstrip("/")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="teams-connector", daemon=True
        )
        self._thread.start()
        self._credentials = credentials
        self._api: ApiClient = self._run(self._make_client(), "init")

    async def _make_client(self) -> ApiClient:
        provider = (
            AppTokenProvider(TokenManager(self._credentials, PUBLIC), PUBLIC)
            if self._credentials is not None
            else None
        )
        return ApiClient(
            self.service_url,
            ClientOptions(headers={"User-Agent": "shienbot"}),
            cloud=PUBLIC,
            token_provider=provider,
        )

    def _run(self, coroutine: Coroutine[Any, Any, T], what: str) -> T:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=TIMEOUT)
        except httpx.HTTPStatusError as error:
            log.warning("Teams %s failed: HTTP %s", what, error.response.status_code)
            raise ChatUnavailable(f"{what}: {error.response.status_code}") from None
        except (httpx.HTTPError, OSError, TimeoutError) as error:
            future.cancel()
            log.warning("Teams %s unreachable: %s", what, type(error).__name__)
            raise ChatUnavailable(f"{what}: unreachable") from None

    # ------------------------------------------------------------------ conversations

    def create_personal(self, teams_user_id: str, tenant_id: str) -> str:
        """The 1:1 conversation between the bot and a person (Teams returns the existing one
        when there is one). Possible for members of a team where the app is installed."""

        async def create() -> str:
            resource = await self._api.conversations.create(
                CreateConversationParams(
                    members=[Account(id=teams_user_id)],
                    tenant_id=tenant_id,
                    channel_data={"tenant": {"id": tenant_id}},
                )
            )
            return str(resource.id)

        return self._run(create(), "create conversation")

    def send(self, conversation_id: str, activity: dict[str, Any]) -> str:
        async def send() -> str:
            sent = await self._api.conversations.create_activity(
                conversation_id, MessageActivityInput.model_validate(activity)
            )
            return str(sent.id)

        return self._run(send(), "send")

    def update(self, conversation_id: str, activity_id: str, activity: dict[str, Any]) -> None:
        async def update() -> None:
            body = MessageActivityInput.model_validate({**activity, "id": activity_id})
            await self._api.conversations.update_activity(conversation_id, activity_id, body)

        self._run(update(), "update")

    def members(self, team_id: str) -> list[dict[str, Any]]:
        """Everyone in a team (paged), as the connector describes them."""

        async def members() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            token: str | None = None
            while True:
                page = await self._api.conversations.get_paged_members(team_id, 500, token)
                found += [m.model_dump(by_alias=True) for m in page.members or []]
                token = page.continuation_token
                if not token:
                    return found

        return self._run(members(), "members")

    def close(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
