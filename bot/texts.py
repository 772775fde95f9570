"""Every Japanese text a person sees in chat or at the terminal, in one place.

Grouped by area, so a municipality can review (or adjust) the wording as a set. Texts with
blanks are ``str.format`` templates with named fields (``{code}``); the fields each
template uses are part of its contract with the code (a test checks them). Mentions travel
as tokens made by ``bot.services.chat.mention`` and are escaped by the chat adapter, so a
text here never needs platform markup.

This module imports nothing: the domain, the services, the adapters and the CLI may all
use it.
"""

from __future__ import annotations


class CHAT:
    """Answers any chat command may end in."""

    unavailable = "Slack との通信に失敗しました。しばらくしてからもう一度お試しください。"
    failed = (
        "処理中に問題が発生しました。入力内容は失われていません。"
        "もう一度お試しいただき、続く場合は事務局にご連絡ください。"
    )


class GRAMMAR:
    """The ``/shien`` grammar: help and what is wrong with a command as typed. The
    subcommands' own usage lines and summaries are in the command table
    (``bot.chat.commands.TABLE``), one entry per subcommand."""

    help_title = (
        "支援会議ボットのコマンド一覧（[ ] は省略可。日付を省くと、このチャンネルの次回の会議）:"
    )
    usage = "使い方: {usage}"
    no_such_command = "というコマンドはありません。"  # after 「the word」
    no_such_command_unnamed = "そのようなコマンドはありません。"
    key_once = "{key}は1つだけ指定してください。"
    word_not_allowed = "は指定できません。"  # after 「the word」
    some_word_not_allowed = "指定できない項目があります。"
    no_arguments = "このコマンドには引数はありません。"
    no_mentions_here = "このコマンドでは@メンションは指定できません。"
    mention_unrecognised = (
        "@メンションを認識できませんでした。@ に続けて表示される候補から選んでください。"
    )
    one_user_to_add = "追加するユーザーを1人、@メンションで指定してください。"
    agency_key = "機関キーを指定してください。"
    agency_key_and_name = "機関キーと名称を指定してください。"
    agency_key_and_member_only = "指定できるのは機関キーと構成員だけです。"
    one_member_to_remove = "外す構成員を1人、@メンションで指定してください。"
    date_and_time = "日付と開始時刻を指定してください。"
    ordinal_unreadable = "は第何週として読めません。"  # after 「the word」
    some_ordinal_unreadable = "第何週として読めない値があります。"
    ordinal_range = "1〜5 または last（最終）で指定してください。"
    holiday_policy = (
        "休日の扱いは next（翌開庁日）・prev（前の開庁日）・skip（休会）のいずれかです。"
    )
    ordinal_weekday_time = "第何週・曜日・開始時刻を指定してください。"
    one_date_to_cancel = "中止する会議の日付を1つ指定してください。"
    move_dates = "今の日付と新しい日付（と開始時刻）を指定してください。"
    meeting_date_only = "指定できるのは会議の日付だけです。"
    case_new_allowed = "指定できるのは機関キー・重層・同意:日付・緊急です。"
    case_code = "事例番号を指定してください。"
    one_case_code = "事例番号を1つ指定してください。"
    code_and_consent_date = "事例番号と同意の日付を指定してください。"
    code_or_date = "指定できるのは事例番号か日付のどちらか1つです。"
    occasions = "場面は プラン策定・再プラン・終結・中断 のいずれかです。"
    agenda_add_allowed = "指定できるのは事例番号・会議の日付・場面だけです。"
    role_parts = "事例番号・機関キー・役割の内容を指定してください。"


class ACCESS:
    """Refusals of the need-to-know policy (``bot.services.access``)."""

    coordinator_only = (
        "この操作は事務局（コーディネーター）のみが行えます。必要な場合は事務局にご依頼ください。"
    )
    confirm_first = "先に守秘義務の確認をお願いします（通知のボタンまたは /shien ack）。"
    not_asked_case = (
        "{code} の依頼先機関の構成員として登録されていないため、この事例の内容は表示・入力できません。"
        "事務局にお問い合わせください。"
    )
    not_asked_meeting = (
        "この会議の依頼先機関の構成員として登録されていないため、この操作はできません。"
        "事務局にお問い合わせください。"
    )


class INPUTS:
    """Agency input: thread replies and the 入力する form."""

    item_gone = "この事例は議題から外れたか、見つかりません。"
    change_not_recorded = (
        "この編集・削除は記録に反映されていません（記録済みの入力はそのままです）。"
    )


class MEETINGS:
    """Meetings: the agenda, opening collection, confirmation, status, reminders."""

    ack_not_member = (
        "この会議の依頼先機関の構成員として登録されていないため、確認できません。"
        "事務局にお問い合わせください。"
    )


class DOCUMENTS:
    """Minutes and role summaries."""

    roles_skipped_unconfirmed = "守秘義務の確認がまだの構成員 {count}人には送っていません（確認後に /shien roles をもう一度実行すると送られます）。"


class DECISIONS:
    """Roles and decisions."""

    form_mismatch = "会議または事例が見つかりません。もう一度 /shien decide を実行してください。"
