"""``shienbot teams-manifest``: the Teams app package an administrator uploads.

``manifest.json`` (schema 1.17) declares the bot (``TEAMS_CLIENT_ID``) in the personal and
team scopes, with files supported (documents arrive through FileConsentCards) and a
command list drawn from the command table; two icons are drawn here (PNG, no image
library needed). Plugged into the command line through the ``shienbot.commands`` entry
point, like ``demo``.
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__, texts
from bot.chat.commands import BY_NAME

if TYPE_CHECKING:
    from bot.settings import Settings

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
ACCENT = (0x2E, 0x6B, 0x8A)
# Teams requires https URLs for the developer's site, privacy policy and terms of use; a
# municipality gives its own with --website/--privacy/--terms.
PLACEHOLDER_URL = "https://www.example.com/"
# Teams shows at most ten commands per list.
TEAM_COMMANDS = (
    "setup", "agency add", "adhoc", "case new", "agenda add", "open", "status", "remind",
    "minutes", "roles",
)  # fmt: skip
PERSONAL_COMMANDS = (
    "help", "ack", "status", "case new", "decide", "role", "minutes", "minutes final",
    "roles", "audit",
)  # fmt: skip


def _png(size: int, pixel: Any) -> bytes:
    """A PNG of ``size``×``size`` RGBA pixels, ``pixel(x, y)`` giving each one."""
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def color_icon() -> bytes:
    """192×192: the accent colour with a white speech bubble (a meeting's conversation)."""

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        inside = 40 <= x < 152 and 48 <= y < 124
        tail = 64 <= x < 88 and 124 <= y < 148 and (x - 64) >= (y - 124)
        return (255, 255, 255, 255) if inside or tail else (*ACCENT, 255)

    return _png(192, pixel)


def outline_icon() -> bytes:
    """32×32: the bubble's outline in white on transparent, as Teams requires."""

    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        edge = (6 <= x < 26 and y in (8, 9, 20, 21)) or (x in (6, 7, 24, 25) and 8 <= y < 22)
        tail = 10 <= x < 14 and 22 <= y < 26 and (x - 10) >= (y - 22)
        return (255, 255, 255, 255) if edge or tail else (0, 0, 0, 0)

    return _png(32, pixel)


def _commands(names: tuple[str, ...]) -> list[dict[str, str]]:
    found = []
    for name in names:
        spec = BY_NAME[name]
        found.append({"title": name[:32], "description": spec.summary[:128]})
    return found


def manifest(
    client_id: str, *, developer: str, website: str, privacy: str, terms: str
) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "manifestVersion": "1.17",
        "version": __version__,
        "id": client_id,
        "developer": {
            "name": developer[:32],
            "websiteUrl": website,
            "privacyUrl": privacy,
            "termsOfUseUrl": terms,
        },
        "name": {"short": texts.TEAMS_CLI.app_short_name, "full": texts.TEAMS_CLI.app_full_name},
        "description": {"short": texts.TEAMS.manifest_short, "full": texts.TEAMS.manifest_full},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": client_id,
                "scopes": ["personal", "team"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["team"], "commands": _commands(TEAM_COMMANDS)},
                    {"scopes": ["personal"], "commands": _commands(PERSONAL_COMMANDS)},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def package(settings: Settings, *, website: str, privacy: str, terms: str) -> bytes:
    """The zip Teams accepts: manifest.json and the two icons at its top level."""
    assert settings.teams_client_id is not None
    developer = settings.municipality or "shienbot"
    body = manifest(
        settings.teams_client_id, developer=developer, website=website, privacy=privacy, terms=terms
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(body, ensure_ascii=False, indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``teams-manifest`` to the ``shienbot`` subcommands."""
    parser = commands.add_parser("teams-manifest", help=texts.TEAMS_CLI.manifest_help)
    parser.add_argument("--out", default="shienbot-teams.zip", help=texts.TEAMS_CLI.manifest_out)
    parser.add_argument("--website", default=PLACEHOLDER_URL, help=texts.TEAMS_CLI.manifest_website)
    parser.add_argument("--privacy", default=PLACEHOLDER_URL, help=texts.TEAMS_CLI.manifest_privacy)
    parser.add_argument("--terms", default=PLACEHOLDER_URL, help=texts.TEAMS_CLI.manifest_terms)
    parser.set_defaults(handler=cmd_manifest)


def cmd_manifest(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.teams_client_id:
        print(texts.TEAMS.manifest_needs_client_id, file=sys.stderr)
        return 2
    out = Path(args.out)
    out.write_bytes(package(settings, website=args.website, privacy=args.privacy, terms=args.terms))
    print(texts.TEAMS.manifest_written.format(path=out))
    return 0
