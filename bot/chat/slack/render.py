"""Neutral messages and forms → Slack Block Kit, and modal state → ``FormValues``.

``escape`` is the one place where text becomes mrkdwn: ``&``, ``<`` and ``>`` are escaped
so that ``<!channel>``, ``<@U…>`` or ``<https://…|…>`` typed by someone never pings or
links; only the bot's own mention tokens become mentions.
"""

from __future__ import annotations

import re
from datetime import date
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
)

_MENTION = re.compile(
    re.escape(MENTION_OPEN) + r"([A-Z0-9][A-Z0-9._-]{0,40})" + re.escape(MENTION_CLOSE)
)
_STRAY = re.compile(f"[{MENTION_OPEN}{MENTION_CLOSE}]")
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
TITLE_LIMIT = 24


def escape(text: str) -> str:
    """Plain text → mrkdwn that shows exactly that text; mention tokens → mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION.sub(lambda m: f"<@{m.group(1)}>", text)
    return _STRAY.sub("", text)


def plain(text: str) -> str:
    """For plain_text fields (headers, buttons, titles): Slack shows them literally; mention
    tokens become an @ID since plain text cannot ping."""
    return _STRAY.sub("", _MENTION.sub(lambda m: f"@{m.group(1)}", text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section_chunks(text: str) -> list[str]:
    """Long text is split into several sections rather than cut."""
    chunks, current = [], ""
    for line in text.split("\n"):
        while len(line) > SECTION_LIMIT:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:SECTION_LIMIT])
            line = line[SECTION_LIMIT:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks or [" "]


def block_kit(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    rendered: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Header):
            rendered.append(
                {
                    "type": "header",
                    "text": {"type": "plain_text", "text": _clip(plain(block.text), HEADER_LIMIT)},
                }
            )
        elif isinstance(block, Paragraph):
            rendered.extend(
                {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                for chunk in _section_chunks(escape(block.text))
            )
        elif isinstance(block, Fields):
            rendered.append(
                {
                    "type": "section",
                    "fields": [
                        {
                            "type": "mrkdwn",
                            "text": _clip(f"*{escape(label)}*\n{escape(value)}", 2000),
                        }
                        for label, value in block.pairs[:10]
                    ],
                }
            )
        elif isinstance(block, Note):
            rendered.append(
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": _clip(escape(block.text), 3000)}],
                }
            )
        elif isinstance(block, Buttons):
            elements = []
            for button in block.buttons[:25]:
                element: dict[str, Any] = {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": _clip(plain(button.label), BUTTON_LIMIT),
                    },
                    "action_id": button.action_id,
                    "value": button.value[:2000],
                }
                if button.primary:
                    element["style"] = "primary"
                elements.append(element)
            rendered.append({"type": "actions", "elements": elements})
        elif isinstance(block, Divider):
            rendered.append({"type": "divider"})
    return rendered[:50]


def message_payload(message: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / chat.postEphemeral."""
    payload: dict[str, Any] = {"text": escape(message.text)[:3000]}
    if message.blocks:
        payload["blocks"] = block_kit(message.blocks)
    return payload


def modal(form: Form) -> dict[str, Any]:
    """A neutral form → a Slack modal view (``callback_id`` is the form's id)."""
    blocks = block_kit(form.intro)
    for item in form.fields:
        element: dict[str, Any]
        if isinstance(item, TextInput):
            element = {
                "type": "plain_text_input",
                "action_id": item.field_id,
                "multiline": item.multiline,
                "max_length": item.max_length,
            }
            if item.initial:
                element["initial_value"] = item.initial
        elif isinstance(item, DateInput):
            element = {"type": "datepicker", "action_id": item.field_id}
            if item.initial:
                element["initial_date"] = item.initial.isoformat()
        elif isinstance(item, SelectInput):
            options = [
                {
                    "text": {"type": "plain_text", "text": _clip(plain(c.label), 75)},
                    "value": c.value,
                }
                for c in item.choices[:100]
            ]
            element = {
                "type": "multi_static_select" if item.multiple else "static_select",
                "action_id": item.field_id,
                "options": options,
            }
            chosen = [
                o
                for o in options
                if o["value"] in (item.initial_many if item.multiple else (item.initial,))
            ]
            if chosen and item.multiple:
                element["initial_options"] = chosen
            elif chosen:
                element["initial_option"] = chosen[0]
        else:  # pragma: no cover - the union is exhaustive
            continue
        block: dict[str, Any] = {
            "type": "input",
            "block_id": item.field_id,
            "optional": item.optional,
            "label": {"type": "plain_text", "text": _clip(plain(item.label), 2000)},
            "element": element,
        }
        if isinstance(item, TextInput) and item.hint:
            block["hint"] = {"type": "plain_text", "text": _clip(item.hint, 2000)}
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": {"type": "plain_text", "text": _clip(plain(form.title), TITLE_LIMIT)},
        "submit": {"type": "plain_text", "text": _clip(plain(form.submit_label), TITLE_LIMIT)},
        "close": {"type": "plain_text", "text": "キャンセル"},
        "private_metadata": form.metadata[:3000],
        "blocks": blocks[:100],
    }


def form_values(state_values: dict[str, dict[str, dict[str, Any]]]) -> FormValues:
    """``view.state.values`` → ``FormValues`` (block_id and action_id are the field id)."""
    values = FormValues()
    for block in state_values.values():
        for field_id, element in block.items():
            kind = element.get("type")
            if kind == "plain_text_input":
                values.texts[field_id] = element.get("value") or ""
            elif kind == "datepicker":
                selected = element.get("selected_date")
                values.dates[field_id] = date.fromisoformat(selected) if selected else None
            elif kind == "static_select":
                option = element.get("selected_option")
                values.choices[field_id] = (option["value"],) if option else ()
            elif kind in ("multi_static_select", "checkboxes"):
                values.choices[field_id] = tuple(
                    o["value"] for o in element.get("selected_options") or []
                )
    return values
