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


class NOTICE:
    """The statutory secrecy notice (守秘義務, 社会福祉法第106条の6第5項) that opens every
    meeting's case content (``bot.domain.confidentiality``). A member's confirmation is tied
    to ``version``: change it whenever ``title``, ``text`` or ``one_line`` changes, so that
    everyone confirms the new wording."""

    version = "2026.1"
    title = "守秘義務の確認（社会福祉法第106条の6第5項）"
    text = (
        "この会議は、社会福祉法第106条の6に基づく支援会議（または重層的支援体制整備事業の"
        "会議）です。会議の事務に従事する者又は従事していた者は、正当な理由がなく、"
        "会議の事務に関して知り得た秘密を漏らしてはなりません（同条第5項）。"
        "この義務に違反した者は、同法の罰則により処罰されることがあります。"
        "会議の内容と資料は非公開です。事例は事例番号でのみ扱い、氏名・住所・電話番号などの"
        "個人を特定する情報はチャットに書き込まないでください。"
    )
    # The short form that ends every prompt DM and heads every case thread.
    one_line = (
        "【守秘義務】社会福祉法第106条の6第5項により、この会議で知り得た秘密を"
        "正当な理由なく漏らすことは禁じられています（罰則あり）。"
    )


class MODEL:
    """The domain's labels and the rules it enforces itself (``bot.domain.model``)."""

    # Meeting kinds (MeetingKind.label)
    kind_support = "支援会議"
    kind_multilayer = "重層的支援会議"
    # Meeting states (MeetingState.label)
    state_scheduled = "予定"
    state_collecting = "情報収集中"
    state_held = "開催済み"
    state_cancelled = "中止"
    # The four occasions of a 重層的支援会議 (Occasion.label)
    occasion_plan = "プラン策定時"
    occasion_replan = "再プラン策定時"
    occasion_closure = "支援終結の判断時"
    occasion_suspension = "支援中断の決定時"
    # A decision's outcome (Outcome.label)
    outcome_continue = "継続"
    outcome_close = "終結"
    outcome_suspend = "中断"
    outcome_to_multilayer = "重層的支援会議へ移行"

    agency_key_invalid = (
        "機関キー「{key}」は使えません。半角英小文字で始まる2〜32文字の英数字・_・-で"
        "指定してください（例: houkatsu）。"
    )
    user_id_invalid = "チャットのユーザーID「{user_id}」の形式が正しくありません。"
    case_seq_invalid = "事例番号の連番は1以上で指定してください。"
    agency_name_missing = "機関の名称を入力してください。"
    agency_name_too_long = "機関の名称は100文字以内で入力してください。"
    channel_public = (
        "このチャンネルは公開チャンネルです。支援会議の内容は非公開のため、"
        "プライベートチャンネルを作成してから /shien setup を実行してください。"
    )
    channel_shared = (
        "このチャンネルは外部の組織と共有されています（Slack コネクト）。"
        "組織内だけのプライベートチャンネルで実行してください。"
    )
    series_ordinal_invalid = "第何週かは1〜5、または最終（last）で指定してください。"
    series_weekday_invalid = "曜日は月〜日のいずれかで指定してください。"
    cancelled_not_collecting = "この会議は中止されています。情報収集は開始できません。"
    held_not_cancellable = "開催済みの会議は中止できません。"
    minutes_already_final = "この会議の議事録は確定済みです。"
    multilayer_case_needs_consent = (
        "{code} は重層的支援会議の事例です。本人同意の日付を記録してください"
        "（例: 同意:2026-11-20）。同意がない場合は支援会議として登録できます。"
    )
    no_active_consent = "{code} には有効な本人同意の記録がありません。"
    case_not_open = "{code} は終結または中断しています。"
    consent_gate = (
        "{code} には本人同意の記録がないため、重層的支援会議では扱えません。"
        "同意を記録するか、支援会議の議題にしてください。"
    )
    agenda_meeting_cancelled = "中止された会議には議題を追加できません。"
    occasion_multilayer_only = "検討の場面（プラン策定時など）は重層的支援会議でのみ指定できます。"
    role_task_missing = "役割・支援内容を入力してください。"
    monitoring_after_meeting = (
        "次回モニタリングの日付は会議の日より後の日付を指定してください（例: {example}）。"
    )
    to_multilayer_needs_consent = (
        "{code} を重層的支援会議へ移行するには、先に本人同意を記録してください。"
    )
    filename_bad_agency_key = "機関キーの形式が正しくないため、ファイル名を作れません。"


class CALENDAR:
    """Dates in 和暦, closed days, and what is wrong with a date, time or code as typed
    (``bot.domain.calendar``). ``{weekday}`` is one character of 月火水木金土日 (the
    calendar's data, like the eras' and holidays' names); ``{echo}`` is the user's input in
    「」 when it is short ASCII (so never a name), else empty."""

    weekday = "{weekday}曜日"
    nth_weekday = "第{ordinal}{weekday}曜日"
    last_weekday = "最終{weekday}曜日"
    # 和暦: "令和8年(2026年)12月8日(火)"; {gregorian} and {weekday} are the parts below, or empty.
    wareki = "{era}{year}年{gregorian}{month}月{day}日{weekday}"
    wareki_gregorian = "({year}年)"
    wareki_weekday = "({weekday})"
    first_year = "元"  # 元年: year 1 of an era
    fiscal_year = "{era}{year}年度"
    # Why a day is closed (besides the holiday's own name and 土曜日/日曜日)
    new_year_closure = "年末年始（閉庁日）"
    extra_closed_day = "自治体の休業日"
    month_without_day = "{rule}がない月"  # {rule}: 第5火曜日

    weekday_out_of_range = (
        "曜日の指定が正しくありません（{weekday}）。月曜=0〜日曜=6 で指定してください。"
    )
    ordinal_out_of_range = (
        "第何週の指定が正しくありません（{ordinal}）。1〜5、または最終週は -1 で指定してください。"
    )
    no_working_day = "1年以内に開庁日が見つかりません。休業日の設定を確認してください。"
    month_count_invalid = "予定を作る月数が正しくありません（{count}）。"
    before_meiji = "{date} は明治より前のため和暦に変換できません。"
    case_seq_invalid = "事例の番号は1以上である必要があります（{seq}）。"
    case_code_invalid = "事例番号{echo}の形式が正しくありません。R8-001 のように入力してください。"
    date_nonexistent = "日付{echo}は存在しない日付です。"
    date_invalid = "日付{echo}の形式が正しくありません。2026-12-08 のように入力してください。"
    time_invalid = "時刻{echo}の形式が正しくありません。14:00 のように24時間制で入力してください。"
    weekday_unknown = "曜日{echo}が分かりません。「火」「火曜日」「tue」のように入力してください。"


class TIMELINE:
    """A meeting's timeline (``bot.domain.timeline``): offsets as people read them, and what
    is wrong with one as set (``SHIEN_OPEN_BEFORE``, ``SHIEN_REMINDERS``). ``{echo}`` is the
    value in 「」 when it is short ASCII, else empty."""

    days_before = "{amount}日前"
    hours_before = "{amount}時間前"
    minutes_before = "{amount}分前"
    offset_invalid = (
        "期間{echo}の形式が正しくありません。"
        "7d（7日前）、12h（12時間前）、30m（30分前）のように指定してください。"
    )
    offset_not_positive = "期間{echo}は1以上で指定してください（例: 3d）。"
    offset_too_long = "期間{echo}が長すぎます。92日以内で指定してください。"


class STORAGE:
    """What storage refuses, worded here: the repositories raise ``DuplicateRecord`` and
    ``MissingRecord`` (``bot.domain.errors``) naming a ``Record`` and its key values (codes,
    keys, dates, never case content); ``duplicate_<record>`` and ``missing`` with
    ``record_<record>`` are their messages."""

    duplicate_agency = "機関キー「{key}」はすでに登録されています。"
    duplicate_membership = "ユーザー {user_id} はすでにこの機関の構成員として登録されています。"
    duplicate_coordinator = "ユーザー {user_id} はすでにコーディネーターとして登録されています。"
    duplicate_channel = "このチャンネルはすでに会議チャンネルとして設定されています。"
    duplicate_series = "この定例会議の設定はすでに登録されています。"
    duplicate_meeting = "{date} の会議はこのチャンネルにすでに登録されています。"
    duplicate_case = "事例番号 {code} はすでに登録されています。"
    duplicate_agenda_item = "この事例はすでにこの会議の議題に登録されています。"
    duplicate_input = "この投稿はすでに記録されています。"
    duplicate_acknowledgement = "守秘義務の確認はすでに記録されています。"
    duplicate_role = "この役割分担はすでに登録されています。"
    duplicate_final_document = "この会議の議事録はすでに確定しています。"

    missing = "{record}が見つからないため、更新できません。"
    record_agency = "機関"
    record_membership = "機関の構成員"
    record_coordinator = "コーディネーター"
    record_channel = "会議チャンネル"
    record_series = "定例会議の設定"
    record_meeting = "会議"
    record_case = "事例 {code}"
    record_agenda_item = "議題"
    record_input = "機関からの情報"
    record_acknowledgement = "守秘義務の確認"
    record_role = "役割分担"
    record_final_document = "確定した議事録"
