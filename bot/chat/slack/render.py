"""Neutral messages and forms → Slack Block Kit, and modal state → ``FormValues``.

``escape`` is the one place where text becomes mrkdwn: ``&``, ``<`` and ``>`` are escaped
so that ``<!channel>``, ``<@U…>`` or ``<https://…|…>`` typed by someone never pings or
links; only the bot's own mention tokens become mentions.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

from bot import texts
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

_MENTION = re.compile(
    re.escape(MENTION_OPEN) + r"([A-Z0-9][A-Z0-9._-]{0,40})" + re.escape(MENTION_CLOSE)
)
_STRAY = re.compile(f"[{MENTION_OPEN}{MENTION_CLOSE}]")
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_LIMIT = 75
TITLE_LIMIT = 24
OPTION_LIMIT = 75
CHECKBOX_LIMIT = 10  # options of one checkboxes element
TEXT_INPUT_LIMIT = 3000
VIEW_BLOCK_LIMIT = 100
MESSAGE_BLOCK_LIMIT = 50
FIELD_LIMIT = 2000
FIELDS_PER_SECTION = 10
TRUNCATED = texts.SLACK.truncated
_TEXT_ELEMENTS = ("plain_text_input", "email_text_input", "url_text_input", "number_input")


def escape(text: str) -> str:
    """Plain text → mrkdwn that shows exactly that text; mention tokens → mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A channel's ID (C…, G…) becomes a link to it, a person's a mention.
    text = _MENTION.sub(
        lambda m: f"<#{m.group(1)}>" if m.group(1)[0] in "CG" else f"<@{m.group(1)}>", text
    )
    return _STRAY.sub("", text)


def plain(text: str) -> str:
    """For plain_text fields (headers, buttons, titles): Slack shows them literally; mention
    tokens become an @ID since plain text cannot ping."""
    return _STRAY.sub("", _MENTION.sub(lambda m: f"@{m.group(1)}", text))


def _clip(text: str, limit: int) -> str:
    """For plain_text: cut to ``limit`` characters, marking the cut with "…"."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _or_blank(text: str) -> str:
    """Slack refuses empty text objects."""
    return text if text.strip() else " "


def _safe_cut(text: str, limit: int) -> int:
    """Where to cut escaped mrkdwn at most ``limit`` characters in: never inside an
    ``&amp;``-style entity or a ``<@U…>`` mention; at a line end or after 。/、/space
    when one is near."""
    cut = limit
    newline = text.rfind("\n", limit // 2, limit)
    if newline != -1:
        cut = newline + 1
    else:
        soft = max(text.rfind(mark, limit - 200, limit) for mark in ("。", "、", " ", "，", "．"))
        if soft != -1:
            cut = soft + 1
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    bracket = text.rfind("<", max(0, cut - 60), cut)
    if bracket != -1 and ">" not in text[bracket:cut]:
        cut = bracket
    return cut if cut > 0 else limit


def _clip_mrkdwn(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to ``limit`` characters without breaking an entity or mention."""
    if len(text) <= limit:
        return text
    cut = _safe_cut(text, limit - 1)
    return text[:cut].rstrip("\n") + "…"


def _section_chunks(text: str) -> list[str]:
    """Long (escaped) text is split into several sections rather than cut: at line ends
    where possible, never inside an entity or a mention."""
    chunks = []
    while len(text) > SECTION_LIMIT:
        cut = _safe_cut(text, SECTION_LIMIT)
        chunk, text = text[:cut].rstrip("\n"), text[cut:].lstrip("\n")
        if chunk.strip():
            chunks.append(chunk)
    if text.strip():
        chunks.append(text.rstrip("\n"))
    return chunks or [" "]


def _field(label: str, value: str) -> dict[str, Any]:
    text = f"*{escape(label)}*\n{escape(value)}" if label.strip() else escape(value)
    return {"type": "mrkdwn", "text": _or_blank(_clip_mrkdwn(text, FIELD_LIMIT))}


def block_kit(
    blocks: tuple[Block, ...], *, limit: int = MESSAGE_BLOCK_LIMIT
) -> list[dict[str, Any]]:
    """Neutral blocks → Block Kit within Slack's limits. Long text becomes several
    sections; past ``limit`` blocks the rest is left out and a note says so."""
    rendered: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, Header):
            text = _clip(plain(block.text), HEADER_LIMIT)
            rendered.append(
                {"type": "header", "text": {"type": "plain_text", "text": _or_blank(text)}}
            )
        elif isinstance(block, Paragraph):
            rendered.extend(
                {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
                for chunk in _section_chunks(escape(block.text))
            )
        elif isinstance(block, Fields):
            pairs = block.pairs
            rendered.extend(
                {
                    "type": "section",
                    "fields": [
                        _field(label, value) for label, value in pairs[i : i + FIELDS_PER_SECTION]
                    ],
                }
                for i in range(0, len(pairs), FIELDS_PER_SECTION)
            )
        elif isinstance(block, Note):
            text = _or_blank(_clip_mrkdwn(escape(block.text), SECTION_LIMIT))
            rendered.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
        elif isinstance(block, Buttons):
            elements = []
            for button in block.buttons[:25]:
                element: dict[str, Any] = {
                    "type": "button",
                    "text": {
                        "type": "plain_text",
                        "text": _or_blank(_clip(plain(button.label), BUTTON_LIMIT)),
                    },
                    "action_id": button.action_id,
                    "value": button.value[:2000],
                }
                if button.primary:
                    element["style"] = "primary"
                elements.append(element)
            if elements:
                rendered.append({"type": "actions", "elements": elements})
        elif isinstance(block, Divider):
            rendered.append({"type": "divider"})
    if len(rendered) > limit:
        rendered = rendered[: limit - 1]
        rendered.append({"type": "context", "elements": [{"type": "mrkdwn", "text": TRUNCATED}]})
    return rendered


def message_payload(message: Message) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage / chat.update / chat.postEphemeral."""
    payload: dict[str, Any] = {"text": _clip_mrkdwn(escape(message.text), SECTION_LIMIT)}
    if message.blocks:
        payload["blocks"] = block_kit(message.blocks)
    return payload


def modal(form: Form) -> dict[str, Any]:
    """A neutral form → a Slack modal view (``callback_id`` is the form's id)."""
    fields = form.fields[:VIEW_BLOCK_LIMIT]
    # The fields are the form: the intro gives way to them, never the other way round.
    intro_room = VIEW_BLOCK_LIMIT - len(fields)
    blocks = block_kit(form.intro, limit=intro_room) if form.intro and intro_room else []
    for item in fields:
        element: dict[str, Any]
        if isinstance(item, TextInput):
            max_length = min(max(item.max_length, 1), TEXT_INPUT_LIMIT)
            element = {
                "type": "plain_text_input",
                "action_id": item.field_id,
                "multiline": item.multiline,
                "max_length": max_length,
            }
            if item.initial:
                element["initial_value"] = item.initial[:max_length]
        elif isinstance(item, DateInput):
            element = {"type": "datepicker", "action_id": item.field_id}
            if item.initial:
                element["initial_date"] = item.initial.isoformat()
        elif isinstance(item, TimeInput):
            element = {"type": "timepicker", "action_id": item.field_id}
            if item.initial is not None:
                element["initial_time"] = f"{item.initial:%H:%M}"
        elif isinstance(item, SelectInput):
            options = [
                {
                    "text": {
                        "type": "plain_text",
                        "text": _or_blank(_clip(plain(c.label), OPTION_LIMIT)),
                    },
                    "value": c.value,
                }
                for c in item.choices[:100]
            ]
            boxes = item.checkboxes and item.multiple and len(options) <= CHECKBOX_LIMIT
            kind = "checkboxes" if boxes else "static_select"
            if item.multiple and not boxes:
                kind = "multi_static_select"
            element = {"type": kind, "action_id": item.field_id, "options": options}
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
            "label": {"type": "plain_text", "text": _or_blank(_clip(plain(item.label), 2000))},
            "element": element,
        }
        if isinstance(item, TextInput) and item.hint:
            block["hint"] = {"type": "plain_text", "text": _clip(plain(item.hint), 2000)}
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": form.form_id,
        "title": {"type": "plain_text", "text": _or_blank(_clip(plain(form.title), TITLE_LIMIT))},
        "submit": {
            "type": "plain_text",
            "text": _or_blank(_clip(plain(form.submit_label), TITLE_LIMIT)),
        },
        "close": {"type": "plain_text", "text": texts.SLACK.form_cancel},
        "private_metadata": form.metadata[:3000],
        "blocks": blocks[:VIEW_BLOCK_LIMIT],
    }


def form_values(state_values: dict[str, dict[str, dict[str, Any]]]) -> FormValues:
    """``view.state.values`` → ``FormValues`` (block_id and action_id are the field id)."""
    values = FormValues()
    for block in state_values.values():
        for field_id, element in block.items():
            kind = element.get("type")
            if kind in _TEXT_ELEMENTS:
                values.texts[field_id] = element.get("value") or ""
            elif kind == "datepicker":
                values.dates[field_id] = _iso_date(element.get("selected_date"))
            elif kind == "timepicker":
                values.times[field_id] = _clock(element.get("selected_time"))
            elif kind in ("static_select", "radio_buttons"):
                option = element.get("selected_option")
                values.choices[field_id] = (option["value"],) if option else ()
            elif kind in ("multi_static_select", "checkboxes"):
                values.choices[field_id] = tuple(
                    o["value"] for o in element.get("selected_options") or []
                )
    return values


def _clock(value: Any) -> time | None:
    """A timepicker's ``selected_time`` (``HH:mm`` or null)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def _iso_date(value: Any) -> date | None:
    """A datepicker's ``selected_date`` (``YYYY-MM-DD`` or null)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
