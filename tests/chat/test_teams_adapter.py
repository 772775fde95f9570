"""The Teams adapter without Teams: rendering (no markup from typed text, forms as cards),
mentions into the grammar's tokens, the endpoint's JWT check and body limits, the settings'
refusal of unauthenticated mode off this machine, and the app package."""

from __future__ import annotations

import io
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from microsoft_teams.cards import AdaptiveCard

from bot import texts
from bot.chat.commands import parse
from bot.chat.teams import render
from bot.chat.teams.app import TeamsBot
from bot.chat.teams.manifest import package
from bot.chat.teams.serve import build_asgi
from bot.chat.teams.settings_check import is_loopback, teams_problems
from bot.services import direct
from bot.services.chat import (
    Button,
    Buttons,
    DateInput,
    Form,
    Header,
    Message,
    Paragraph,
    TextInput,
    mention,
)
from bot.services.delivery import Card
from bot.settings import load_settings

TENANT = "7a1e5b00-0000-4000-8000-00000000a001"


def names(user_id: str) -> str:
    return {"U1": "包括 佐藤"}.get(user_id, user_id)


def test_typed_text_is_shown_as_text_runs_never_markdown() -> None:
    typed = "**太字** [link](https://evil.example) <at>全員</at> /shien status"
    card = render.adaptive_card(
        Card(Message("t", (Header(typed), Paragraph(mention("U1"))))), names, "shienbot"
    )
    blocks = card["body"]
    assert all(block["type"] == "RichTextBlock" for block in blocks)
    runs = [run["text"] for block in blocks for run in block["inlines"]]
    assert runs[0] == "**太字** [link](https://evil.example) <at>全員</at> @shienbot status"
    assert runs[1] == "包括 佐藤"  # a mention token becomes a name, never a ping
    AdaptiveCard.model_validate(card)  # the Teams SDK's own card model accepts it


def test_a_card_with_a_form_carries_ids_and_kinds_only_and_reads_back() -> None:
    form = Form(
        form_id="f",
        title="t",
        submit_label="送信",
        fields=(TextInput("situation", "状況", multiline=True), DateInput("monitoring", "次回")),
        metadata="item-id",
    )
    message = Message("t", (Buttons((Button("確認", direct.ACK_ACTION, "m|2026.1"),)),))
    content = render.adaptive_card(Card(message, form), names, "shienbot")
    AdaptiveCard.model_validate(content)
    submit = content["actions"][-1]
    assert submit["verb"] == "f" and submit["data"] == {
        "metadata": "item-id",
        "fields": {"situation": "text", "monitoring": "date"},
    }
    values = render.form_values({**submit["data"], "situation": "母は", "monitoring": "2027-01-19"})
    assert values.text("situation") == "母は" and str(values.dates["monitoring"]) == "2027-01-19"


def test_card_messages_go_out_alone_so_they_can_be_replaced() -> None:
    activity = render.card_activity(Card(Message("通知", (Paragraph("x"),))), names, "b")
    assert "text" not in activity and activity["summary"] == "通知"


class _Gateway:
    """What TeamsBot asks of the gateway for mentions."""

    def user_for_teams_id(self, teams_id: str) -> str | None:
        return {"29:houkatsu": "A0000000-0000-4000-8000-000000000001"}.get(teams_id)


def test_mentions_become_the_grammar_tokens_and_the_bot_mention_goes() -> None:
    bot = TeamsBot.__new__(TeamsBot)
    bot.gateway = _Gateway()  # type: ignore[assignment]
    text, mentioned = bot.command_text(
        {
            "text": "<at>shienbot</at> agency add houkatsu 架空市中央&amp;包括 <at>包括 佐藤</at>",
            "recipient": {"id": "bot"},
            "entities": [
                {"type": "mention", "mentioned": {"id": "bot"}, "text": "<at>shienbot</at>"},
                {
                    "type": "mention",
                    "mentioned": {"id": "29:houkatsu"},
                    "text": "<at>包括 佐藤</at>",
                },
            ],
        }
    )
    assert mentioned
    parsed = parse(text)
    assert parsed.name == "agency add"
    assert parsed.args.users == ("A0000000-0000-4000-8000-000000000001",)
    assert parsed.args.name == "架空市中央&包括"


def _settings(**env: Any) -> Any:
    return load_settings(SHIEN_DATA_DIR="/tmp/shien-teams-settings", **env)


def test_unauthenticated_mode_is_refused_unless_the_connector_is_on_this_machine() -> None:
    remote = _settings(SHIEN_TEAMS_ALLOW_UNAUTHENTICATED=True, TEAMS_TENANT_ID=TENANT)
    assert texts.TEAMS.not_loopback in teams_problems(remote)
    local = _settings(
        SHIEN_TEAMS_ALLOW_UNAUTHENTICATED=True,
        TEAMS_TENANT_ID=TENANT,
        TEAMS_SERVICE_URL="http://localhost:56150/_connector",
    )
    assert teams_problems(local) == []
    assert is_loopback("http://127.0.0.2:1/") and not is_loopback("http://10.0.0.1/")
    half = _settings(TEAMS_CLIENT_ID=TENANT, TEAMS_TENANT_ID=TENANT)
    assert teams_problems(half) == [texts.TEAMS.credentials_missing]
    assert half.platform == "teams" and _settings().platform == "slack"


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def handle(self, activity: dict[str, Any]) -> dict[str, Any]:
        self.seen.append(activity)
        return {"status": 200}


async def _post(app: Any, body: bytes, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        return await client.post("/api/messages", content=body, headers=headers)


@pytest.mark.anyio
async def test_the_endpoint_refuses_requests_without_a_valid_bot_framework_token() -> None:
    from microsoft_teams.api import ClientCredentials

    recorder = _Recorder()
    credentials = ClientCredentials(client_id=TENANT, client_secret="s", tenant_id=TENANT)
    app = build_asgi(recorder, credentials, allow_unauthenticated=False)  # type: ignore[arg-type]
    body = json.dumps({"type": "message", "text": "help"}).encode()
    unsigned = await _post(app, body, {"content-type": "application/json"})
    forged = await _post(
        app, body, {"content-type": "application/json", "authorization": "Bearer not.a.jwt"}
    )
    assert unsigned.status_code == 401 and forged.status_code == 401
    assert recorder.seen == []
    too_big = await _post(app, b"{" + b" " * 1_000_001 + b"}", {"content-type": "application/json"})
    assert too_big.status_code == 413
    form = await _post(app, b"a=b", {"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415


def test_activities_from_another_tenant_are_ignored() -> None:
    bot = TeamsBot.__new__(TeamsBot)
    bot.tenant_id = TENANT
    bot.loopback_only = True
    bot.background = ThreadPoolExecutor(max_workers=1)
    foreign = {"type": "invoke", "channelData": {"tenant": {"id": "other"}}}
    assert bot.handle(foreign) == {"status": 403}
    off_machine = {
        "type": "message",
        "serviceUrl": "https://smba.trafficmanager.net/teams/",
        "channelData": {"tenant": {"id": TENANT}},
    }
    assert bot.handle(off_machine) == {"status": 200}  # ignored, no work queued
    bot.background.shutdown()


def test_the_app_package_declares_the_bot_files_and_commands() -> None:
    settings = _settings(TEAMS_CLIENT_ID=TENANT, SHIEN_MUNICIPALITY="架空市")
    archive = zipfile.ZipFile(
        io.BytesIO(
            package(
                settings,
                website="https://a.example/",
                privacy="https://a.example/p",
                terms="https://a.example/t",
            )
        )
    )
    assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(archive.read("manifest.json"))
    bot = manifest["bots"][0]
    assert bot["botId"] == TENANT and bot["supportsFiles"] is True
    assert set(bot["scopes"]) == {"personal", "team"}
    for command_list in bot["commandLists"]:
        assert 0 < len(command_list["commands"]) <= 10
    assert archive.read("color.png")[:8] == b"\x89PNG\r\n\x1a\n"
    assert manifest["developer"]["name"] == "架空市"
