"""The neutral chat vocabulary as Teams activities: plain text, and Adaptive Cards.

Everything a person or the database wrote is shown through ``TextRun`` elements of a
``RichTextBlock``, which Teams never reads as markdown, and plain-text messages are sent with
``textFormat: plain``; so text typed by someone can neither format nor link nor mention.
Mention tokens (``bot.services.chat.mention``) become the person's display name: a bot that
only ever talks in 1:1 chats has nobody to ping. ``/shien …`` in the catalogue's texts is how
a command is typed in Slack; here it reads ``@<bot name> …``.

Buttons and forms become ``Action.Execute`` (Universal Actions): the verb is the action or
form id, the data carries only opaque IDs, and the inputs come back beside them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, time
from typing import Any

from bot.services.chat import (
    MENTION_CLOSE,
    MENTION_OPEN,
    Block,
    Buttons,
    DateInput,
    Divider,
    Fields,
    Form,
    FormValues,
    Header,
    Message,
    Note,
    Paragraph,
    SelectInput,
    TextInput,
    TimeInput,
)
from bot.services.delivery import Card

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
FILE_CONSENT = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO = "application/vnd.microsoft.teams.card.file.info"
CARD_VERSION = "1.5"
# Teams refuses activities over about 28 KB; a text this long is cut with a note.
MAX_TEXT = 12_000
_MENTION = re.compile(f"{MENTION_OPEN}([^{MENTION_CLOSE}]*){MENTION_CLOSE}")
_SLASH_COMMAND = re.compile(r"/shien\b")

Names = Callable[[str], str]


def plain(text: str, names: Names, bot_name: str, truncated: str = "") -> str:
    """The text of a neutral message as a person should read it in Teams."""
    text = _MENTION.sub(lambda m: names(m.group(1)), text)
    text = _SLASH_COMMAND.sub(f"@{bot_name}", text)
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + ("\n" + truncated if truncated else "")
    return text


def text_activity(text: str) -> dict[str, Any]:
    return {"type": "message", "text": text, "textFormat": "plain"}


def _run(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def _rich(*runs: dict[str, Any], separator: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": list(runs)}
    if separator:
        block["separator"] = True
    return block


def _elements(blocks: Iterable[Block], say: Callable[[str], str]) -> tuple[list[Any], list[Any]]:
    body: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    separator = False
    for block in blocks:
        if isinstance(block, Divider):
            separator = True
            continue
        if isinstance(block, Header):
            body.append(
                _rich(_run(say(block.text), weight="bolder", size="medium"), separator=separator)
            )
        elif isinstance(block, Paragraph):
            body.append(_rich(_run(say(block.text)), separator=separator))
        elif isinstance(block, Note):
            body.append(
                _rich(_run(say(block.text), isSubtle=True, size="small"), separator=separator)
            )
        elif isinstance(block, Fields):
            runs: list[dict[str, Any]] = []
            for n, (label, value) in enumerate(block.pairs):
                prefix = "" if n == 0 else "\n"
                runs.append(_run(f"{prefix}{say(label)}: ", weight="bolder"))
                runs.append(_run(say(value)))
            body.append(_rich(*runs, separator=separator))
        elif isinstance(block, Buttons):
            for button in block.buttons:
                action: dict[str, Any] = {
                    "type": "Action.Execute",
                    "title": say(button.label),
                    "verb": button.action_id,
                    "data": {"value": button.value},
                }
                if button.primary:
                    action["style"] = "positive"
                actions.append(action)
        separator = False
    return body, actions


def _inputs(form: Form, say: Callable[[str], str], errors: dict[str, str]) -> list[Any]:
    inputs: list[dict[str, Any]] = []
    for field in form.fields:
        element: dict[str, Any]
        if isinstance(field, TextInput):
            element = {
                "type": "Input.Text",
                "id": field.field_id,
                "label": say(field.label),
                "isMultiline": field.multiline,
                "maxLength": field.max_length,
                "value": field.initial,
            }
            if field.hint:
                element["placeholder"] = say(field.hint)
        elif isinstance(field, DateInput):
            element = {"type": "Input.Date", "id": field.field_id, "label": say(field.label)}
            if field.initial is not None:
                element["value"] = field.initial.isoformat()
        elif isinstance(field, TimeInput):
            element = {"type": "Input.Time", "id": field.field_id, "label": say(field.label)}
            if field.initial is not None:
                element["value"] = f"{field.initial:%H:%M}"
        else:
            assert isinstance(field, SelectInput)
            element = {
                "type": "Input.ChoiceSet",
                "id": field.field_id,
                "label": say(field.label),
                "isMultiSelect": field.multiple,
                "style": "expanded" if field.checkboxes else "compact",
                "choices": [{"title": say(c.label), "value": c.value} for c in field.choices],
            }
            initial = ",".join(field.initial_many) if field.multiple else (field.initial or "")
            if initial:
                element["value"] = initial
        element["isRequired"] = not field.optional
        if field.field_id in errors:
            element["errorMessage"] = say(errors[field.field_id])
        inputs.append(element)
        if field.field_id in errors:  # shown in every client, whatever it does with errorMessage
            inputs.append(_rich(_run(say(errors[field.field_id]), color="attention")))
    return inputs


def adaptive_card(
    card: Card,
    names: Names,
    bot_name: str,
    *,
    errors: dict[str, str] | None = None,
    error_heading: str = "",
) -> dict[str, Any]:
    """One Adaptive Card: the message's blocks, then the form's inputs and its submit."""

    def say(text: str) -> str:
        return plain(text, names, bot_name)

    body, actions = _elements(card.message.blocks, say)
    if not body:
        body.append(_rich(_run(say(card.message.text))))
    form = card.form
    if form is not None:
        if errors and error_heading:
            body.append(_rich(_run(say(error_heading), color="attention", weight="bolder")))
        intro, _ = _elements(form.intro, say)
        body.extend(intro)
        body.extend(_inputs(form, say, errors or {}))
        actions.append(
            {
                "type": "Action.Execute",
                "title": say(form.submit_label),
                "verb": form.form_id,
                "data": {"metadata": form.metadata, "fields": field_kinds(form)},
                "style": "positive",
            }
        )
    content: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": CARD_VERSION,
        "body": body,
    }
    if actions:
        content["actions"] = actions
    return content


def card_activity(card: Card, names: Names, bot_name: str, **options: Any) -> dict[str, Any]:
    """A message carrying the card alone (``summary`` is what notifications show): a text
    beside it would make two messages of one, and the card could no longer be replaced."""
    return {
        "type": "message",
        "summary": plain(card.message.text, names, bot_name),
        "attachments": [
            {
                "contentType": ADAPTIVE_CARD,
                "content": adaptive_card(card, names, bot_name, **options),
            }
        ],
    }


def message_activity(message: Message, names: Names, bot_name: str) -> dict[str, Any]:
    """A neutral message: a card when it has blocks, plain text otherwise."""
    if not message.blocks:
        return text_activity(plain(message.text, names, bot_name))
    return card_activity(Card(message), names, bot_name)


def field_kinds(form: Form) -> dict[str, str]:
    """Each input's kind, carried in the submit action's data (IDs and kinds only), so that
    the values that come back can be read without the form at hand."""
    kinds = {}
    for field in form.fields:
        if isinstance(field, DateInput):
            kinds[field.field_id] = "date"
        elif isinstance(field, TimeInput):
            kinds[field.field_id] = "time"
        elif isinstance(field, SelectInput):
            kinds[field.field_id] = "select"
        else:
            kinds[field.field_id] = "text"
    return kinds


def form_values(data: dict[str, Any]) -> FormValues:
    """What an ``Action.Execute`` brought back: Teams merges the inputs' values into the
    action's data, as strings (a multi-select's choices comma-separated)."""
    values = FormValues()
    kinds = data.get("fields")
    if not isinstance(kinds, dict):
        kinds = {}
    for key, kind in kinds.items():
        raw = data.get(key)
        raw = raw if isinstance(raw, str) else ""
        if kind == "date":
            try:
                values.dates[key] = date.fromisoformat(raw.strip()) if raw.strip() else None
            except ValueError:
                values.dates[key] = None
        elif kind == "time":
            try:
                values.times[key] = time.fromisoformat(raw.strip()) if raw.strip() else None
            except ValueError:
                values.times[key] = None
        elif kind == "select":
            values.choices[key] = tuple(v for v in raw.split(",") if v)
        else:
            values.texts[key] = raw
    return values


def file_consent_attachment(
    filename: str, size: int, description: str, offer_id: str
) -> dict[str, Any]:
    """Teams asks the person to accept the file; on acceptance it hands the bot an upload
    URL in their OneDrive (the bot never sees where else it goes)."""
    context = {"offer": offer_id}
    return {
        "contentType": FILE_CONSENT,
        "name": filename,
        "content": {
            "description": description,
            "sizeInBytes": size,
            "acceptContext": context,
            "declineContext": context,
        },
    }


def file_info_attachment(
    content_url: str, name: str, unique_id: str, file_type: str
) -> dict[str, Any]:
    return {
        "contentType": FILE_INFO,
        "contentUrl": content_url,
        "name": name,
        "content": {"uniqueId": unique_id, "fileType": file_type},
    }
