"""Block Kit validation and flattening, as far as Slack enforces it for a bot.

The limits are Slack's documented ones (see docs/platform notes). Error strings imitate
Slack's own ("... [json-pointer:/blocks/0/text/text]") so that a failing call tells the
developer exactly which block broke. Views are also checked with slack_sdk's models
(``slack_sdk.models.views.View`` and its blocks), so that a modal the local workspace accepts
is one that slack_sdk, and Slack, accept too.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
MESSAGE_TEXT_LIMIT = 40_000
SECTION_TEXT_LIMIT = 3000
SECTION_FIELD_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ID_LIMIT = 255
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SELECT_OPTIONS_LIMIT = 100
MODAL_TITLE_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3000

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}$")

_KNOWN_BLOCKS = {
    "section",
    "header",
    "context",
    "actions",
    "divider",
    "input",
    "image",
    "rich_text",
    "markdown",
    "file",
    "video",
}
_TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input"}
_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
_MULTI_SELECTS = {"multi_" + s for s in _SELECTS}
_CHOICES = {"checkboxes", "radio_buttons"}
_PICKERS = {"datepicker", "timepicker", "datetimepicker"}
_INTERACTIVE = {"button", "overflow", *_SELECTS, *_MULTI_SELECTS, *_CHOICES, *_PICKERS}
_ACTIONS_ELEMENTS = _INTERACTIVE | {"rich_text_input"}
_ACCESSORY_ELEMENTS = _INTERACTIVE | {"image"}
_INPUT_ELEMENTS = (
    _TEXT_INPUTS
    | _SELECTS
    | _MULTI_SELECTS
    | _CHOICES
    | _PICKERS
    | {"rich_text_input", "file_input"}
)


class _Checker:
    """Collects Slack-style error strings while walking a payload."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.errors.append(f"{message} [json-pointer:{pointer}]")

    def text_object(
        self,
        obj: Any,
        pointer: str,
        limit: int,
        *,
        plain_only: bool = False,
        required: bool = True,
    ) -> None:
        if obj is None:
            if required:
                self.fail("must be provided", pointer)
            return
        if not isinstance(obj, dict):
            self.fail("must be a text object", pointer)
            return
        kind = obj.get("type")
        allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
        if kind not in allowed:
            self.fail(f"must be one of {', '.join(allowed)}", f"{pointer}/type")
        text = obj.get("text")
        if not isinstance(text, str) or not text:
            self.fail("must be a non-empty string", f"{pointer}/text")
        elif len(text) > limit:
            self.fail(f"must be less than {limit + 1} characters", f"{pointer}/text")

    def string(self, value: Any, pointer: str, limit: int) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            self.fail("must be a string", pointer)
        elif len(value) > limit:
            self.fail(f"must be less than {limit + 1} characters", pointer)

    def options(
        self, options: Any, pointer: str, limit: int, *, plain_only: bool, minimum: int = 1
    ) -> list[dict[str, Any]]:
        if not isinstance(options, list):
            self.fail("must be an array", pointer)
            return []
        if len(options) > limit:
            self.fail(f"must provide an array with no more than {limit} items", pointer)
        if len(options) < minimum:
            self.fail(f"must provide an array with at least {minimum} items", pointer)
        good: list[dict[str, Any]] = []
        for i, option in enumerate(options):
            if not isinstance(option, dict):
                self.fail("must be an option object", f"{pointer}/{i}")
                continue
            self.text_object(
                option.get("text"), f"{pointer}/{i}/text", OPTION_TEXT_LIMIT, plain_only=plain_only
            )
            value = option.get("value")
            if not isinstance(value, str) or not value:
                self.fail("must be a non-empty string", f"{pointer}/{i}/value")
            else:
                self.string(value, f"{pointer}/{i}/value", OPTION_VALUE_LIMIT)
            good.append(option)
        return good

    def element(self, el: Any, pointer: str, allowed: set[str], action_ids: set[str]) -> None:
        if not isinstance(el, dict):
            self.fail("must be an element object", pointer)
            return
        kind = el.get("type")
        if kind not in allowed:
            self.fail(f"unsupported element type {kind!r} here", f"{pointer}/type")
            return
        action_id = el.get("action_id")
        if action_id is not None:
            if not isinstance(action_id, str) or not action_id:
                self.fail("must be a non-empty string", f"{pointer}/action_id")
            elif len(action_id) > ID_LIMIT:
                self.fail(f"must be less than {ID_LIMIT + 1} characters", f"{pointer}/action_id")
            elif action_id in action_ids:
                self.fail("action_id must be unique within a block", f"{pointer}/action_id")
            else:
                action_ids.add(action_id)
        if "placeholder" in el:
            self.text_object(el["placeholder"], f"{pointer}/placeholder", 150, plain_only=True)
        if "confirm" in el:
            self._confirm(el["confirm"], f"{pointer}/confirm")
        if kind == "button":
            self.text_object(el.get("text"), f"{pointer}/text", BUTTON_TEXT_LIMIT, plain_only=True)
            self.string(el.get("value"), f"{pointer}/value", BUTTON_VALUE_LIMIT)
            self.string(el.get("url"), f"{pointer}/url", 3000)
            if "style" in el and el["style"] not in ("primary", "danger"):
                self.fail("must be one of primary, danger", f"{pointer}/style")
        elif kind in ("static_select", "multi_static_select"):
            if "option_groups" in el:
                groups = el["option_groups"]
                if not isinstance(groups, list) or len(groups) > SELECT_OPTIONS_LIMIT:
                    self.fail(
                        "must provide an array of at most 100 groups", f"{pointer}/option_groups"
                    )
                else:
                    for g, group in enumerate(groups):
                        opts = group.get("options") if isinstance(group, dict) else None
                        self.options(
                            opts, f"{pointer}/option_groups/{g}/options", 100, plain_only=True
                        )
            else:
                opts = self.options(
                    el.get("options"), f"{pointer}/options", SELECT_OPTIONS_LIMIT, plain_only=True
                )
                self._initial_options(el, opts, pointer)
        elif kind == "overflow":
            self.options(el.get("options"), f"{pointer}/options", 5, plain_only=True, minimum=2)
        elif kind in _CHOICES:
            opts = self.options(el.get("options"), f"{pointer}/options", 10, plain_only=False)
            self._initial_options(el, opts, pointer)
        elif kind in _TEXT_INPUTS:
            for key in ("min_length", "max_length"):
                if key in el and (not isinstance(el[key], int) or not 0 <= el[key] <= 3000):
                    self.fail("must be an integer between 0 and 3000", f"{pointer}/{key}")
            self.string(el.get("initial_value"), f"{pointer}/initial_value", 3000)
            if kind == "number_input" and "is_decimal_allowed" not in el:
                self.fail("must be provided", f"{pointer}/is_decimal_allowed")
        elif kind == "datepicker":
            initial = el.get("initial_date")
            if initial is not None and (
                not isinstance(initial, str) or not _DATE_RE.match(initial)
            ):
                self.fail("must be a date in the format YYYY-MM-DD", f"{pointer}/initial_date")
        elif kind == "timepicker":
            initial = el.get("initial_time")
            if initial is not None and (
                not isinstance(initial, str) or not _TIME_RE.match(initial)
            ):
                self.fail("must be a time in the format HH:mm", f"{pointer}/initial_time")
        elif kind == "image":
            if not el.get("image_url") and not el.get("slack_file"):
                self.fail("must provide image_url or slack_file", pointer)
            self.string(el.get("alt_text"), f"{pointer}/alt_text", 2000)

    def _initial_options(
        self, el: dict[str, Any], opts: list[dict[str, Any]], pointer: str
    ) -> None:
        # Slack rejects an initial option that is not one of the element's options.
        values = {o.get("value") for o in opts}
        initial = el.get("initial_option")
        if isinstance(initial, dict) and initial.get("value") not in values:
            self.fail("must match one of the provided options", f"{pointer}/initial_option")
        for i, option in enumerate(el.get("initial_options") or []):
            if not isinstance(option, dict) or option.get("value") not in values:
                self.fail(
                    "must match one of the provided options", f"{pointer}/initial_options/{i}"
                )

    def _confirm(self, confirm: Any, pointer: str) -> None:
        if not isinstance(confirm, dict):
            self.fail("must be a confirmation object", pointer)
            return
        self.text_object(confirm.get("title"), f"{pointer}/title", 100, plain_only=True)
        self.text_object(confirm.get("text"), f"{pointer}/text", 300)
        self.text_object(confirm.get("confirm"), f"{pointer}/confirm", 30, plain_only=True)
        self.text_object(confirm.get("deny"), f"{pointer}/deny", 30, plain_only=True)

    def blocks(self, blocks: Any, pointer: str, limit: int) -> None:
        if not isinstance(blocks, list):
            self.fail("must be an array", pointer)
            return
        if len(blocks) > limit:
            self.fail(f"must provide an array with no more than {limit} items", pointer)
        block_ids: set[str] = set()
        for i, block in enumerate(blocks):
            self.block(block, f"{pointer}/{i}", block_ids)

    def block(self, block: Any, pointer: str, block_ids: set[str]) -> None:
        if not isinstance(block, dict):
            self.fail("must be a block object", pointer)
            return
        kind = block.get("type")
        if kind not in _KNOWN_BLOCKS:
            self.fail(f"unsupported block type {kind!r}", f"{pointer}/type")
            return
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not block_id:
                self.fail("must be a non-empty string", f"{pointer}/block_id")
            elif len(block_id) > ID_LIMIT:
                self.fail(f"must be less than {ID_LIMIT + 1} characters", f"{pointer}/block_id")
            elif block_id in block_ids:
                self.fail("block_id must be unique", f"{pointer}/block_id")
            else:
                block_ids.add(block_id)
        action_ids: set[str] = set()
        if kind == "section":
            if "text" not in block and "fields" not in block:
                self.fail("must provide text or fields", pointer)
            if "text" in block:
                self.text_object(block["text"], f"{pointer}/text", SECTION_TEXT_LIMIT)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    self.fail("must provide an array of 1 to 10 items", f"{pointer}/fields")
                else:
                    for f, field in enumerate(fields):
                        self.text_object(field, f"{pointer}/fields/{f}", SECTION_FIELD_LIMIT)
            if "accessory" in block:
                self.element(
                    block["accessory"], f"{pointer}/accessory", _ACCESSORY_ELEMENTS, action_ids
                )
        elif kind == "header":
            self.text_object(
                block.get("text"), f"{pointer}/text", HEADER_TEXT_LIMIT, plain_only=True
            )
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                self.fail("must provide an array of 1 to 10 items", f"{pointer}/elements")
            else:
                for e, el in enumerate(elements):
                    if isinstance(el, dict) and el.get("type") == "image":
                        self.element(el, f"{pointer}/elements/{e}", {"image"}, action_ids)
                    else:
                        self.text_object(el, f"{pointer}/elements/{e}", SECTION_TEXT_LIMIT)
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                self.fail("must provide an array of 1 to 25 items", f"{pointer}/elements")
            else:
                for e, el in enumerate(elements):
                    self.element(el, f"{pointer}/elements/{e}", _ACTIONS_ELEMENTS, action_ids)
        elif kind == "input":
            self.text_object(block.get("label"), f"{pointer}/label", 2000, plain_only=True)
            if "hint" in block:
                self.text_object(block["hint"], f"{pointer}/hint", 2000, plain_only=True)
            self.element(block.get("element"), f"{pointer}/element", _INPUT_ELEMENTS, action_ids)
        elif kind == "image":
            if not block.get("image_url") and not block.get("slack_file"):
                self.fail("must provide image_url or slack_file", pointer)
            self.string(block.get("alt_text"), f"{pointer}/alt_text", 2000)
        elif kind == "markdown":
            self.string(block.get("text"), f"{pointer}/text", 12_000)


def message_block_errors(blocks: Any) -> list[str]:
    """Validate the blocks of a message.

    Args:
        blocks: The decoded ``blocks`` argument.

    Returns:
        Slack-style error strings; empty when the blocks are acceptable.
    """
    checker = _Checker()
    checker.blocks(blocks, "/blocks", MESSAGE_BLOCK_LIMIT)
    return checker.errors


def view_errors(view: Any, *, kinds: tuple[str, ...] = ("modal",)) -> list[str]:
    """Validate a view payload (modal or home tab).

    Args:
        view: The decoded ``view`` argument.
        kinds: Accepted values of ``view.type``.

    Returns:
        Slack-style error strings; empty when the view is acceptable.
    """
    checker = _Checker()
    if not isinstance(view, dict):
        checker.fail("must be a view object", "/view")
        return checker.errors
    if view.get("type") not in kinds:
        checker.fail(f"must be one of {', '.join(kinds)}", "/view/type")
    blocks = view.get("blocks")
    checker.blocks(blocks, "/view/blocks", VIEW_BLOCK_LIMIT)
    if view.get("type") == "modal":
        checker.text_object(view.get("title"), "/view/title", MODAL_TITLE_LIMIT, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                checker.text_object(view[key], f"/view/{key}", MODAL_TITLE_LIMIT, plain_only=True)
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            checker.fail(
                "submit is required when an input block is within the blocks array", "/view"
            )
    checker.string(view.get("private_metadata"), "/view/private_metadata", PRIVATE_METADATA_LIMIT)
    checker.string(view.get("callback_id"), "/view/callback_id", ID_LIMIT)
    checker.string(view.get("external_id"), "/view/external_id", ID_LIMIT)
    return checker.errors + model_errors(view, already=checker.errors)


# --------------------------------------------------------------------------- slack_sdk's models

# slack_sdk logs a block, element, option or field it cannot parse at WARNING, quoting it
# whole, and skips it; here that may be case content. Records of these loggers never reach a
# handler: while a view is checked, each becomes an error instead (what slack_sdk would skip,
# Slack refuses), worded without the content.
_MODEL_LOGGERS = (
    "slack_sdk.models.blocks.blocks",
    "slack_sdk.models.blocks.block_elements",
    "slack_sdk.models.blocks.basic_components",
    "slack_sdk.models.views",
)
_SKIPPED = (
    ("Unknown block", "unsupported block type"),
    ("Unknown element", "unsupported element type"),
    ("Unknown option group", "must be an option group object"),
    ("Unknown option", "must be an option object"),
    ("Unsupported field", "must be a text object"),
    ("Unknown type", "must be a text object"),
)
_checking = threading.local()


class _SkippedByTheModels(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        found: list[str] | None = getattr(_checking, "skipped", None)
        if found is not None:
            text = str(record.msg)
            found.append(next((m for p, m in _SKIPPED if text.startswith(p)), "is not valid"))
        return False  # never logged: the record quotes the payload


for _name in _MODEL_LOGGERS:
    logging.getLogger(_name).addFilter(_SkippedByTheModels())

_MISSING = re.compile(r"missing \d+ required (?:keyword-only |positional )?arguments?: (.+)$")
_UNEXPECTED = re.compile(r"unexpected keyword argument '([^']+)'")


def _model_message(error: Exception) -> str:
    """slack_sdk's complaint in Slack's words; never a value from the payload."""
    if isinstance(error, SlackObjectFormationError):
        return str(error)  # slack_sdk's own fixed wording ("title must be between …")
    text = str(error)
    if isinstance(error, TypeError) and (missing := _MISSING.search(text)):
        fields = missing.group(1).replace("'", "")
        return f"missing required field: {fields}"
    if isinstance(error, TypeError) and (unexpected := _UNEXPECTED.search(text)):
        return f"unsupported property: {unexpected.group(1)}"
    if isinstance(error, KeyError):
        return f"missing required field: {error.args[0] if error.args else ''}"
    return f"is not valid ({type(error).__name__})"


def _model_check(build: Callable[[], object], pointer: str) -> list[str]:
    """Errors of building and serialising one model (``to_dict`` validates it all the way
    down), each pointing at ``pointer``."""
    _checking.skipped = []
    try:
        build()
        errors = list(_checking.skipped)
    except Exception as error:
        errors = [*_checking.skipped, _model_message(error)]
    finally:
        del _checking.skipped
    return [f"{message} [json-pointer:{pointer}]" for message in dict.fromkeys(errors)]


def _block_to_dict(block: dict[str, Any]) -> None:
    parsed = Block.parse(block)
    if parsed is not None:  # else the skipped block is an error already
        parsed.to_dict()


def model_errors(view: Any, *, already: list[str] | None = None) -> list[str]:
    """What slack_sdk's models refuse in a view, as Slack-style error strings.

    Each block is checked on its own, so an error points at its block; the view's own fields
    (type, title, submit, close, the number of blocks, …) are checked with the blocks left
    out. A block, or the view's fields, that ``already`` has an error for is not reported
    twice.

    Args:
        view: The decoded ``view`` argument.
        already: Errors found by the checks above (their pointers).
    """
    if not isinstance(view, dict):
        return []
    pointers = [e.rsplit("[json-pointer:", 1)[-1] for e in already or []]

    def reported(prefix: str) -> bool:
        return any(p == prefix + "]" or p.startswith(prefix + "/") for p in pointers)

    errors: list[str] = []
    blocks = view.get("blocks")
    blocks = blocks if isinstance(blocks, list) else []
    for i, block in enumerate(blocks):
        pointer = f"/view/blocks/{i}"
        if isinstance(block, dict) and not reported(pointer):
            errors += _model_check(partial(_block_to_dict, block), pointer)
    if not any(not p.startswith("/view/blocks/") for p in pointers):
        # The view's fields, with as many (valid) blocks as it has.
        fields = {k: v for k, v in view.items() if k != "blocks"}
        placeholders = [{"type": "divider"}] * len(blocks)
        errors += _model_check(lambda: View(**fields, blocks=placeholders).to_dict(), "/view")
    return errors


def iter_elements(blocks: Any) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Yield ``(block, element)`` for every element that can carry an ``action_id``.

    Args:
        blocks: A list of blocks (anything else yields nothing).

    Yields:
        The containing block and the element itself.
    """
    if not isinstance(blocks, list):
        return
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "actions":
            for el in block.get("elements") or []:
                if isinstance(el, dict):
                    yield block, el
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        text = obj.get("text")
        return text if isinstance(text, str) else ""
    return ""


def _rich_text(elements: Any) -> str:
    parts: list[str] = []
    for el in elements or []:
        if not isinstance(el, dict):
            continue
        if el.get("type") == "text":
            parts.append(str(el.get("text", "")))
        elif el.get("type") == "user":
            parts.append(f"@{el.get('user_id', '')}")
        elif el.get("type") == "link":
            parts.append(str(el.get("text") or el.get("url", "")))
        elif "elements" in el:
            parts.append(_rich_text(el["elements"]))
    return "".join(parts)


_ELEMENT_NAMES = {
    "plain_text_input": "入力欄",
    "email_text_input": "入力欄",
    "url_text_input": "入力欄",
    "number_input": "数値",
    "datepicker": "日付",
    "timepicker": "時刻",
    "datetimepicker": "日時",
    "users_select": "ユーザー選択",
    "multi_users_select": "ユーザー選択",
    "file_input": "ファイル",
}


def _element_label(el: dict[str, Any]) -> str:
    kind = el.get("type")
    if kind == "button":
        return f"[{_text_of(el.get('text'))}]"
    if kind == "image":
        return f"[画像: {el.get('alt_text', '')}]"
    if kind in ("checkboxes", "radio_buttons"):
        chosen = {
            json.dumps(o, sort_keys=True)
            for o in [*(el.get("initial_options") or []), el.get("initial_option")]
            if o
        }
        marks = ("☑", "☐") if kind == "checkboxes" else ("◉", "○")
        return " ".join(
            f"{marks[0] if json.dumps(o, sort_keys=True) in chosen else marks[1]} "
            f"{_text_of(o.get('text'))}"
            for o in el.get("options") or []
        )
    placeholder = _text_of(el.get("placeholder"))
    name = _ELEMENT_NAMES.get(str(kind), "選択")
    suffix = "" if kind in _ELEMENT_NAMES and "select" not in str(kind) else " ▼"
    return f"[{placeholder or name}{suffix}]"


def flatten_blocks(blocks: Any) -> list[str]:
    """Render blocks as readable lines for transcripts (not a faithful renderer).

    Args:
        blocks: A list of Block Kit blocks.

    Returns:
        One line per visible block (multi-line texts keep their line breaks).
    """
    lines: list[str] = []
    if not isinstance(blocks, list):
        return lines
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "header":
            lines.append(f"■ {_text_of(block.get('text'))}")
        elif kind == "section":
            parts = [_text_of(block.get("text"))] if "text" in block else []
            parts += [_text_of(f) for f in block.get("fields") or []]
            text = " / ".join(p for p in parts if p)
            if isinstance(block.get("accessory"), dict):
                text = f"{text} {_element_label(block['accessory'])}".strip()
            lines.append(text)
        elif kind == "context":
            texts = [
                _text_of(el)
                if isinstance(el, dict) and el.get("type") != "image"
                else f"[画像: {el.get('alt_text', '') if isinstance(el, dict) else ''}]"
                for el in block.get("elements") or []
            ]
            lines.append("  ".join(texts))
        elif kind == "actions":
            labels = [
                _element_label(el) for el in block.get("elements") or [] if isinstance(el, dict)
            ]
            lines.append(" ".join(labels))
        elif kind == "divider":
            lines.append("----")
        elif kind == "input":
            el = block.get("element")
            label = _element_label(el) if isinstance(el, dict) else ""
            lines.append(f"{_text_of(block.get('label'))}: {label}")
        elif kind == "rich_text":
            lines.append(_rich_text(block.get("elements")))
        elif kind == "markdown":
            lines.append(str(block.get("text", "")))
        elif kind == "image":
            lines.append(f"[画像: {block.get('alt_text', '')}]")
    return lines
