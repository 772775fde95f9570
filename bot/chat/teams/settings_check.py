"""What a Teams deployment's settings lack, said before anything starts (``shienbot check``
and ``shienbot serve --teams``). Imports nothing of the Teams SDK."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bot import texts
from bot.settings import Settings


def is_loopback(url: str) -> bool:
    """Whether ``url`` points at this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def teams_problems(settings: Settings) -> list[str]:
    """Each problem as one Japanese line naming the variables. Bot Framework tokens are
    always validated, unless ``SHIEN_TEAMS_ALLOW_UNAUTHENTICATED`` is set for local testing,
    which is refused unless the connector it talks to is on this machine."""
    problems = []
    if settings.slack_bot_token is not None:
        problems.append(texts.TEAMS.both_platforms)
    if settings.teams_allow_unauthenticated:
        if not is_loopback(settings.teams_service_url):
            problems.append(texts.TEAMS.not_loopback)
        if not settings.teams_tenant_id:
            problems.append(texts.TEAMS.credentials_missing)
    elif not (
        settings.teams_client_id
        and settings.teams_client_secret is not None
        and settings.teams_tenant_id
    ):
        problems.append(texts.TEAMS.credentials_missing)
    return problems
