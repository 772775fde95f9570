"""The ``/shien`` grammar: every subcommand, Japanese aliases, what a Japanese phone types,
Slack's mentions, and Japanese errors that show an example and never echo long input."""

from __future__ import annotations

import re
from datetime import date, time

import pytest

from bot.chat.commands import (
    BY_NAME,
    TABLE,
    Adhoc,
    AgencyAdd,
    AgencyRemove,
    AgendaAdd,
    CaseAgency,
    CaseNew,
    CaseOnDay,
    CaseRef,
    Consent,
    MeetingDay,
    NoArgs,
    OneUser,
    Role,
    help_text,
    parse,
)
from bot.chat.grammar import CommandError
from bot.chat.slack.app import slack_text_to_command_text
from bot.domain.model import MeetingKind, Occasion

DAY = date(2026, 12, 8)


def _example(name: str) -> str:
    """The usage line of ``name`` as a person would type it: options filled in."""
    usage = BY_NAME[name].usage.removeprefix("/shien ")
    usage = (
        usage.replace("@ユーザー", "@U0ABC")
        .replace("@構成員 …", "@U0ABC")
        .replace("@構成員", "@U0ABC")
    )
    return re.sub(r"\[([^\]]*)\]", r"\1", usage)


def _error(text: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        parse(text)
    return caught.value


# --------------------------------------------------------------------------- every subcommand


@pytest.mark.parametrize("name", list(BY_NAME))
def test_every_usage_example_parses_to_its_subcommand(name: str) -> None:
    assert parse(_example(name)).name == name


def test_the_examples_carry_their_arguments() -> None:
    assert parse("coordinator add @U0ABC").args == OneUser("U0ABC")
    assert parse("agency add houkatsu 架空市中央地域包括支援センター @U0ABC").args == AgencyAdd(
        "houkatsu", "架空市中央地域包括支援センター", ("U0ABC",)
    )
    assert parse("agency remove houkatsu @U0ABC").args == AgencyRemove("houkatsu", "U0ABC")
    assert parse("adhoc 2026-12-08 14:00 重層").args == Adhoc(DAY, time(14), MeetingKind.MULTILAYER)
    assert parse("case new houkatsu csw 重層 同意:2026-11-20 緊急").args == CaseNew(
        ("houkatsu", "csw"), MeetingKind.MULTILAYER, date(2026, 11, 20), urgent=True
    )
    assert parse("consent R8-001 2026-11-20").args == Consent("R8-001", date(2026, 11, 20))
    assert parse("agenda add R8-001 2026-12-08 場面:再プラン").args == AgendaAdd(
        "R8-001", DAY, Occasion.REPLAN
    )
    assert parse("role R8-001 houkatsu 介護保険サービスの導入 期限:2026-12-25 主担当").args == Role(
        "R8-001", "houkatsu", "介護保険サービスの導入", date(2026, 12, 25), lead=True
    )
    assert parse("decide R8-001").args == CaseRef("R8-001")


@pytest.mark.parametrize("name", ["open", "ack", "status", "remind", "minutes", "roles"])
def test_meeting_commands_take_an_optional_date(name: str) -> None:
    assert parse(name).args == MeetingDay()
    assert parse(f"{name} 2026-12-08").args == MeetingDay(DAY)
    assert parse(f"{name} 2026/12/08").args == MeetingDay(DAY)


def test_nothing_or_only_space_asks_for_help() -> None:
    assert parse("").name == "help"
    assert parse(" \u3000 ").name == "help"


def test_optional_parts_default_to_a_plain_support_meeting() -> None:
    assert parse("adhoc 2026-12-08 9:30").args == Adhoc(DAY, time(9, 30))
    command = parse("case new houkatsu").args
    assert (command.kind, command.urgent, command.consent_on) == (MeetingKind.SUPPORT, False, None)
    assert parse("agenda add R8-001").args == AgendaAdd("R8-001")
    role = parse("role R8-001 houkatsu 見守り").args
    assert (role.due_on, role.lead) == (None, False)


def test_case_new_without_arguments_opens_the_form() -> None:
    assert parse("case new").args == CaseNew()
    assert parse("事例").args == CaseNew()


def test_the_verb_may_be_left_out_where_there_is_only_one() -> None:
    assert parse("coordinator @U0ABC").name == "coordinator add"
    assert parse("case houkatsu").name == "case new"
    assert parse("議題").name == "agenda list"
    assert parse("agenda 2026-12-08").args == MeetingDay(date(2026, 12, 8))


def test_agenda_alone_lists_and_points_a_case_code_at_agenda_add() -> None:
    assert parse("agenda").name == "agenda list"
    message = _error("agenda R8-001").message
    assert "/shien agenda add R8-001" in message


def test_new_subcommands_of_the_meeting_record() -> None:
    assert parse("record").args == MeetingDay()
    assert parse("会議記録 2026-12-08").args == MeetingDay(date(2026, 12, 8))
    assert parse("case ask R8-001 konkyu").args == CaseAgency("R8-001", "konkyu")
    assert parse("事例 依頼 R8-001 konkyu").name == "case ask"
    assert parse("agenda remove R8-001").args == CaseOnDay("R8-001")
    assert parse("議題 削除 R8-001 2026-12-08").args == CaseOnDay("R8-001", date(2026, 12, 8))
    assert "事例番号と機関キー" in _error("case ask R8-001").message


def test_the_purpose_of_a_case_on_the_agenda_is_the_rest_of_the_line_as_typed() -> None:
    added = parse("agenda add R8-001 2026-12-08 場面:再プラン 目的:世帯の状況（8050）の 共有")
    assert added.args == AgendaAdd(
        "R8-001", date(2026, 12, 8), Occasion.REPLAN, "世帯の状況（8050）の 共有"
    )
    assert parse("議題 追加 R8-001 目的：支援の入口の検討").args.purpose == "支援の入口の検討"


def test_a_role_names_the_person_at_the_agency() -> None:
    # Slack sends the mention as <@U0ABC>; the adapter makes it " @U0ABC ", after 担当:.
    role = parse("role R8-001 houkatsu 介護保険の申請 担当: @U0ABC  期限:2026-12-25").args
    assert role == Role("R8-001", "houkatsu", "介護保険の申請", date(2026, 12, 25), False, "U0ABC")
    assert parse("role R8-001 houkatsu 見守り assignee:@U0ABC 主担当").args.assignee == "U0ABC"
    assert "@メンション" in _error("role R8-001 houkatsu 見守り 担当:山田").message


def test_words_are_case_insensitive() -> None:
    assert parse("HELP").name == "help"
    assert parse("Case New houkatsu").name == "case new"
    assert parse("agenda add R8-001 場面:Replan").args.occasion is Occasion.REPLAN


@pytest.mark.parametrize(
    ("word", "occasion"),
    [
        ("プラン策定", Occasion.PLAN),
        ("plan", Occasion.PLAN),
        ("再プラン", Occasion.REPLAN),
        ("終結", Occasion.CLOSURE),
        ("中断", Occasion.SUSPENSION),
        ("suspension", Occasion.SUSPENSION),
    ],
)
def test_every_occasion(word: str, occasion: Occasion) -> None:
    assert parse(f"agenda add R8-001 場面:{word}").args.occasion is occasion


# --------------------------------------------------------------------------- Japanese aliases


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("ヘルプ", "help"),
        ("使い方", "help"),
        ("設定", "setup"),
        ("事務局 追加 @U0ABC", "coordinator add"),
        ("機関 追加 houkatsu 架空市中央地域包括支援センター @U0ABC", "agency add"),
        ("機関 登録 houkatsu 架空市中央地域包括支援センター", "agency add"),
        ("機関 一覧", "agency list"),
        ("機関 削除 houkatsu @U0ABC", "agency remove"),
        ("随時 2026-12-08 14:00", "adhoc"),
        ("臨時 2026-12-08 14:00", "adhoc"),
        ("事例 登録 houkatsu csw", "case new"),
        ("事例 新規 houkatsu", "case new"),
        ("同意 R8-001 2026-11-20", "consent"),
        ("議題 追加 R8-001", "agenda add"),
        ("開始", "open"),
        ("収集開始 2026-12-08", "open"),
        ("確認", "ack"),
        ("状況", "status"),
        ("督促", "remind"),
        ("リマインド", "remind"),
        ("役割 R8-001 houkatsu 見守り", "role"),
        ("決定 R8-001", "decide"),
        ("議事録", "minutes"),
        ("役割表", "roles"),
        ("役割分担表 2026-12-08", "roles"),
    ],
)
def test_japanese_aliases(text: str, name: str) -> None:
    assert parse(text).name == name


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("機関追加 houkatsu 架空市中央地域包括支援センター", "agency add"),
        ("事例登録 houkatsu", "case new"),
        ("議題追加 R8-001", "agenda add"),
        ("機関一覧", "agency list"),
    ],
)
def test_a_japanese_verb_typed_without_a_space(text: str, name: str) -> None:
    assert parse(text).name == name


def test_a_glued_word_is_split_only_for_commands_with_verbs() -> None:
    assert "コマンドはありません" in _error("役割追加 R8-001 houkatsu 見守り").message


def test_case_add_means_case_new() -> None:
    assert parse("case add houkatsu").args == parse("case new houkatsu").args


# --------------------------------------------------------------------------- a Japanese phone


def test_full_width_letters_digits_and_the_ideographic_space() -> None:
    assert parse("ａｄｈｏｃ\u3000２０２６－１２－０８\u3000１４：００").args == Adhoc(
        DAY, time(14)
    )
    assert parse("随時\u3000２０２６－１２－０８\u3000１４：００\u3000重層").args.kind is (
        MeetingKind.MULTILAYER
    )
    assert parse("状況\u3000２０２６／１２／０８").args == MeetingDay(DAY)
    assert parse("議題\u3000追加\u3000Ｒ８－００１").args.code == "R8-001"


def test_key_values_with_a_full_width_colon() -> None:
    assert parse("事例 登録 houkatsu 重層 同意：2026-11-20").args.consent_on == date(2026, 11, 20)
    assert parse("役割 R8-001 houkatsu 見守り 期限：2026-12-25").args.due_on == date(2026, 12, 25)
    assert parse("議題 追加 R8-001 場面：終結").args.occasion is Occasion.CLOSURE


def test_a_space_after_the_colon_as_phones_insert_it() -> None:
    assert parse("role R8-001 houkatsu 見守り 期限: 2026-12-25").args.due_on == date(2026, 12, 25)
    assert parse("case new houkatsu 重層 同意：\u30002026-11-20").args.consent_on == date(
        2026, 11, 20
    )


@pytest.mark.parametrize("dash", ["ー", "−", "‐", "–", "－"])
def test_dashes_a_japanese_keyboard_types_in_dates(dash: str) -> None:
    assert parse(f"status 2026{dash}12{dash}08").args.day == DAY


def test_dates_and_times_written_in_kanji() -> None:
    assert parse("adhoc 2026年12月8日 14時").args == Adhoc(DAY, time(14))
    assert parse("adhoc 2026年12月8日 9時半").args.start == time(9, 30)
    assert parse("adhoc 2026-12-08 14時15分").args.start == time(14, 15)


# --------------------------------------------------------------------------- mentions and flags


def test_slack_mentions_become_user_ids() -> None:
    text = slack_text_to_command_text("coordinator add <@U0ABC|yamada>")
    assert parse(text).args == OneUser("U0ABC")


def test_agency_add_with_a_multi_word_name_and_several_members() -> None:
    text = slack_text_to_command_text(
        "agency add houkatsu 架空市 中央 地域包括支援センター <@U0ABC|yamada><@U0DEF>"
    )
    command = parse(text).args
    assert command.users == ("U0ABC", "U0DEF")
    assert (command.key, command.name) == ("houkatsu", "架空市 中央 地域包括支援センター")


def test_a_name_typed_with_the_ideographic_space_keeps_one_space() -> None:
    command = parse("agency add shogai 架空市\u3000基幹相談支援センター").args
    assert (command.key, command.name) == ("shogai", "架空市 基幹相談支援センター")


def test_mentions_may_come_before_the_name() -> None:
    command = parse(
        slack_text_to_command_text("agency add houkatsu <@U0ABC|y> 架空市センター")
    ).args
    assert command.users == ("U0ABC",)
    assert (command.key, command.name) == ("houkatsu", "架空市センター")


def test_a_mention_slack_did_not_resolve_is_refused_not_taken_for_a_name() -> None:
    error = _error("agency add houkatsu 架空市センター @yamada")
    assert "@メンション" in error.message
    assert "使い方: /shien agency add" in error.message
    assert "@メンション" in _error("coordinator add @yamada").message


def test_a_mention_is_refused_where_no_user_is_expected() -> None:
    error = _error(slack_text_to_command_text("role R8-001 houkatsu <@U0ABC|y> さんに連絡"))
    assert "@メンションは指定できません" in error.message
    assert "@メンションは指定できません" in _error("status @U0ABC").message


@pytest.mark.parametrize("word", ["重層", "重層的支援会議", "multilayer"])
def test_multilayer_flag(word: str) -> None:
    assert parse(f"adhoc 2026-12-08 14:00 {word}").args.kind is MeetingKind.MULTILAYER
    assert parse(f"case new houkatsu {word} 同意:2026-11-20").args.kind is MeetingKind.MULTILAYER


@pytest.mark.parametrize("word", ["緊急", "urgent"])
def test_urgent_flag(word: str) -> None:
    command = parse(f"case new houkatsu {word}").args
    assert command.urgent
    assert command.agency_keys == ("houkatsu",)


def test_flags_may_come_in_any_order() -> None:
    assert parse("adhoc 重層 2026-12-08 14:00").args.kind is MeetingKind.MULTILAYER
    command = parse("case new 緊急 同意:2026-11-20 houkatsu 重層 csw").args
    assert command.agency_keys == ("houkatsu", "csw")
    assert command.urgent
    role = parse("role R8-001 houkatsu 主担当 期限:2026-12-25 見守り").args
    assert role == Role("R8-001", "houkatsu", "見守り", date(2026, 12, 25), lead=True)


@pytest.mark.parametrize("word", ["主担当", "lead"])
def test_lead_flag(word: str) -> None:
    assert parse(f"role R8-001 houkatsu 見守り {word}").args.lead


def test_a_role_keeps_its_words_with_single_spaces_as_typed() -> None:
    command = parse(
        "役割 R8-001 houkatsu 母の 介護保険サービス（週２回）の\u3000導入 期限：2026-12-25"
    ).args
    assert command.task == "母の 介護保険サービス（週２回）の 導入"
    assert command.due_on == date(2026, 12, 25)


def test_a_role_may_contain_a_colon() -> None:
    assert parse("role R8-001 houkatsu 連絡先:包括").args.task == "連絡先:包括"


# --------------------------------------------------------------------------- errors


def test_an_unknown_subcommand_shows_the_help() -> None:
    error = _error("frobnicate")
    assert error.show_help
    assert "frobnicate" in error.message
    assert "コマンドはありません" in error.message


@pytest.mark.parametrize("text", ["agency frob", "coordinator list", "agenda frob"])
def test_an_unknown_verb(text: str) -> None:
    assert "使い方" in _error(text).message or _error(text).show_help


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("coordinator add", "/shien coordinator add @ユーザー"),
        ("agency", "/shien agency list"),
        ("agency add", "/shien agency add houkatsu"),
        ("agency add houkatsu", "/shien agency add houkatsu"),
        ("agency remove", "/shien agency remove houkatsu @構成員"),
        ("agency remove houkatsu", "/shien agency remove houkatsu @構成員"),
        ("adhoc", "/shien adhoc 2026-12-08 14:00"),
        ("adhoc 2026-12-08", "/shien adhoc 2026-12-08 14:00"),
        ("consent R8-001", "/shien consent R8-001 2026-11-20"),
        ("agenda add", "/shien agenda add R8-001"),
        ("agenda add 場面:終結", "/shien agenda add R8-001"),
        ("role R8-001 houkatsu", "/shien role R8-001 houkatsu"),
        ("role R8-001 houkatsu 主担当 期限:2026-12-25", "/shien role R8-001 houkatsu"),
        ("decide", "/shien decide R8-001"),
    ],
)
def test_missing_arguments_show_the_usage(text: str, example: str) -> None:
    error = _error(text)
    assert f"使い方: {example}" in error.message
    assert not error.show_help


@pytest.mark.parametrize(
    "text",
    [
        "setup now",
        "agency list all",
        "agency remove houkatsu @U0ABC extra",
        "coordinator add @U0ABC @U0DEF",
        "coordinator add @U0ABC 山田",
        "adhoc 2026-12-08 14:00 15:00",
        "consent R8-001 2026-11-20 2026-11-21",
        "agenda add R8-001 2026-12-08 2026-12-09",
        "status 2026-12-08 2026-12-09",
        "decide R8-001 R8-002",
        "role R8-001 houkatsu 見守り 期限:2026-12-25 期限:2026-12-26",
        "case new houkatsu 同意:2026-11-20 同意:2026-11-21",
        "agenda add R8-001 場面:終結 場面:中断",
    ],
)
def test_too_many_arguments(text: str) -> None:
    error = _error(text)
    assert "使い方: /shien" in error.message


def test_help_ignores_what_follows() -> None:
    assert parse("help me").args == NoArgs()


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("adhoc 12/08 14:00", "2026-12-08"),
        ("adhoc 2026-13-08 14:00", "2026-12-08"),
        ("adhoc 2026-12-08 2pm", "14:00"),
        ("adhoc 2026-12-08 25:00", "14:00"),
        ("adhoc 2026-12-08 14:60", "14:00"),
        ("status 12月8日", "2026-12-08"),
        ("case new houkatsu 同意:20261120", "2026-11-20"),
        ("case new houkatsu 同意:", "2026-11-20"),
        ("consent R8-001 昨日", "2026-11-20"),
        ("role R8-001 houkatsu 見守り 期限:来週", "2026-12-25"),
        ("agenda add R8-001 12-08", "2026-12-08"),
    ],
)
def test_a_malformed_date_or_time_shows_an_example(text: str, example: str) -> None:
    error = _error(text)
    assert example in error.message
    assert not error.show_help


def test_a_day_that_does_not_exist() -> None:
    assert "存在しない日付" in _error("status 2026-02-30").message


def test_an_unknown_occasion_lists_the_four() -> None:
    message = _error("agenda add R8-001 場面:検討").message
    assert all(word in message for word in ("プラン策定", "再プラン", "終結", "中断"))


def test_an_unknown_option_of_case_new() -> None:
    message = _error("case new houkatsu foo:bar").message
    assert "「foo:bar」は指定できません" in message
    assert "同意:" in message


_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_BAD_INPUTS = [
    "frobnicate",
    "山田太郎さんの件について相談したい" * 5,
    "x" * 500,
    "adhoc " + "あ" * 300 + " 14:00",
    "adhoc 2026-12-08 " + "い" * 300,
    "case new houkatsu 同意:" + "う" * 300,
    "case new houkatsu 備考:山田太郎さん宅で転倒",
    "agenda add R8-001 場面:" + "え" * 300,
    "role R8-001 houkatsu 見守り 期限:" + "お" * 300,
    "status " + "9" * 300,
]


@pytest.mark.parametrize("text", _BAD_INPUTS)
def test_errors_are_japanese_and_never_echo_long_or_personal_input(text: str) -> None:
    message = _error(text).message
    assert _JAPANESE.search(message)
    assert len(message) < 300
    for run in re.findall(r"(.)\1{20,}", text):
        assert run * 21 not in message
    assert "山田" not in message
    assert "x" * 21 not in message
    assert "9" * 21 not in message


def test_a_short_ascii_word_is_echoed_to_help_the_typist() -> None:
    assert "「2026-12-40」" in _error("status 2026-12-40").message
    assert "「frob」" in _error("frob").message


def test_a_japanese_unknown_word_is_not_echoed() -> None:
    error = _error("山田さん")
    assert "山田" not in error.message
    assert error.show_help


def test_help_text_lists_every_subcommand() -> None:
    text = help_text()
    for spec in TABLE:
        assert spec.usage in text
        assert spec.summary in text


def test_holiday_policy_with_a_space_after_the_colon() -> None:
    typed = parse("monthly 2 火 14:00 休日: skip")
    assert typed == parse("monthly 2 火 14:00 休日:skip")


def test_a_chat_failure_is_worded_for_the_deployments_platform() -> None:
    from bot.chat.commands import answer_for
    from bot.services.chat import ChatUnavailable

    assert answer_for(ChatUnavailable("x"), "command").startswith("Slack との通信に失敗")
    teams = answer_for(ChatUnavailable("x"), "command", "Teams")
    assert teams.startswith("Teams との通信に失敗") and "Slack" not in teams
