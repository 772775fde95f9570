"""The local workspace checks views as strictly as slack_sdk's models (``View`` and its
blocks): what they refuse, views.open / update / push and a submission's response_action
refuse with ``invalid_arguments`` and Slack-style messages; the bot's own forms pass."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from datetime import date, time
from typing import Any

import pytest
from fakes.context import Fakes, fake_context
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackObjectFormationError
from slack_sdk.models.views import View

from bot.chat.slack.render import modal
from bot.domain.model import MeetingKind
from bot.services import admin, cases, decisions, inputs, meetings
from bot.services.access import Actor
from bot.services.chat import Form, FormValues
from localslack import LocalSlackServer, blockkit

ALICE = "U_ALICE"
CHANNEL = "C0KAIGI01"
COORDINATOR, HOUKATSU = "U0JIMU", "U0HOUKATSU"
DAY = date(2026, 12, 8)


@pytest.fixture
def server() -> Iterator[LocalSlackServer]:
    with LocalSlackServer() as srv:
        srv.add_user(ALICE, "alice")
        yield srv


@pytest.fixture
def client(server: LocalSlackServer) -> WebClient:
    return WebClient(base_url=server.api_url, token=server.bot_token)


def _plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def _view(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": _plain("入力"),
        "submit": _plain("送信"),
        "blocks": list(blocks),
    }


def _option(value: str) -> dict[str, Any]:
    return {"text": _plain(value), "value": value}


def _select(**element: Any) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": "b",
        "label": _plain("選択"),
        "element": {"type": "static_select", "action_id": "a", **element},
    }


_CONFIRM = {
    "title": _plain("確認"),
    "text": _plain("よろしいですか"),
    "confirm": _plain("はい"),
    "deny": _plain("いいえ"),
}

# Each was accepted by the local workspace's own checks, and is refused by slack_sdk's models.
REFUSED = {
    "options and option groups": (
        _view(
            _select(
                options=[_option("a")],
                option_groups=[{"label": _plain("組"), "options": [_option("b")]}],
            )
        ),
        "options and option_groups cannot both be specified [json-pointer:/view/blocks/0]",
    ),
    "an image without alt text": (
        _view({"type": "image", "image_url": "https://example.invalid/a.png"}),
        "missing required field: alt_text [json-pointer:/view/blocks/0]",
    ),
    "a confirmation styled secondary": (
        _view(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "a",
                        "text": _plain("送る"),
                        "confirm": {**_CONFIRM, "style": "secondary"},
                    }
                ],
            }
        ),
        'style for confirm must be either "primary" or "danger" [json-pointer:/view/blocks/0]',
    ),
    "no blocks": (_view(), "views must contain between 1 and 100 blocks [json-pointer:/view]"),
    "emoji on mrkdwn": (
        _view({"type": "section", "text": {"type": "mrkdwn", "text": "x", "emoji": True}}),
        "unsupported property: emoji [json-pointer:/view/blocks/0]",
    ),
    "an unknown rich text element": (
        _view({"type": "rich_text", "elements": [{"type": "nope", "text": "x"}]}),
        "unsupported element type [json-pointer:/view/blocks/0]",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_slack_sdk_refuses_these_views(name: str) -> None:
    view, _ = REFUSED[name]
    if name == "an unknown rich text element":  # slack_sdk drops it (Slack refuses it)
        [block] = View(**copy.deepcopy(view)).to_dict()["blocks"]
        assert block["elements"] == [None]  # skipped: nothing left of it
        return
    with pytest.raises((SlackObjectFormationError, TypeError)):
        View(**copy.deepcopy(view)).to_dict()


def _error(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


@pytest.mark.parametrize("name", REFUSED)
def test_views_open_update_and_push_refuse_them_like_slack(
    server: LocalSlackServer, client: WebClient, name: str
) -> None:
    view, message = REFUSED[name]
    opened = _error(lambda: client.views_open(trigger_id=server.issue_trigger(ALICE), view=view))
    assert opened.response["error"] == "invalid_arguments"
    assert opened.response["response_metadata"]["messages"] == [f"[ERROR] {message}"]
    pushed = _error(lambda: client.views_push(trigger_id=server.issue_trigger(ALICE), view=view))
    assert pushed.response["error"] == "invalid_arguments"

    good = _view({"type": "section", "text": {"type": "mrkdwn", "text": "x"}})
    current = client.views_open(trigger_id=server.issue_trigger(ALICE), view=good)["view"]
    updated = _error(lambda: client.views_update(view_id=current["id"], view=view))
    assert updated.response["error"] == "invalid_arguments"
    assert updated.response["response_metadata"]["messages"] == [f"[ERROR] {message}"]
    # A submission's response_action (update, push) is checked the same way.
    assert server.replace_view(ALICE, current["id"], view) == [message]
    assert server.push_view(ALICE, view) == [message]
    assert [v["id"] for v in server.views(ALICE)] == [current["id"]]


def test_an_error_is_reported_once_and_points_at_its_block(
    server: LocalSlackServer, client: WebClient
) -> None:
    view = _view(
        {"type": "divider"},
        {"type": "header", "text": _plain("見" * 151)},  # the workspace's own check finds it
        {"type": "image", "image_url": "https://example.invalid/a.png"},
    )
    err = _error(lambda: client.views_open(trigger_id=server.issue_trigger(ALICE), view=view))
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 151 characters [json-pointer:/view/blocks/1/text/text]",
        "[ERROR] missing required field: alt_text [json-pointer:/view/blocks/2]",
    ]


def test_what_slack_sdk_skips_is_never_logged(
    server: LocalSlackServer, client: WebClient, caplog: pytest.LogCaptureFixture
) -> None:
    """slack_sdk logs a block or element it cannot parse with its content; a view may carry
    case content, so those records go nowhere (the view is refused instead)."""
    canary = "長男は訪問に応じない（canary-views）"
    view = _view({"type": "rich_text", "elements": [{"type": "nope", "text": canary}]})
    with caplog.at_level(logging.DEBUG):
        err = _error(lambda: client.views_open(trigger_id=server.issue_trigger(ALICE), view=view))
        assert blockkit.view_errors({**view, "blocks": [{"type": "nope", "x": canary}]})
    assert err.response["error"] == "invalid_arguments"
    # (The test's own WebClient logs its request body at DEBUG; the bot's log configuration
    # pins slack_sdk.web at WARNING.)
    logged = [r.getMessage() for r in caplog.records if not r.name.startswith("slack_sdk.web")]
    assert not any(canary in message for message in logged)
    assert canary not in repr(server.problems)


# --------------------------------------------------------------------------- the bot's forms


def _held_meeting() -> tuple[Fakes, str]:
    """A meeting with one case on the fakes; agencies with long names, and many of them."""
    fakes = fake_context()
    ctx, coordinator = fakes.ctx, Actor(COORDINATOR)
    admin.ensure_coordinators(ctx, [COORDINATOR])
    admin.setup_channel(ctx, coordinator, CHANNEL)
    admin.register_agency(
        ctx, coordinator, "houkatsu", "架空市中央地域包括支援センター", [HOUKATSU]
    )
    for n in range(120):  # more than a select may show, each name longer than an option's
        admin.register_agency(
            ctx, coordinator, f"agency{n:03d}", (f"架空市第{n}支援機関" * 10)[:100], []
        )
    meetings.schedule_adhoc(ctx, coordinator, CHANNEL, DAY, time(14, 0), MeetingKind.SUPPORT)
    code = str(cases.create_case(ctx, coordinator, cases.NewCase(["houkatsu"])))
    meetings.add_to_agenda(ctx, coordinator, CHANNEL, code, DAY)
    meetings.open_collection(ctx, coordinator, CHANNEL, DAY)
    meetings.acknowledge(ctx, Actor(HOUKATSU), channel_id=CHANNEL, day=DAY)
    return fakes, code


FORMS = ("case", "decision", "decision, filled in before", "input")


@pytest.fixture(scope="module")
def bot_forms() -> dict[str, Form]:
    """The bot's forms as its services make them (each one the bot has)."""
    fakes, code = _held_meeting()
    ctx, coordinator = fakes.ctx, Actor(COORDINATOR)
    forms = {"case": cases.case_form(ctx, coordinator)}
    forms["decision"] = decisions.decision_form(ctx, coordinator, CHANNEL, code)
    values = FormValues(
        texts={"policy": "見守りを継続する。" * 400, "notes": "六週間後に確認。" * 400},
        dates={"monitoring": date(2027, 1, 19)},
        choices={"outcome": ("continue",)},
    )
    decisions.submit_decision(ctx, coordinator, forms["decision"].metadata, values)
    forms["decision, filled in before"] = decisions.decision_form(ctx, coordinator, CHANNEL, code)
    with ctx.uow() as uow:
        meeting = uow.meetings.on_date(CHANNEL, DAY)
        assert meeting is not None
        [item] = uow.agenda.for_meeting(meeting.id)
    inputs.open_input_form(ctx, Actor(HOUKATSU), item.id, "trigger")
    forms["input"] = fakes.chat.forms()[-1].form
    assert tuple(forms) == FORMS
    return forms


@pytest.mark.parametrize("name", FORMS)
def test_the_bots_forms_pass_slack_sdks_models_and_the_workspace(
    server: LocalSlackServer, client: WebClient, bot_forms: dict[str, Form], name: str
) -> None:
    form = bot_forms[name]
    view = modal(form)
    View(**copy.deepcopy(view)).to_dict()  # slack_sdk itself accepts it
    assert blockkit.view_errors(view) == []
    opened = client.views_open(trigger_id=server.issue_trigger(ALICE), view=view)
    assert opened["ok"] and opened["view"]["callback_id"] == form.form_id
    assert server.problems == []
