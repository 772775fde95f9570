"""Rendering to Slack: the one place where text becomes mrkdwn, within Block Kit's limits."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bot.chat.slack.render import (
    HEADER_LIMIT,
    SECTION_LIMIT,
    TITLE_LIMIT,
    block_kit,
    escape,
    form_values,
    message_payload,
    modal,
    plain,
)
from bot.services.chat import (
    MENTION_CLOSE,
    MENTION_OPEN,
    Button,
    Buttons,
    Choice,
    DateInput,
    Divider,
    Fields,
    Form,
    Header,
    Message,
    Note,
    Paragraph,
    SelectInput,
    TextInput,
    clean_user_text,
    mention,
)
from localslack.blockkit import message_block_errors, view_errors

# --------------------------------------------------------------------------- escape


@pytest.mark.parametrize(
    "typed",
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123>",
        "<@U123|yamada>",
        "<#C123|kaigi>",
        "<!subteam^S123>",
        "<https://evil.example|x>",
        "<mailto:a@example.jp|連絡>",
    ],
)
def test_markup_typed_by_a_person_stays_text(typed: str) -> None:
    shown = escape(f"前 {typed} 後")
    assert "<" not in shown
    assert ">" not in shown
    assert shown == f"前 {typed.replace('<', '&lt;').replace('>', '&gt;')} 後"


def test_ampersands_are_escaped_once() -> None:
    assert escape("A&B") == "A&amp;B"
    assert escape("&lt;!channel&gt;") == "&amp;lt;!channel&amp;gt;"


def test_only_mention_tokens_become_mentions() -> None:
    shown = escape(f"{mention('U0ABC')} さん、<@U0EVIL> さん")
    assert re.findall(r"<@[^>]*>", shown) == ["<@U0ABC>"]


def test_a_mention_token_next_to_escaped_text() -> None:
    assert escape(f"<{mention('U0ABC')}>&") == "&lt;<@U0ABC>&gt;&amp;"


@pytest.mark.parametrize(
    "stray",
    [
        f"{MENTION_OPEN}U0ABC",
        f"U0ABC{MENTION_CLOSE}",
        f"{MENTION_CLOSE}U0ABC{MENTION_OPEN}",
        f"{MENTION_OPEN}u0abc{MENTION_CLOSE}",  # not an id: lower case
        f"{MENTION_OPEN}U0ABC|x{MENTION_CLOSE}",
        f"{MENTION_OPEN}{MENTION_CLOSE}",
    ],
)
def test_stray_delimiters_are_removed(stray: str) -> None:
    shown = escape(f"a{stray}b")
    assert MENTION_OPEN not in shown
    assert MENTION_CLOSE not in shown
    assert "<@" not in shown
    assert MENTION_OPEN not in plain(stray)
    assert MENTION_CLOSE not in plain(stray)


def test_plain_text_shows_mentions_as_ids_and_markup_literally() -> None:
    assert plain(f"{mention('U0ABC')} <!channel> &") == "@U0ABC <!channel> &"


# --------------------------------------------------------------------------- what people type


def test_clean_user_text_removes_control_characters() -> None:
    assert clean_user_text(" \x00a\x07b\x1b[31mc\x7f\r\nd\re\t ") == "ab[31mc\nd\ne"


def test_a_person_cannot_forge_a_mention() -> None:
    forged = f"{MENTION_OPEN}U0ABC{MENTION_CLOSE} <@U0ABC> <!channel>"
    shown = escape(clean_user_text(forged))
    assert "<@" not in shown
    assert "<!" not in shown
    assert MENTION_OPEN not in clean_user_text(forged)
    assert MENTION_CLOSE not in clean_user_text(forged)


def test_clean_user_text_caps_the_length_after_trimming() -> None:
    assert clean_user_text("  " + "あ" * 5000, max_length=3000) == "あ" * 3000
    assert clean_user_text("\ud800lone surrogate") == "lone surrogate"


# --------------------------------------------------------------------------- Block Kit limits


def _sections(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def test_a_long_paragraph_is_split_into_sections_not_cut() -> None:
    text = "".join(f"第{i}文。" for i in range(2000))  # about 10,000 characters, one line
    assert len(text) > 10_000
    blocks = block_kit((Paragraph(text),))
    chunks = _sections(blocks)
    assert len(chunks) >= 4
    assert all(len(chunk) <= SECTION_LIMIT for chunk in chunks)
    assert "".join(chunks) == text
    assert not message_block_errors(blocks)


def test_a_long_paragraph_of_lines_breaks_at_line_ends() -> None:
    lines = [f"{i:04d} " + "い" * 95 for i in range(100)]  # 100 lines of 100 characters
    chunks = _sections(block_kit((Paragraph("\n".join(lines)),)))
    assert len(chunks) == 4
    assert "\n".join(chunks) == "\n".join(lines)
    assert all(chunk.split("\n")[0][:4].isdigit() for chunk in chunks)


def test_splitting_never_breaks_an_entity_or_a_mention() -> None:
    text = ("A&" + mention("U0ABC") + "<>") * 2000  # 22 escaped characters: 3000 is no multiple
    chunks = _sections(block_kit((Paragraph(text),)))
    assert len(chunks) > 1
    for chunk in chunks:
        assert len(chunk) <= SECTION_LIMIT
        assert not re.search(r"&[a-z]{0,3}$", chunk)
        assert not re.search(r"<@[A-Z0-9]*$", chunk)
        assert not re.match(r"^[a-z]{1,3};", chunk)
    assert "".join(chunks) == escape(text)


def test_never_more_than_fifty_blocks_and_a_note_says_what_was_left_out() -> None:
    blocks = block_kit(tuple(Paragraph(f"段落{i}") for i in range(80)))
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "context"
    assert "省略" in blocks[-1]["elements"][0]["text"]
    assert not message_block_errors(blocks)
    huge = block_kit((Paragraph("う" * 200_000),))
    assert len(huge) == 50
    assert not message_block_errors(huge)


def test_exactly_fifty_blocks_are_kept_whole() -> None:
    blocks = block_kit(tuple(Paragraph(f"段落{i}") for i in range(50)))
    assert len(blocks) == 50
    assert _sections(blocks)[-1] == "段落49"


def test_header_button_and_note_limits() -> None:
    blocks = block_kit(
        (
            Header("見出し" * 100),
            Buttons(tuple(Button("ボタン" * 40, f"a{i}", "v" * 3000) for i in range(30))),
            Note("注" * 5000),
        )
    )
    assert not message_block_errors(blocks)
    header, actions, note = blocks
    assert len(header["text"]["text"]) == HEADER_LIMIT
    assert header["text"]["text"].endswith("…")
    assert len(actions["elements"]) == 25
    assert all(len(e["text"]["text"]) <= 75 for e in actions["elements"])
    assert len(note["elements"][0]["text"]) <= SECTION_LIMIT


def test_plain_text_parts_show_mentions_as_ids() -> None:
    header, actions = block_kit(
        (Header(f"{mention('U0ABC')} <!here>"), Buttons((Button(mention("U0ABC"), "go"),)))
    )
    assert header["text"] == {"type": "plain_text", "text": "@U0ABC <!here>"}
    assert actions["elements"][0]["text"]["text"] == "@U0ABC"


def test_fields_are_escaped_and_grouped_ten_to_a_section() -> None:
    pairs = tuple((f"項目{i}&", f"<!channel>{i}") for i in range(23))
    blocks = block_kit((Fields(pairs),))
    assert [len(b["fields"]) for b in blocks] == [10, 10, 3]
    assert blocks[0]["fields"][0]["text"] == "*項目0&amp;*\n&lt;!channel&gt;0"
    assert not message_block_errors(blocks)


def test_long_field_is_clipped_without_breaking_an_entity() -> None:
    (block,) = block_kit((Fields((("事例", "&" * 3000),)),))
    text = block["fields"][0]["text"]
    assert len(text) <= 2000
    assert re.fullmatch(r"\*事例\*\n(&amp;)+…", text)


def test_empty_parts_do_not_make_invalid_blocks() -> None:
    blocks = block_kit(
        (Header(""), Paragraph(""), Paragraph("\n\n"), Fields(()), Note(""), Buttons(()))
    )
    assert not message_block_errors(blocks)
    assert [b["type"] for b in blocks] == ["header", "section", "section", "context"]


def test_every_kind_of_block() -> None:
    blocks = block_kit(
        (
            Header("支援会議"),
            Paragraph("本文"),
            Fields((("事例番号", "R8-001"),)),
            Note("守秘義務"),
            Buttons((Button("確認しました", "shien_ack", "m1", primary=True),)),
            Divider(),
        )
    )
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "section",
        "context",
        "actions",
        "divider",
    ]
    assert blocks[4]["elements"][0] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "確認しました"},
        "action_id": "shien_ack",
        "value": "m1",
        "style": "primary",
    }
    assert not message_block_errors(blocks)


def test_message_payload_escapes_the_fallback_text() -> None:
    payload = message_payload(Message(f"<!channel> {mention('U0ABC')}", (Paragraph("本文"),)))
    assert payload["text"] == "&lt;!channel&gt; <@U0ABC>"
    assert payload["blocks"][0]["text"]["text"] == "本文"
    assert "blocks" not in message_payload(Message("だけ"))
    long = message_payload(Message("&" * 5000))["text"]
    assert len(long) <= SECTION_LIMIT
    assert re.fullmatch(r"(&amp;)+…", long)


# --------------------------------------------------------------------------- modals


def _form(**overrides: Any) -> Form:
    fields = (
        TextInput("summary", "状況", multiline=True, initial="初期値", hint="ヒント"),
        TextInput("note", "備考", optional=True),
        DateInput("monitoring", "次回モニタリング", initial=date(2026, 12, 25)),
        DateInput("consent", "同意日", optional=True),
        SelectInput(
            "kind",
            "種別",
            (Choice("support", "支援会議"), Choice("multilayer", "重層的支援会議")),
            initial="multilayer",
        ),
        SelectInput(
            "agencies",
            "関係機関",
            (Choice("houkatsu", "包括"), Choice("shogai", "基幹"), Choice("csw", "社協")),
            multiple=True,
            initial_many=("houkatsu", "csw"),
        ),
        SelectInput("urgent", "緊急度", (Choice("no", "通常"), Choice("yes", "緊急"))),
    )
    values: dict[str, Any] = {
        "form_id": "shien_test_form",
        "title": "事例の登録",
        "submit_label": "登録する",
        "fields": fields,
        "metadata": "m1:c2",
        "intro": (Paragraph("説明"),),
    }
    values.update(overrides)
    return Form(**values)


def test_modal_has_a_valid_input_block_for_each_field_kind() -> None:
    view = modal(_form())
    assert not view_errors(view)
    assert view["type"] == "modal"
    assert view["callback_id"] == "shien_test_form"
    assert view["private_metadata"] == "m1:c2"
    assert view["title"] == {"type": "plain_text", "text": "事例の登録"}
    assert view["submit"]["text"] == "登録する"
    intro, *inputs = view["blocks"]
    assert intro["type"] == "section"
    by_id = {b["block_id"]: b for b in inputs}
    assert all(b["type"] == "input" and b["element"]["action_id"] == b["block_id"] for b in inputs)

    summary = by_id["summary"]
    assert summary["element"]["type"] == "plain_text_input"
    assert summary["element"]["multiline"] is True
    assert summary["element"]["initial_value"] == "初期値"
    assert summary["hint"]["text"] == "ヒント"
    assert summary["optional"] is False
    assert by_id["note"]["optional"] is True
    assert "initial_value" not in by_id["note"]["element"]

    assert by_id["monitoring"]["element"] == {
        "type": "datepicker",
        "action_id": "monitoring",
        "initial_date": "2026-12-25",
    }
    assert "initial_date" not in by_id["consent"]["element"]

    kind = by_id["kind"]["element"]
    assert kind["type"] == "static_select"
    assert kind["initial_option"] == {
        "text": {"type": "plain_text", "text": "重層的支援会議"},
        "value": "multilayer",
    }
    agencies = by_id["agencies"]["element"]
    assert agencies["type"] == "multi_static_select"
    assert [o["value"] for o in agencies["initial_options"]] == ["houkatsu", "csw"]
    urgent = by_id["urgent"]["element"]
    assert "initial_option" not in urgent
    assert "initial_options" not in urgent


def test_modal_title_and_submit_fit_in_24_characters() -> None:
    view = modal(
        _form(title="支援方針・次回モニタリング・結果・決定事項の記録", submit_label="保存" * 20)
    )
    assert len(view["title"]["text"]) <= TITLE_LIMIT
    assert len(view["submit"]["text"]) <= TITLE_LIMIT
    assert not view_errors(view)


def test_modal_initial_values_that_match_no_choice_are_left_out() -> None:
    field = SelectInput("kind", "種別", (Choice("a", "A"),), initial="zzz")
    multi = SelectInput("many", "複数", (Choice("a", "A"),), multiple=True, initial_many=("z",))
    view = modal(_form(fields=(field, multi)))
    assert not view_errors(view)
    assert "initial_option" not in view["blocks"][1]["element"]
    assert "initial_options" not in view["blocks"][2]["element"]


def test_modal_text_input_initial_value_fits_its_max_length() -> None:
    view = modal(
        _form(
            fields=(
                TextInput("a", "A", initial="あ" * 5000, max_length=5000),
                TextInput("b", "B", initial="い" * 200, max_length=100),
            )
        )
    )
    assert not view_errors(view)
    a, b = (blk["element"] for blk in view["blocks"][1:])
    assert a["max_length"] == 3000
    assert len(a["initial_value"]) == 3000
    assert len(b["initial_value"]) == 100


def test_modal_with_many_choices_and_long_labels() -> None:
    choices = tuple(Choice(f"k{i}", "機関" * 50) for i in range(150))
    view = modal(_form(fields=(SelectInput("agencies", "機関" * 2000, choices, multiple=True),)))
    assert not view_errors(view)
    element = view["blocks"][1]["element"]
    assert len(element["options"]) == 100
    assert len(view["blocks"][1]["label"]["text"]) <= 2000


def test_a_long_intro_never_pushes_the_fields_out_of_the_modal() -> None:
    intro = tuple(Paragraph(f"説明{i}") for i in range(45))
    fields = tuple(TextInput(f"f{i}", f"項目{i}") for i in range(60))
    view = modal(_form(intro=intro, fields=fields))
    assert not view_errors(view)
    assert len(view["blocks"]) <= 100
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        f"f{i}" for i in range(60)
    ]


def test_modal_labels_are_plain_text() -> None:
    view = modal(_form(fields=(TextInput("a", f"{mention('U0ABC')} <!channel>", hint="\ue000x"),)))
    block = view["blocks"][1]
    assert block["label"]["text"] == "@U0ABC <!channel>"
    assert block["hint"]["text"] == "x"


# --------------------------------------------------------------------------- form_values


def test_form_values_reads_state_as_slack_sends_it() -> None:
    state: dict[str, dict[str, dict[str, Any]]] = {
        "summary": {"summary": {"type": "plain_text_input", "value": "  母の介護について  "}},
        "note": {"note": {"type": "plain_text_input", "value": None}},
        "monitoring": {"monitoring": {"type": "datepicker", "selected_date": "2026-12-25"}},
        "consent": {"consent": {"type": "datepicker", "selected_date": None}},
        "kind": {
            "kind": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "重層的支援会議", "emoji": True},
                    "value": "multilayer",
                },
            }
        },
        "urgent": {"urgent": {"type": "static_select", "selected_option": None}},
        "agencies": {
            "agencies": {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": "包括"}, "value": "houkatsu"},
                    {"text": {"type": "plain_text", "text": "社協"}, "value": "csw"},
                ],
            }
        },
        "none": {"none": {"type": "multi_static_select", "selected_options": []}},
        "flags": {
            "flags": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "mrkdwn", "text": "*緊急*"}, "value": "urgent"}
                ],
            }
        },
        "radio": {
            "radio": {"type": "radio_buttons", "selected_option": {"value": "yes"}},
        },
    }
    values = form_values(state)
    assert values.texts == {"summary": "  母の介護について  ", "note": ""}
    assert values.text("summary") == "母の介護について"
    assert values.dates == {"monitoring": date(2026, 12, 25), "consent": None}
    assert values.choices["kind"] == ("multilayer",)
    assert values.choice("kind") == "multilayer"
    assert values.choices["urgent"] == ()
    assert values.choice("urgent") is None
    assert values.choices["agencies"] == ("houkatsu", "csw")
    assert values.choices["none"] == ()
    assert values.choices["flags"] == ("urgent",)
    assert values.choice("radio") == "yes"


def test_form_values_of_an_unopened_multi_select_and_a_bad_date() -> None:
    values = form_values(
        {
            "agencies": {"agencies": {"type": "multi_static_select"}},
            "day": {"day": {"type": "datepicker", "selected_date": "2026-02-30"}},
            "odd": {"odd": {"type": "users_select", "selected_user": "U1"}},
        }
    )
    assert values.choices == {"agencies": ()}
    assert values.dates == {"day": None}
    assert values.texts == {}


def test_a_modal_round_trips_through_the_local_slack_workspace_state() -> None:
    """What the local server builds from the view is what ``form_values`` reads."""
    from localslack.driver import _build_state

    view = modal(_form())
    state = _build_state(
        view["blocks"],
        {
            "summary": "状況",
            "monitoring": date(2027, 1, 8),
            "kind": "support",
            "agencies": ["shogai"],
            "urgent": "yes",
        },
    )
    values = form_values(state)
    assert values.text("summary") == "状況"
    assert values.dates["monitoring"] == date(2027, 1, 8)
    assert values.choice("kind") == "support"
    assert values.choices["agencies"] == ("shogai",)
    assert values.choice("urgent") == "yes"


@pytest.mark.parametrize(
    "hidden", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200e", "\u200f", "\ufeff"]
)
def test_invisible_and_bidi_characters_are_removed_from_what_people_type(hidden: str) -> None:
    # An RLO or a zero-width space could make a name or a reply read differently than it is.
    assert clean_user_text(f"長男は{hidden}訪問に応じない") == "長男は訪問に応じない"
