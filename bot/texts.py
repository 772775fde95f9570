"""Every Japanese text a person sees in chat, in a document or at the terminal, in one place.

Grouped by area, so a municipality can review (or adjust) the wording as a set. Texts with
blanks are ``str.format`` templates with named fields (``{code}``); the fields each
template uses are part of its contract with the code (a test checks that every text is a
non-empty string with named fields only). Mentions travel as tokens made by
``bot.services.chat.mention`` and are escaped by the chat adapter, so a text here never
needs platform markup. A part that is shown or left out (``{urgent}``, ``{due}``) is its
own text, named beside the template that uses it.

The areas, in reading order:

- chat in general: CHAT, GRAMMAR (the ``/shien`` grammar), ACCESS (refusals), SLACK;
- a meeting's cycle: NOTICE, NOTICE_MULTILAYER and NOTICE_MULTILAYER_STATUTORY (the secrecy
  notices: the meeting's kind decides which), MESSAGES (the notice, thread heads and DMs
  that open collection), ADMIN, CASES, CONSENT, MEETINGS, AGENDA, INPUTS, DECISIONS,
  RECORDS (the 会議記録), MONITORING (cases carried forward), SCHEDULING, SCHEDULED (what
  the scheduler sends);
- documents: DOCUMENTS (delivering them), DOCUMENT_FIELDS (words the Word templates
  receive), TEMPLATES (what is wrong with a municipality's template);
- records: AUDIT_LOG, REPORT (the 年度's counts), RETENTION;
- the domain: MODEL (labels and rules), IDENTIFIERS (what a reply is flagged for),
  CALENDAR (和暦, closed days, dates as typed), TIMELINE, STORAGE (what storage refuses,
  worded here);
- the terminal: SETTINGS, CLI (what the ``shienbot`` commands print), CLI_HELP (their
  ``--help``).

A new text goes into the area of the module that shows it, as a whole sentence; a new
module gets a new area (a class named in capitals, its docstring naming the module). The
one exception is each subcommand's usage and summary, which stay in its entry of the
command table (``bot.chat.commands.TABLE``). The words the parsers match (aliases, 重層,
第…週, weekday and era names) are vocabulary, kept beside the parsers.

This module imports nothing: the domain, the services, the adapters and the CLI may all
use it.
"""

from __future__ import annotations


class CHAT:
    """Answers any chat command may end in."""

    # {platform}: the chat platform of the deployment (Slack, Teams)
    unavailable = "{platform} との通信に失敗しました。しばらくしてからもう一度お試しください。"
    form_unavailable = (
        "フォームを開けませんでした（Slack の応答が遅れたか、操作から時間がたちました）。"
        "もう一度お試しください。"
    )
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
    agenda_add_allowed = "指定できるのは事例番号・会議の日付・場面・目的だけです。"
    role_parts = "事例番号・機関キー・役割の内容を指定してください。"
    assignee_mention = "担当者は 担当:@構成員 のように、@メンションで指定してください。"
    agenda_add_hint = (
        "事例を議題に追加するときは /shien agenda add {code} のように入力してください。"
    )
    code_and_date_only = "指定できるのは事例番号と会議の日付だけです。"
    code_and_agency = "事例番号と機関キーを1つずつ指定してください（例: R8-001 konkyu）。"


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


class SLACK:
    """What only the Slack adapter says (``bot.chat.slack``)."""

    # Ends a message cut to Slack's limits.
    truncated = "（長いため、ここから先は表示を省略しました）"
    form_cancel = "キャンセル"  # a form's close button
    not_invited = (
        "ボットがこのチャンネルに参加していません。チャンネルの詳細から「インテグレーション」→"
        "「アプリを追加する」でボットを追加するか、/invite でボットを招待してから、もう一度実行してください。"
    )


class SERVE:
    """What ``shienbot serve --http`` prints about the production server (``bot.cli``,
    ``bot.bootstrap.serve_http``)."""

    template_error = "テンプレートエラー: {error}"
    start_failed = "起動できませんでした: {error}"
    http_starting = "HTTPモードで起動します: http://{bind}/slack/events（ワーカー {workers}）"
    http_failed = "HTTPモードを起動できませんでした（上のメッセージを確認してください）。"
    stopped = "停止しました"


class NOTICE:
    """The secrecy notice of a 支援会議 (守秘義務, 社会福祉法第106条の6第5項), which opens every
    such meeting's case content (``bot.domain.confidentiality``). ``basis`` is the legal
    footing the documents show. A member's confirmation is tied to ``version``: change it
    whenever ``title``, ``text`` or ``one_line`` changes, so that everyone confirms the new
    wording. The notice of a 重層的支援会議 is NOTICE_MULTILAYER (or, where the municipality's
    要綱 places it under 第106条の6, NOTICE_MULTILAYER_STATUTORY)."""

    version = "2026.2"
    basis = "社会福祉法第106条の6第1項（支援会議）"
    title = "守秘義務の確認（社会福祉法第106条の6第5項）"
    text = (
        "この会議は、社会福祉法第106条の6第1項に基づき市町村が組織する支援会議です。"
        "支援会議では、本人の同意がなくても、支援に必要な情報を構成員の間で共有することが"
        "できます。会議の事務に従事する者又は従事していた者は、正当な理由がなく、"
        "会議の事務に関して知り得た秘密を漏らしてはなりません（同条第5項）。"
        "この義務に違反した者は、同法の罰則により処罰されることがあります。"
        "会議の内容と資料は非公開です。"
    )
    # The short form that ends every prompt DM and heads every case thread and page.
    one_line = (
        "【守秘義務】支援会議で知り得た秘密を正当な理由なく漏らすことは、"
        "社会福祉法第106条の6第5項で禁じられています（罰則あり）。"
    )


class NOTICE_MULTILAYER:
    """The secrecy notice of a 重層的支援会議, by default: set up under the scheme's 実施要綱
    for cases the municipality has decided to support, information shared on the person's
    recorded consent, the members' duty under the 要綱 — no statutory penalty is cited.
    Its own ``version`` (confirmations are per version)."""

    version = "2026.2-M"
    basis = "重層的支援体制整備事業実施要綱（本人の同意に基づく情報共有）"
    title = "守秘義務の確認（重層的支援会議）"
    text = (
        "この会議は、重層的支援体制整備事業の実施要綱に基づく重層的支援会議です。"
        "市町村が支援を行うことを決定した事例について、本人の同意を得た範囲で、"
        "支援に必要な情報を構成員の間で共有します。構成員は、要綱の定めにより、"
        "会議で知り得た秘密を正当な理由なく漏らしてはならず、構成員でなくなった後も同様です。"
        "同意の範囲を超えて情報を利用し、又は提供しないでください。"
        "会議の内容と資料は非公開です。"
    )
    one_line = (
        "【守秘義務】本人の同意を得た範囲で共有する情報です。"
        "会議で知り得た秘密を正当な理由なく漏らすことは、要綱で禁じられています。"
    )


class NOTICE_MULTILAYER_STATUTORY:
    """The secrecy notice of a 重層的支援会議 where the municipality's 要綱 places it under
    社会福祉法第106条の6 (``SHIEN_MULTILAYER_STATUTORY=true``): consent-based, with the
    statutory duty and its penalty. Its own ``version``."""

    version = "2026.2-MS"
    basis = "重層的支援体制整備事業実施要綱・社会福祉法第106条の6"
    title = "守秘義務の確認（重層的支援会議・社会福祉法第106条の6第5項）"
    text = (
        "この会議は、重層的支援体制整備事業の実施要綱により、社会福祉法第106条の6の会議として"
        "開催する重層的支援会議です。本人の同意を得た事例について、支援に必要な情報を"
        "構成員の間で共有します。会議の事務に従事する者又は従事していた者は、正当な理由が"
        "なく、会議の事務に関して知り得た秘密を漏らしてはなりません（同条第5項）。"
        "この義務に違反した者は、同法の罰則により処罰されることがあります。"
        "会議の内容と資料は非公開です。"
    )
    one_line = (
        "【守秘義務】重層的支援会議で知り得た秘密を正当な理由なく漏らすことは、"
        "社会福祉法第106条の6第5項で禁じられています（罰則あり）。"
    )


class MESSAGES:
    """The messages that open a meeting's input collection (``bot.services.messages``): the
    secrecy notice in the channel, each case's thread head, the DM asking for input. The
    notice and its one line are the meeting's own (NOTICE or NOTICE_MULTILAYER)."""

    # 「令和8年（2026年）12月8日（火）14:00 支援会議（随時）」
    meeting_label = "{when} {kind}（{cadence}）"  # {cadence}: MODEL.adhoc or MODEL.regular

    notice_text = "{title} — {label}"
    notice_header = "【取扱注意】{title}"
    # The rule of the chat, shown under the notice in the channel (never in the documents).
    notice_chat_rule = (
        "チャットでは事例を事例番号でのみ扱います。氏名・住所・電話番号など、"
        "個人を特定できる情報は書き込まないでください。"
    )
    notice_meeting = "会議"
    notice_case_count = "議題の事例数"
    notice_cases = "{count}件"
    notice_ask = (
        "事例の内容を見る・入力する前に、下のボタン（または /shien ack）で確認をお願いします。"
        "確認は会議ごとに記録されます。"
    )
    notice_button = "守秘義務を確認しました"
    notice_version = "通知文の版: {version}"

    kind_with_occasion = "{kind}・{occasion}"
    monitoring = "モニタリング"  # a case brought back by its 次回モニタリング date
    # {urgent}: CASES.urgent_mark, or empty
    thread_text = "{urgent}事例 {code}（{kind}）への情報提供のお願い"
    thread_header = "{urgent}事例 {code}（{kind}）"
    thread_ask = (
        "依頼先の機関の方は、この事例について把握している状況を、このスレッドへの返信で"
        "お知らせください（氏名・住所・電話番号は書かないでください）。"
        "「入力する」のフォームからも回答できます。"
    )
    thread_status = "回答状況:\n{lines}"
    thread_agency = "• {agency}: {answer}"
    answered = "回答済み（{count}件）"
    unanswered = "未回答"
    thread_button = "入力する"

    prompt_head = "会議への情報提供のお願い"
    reminder_head = "【リマインド】未回答の事例があります"
    prompt_text = "{head}: {codes}"
    prompt = (
        "{head}（{label}）\n"
        "対象の事例: {codes}\n"
        "会議チャンネルの各事例のスレッドで、把握している状況のご回答をお願いします。"
        "守秘義務の確認がまだの場合は、先に確認をお願いします（/shien ack）。"
    )


class ADMIN:
    """Setting up (``bot.services.admin``): coordinators, meeting channels, agencies and
    their members. ``{user}`` is a mention token."""

    already_coordinator = "{user} さんはすでに事務局（コーディネーター）です。"
    user_not_found = (
        "指定されたユーザーが見つからないか、無効になっています。@メンションで指定してください。"
    )
    coordinator_added = "{user} さんを事務局（コーディネーター）に追加しました。"
    channel_already_set_up = "このチャンネルはすでに会議チャンネルとして設定されています。"
    channel_set_up = (
        "このチャンネルを会議チャンネルに設定しました。\n"
        "次の手順: 関係機関を登録（/shien agency add houkatsu 架空市中央地域包括支援センター @担当者）→ "
        "会議を登録（/shien adhoc 2026-12-08 14:00）→ 事例を登録（/shien case new houkatsu csw）"
    )
    no_one = "なし"  # {people} when no member was added
    agency_registered = "関係機関「{name}」（キー: {key}）を登録しました。構成員: {people}"
    agency_exists = (
        "関係機関「{name}」（キー: {key}）はすでに登録済みです。追加した構成員: {people}"
    )
    not_a_member = "{user} さんは「{agency}」の構成員ではありません。"
    member_removed = "{user} さんを「{agency}」の構成員から外しました。"
    no_agencies = "関係機関はまだ登録されていません。/shien agency add <キー> <名称> @構成員 で登録してください。"
    agencies_title = "登録済みの関係機関:"
    agency_line = "• {key} — {name}: {people}"
    no_members = "（構成員なし）"
    unknown_agency = "機関キー {keys} は登録されていません。登録済みのキー: {valid}"
    no_agency_keys = "（未登録）"  # {valid} when no agency is registered


class CASES:
    """Registering cases and recording consent (``bot.services.cases``), and the case form."""

    agency_keys_missing = (
        "依頼する関係機関のキーを1つ以上指定してください（例: /shien case new houkatsu csw）。"
    )
    consent_date_future = (
        "本人同意の日付に未来の日付は指定できません。同意を得た日を入力してください。"
    )
    multilayer_needs_consent = (
        "重層的支援会議で扱う事例には本人同意の記録が必要です。"
        "同意を得た日を添えてください（例: 同意:2026-11-20）。"
        "同意がない場合も、支援会議では扱えます（重層 を付けずに登録してください）。"
    )
    already_registering = "この事例の登録はすでに受け付けています。"
    created = "事例 {code} を登録しました。次は議題に追加してください（/shien agenda add {code}）。"
    no_agencies = "関係機関が登録されていません。先に /shien agency add で登録してください。"
    form_title = "事例の登録"
    form_submit = "登録する"
    form_agencies = "依頼する関係機関"
    form_consent = "本人同意を得た日（重層的支援会議で扱うときに必要）"
    form_urgency = "緊急度"
    form_normal = "通常"
    form_urgent = "緊急"
    form_summary = "状況と問題点（議事録に記載・チャットには表示されません）"
    form_agencies_missing = "依頼する関係機関を1つ以上選んでください。"
    unknown_code = "事例番号 {code} は登録されていません。登録済みの事例番号: {known}"
    no_codes_this_year = "（この年度の事例はまだありません）"  # {known} when there are none
    consent_future = "本人同意の日付に未来の日付は指定できません。"
    consent_recorded = "{code} の本人同意を記録しました。同意日: {on}"
    urgent_mark = "【緊急】"  # before an urgent case's code, in chat and in the minutes


class CONSENT:
    """Withdrawing consent (``bot.services.consent``)."""

    withdrawal_future = "同意撤回の日付に未来の日付は指定できません。"
    withdrawal_before_consent = (
        "同意撤回の日付は、同意を得た日以降にしてください。同意日: {given_on}"
    )
    thread_text = "事例 {code} は重層的支援会議の議題から外れました。"
    thread_removed = (
        "事例 {code} は本人同意の撤回により、この重層的支援会議の議題から外れました。"
        "このスレッドへの返信は記録されません。"
    )
    thread_note = "支援会議では引き続き扱えます。"
    withdrawn = "{code} の本人同意の撤回を記録しました。撤回日: {on}\n"
    removed_from = "今後の重層的支援会議の議題から外しました: {dates}\n"
    still_support = "支援会議の議題には引き続き追加できます。"


class MEETINGS:
    """Meetings: the agenda, opening collection, confirmation, status, reminders."""

    ack_not_member = (
        "この会議の依頼先機関の構成員として登録されていないため、確認できません。"
        "事務局にお問い合わせください。"
    )
    channel_not_set_up = (
        "このチャンネルは会議チャンネルとして設定されていません。"
        "事務局がプライベートチャンネルで /shien setup を実行してください。"
    )
    no_upcoming = (
        "このチャンネルには今後の会議が登録されていません。"
        "/shien adhoc 2026-12-08 14:00 のように登録するか、日付を指定してください。"
    )
    no_meeting_on = "{day}の会議はこのチャンネルにありません。今後の会議: {dates}"
    no_dates = "なし"  # {dates} when nothing is ahead
    past = "過去の日時は指定できません。現在は{now}です。例: /shien adhoc {suggestion} 14:00"
    closed_day = (
        "{day}は{reason}のため会議日にできません。直近の開庁日は{next_day}です。"
        "例: /shien adhoc {next_date} {start}"
    )
    already_scheduled = "{day}の会議はすでに登録されています（{label}）。"
    scheduled = "会議を登録しました: {label}\n次は議題を追加してください（/shien agenda add R8-001 {date}）。"
    already_on_agenda = "{code} はすでに{label}の議題です。"
    added_and_posted = (
        "{code} を{label}の議題に追加し、スレッドを作成しました（依頼のDM {prompted}人）。"
    )
    added = "{code} を{label}の議題に追加しました（{position}件目）。"
    no_agenda = "{label}には議題がありません。先に /shien agenda add R8-001 のように事例を追加してください。"
    outsiders = (
        "このチャンネルに、この会議の構成員ではない人がいます: {people}\n"
        "事例の内容は投稿していません。チャンネルから外すか、依頼先機関の構成員として登録してから、"
        "もう一度 /shien open を実行してください。"
    )
    opened = (
        "{label}の情報収集を開始しました。守秘義務の通知と、事例ごとのスレッド（{threads}件）を"
        "投稿しました（新規 {posted}件）。依頼のDMを {prompted}人に送りました。"
    )
    case_missing = "事例が見つかりません。"
    ack_meeting_missing = "会議が見つかりません。/shien ack で確認してください。"
    already_confirmed_at = "{label}の守秘義務はすでに確認済みです。確認日時: {at}"
    already_confirmed = "{label}の守秘義務はすでに確認済みです。"
    confirmed = "{label}の守秘義務の確認を記録しました。{released}確認日時: {at}"
    released = "保留中だった入力 {count}事例分を記録しました。"  # {released} above, or empty
    status_title = "{label} — {state}"
    status_confirmed = "守秘義務の確認: 済 {count}人 {people}"
    status_waiting = "守秘義務の確認: 未 {count}人 {people}"
    status_case = "• {code}: {agencies}"  # {agencies}: the two below, joined by " / "
    status_answered = "{agency} 回答済み（{count}件）"
    status_unanswered = "{agency} 未回答"
    status_no_cases = "（表示できる事例はありません）"
    not_collecting = (
        "この会議の情報収集はまだ始まっていません。先に /shien open を実行してください。"
    )
    nobody_pending = "未回答の機関はありません。"
    reminded = "未回答の機関の構成員 {sent}人にリマインドを送りました。"
    remind_failed = "{failed}人には送れませんでした。しばらくしてからもう一度 /shien remind を実行してください。"
    open_prompts_failed = (
        "{failed}人には依頼のDMを送れませんでした。しばらくしてからもう一度 /shien open を"
        "実行すると、その人にだけ送ります。"
    )
    outsider_joined_text = "会議チャンネルに構成員以外の人が参加しました。"
    outsider_joined = (
        "会議チャンネルに、会議の構成員ではない {user} さんが参加しました。"
        "事例の内容が見えないよう、チャンネルから外すか、依頼先機関の構成員として登録してください。"
    )


class ROOMS:
    """Each meeting's own private channel (``bot.services.rooms``): created when collection
    opens, only confirmed members in it, archived after the meeting."""

    # conversations.setTopic: the meeting's name and date, nothing about a case.
    topic = "{label}（非公開・守秘義務の対象）"
    # The DM under the prompt: confirming brings the member into the channel.
    prompt_button_hint = (
        "下のボタンで守秘義務を確認すると、会議チャンネル {room} に招待されます。"
        "事例のスレッドはそのチャンネルにあります。"
    )
    invited = "会議チャンネル {room} に招待しました。事例のスレッドで回答をお願いします。"
    create_refused = (
        "この会議のプライベートチャンネルを作成できませんでした（{code}）。"
        "ワークスペースがアプリによるチャンネル作成を禁止している場合は、事務局が空の"
        "プライベートチャンネル（例: shien-{date}）を作成してボットを招待し、"
        "そのチャンネルで /shien open {day} を実行してください。"
    )
    adopt_not_empty = (
        "このチャンネルには事務局以外の人がいるため、会議チャンネルにできません: {people}\n"
        "空のプライベートチャンネルを作成してボットだけを招待し、もう一度実行してください。"
    )
    adopt_has_room = "{label}にはすでに会議チャンネル {room} があります。"
    adopt_no_meeting = (
        "{day}の会議が見つかりません。事務局のチャンネルで登録した会議の日付を指定してください。"
    )
    adopt_needs_day = (
        "このチャンネルを会議チャンネルにするには日付を指定してください（/shien open 2026-12-08）。"
    )
    adopted = "このチャンネルを{label}の会議チャンネルにしました。"
    removed_text = "会議チャンネルから外れました。"
    removed = (
        "{label}の会議チャンネルから外れました。"
        "所属機関の登録が解除されたか、機関への依頼（議題・本人同意）がなくなったためです。"
        "ご不明な点は事務局にお問い合わせください。"
    )
    reconfirm_text = "守秘義務の通知が改訂されました。"
    reconfirm = (
        "{label}の守秘義務の通知が改訂されました（版: {version}）。"
        "会議チャンネルの事例を見るには、改めて確認をお願いします。"
        "確認すると会議チャンネル {room} に戻ります。"
    )
    outsider_removed_text = "会議チャンネルに参加した人を外しました。"
    outsider_removed = (
        "{label}の会議チャンネル {room} に、確認済みの構成員ではない {user} さんが参加したため、"
        "チャンネルから外しました。依頼先機関の構成員であれば、守秘義務の確認後に招待されます。"
    )
    stopped_text = "会議チャンネルへの事例の投稿を止めました。"
    stopped = (
        "{label}の会議チャンネル {room} への事例の投稿を止めました: {reason}\n"
        "チャンネルを非公開・外部共有なしに戻し、確認済みの構成員以外を外してから、"
        "事務局のチャンネルで /shien open {day} を実行してください（問題がなければ再開します）。"
    )
    reason_public = "チャンネルが公開チャンネルになっています"
    reason_shared = "チャンネルが外部と共有されています"
    reason_kick_refused = "参加者 {user} さんを外せませんでした（{code}）"
    reason_stopped_before = "投稿は停止中です"
    old_button = (
        "このボタンは以前の版（{shown}）の通知のものです。"
        "最新の通知（版: {version}）のボタンで確認してください。"
    )
    status_member = "• {user}: 確認 {confirmed} / チャンネル {present}"
    status_members_title = "依頼先の構成員（会議チャンネル {room}）:"
    status_no_room = "会議チャンネルはまだ作成されていません。"
    yes = "済"
    no = "未"
    present = "参加"
    absent = "不参加"
    archived = "会議チャンネル {room} をアーカイブしました（{label}）。"


class AGENDA:
    """A meeting's agenda as the coordinator manages it (``bot.services.agenda``): the list,
    taking a case off, asking one more agency for a case."""

    title = "{label}の議題（{count}件）:"
    # {urgent}: CASES.urgent_mark, or empty; {marks}: the part below, or empty
    line = "{number}. {urgent}{code}{marks} — 依頼先: {asked}"
    marks = "（{marks}）"
    monitoring = "モニタリング"
    empty = (
        "{label}の議題はまだありません。/shien agenda add R8-001 {date} のように追加してください。"
    )
    not_on_agenda = "{code} は{label}の議題にありません（/shien agenda で確認できます）。"
    held = "{label}は開催済みのため、議題は変更できません。"
    removed = "{code} を{label}の議題から外しました。"
    removed_thread = "事例のスレッドにも、議題から外れたことを表示しました。"
    removed_monitoring = "次回モニタリングによる自動の追加は、この会議では行いません。"
    thread_text = "事例 {code} は議題から外れました。"
    thread_removed = (
        "事例 {code} は、この会議の議題から外れました。このスレッドへの返信は記録されません。"
    )
    purpose_recorded = "{code} の検討の目的を記録しました（議事録に記載されます）。"
    purpose_too_long = "検討の目的は200文字以内で入力してください。"
    already_asked = "「{agency}」はすでに {code} の依頼先です。"
    prompted_now = "まだ届いていなかった依頼のDMを {prompted}人に送りました。"
    asked = "「{agency}」を {code} の依頼先に追加しました。"
    asked_collecting = (
        "{labels}のスレッドの回答状況を更新し、依頼のDMを {prompted}人に送りました。"
        "依頼前にスレッドへ投稿されていた場合、その投稿は記録されていないため、"
        "改めて返信していただくようお伝えください。"
    )
    asked_later = "情報収集が始まると、この機関の構成員にも依頼のDMが届きます。"
    asked_no_members = "この機関には構成員が登録されていません（/shien agency add {key} … @構成員 で登録できます）。"


class INPUTS:
    """Agency input: thread replies and the 入力する form."""

    item_gone = "この事例は議題から外れたか、見つかりません。"
    change_not_recorded = (
        "この編集・削除は記録に反映されていません（記録済みの入力はそのままです）。"
    )
    not_recorded_text = "この投稿は記録されていません。"
    not_recorded = (
        "{code} の依頼先機関の構成員として登録されていないため、この投稿は入力として記録されていません。"
        "事務局に連絡済みです。内容に個人情報が含まれる場合は投稿を削除してください。"
    )
    outsider_posted_text = "{code} のスレッドに依頼先以外の投稿がありました。"
    outsider_posted = (
        "{code} のスレッドに、依頼先機関の構成員ではない {user} さんが投稿しました。"
        "入力として記録していません。その方の機関にこの事例の情報提供を求める場合は "
        "/shien case ask {code} <機関キー> で依頼先に加え（機関が未登録なら先に "
        "/shien agency add）、改めて返信していただくようお伝えください。"
        "そうでない場合は、投稿の削除をお願いしてください。"
    )
    other_thread_text = "このスレッドへの返信は記録されません。"
    other_thread = (
        "このスレッドは事例のスレッドではないため、この返信は入力として記録されていません。"
        "情報提供は、各事例のスレッド（「事例 R8-001 …」の投稿）に返信するか、"
        "その投稿の「入力する」ボタンからお願いします。"
    )
    files_only_text = "添付ファイルだけの返信は記録されません。"
    files_only = (
        "添付ファイルは入力として記録されず、議事録にも載りません。内容を文章で返信してください"
        "（この投稿を編集して文章を書き足しても記録されます）。"
    )
    files_dropped_text = "添付ファイルは記録されていません。"
    files_dropped = (
        "文章は記録しましたが、添付ファイルは入力として記録されず、議事録にも載りません。"
        "ファイルの内容が必要な場合は文章で書き足してください。"
    )
    emptied_text = "文章のない投稿は入力になりません。"
    emptied = (
        "投稿から文章がなくなったため、この入力を取り下げとして記録しました。"
        "内容は文章で返信してください。"
    )
    held_text = "守秘義務の確認をお願いします。"
    held = (
        "守秘義務の確認がまだのため、この投稿は保留中です（削除はされていません）。"
        "/shien ack または通知のボタンで確認すると、入力として記録されます。"
    )
    # Identifiers in an input: {what} lists the kinds (電話番号、郵便番号 …); {fix} is one of
    # the two fixes.
    identifiers_text = (
        "{code} への入力に個人を特定できる情報（{what}）が含まれている可能性があります。"
    )
    identifiers = (
        "{code} への入力は記録しましたが、{what}が含まれている可能性があります。"
        "チャットには氏名・住所・電話番号などの個人を特定できる情報を書かない決まりです。"
        "{fix}"
    )
    fix_reply = "投稿を編集して該当の部分を削除するか、投稿を削除して書き直してください。"
    fix_form = "フォームの入力は編集できないため、訂正が必要な場合は事務局にご連絡ください。"
    identifiers_coordinator_text = "{code} への入力に個人を特定できる情報の可能性があります。"
    identifiers_coordinator = (
        "{code} への {user} さんの入力に、{what}が含まれている可能性があります"
        "（記録済み・投稿者には修正を依頼済み）。必要に応じて確認してください。"
    )
    # The 入力する form; its answer is stored as one text, a 【label】 part per filled field.
    form_title = "{code} 情報提供"
    form_submit = "送信"
    form_intro = "氏名・住所・電話番号などは書かないでください。"
    form_situation = "状況"
    form_issues = "課題"
    form_proposal = "支援内容・提案"
    form_part = "【{label}】{text}"
    form_empty = "いずれかの欄に入力してください。"
    form_already_recorded = "{code} への入力はすでに受け付けています。"
    form_recorded = "{code} への入力（{agency}）を記録しました。"


class DECISIONS:
    """Roles and decisions."""

    form_mismatch = "会議または事例が見つかりません。もう一度 /shien decide を実行してください。"
    not_on_agenda = (
        "{code} はこのチャンネルの会議の議題になっていません。"
        "先に /shien agenda add {code} を実行してください。"
    )
    task_missing = "役割・支援内容を入力してください（例: /shien role R8-001 houkatsu 介護保険サービスの導入 期限:2026-12-25 主担当）。"
    due_past = (
        "期限に過去の日付は指定できません。今日は{today}です。"
        "例: /shien role {code} {agency_key} {task} 期限:{example}"
    )
    lead_mark = "【主担当】"  # before the lead agency, in chat and in the role summary
    # {again}, {lead}, {assignee} and {due} are the parts below, or empty.
    role_recorded = "{code} の役割を記録しました{again}: {lead}{agency}{assignee} — {task}{due}"
    role_updated = "（登録済みの役割を更新）"
    role_assignee = "（担当 {user}）"
    role_due = "、期限 {due}"
    assignee_not_member = (
        "{user} さんは「{agency}」の構成員として登録されていません。"
        "担当者には、その機関の構成員を指定してください"
        "（登録は /shien agency add {key} … @構成員）。"
    )
    form_title = "{code} 協議・決定"
    form_submit = "記録する"
    form_discussion = "協議内容"
    form_urgency = "緊急度"
    form_urgency_reason = "緊急度の理由"
    form_no_urgency = "緊急度（高・中・低）を選んでください。"
    form_policy = "支援方針"
    form_monitoring = "次回モニタリング"
    form_outcome = "結果"
    form_notes = "決定事項"
    form_no_outcome = "結果を選んでください。"
    recorded = "{code} の決定事項を記録しました（{label}・結果: {outcome}）。"


class RECORDS:
    """The meeting on record (``bot.services.records``): the 会議記録 form of
    ``/shien record`` and its answer."""

    form_title = "会議記録 {month}月{day}日"  # at most 24 characters
    form_submit = "保存する"
    form_intro = (
        "{label}の会議記録です。出席は守秘義務を確認した人を仮に選んであります。"
        "当日の出欠に合わせて直してください。"
    )
    form_intro_saved = "{label}の会議記録です（保存済みの内容を表示しています）。"
    form_place = "場所"
    form_method = "方法"
    form_started = "開始時刻"
    form_ended = "終了時刻"
    form_chair = "司会"
    form_recorder = "記録者"
    form_present = "出席（{agency}）"
    form_others = "出席者（その他・登録外の方。例: 民生委員1名）"
    form_absent_agencies = "欠席（機関）"
    form_absent_people = "欠席（構成員）"
    person_of = "{person}（{agency}）"
    form_next_on = "次回開催予定（日）"
    form_next_at = "次回開催予定（時刻）"
    form_stale = (
        "選択肢が古くなっています。フォームを閉じて、もう一度 /shien record を実行してください。"
    )
    form_both = "{person} さんが出席と欠席の両方に入っています。どちらか一方にしてください。"
    form_agency_both = (
        "「{agency}」の構成員が出席に入っています。機関として欠席の場合は、"
        "出席のチェックを外してください。"
    )
    form_no_meeting = "会議が見つかりません。もう一度 /shien record を実行してください。"
    minutes_final = "この会議の議事録は確定済みのため、会議記録は変更できません。"
    saved = (
        "{label}の会議記録を保存しました（出席 {present}人・欠席 {absent}件）。"
        "議事録に反映されます（/shien minutes {date}）。"
    )


class MONITORING:
    """Monitoring carried forward (``bot.services.monitoring``): what the coordinator reads
    when a case comes back to a meeting by its 次回モニタリング date."""

    carried = (
        "\n次回モニタリングの日を迎える事例を、その日以降の最初の会議の議題に入れました"
        "（モニタリング）:\n{lines}\n"
        "不要な場合は /shien agenda remove {code} {date} のように外せます。"
    )
    carried_line = "• {code}: 次回モニタリング日 {on} → {label}"
    # After a decision whose monitoring date has no meeting on or after it yet.
    waiting = (
        "\n次回モニタリング日 {on} 以降の会議が登録されると、その最初の会議の議題に"
        "事例が自動で入ります。"
    )


class SCHEDULING:
    """Regular meetings, the channel's meeting list, cancelling and moving
    (``bot.services.scheduling``). Dates are in 和暦 (CALENDAR)."""

    # What happens to a meeting on a closed day (HolidayPolicy)
    policy_next = "翌開庁日に変更"
    policy_prev = "前の開庁日に変更"
    policy_skip = "休会"
    # One planned date in the answer to /shien monthly
    date_held = "• {when}"
    date_moved = "• {when} — {day}は{reason}のため{policy}"
    date_skipped = "• {day} — {reason}のため休会"
    month_skipped = "• {month} — {reason}のため休会"  # 令和8年4月 — 第5火曜日がない月
    # After date_moved when the policy moves a meeting into another month.
    moved_month = "（{nominal}の会議を{actual}に開催。{nominal}の開催はありません）"
    moved_month_twice = (
        "（{nominal}の会議を{actual}に開催。{nominal}の開催はなく、{actual}は{count}回の開催です）"
    )
    closed_day = "休業日"  # {reason} of a skipped date when the calendar gives none
    rule = "毎月{rule} {start} {kind}"  # {rule}: 第2火曜日
    monthly_set = "定例会議を設定しました: {rule}（閉庁日の場合: {policy}）"
    next_dates = "今後{count}回の予定:"
    # {open_before}: 7日前; {reminders}: 3日前・1日前, or no_reminders
    monthly_registered = (
        "{months}か月先までの会議を登録しました（新規 {created}回）。"
        "情報収集は{open_before}に開始し、未回答の機関には{reminders}にリマインドします。"
    )
    reminders_separator = "・"
    no_reminders = "（なし）"
    monthly_replaced = "以前の定例の規則による予定 {count}回を取り消しました。"
    kept_meeting = "{label}（{state}）"
    monthly_kept = (
        "次の会議は情報収集中または議題があるため変更していません"
        "（必要なら /shien move または /shien cancel）: {meetings}"
    )
    list_not_member = (
        "会議の一覧は事務局と関係機関の構成員だけが見られます。事務局にお問い合わせください。"
    )
    list_series = "定例: 毎月{rule} {start}（閉庁日の場合: {policy}）"
    list_none = "今後の会議は登録されていません（/shien monthly 2 火 14:00 または /shien adhoc）。"
    list_title = "今後の会議（{count}件）:"
    list_meeting = "• {label} — 議題 {count}件・{state}"
    list_more = "…ほか {count}件"
    past = "過去の日時は指定できません。現在は{now}です。例: {example}"
    closed = "{day}は{reason}のため会議日にできません。直近の開庁日は{next_day}です。例: {example}"
    no_meeting_on = "{day}の会議はこのチャンネルにありません。/shien meetings で確認してください。"
    held_unchangeable = "開催済みの会議は変更できません。"
    cancelled_dm = "{label}は中止になりました。この会議への情報提供は不要です。"
    members_told = "情報提供を依頼済みの {count}人にDMで知らせました。"  # {told}, or empty
    cancelled = "{label}を中止しました。{told}"
    date_taken = "{day}にはすでに{what}が登録されています。"
    taken_by_cancelled = "中止済みの会議"
    taken_by_meeting = "会議"
    moved_dm = "{old}は{new}に変更になりました。"
    moved = "{old}を{new}に変更しました。{told}"


class SCHEDULED:
    """What the scheduler's jobs send by themselves (``bot.services.scheduled``)."""

    open_empty = (
        "{label}の情報収集の開始日ですが、議題がありません。"
        "/shien agenda add R8-001 で事例を追加してから /shien open を実行してください。"
    )
    open_failed = "{label}の情報収集を自動で開始できませんでした。\n{reason}"
    morning_text = "本日の会議: {label}"
    morning = "本日は{label}です。\n議題（{count}件）: {codes}"
    morning_note = "守秘義務の確認がまだの方は、会議の前に /shien ack をお願いします。"
    after = (
        "{label}、お疲れさまでした。\n"
        "事例（{codes}）ごとに /shien decide {first} で決定事項を記録し、"
        "/shien minutes {date} で議事録を受け取ってください。"
    )
    monitoring = "事例 {code} の次回モニタリング日は{on}です。{where}"
    monitoring_on_agenda = "{label}の議題に入っています。"  # {where}, or the next one
    monitoring_no_meeting = (
        "この日以降の会議がまだ登録されていません。会議を登録すると、その議題に入ります"
        "（/shien adhoc または /shien monthly）。"
    )


class DOCUMENTS:
    """Minutes and role summaries."""

    roles_skipped_unconfirmed = "守秘義務の確認がまだの構成員 {count}人には送っていません（確認後に /shien roles をもう一度実行すると送られます）。"
    meeting_name = "{municipality}{kind}（{cadence}）"  # 架空市支援会議（定例）
    coordinators_agency = "事務局"  # the agency column of coordinators among attendees
    place_unset = "（未記録）"
    person_of = "{agency}　{person}"  # 司会・記録者: 所属　氏名
    # 検討の目的 of a case brought back by its 次回モニタリング date
    purpose_monitoring = "モニタリング（前回の会議で定めた次回モニタリング日：{on}）"
    record_missing = (
        "会議記録（出欠・時刻など）が未入力のため、議事録を確定できません。"
        "先に /shien record {date} で入力してください。"
    )
    minutes_title = "議事録 {date}"
    # {state}: one of the two marks below
    minutes_comment = (
        "{label}の議事録{state}です。【取扱注意】転送・印刷の際は守秘義務にご留意ください。"
    )
    final_mark = "（確定版）"
    draft_mark = "（案）"
    minutes_sent = "議事録（{filename}）をDMでお送りしました。"
    final_title = "議事録（確定版） {date}"
    finalised_now = "議事録を確定しました"
    finalised_before = "議事録は{at}に確定済みです"
    final_sent = "{head}。確定版（{filename}、SHA-256: {sha256}…）をDMでお送りしました。"
    roles_title = "役割分担表 {date}"
    roles_comment = "{label}の役割分担表（全機関）です。"
    # One task in an agency's DM; {lead} is DECISIONS.lead_mark or empty, {due}
    # DECISIONS.role_due or empty.
    role_line = "• {code}: {lead}{task}{due}"
    agency_roles_text = "{agency} の役割分担"
    agency_roles = "{label}で決まった「{agency}」の役割です。\n{lines}"
    extract_title = "役割分担表 {agency}"
    extract_comment = "貴機関の役割分担表です。"
    roles_sent = "役割分担表（全機関）をDMでお送りし、{agencies}機関の構成員 {sent}人に各機関の役割だけを送りました。"
    roles_failed = (
        "{failed}人には送れませんでした（アカウントが無効か、Slack に届きませんでした）。"
    )
    meeting_date_needed = "会議の日付を指定してください（例: --meeting 2026-12-08）。"
    no_meeting_on = "{date} の会議はありません。"
    several_channels = (
        "{date} の会議が複数のチャンネルにあります（{channels}）。--channel で指定してください。"
    )


class DOCUMENT_FIELDS:
    """What the Word templates receive besides the data (``bot.documents.context``): the
    words for an empty or undecided cell and the marks. Lead and urgent marks are
    DECISIONS.lead_mark and CASES.urgent_mark."""

    none = "（なし）"
    not_recorded = "（記載なし）"
    undecided = "（未定）"
    lead = "（主担当）"
    draft = "（案）"
    authors = "（{names}）"
    consent_given = "有　同意日：{date}"
    consent_none = "無"
    scope = "（{agency}）"  # the one agency of a role-summary extract
    held_from_to = "{start}〜{end}"  # 開催日時 with its end: 令和8年…14:00〜15:30
    held_from = "{start}〜"
    not_recorded_yet = "（未記録）"  # a 会議記録 item before the record is saved
    absent_agency = "（機関として欠席）"  # an absentee line naming no person
    others = "その他"  # the agency column of 出席者（その他）
    not_assessed = "（未評価）"  # 緊急度 not assessed
    monitoring_mark = "（モニタリング）"  # after the code of a case brought back by its date
    unnamed = "（未定）"  # 担当者 not named


class TEMPLATES:
    """What is wrong with a municipality's Word template (``bot.documents.renderer``), as
    ``shienbot check`` and a failed document show it. ``{where}`` is the place part below in
    （）, or empty. Braces shown literally are doubled (``{{{{ }}}}`` prints ``{{ }}``)."""

    folder_missing = (
        "テンプレートのフォルダ {folder} が見つかりません。"
        "SHIEN_TEMPLATES_DIR の設定を確認してください。"
    )
    file_missing = (
        "テンプレートのフォルダ {folder} に {name} がありません。"
        "docs_templates の中身をすべてコピーしてから編集してください。"
    )
    not_docx = (
        "テンプレート {name} は Word 文書（.docx）として読み込めません。"
        "Word で「Word 文書 (*.docx)」形式で保存し直してください。"
    )
    forbidden = "テンプレート {name} に許可されていない操作があります{where}。"
    broken_output = (
        "テンプレート {name} の差し込み結果が Word 文書として正しくありません"
        "（{error}）。差し込み項目に |safe などを使っていないか確認してください。"
    )
    cannot_fill = "テンプレート {name} を差し込みできません{where}。"
    unknown_field = (
        "テンプレート {name} の差し込み項目 {field} は存在しません{where}。"
        "使える差し込み項目は docs_templates/README.md を参照してください。"
    )
    unknown_field_unnamed = (
        "テンプレート {name} の差し込み項目 は存在しません{where}。"
        "使える差し込み項目は docs_templates/README.md を参照してください。"
    )
    syntax = (
        "テンプレート {name} に構文エラーがあります{where}。"
        "{{{{ }}}} と {{% %}} の組み合わせを確認してください。"
    )
    # {where}: （本文の「…」付近：detail）
    where = "（{parts}）"
    where_separator = "："
    near = "{part}の「{text}」付近"
    body = "本文"
    header = "ヘッダー"
    footer = "フッター"


class AUDIT_LOG:
    """Reading the audit trail (``bot.services.audit_log``): ``/shien audit`` and the CSV
    export's header. Each action and target type has its label."""

    action_coordinator_added = "事務局の追加"
    action_agency_registered = "関係機関の登録"
    action_member_added = "構成員の追加"
    action_member_removed = "構成員の削除"
    action_channel_setup = "会議チャンネルの設定"
    action_channel_outsider = "構成員以外の参加"
    action_series_set = "定例会議の設定"
    action_meeting_created = "会議の登録"
    action_meeting_cancelled = "会議の中止"
    action_meeting_moved = "会議の日程変更"
    action_case_created = "事例の登録"
    action_case_viewed = "事例の閲覧"
    action_consent_recorded = "本人同意の記録"
    action_consent_withdrawn = "本人同意の撤回"
    action_agenda_added = "議題への追加"
    action_agenda_removed = "議題からの削除"
    action_collection_opened = "情報収集の開始"
    action_room_created = "会議チャンネルの作成"
    action_room_invited = "会議チャンネルへの招待"
    action_room_removed = "会議チャンネルから除外"
    action_room_stopped = "会議チャンネルへの投稿停止"
    action_room_archived = "会議チャンネルのアーカイブ"
    action_notice_acknowledged = "守秘義務の確認"
    action_input_recorded = "入力の記録"
    action_input_held = "入力の保留"
    action_input_edited = "入力の編集"
    action_input_withdrawn = "入力の取り下げ"
    action_input_rejected = "入力の拒否"
    action_input_flagged = "個人情報の可能性"
    action_input_purged = "入力の削除（保存期間経過）"
    action_role_assigned = "役割分担の記録"
    action_meeting_recorded = "会議記録の記録"
    action_case_agency_asked = "依頼先機関の追加"
    action_report_exported = "実績の書き出し"
    action_decision_recorded = "決定事項の記録"
    action_document_downloaded = "文書の取得"
    action_minutes_finalised = "議事録の確定"
    action_audit_viewed = "監査記録の閲覧"
    action_access_denied = "アクセス拒否"
    action_card_withdrawn = "カードの取り下げ"
    action_document_declined = "文書の受け取り辞退"

    target_case = "事例"
    target_meeting = "会議"
    target_input = "入力"
    target_command = "コマンド"
    target_channel = "チャンネル"
    target_agency = "機関"
    target_user = "ユーザー"
    target_audit = "監査記録"
    target_report = "実績"

    # {scope}: the part below (a case code or a date), or empty; {more} likewise.
    title = "監査記録{scope} — 新しい順{more}"
    title_scope = "（{scope}）"
    title_more = "、最新{shown}件を表示（全{total}件。全件は shienbot audit --csv）"
    # One event: {detail} is the part below, or empty.
    line = "• {at} {who} {action} {target} {result}{detail}"
    line_detail = "（{detail}）"
    allowed = "許可"
    denied = "拒否"
    none = "（該当する記録はありません）"

    # The CSV export's header
    csv_at = "日時"
    csv_actor = "実行者"
    csv_action = "操作"
    csv_action_code = "操作コード"
    csv_target_type = "対象の種類"
    csv_target = "対象"
    csv_result = "結果"
    csv_detail = "詳細"
    csv_id = "記録ID"


class REPORT:
    """The 年度's counts (``bot.services.report``): the CSV of ``shienbot report``."""

    header_section = "区分"
    header_item = "項目"
    month = "{month}月"
    total = "合計"
    section_meetings = "開催回数"
    section_discussed = "検討事例（延べ）"
    section_cases = "検討事例（実数）"
    section_outcomes = "結果"
    section_occasions = "重層的支援会議の場面"
    kind_and_status = "{kind}・{status}"
    new = "新規"
    continuing = "継続"
    written = "{year}の実績を書き出しました: {out}"  # at the terminal
    year_invalid = "年度は西暦の4桁で指定してください（例: --fiscal-year 2026 で令和8年度）。"


class RETENTION:
    """Deleting raw inputs after the retention period (``bot.services.retention``)."""

    days_not_positive = "保存期間は1日以上で指定してください。"


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
    # A meeting's cadence: ad hoc (no series) or regular
    adhoc = "随時"
    regular = "定例"
    # The meeting's assessment of a case (Urgency.label)
    urgency_high = "高"
    urgency_medium = "中"
    urgency_low = "低"
    # How a meeting was held (MeetingMethod.label)
    method_in_person = "対面"
    method_online = "オンライン"
    method_hybrid = "併用（対面・オンライン）"

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
    channel_direct = (
        "ここはダイレクトメッセージ（DM）です。支援会議にはプライベートチャンネルが必要です。"
        "プライベートチャンネルを作成してボットを招待し、そこで /shien setup を実行してください。"
    )
    series_ordinal_invalid = "第何週かは1〜5、または最終（last）で指定してください。"
    series_weekday_invalid = "曜日は月〜日のいずれかで指定してください。"
    cancelled_not_collecting = "この会議は中止されています。情報収集は開始できません。"
    held_not_cancellable = "開催済みの会議は中止できません。"
    minutes_already_final = "この会議の議事録は確定済みです。"
    no_active_consent = "{code} には有効な本人同意の記録がありません。"
    case_not_open = "{code} は終結または中断しています。"
    consent_gate = (
        "{code} には本人同意の記録がないため、重層的支援会議では扱えません。"
        "同意を記録するか、支援会議の議題にしてください。"
    )
    agenda_meeting_cancelled = "中止された会議には議題を追加できません。"
    occasion_multilayer_only = "検討の場面（プラン策定時など）は重層的支援会議でのみ指定できます。"
    role_task_missing = "役割・支援内容を入力してください。"
    attendance_invalid = "出欠は、構成員または機関を指定して記録してください。"
    record_place_too_long = "場所は200文字以内で入力してください。"
    record_end_before_start = "終了時刻は開始時刻より後の時刻を指定してください。"
    record_next_after_meeting = "次回開催予定は、この会議より後の日付を指定してください。"
    monitoring_after_meeting = (
        "次回モニタリングの日付は会議の日より後の日付を指定してください（例: {example}）。"
    )
    to_multilayer_needs_consent = (
        "{code} を重層的支援会議へ移行するには、先に本人同意を記録してください。"
    )
    filename_bad_agency_key = "機関キーの形式が正しくないため、ファイル名を作れません。"


class IDENTIFIERS:
    """The kinds of direct identifier a reply is flagged for (``bot.domain.identifiers``):
    ``IdentifierKind.label``, listed with ``separator`` in the message that asks for an edit.
    The words the detector matches (丁目, 番地, 生年月日, kanji numerals) are its vocabulary,
    kept beside its patterns."""

    phone = "電話番号"
    individual_number = "個人番号（マイナンバー）"
    postal_code = "郵便番号"
    address = "住所"
    email = "メールアドレス"
    birth_date = "生年月日"
    separator = "・"  # 電話番号・メールアドレス


class CALENDAR:
    """Dates in 和暦, closed days, and what is wrong with a date, time or code as typed
    (``bot.domain.calendar``). ``{weekday}`` is one character of 月火水木金土日 (the
    calendar's data, like the eras' and holidays' names); ``{echo}`` is the user's input in
    「」 when it is short ASCII (so never a name), else empty."""

    weekday = "{weekday}曜日"
    nth_weekday = "第{ordinal}{weekday}曜日"
    last_weekday = "最終{weekday}曜日"
    # 和暦: "令和8年（2026年）12月8日（火）"; {gregorian} and {weekday} are the parts below,
    # or empty. One bracket style everywhere: full-width （）.
    wareki = "{era}{year}年{gregorian}{month}月{day}日{weekday}"
    wareki_gregorian = "（{year}年）"
    wareki_weekday = "（{weekday}）"
    wareki_month = "{era}{year}年{gregorian}{month}月"  # "令和8年（2026年）4月"
    wareki_datetime = "{date}{time}"  # "令和8年（2026年）12月8日（火）14:00"
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


class SETTINGS:
    """What is wrong with a setting (``bot.settings``): one line at the terminal, naming the
    variable, never repeating a secret's value."""

    error = "設定エラー: {variable} — {message}"
    retention_days = "保存日数は1〜36500の整数で指定してください（例: 1825 で確定から5年）。"
    archive_after_days = (
        "会議チャンネルをアーカイブするまでの日数は0〜3650の整数で指定してください（既定 14）。"
    )
    multilayer_statutory = (
        "true（要綱により重層的支援会議にも社会福祉法第106条の6を適用する）または "
        "false（既定: 本人同意に基づく要綱の文）で指定してください。"
    )
    templates_missing = "テンプレートのフォルダ「{folder}」が見つかりません。"
    bot_token = "ボットトークンは xoxb- で始まる値を指定してください。"
    app_token = "アプリレベルトークンは xapp- で始まる値を指定してください。"
    api_url = (
        "http:// または https:// で始まるURLを指定してください（例: https://slack.com/api/）。"
    )
    database_url = (
        "データベースURLの形式が正しくありません"
        "（例: sqlite:////var/lib/shienbot/shienbot.sqlite3 または "
        "postgresql+psycopg://user@host:5432/dbname）。"
    )
    database_kind = "対応しているデータベースは SQLite と PostgreSQL です。"
    timezone = "不明なタイムゾーン「{timezone}」です（例: Asia/Tokyo）。"
    coordinator_id = (
        "「{user_id}」はチャットのユーザーIDの形式ではありません。"
        "カンマ区切りのユーザーIDを指定してください（例: U0123ABCD,U0456EFGH）。"
    )
    invalid = "値が正しくありません。"
    malformed = "値の形式が正しくありません。"
    http_workers = "HTTPモードのワーカー数は1〜64の整数で指定してください（例: 4）。"
    http_read_timeout = "リクエストの受信待ちの秒数は1〜60の整数で指定してください（例: 10）。"


class CLI:
    """What the ``shienbot`` commands print (``bot.cli``): one line each, never a traceback.
    ``{error}`` is a failure's kind and first line as the driver gives it; a setting that is
    missing is named with ``SETTINGS.error`` and an argument with ``argument_error``."""

    argument_error = "引数エラー: {option} — {message}"
    report_read_failed = "実績を読み出せませんでした: {error}"
    write_error = "書き出しエラー: {error}"
    template_error = "テンプレートエラー: {error}"
    plugin_failed = "拡張コマンド {name} を読み込めませんでした: {error}"

    # migrate
    grant_role_postgresql_only = (
        "PostgreSQL のときだけ使えます（SQLite ではファイルの権限 0600 がアクセス制御です）。"
    )
    role_missing = "ロール「{role}」がありません（CREATE ROLE で作成してください）。"
    migrate_failed = "移行に失敗しました: {error}"
    database_current = "データベースは最新です（リビジョン {revision}）: {url}"
    # {before}: the revision before, or revision_empty
    database_upgraded = "データベースを更新しました（{before} → {after}）: {url}"
    revision_empty = "空"
    role_granted = (
        "ロール「{role}」に権限を設定しました（監査記録は追加と参照のみ。"
        "テーブルの所有者はこの移行を実行したロールです）。"
    )

    # check: what it reports, then each problem found ({mode}: 0755)
    check_timezone = "タイムゾーン: {timezone}"
    check_slack_api = "Slack API: {url}"
    check_coordinators = "コーディネーター（初期設定）: {count}人"
    check_database = "データベース: {url}"
    check_schema_current = "  接続: OK / スキーマ: 最新（{revision}）"
    check_protection_ok = "  ファイルの権限・監査記録の保護: OK"
    # {templates}: the folder, or standard_templates
    check_templates_ok = "文書テンプレート: OK（{templates}）"
    standard_templates = "標準のテンプレート"
    check_problems = "\n問題が見つかりました:"
    check_problem = "  - {problem}"
    check_no_problems = "\n問題はありません。"
    folder_readable = (
        "データフォルダ {folder} を他のユーザーが参照できます（{mode}）。"
        "`chmod 700 {folder}` を実行してください。"
    )
    file_readable = (
        "データベースのファイル {path} を他のユーザーが読めます（{mode}）。"
        "`chmod 600 {path}` を実行してください。"
    )
    audit_table_alterable = (
        "ボットの接続ロールが監査記録のテーブルを変更できます（所有者またはスーパーユーザー）。"
        "所有者のロールで `shienbot migrate --grant-app-role <ボットのロール>` を実行し、"
        "ボットはそのロールで接続してください（README「PostgreSQL」参照）。"
    )
    # {current}: the revision, or revision_none
    schema_outdated = (
        "データベースのスキーマが古いか未作成です（現在 {current}、最新 {head}）。"
        "`shienbot migrate` を実行してください。"
    )
    revision_none = "なし"
    database_unreachable = "データベースに接続できません: {error}"
    templates_problem = "文書テンプレートに問題があります: {error}"
    bot_token_missing = "SLACK_BOT_TOKEN が未設定です（ボットの実行に必要です）。"
    app_token_or_signing_secret = (
        "SLACK_APP_TOKEN（ソケットモード）か SLACK_SIGNING_SECRET（HTTPモード）の"
        "どちらかを設定してください。"
    )
    coordinators_empty = (
        "SHIEN_COORDINATORS が空です。最初のコーディネーターのユーザーIDを設定してください。"
    )

    # serve (the started and stopped lines are logged)
    serve_bot_token = "ボットの実行に必要です（xoxb- で始まる値）。"
    serve_signing_secret = (
        "HTTPモードではリクエストの署名検証に必要です"
        "（ソケットモードなら SLACK_APP_TOKEN を設定してください）。"
    )
    start_failed = "起動できませんでした: {error}"
    started_socket_mode = "ソケットモードで起動しました"
    started_http = "HTTPモードで起動しました: {url}/slack/events"
    stopped = "停止しました"
    slack_failed = "Slack との接続に失敗しました: {error}"

    # --out, and writing the file
    out_not_folder = "「{folder}」をフォルダとして使えません（同じ名前のファイルがあります）。"
    out_folder_failed = "フォルダ「{folder}」を作れません（{reason}）。"
    out_folder_not_writable = "フォルダ「{folder}」に書き込む権限がありません。"
    write_failed = "「{file}」に書き出せませんでした（{reason}）。"
    # {reason} of the two above; otherwise the error's type
    reason_permission = "権限がありません"
    reason_folder_exists = "同じ名前のフォルダがあります"
    reason_file_exists = "同じ名前のファイルがあります"
    reason_no_space = "空き容量がありません"

    # minutes, roles: {document} is one of the names below
    document_written = "{document}を書き出しました: {file}（SHA-256: {sha256}）"
    minutes_final = "議事録（確定版）"
    minutes_final_already = "議事録（確定版）（確定済み）"  # --final on minutes already final
    minutes_draft = "議事録（案）"
    role_summary = "役割分担表"

    # audit
    anchor_without_verify = "引数エラー: --anchor は --verify と一緒に指定してください。"
    csv_or_verify = "引数エラー: --csv か --verify を指定してください（例: shienbot audit --csv --out audit.csv）。"
    audit_read_failed = "監査記録を読み出せませんでした: {error}"
    audit_written = "監査記録 {rows}件を書き出しました: {file}"
    # audit --verify: {hash} and {anchor} are a hash's first 16 characters
    anchor_invalid = "以前の検証で表示されたハッシュ（16文字以上の16進数）を指定してください。"
    audit_verify_failed = "監査記録を検証できませんでした: {error}"
    # {anchor_found}: anchor_found, or empty without --anchor
    audit_intact = (
        "監査記録は改ざんされていません: {count}件を検証しました"
        "（最新の連番 {last_seq}、ハッシュ {hash}…{anchor_found}）。"
    )
    anchor_found = "、記録したハッシュは連番 {seq}"
    anchor_missing = (
        "監査記録の改ざんを検出しました: 以前の検証で記録したハッシュ {anchor}… が"
        "見つかりません（記録全体が作り直されています）。"
    )
    tampered = "監査記録の改ざんを検出しました: {problem}"
    # {problem} of tampered: the first event that does not match ({event}, or empty when
    # there is none) and what it means; {head} is the last event the bot recorded.
    break_event = "連番 {seq} の記録（{when}、{action}、ID {event_id}）"
    break_changed = "{event}の内容が記録時と一致しません（書き換えまたは置き換え）。"
    break_relinked = (
        "{event}が直前の記録とつながっていません"
        "（その前の記録が削除・並べ替え・置き換えされています）。"
    )
    break_inserted = "{event}以降に、後から挿入された記録があります。"
    break_unrecorded = (
        "{event}はボットを通さずに追加されています（ボットが記録した最後は連番 {head}）。"
    )
    break_tail_deleted = "最後の記録（連番 {head}）までのうち、末尾の記録が削除されています。"
    break_no_head = (
        "監査記録のチェーンの先頭（audit_chain）がありません"
        "（削除されたか、`shienbot migrate` が未実行です）。"
    )

    # backup ({size}: 12,345)
    backup_postgresql = (
        "引数エラー: backup は埋め込みの SQLite データベース用です。PostgreSQL は pg_dump で"
        "保存してください（README「PostgreSQL」参照）。"
    )
    backup_no_database = "データベースがまだありません（`shienbot migrate` を実行してください）。"
    backup_failed = "バックアップできませんでした: {error}"
    # {verdict}: backup_verified or backup_not_verified
    backup_done = "バックアップを作成しました: {file}（{size}バイト、{verdict}）。"
    backup_verified = "監査記録 {count}件の検証 OK"
    backup_not_verified = (
        "監査記録の検証で問題が見つかりました（`shienbot audit --verify` で確認してください）"
    )

    # purge ({cutoff}: 2026-12-08 14:00)
    purge_retention_days = (
        "議事録の確定から入力を削除するまでの日数を設定してください（例: 1825）。"
    )
    purge_failed = "削除できませんでした: {error}"
    purge_dry_run = (
        "試行（削除していません）: 議事録の確定から{days}日を過ぎた会議"
        "（{cutoff} より前に確定） {meetings}件の入力 {inputs}件が削除の対象です。"
    )
    purged = (
        "議事録の確定から{days}日を過ぎた会議（{cutoff} より前に確定） {meetings}件の入力 "
        "{inputs}件を削除しました（監査記録に削除の記録を残しました。確定した議事録は残っています）。"
    )
    purge_wal_left = (
        "注意: 他の接続が読み取り中だったため、WAL ファイルの消去が完了していません。"
        "ボットが動いていない時間にもう一度 `shienbot purge` を実行してください。"
    )
    purge_vacuum_postgresql = (
        "PostgreSQL では、削除した内容がディスクから消えるのはテーブルの書き直し後です。"
        "所有者のロールで `VACUUM FULL agency_inputs;` を実行してください（README参照）。"
    )


class CLI_HELP:
    """``shienbot --help`` and each command's ``--help`` (``bot.cli.build_parser``): the
    description, each command's summary (``<command>``) and each option's help
    (``<command>_<option>``). argparse reads ``%`` in these as its own placeholders."""

    description = (
        "支援会議ボット — 重層的支援体制整備事業の支援会議・重層的支援会議を"
        "チャットで運営します。設定は環境変数で行います（README参照）。"
    )
    verbose = "詳細なログを出力します"
    migrate = "データベースのスキーマを最新にします（何度実行しても安全です）"
    migrate_grant_app_role = (
        "PostgreSQL: ボットが接続するロールに必要な権限だけを与えます"
        "（監査記録は追加と参照のみ。移行はテーブルの所有者のロールで実行してください）"
    )
    check = "設定とデータベース接続を確認し、問題があれば内容を表示します"
    serve = "ボットを起動します（SLACK_APP_TOKEN があればソケットモード、--http でHTTPモード）"
    serve_http = "HTTPモード（/slack/events）で待ち受けます"
    serve_host = "HTTPモードの待ち受けアドレス（既定 127.0.0.1）"
    serve_port = "HTTPモードのポート（既定 3000）"
    serve_no_scheduler = "このプロセスでは予約送信（情報収集の開始・リマインド）を実行しません（予定の登録は行います）"
    # minutes and roles share --meeting and --channel
    meeting = "会議の日付"
    channel = "同じ日に複数の会議があるときのチャンネルID"
    minutes = "会議の議事録（Word）をファイルに書き出します"
    minutes_final = "議事録を確定し、確定版を書き出します"
    minutes_out = (
        "出力先（ファイル、またはフォルダ: 既存のフォルダか末尾が / のパス。"
        "ないフォルダは作ります。既定は現在のフォルダの minutes-日付.docx）"
    )
    roles = "会議の役割分担表（Word）をファイルに書き出します"
    roles_agency = "この機関の役割だけを書き出します（例: houkatsu）"
    roles_out = (
        "出力先（ファイル、またはフォルダ: 既存のフォルダか末尾が / のパス。"
        "ないフォルダは作ります。既定は現在のフォルダの roles-日付.docx）"
    )
    audit = "監査記録を CSV（Excel で開ける UTF-8 BOM 付き）で書き出すか、改ざんがないか検証します"
    audit_csv = "CSV 形式で書き出します"
    audit_verify = (
        "監査記録のハッシュチェーンを検証します（改ざんがあれば最初の記録を示し、終了コード 1）"
    )
    audit_anchor = "--verify で、以前の検証で表示されたハッシュが今もチェーンにあることも確かめます"
    audit_since = "この日以降の記録だけ"
    audit_out = "出力先（ファイルまたはフォルダ。既定は標準出力。フォルダなら audit-日付.csv）"
    backup = "埋め込みの SQLite データベースを、ボットの実行中でも一貫した状態でコピーします"
    backup_out = "出力先のファイル、またはフォルダ（フォルダなら shienbot-backup-日時.sqlite3）"
    purge = "議事録の確定から SHIEN_RETENTION_DAYS 日を過ぎた会議の入力（スレッド・フォーム）を削除します"
    purge_dry_run = "削除せずに、対象の件数だけを表示します"
    report = (
        "重層的支援体制整備事業の年度の実績（会議の開催回数・検討事例数・結果・場面）を "
        "CSV（UTF-8 BOM 付き・個人情報なし）で書き出します"
    )
    report_fiscal_year = "年度（例: 2026 は令和8年度）"
    report_out = "出力先のファイルまたはフォルダ（既定は標準出力。ファイルは本人のみ読める 0600）"


class DIRECT:
    """The direct delivery mode (``bot.services.direct``): case content only in each
    confirmed member's 1:1 chat with the bot, as cards (Teams without Graph)."""

    notice_ask = (
        "事例の内容は、下のボタンで守秘義務を確認した後に、この個人チャットにだけ届きます。"
        "確認は会議ごとに記録されます。"
    )
    notice_confirmed = (
        "{at} に確認しました。依頼先の事例ごとに、入力用のカードをこの個人チャットにお送りします。"
    )
    notice_outdated = (
        "通知文が改訂されました。新しい通知をお送りしたので、そちらで確認してください。"
    )
    case_ask = (
        "{agency}として把握している状況を、下の欄に入力して送信してください"
        "（氏名・住所・電話番号などは書かないでください）。送信し直すと、記録が更新されます。"
    )
    case_recorded = "記録済みの入力（{at}）:\n{text}"
    case_not_yet = "まだ入力されていません。"
    withdrawn_text = "この事例は表示できなくなりました。"
    withdrawn_note = (
        "構成員の登録や依頼先が変わったため、この内容は表示できなくなりました。"
        "ご不明な点は事務局にお問い合わせください。"
    )
    notice_withdrawn_text = "この会議の通知は表示できなくなりました。"
    opened = (
        "{label} の情報収集を開始しました（事例 {cases}件）。"
        "守秘義務の通知を{notices}人に、事例のカードを{cards}件、それぞれの個人チャットにお送りしました。"
        "事例の内容はチャネルには投稿されません。"
    )
    added_and_sent = (
        "{code} を {label} の議題に追加しました。依頼先の構成員には個人チャットでお知らせしました"
        "（通知 {notices}人、事例のカード {cards}件）。"
    )
    prompt = (
        "{head}（{label}）。\n"
        "対象の事例: {codes}\n"
        "このチャットに届いた守秘義務の通知を確認すると、事例ごとの入力カードが届きます。"
        "カードの欄に入力して送信してください。"
    )
    recorded = "{code} への入力（{agency}）を記録しました。"
    edited = "{code} への入力（{agency}）を更新しました。"
    fix_card = "カードの欄を直して送信し直すと、記録が更新されます。"
    morning_note = "守秘義務の確認がまだの方は、会議の前に個人チャットの通知で確認してください。"


class TEAMS:
    """What only the Microsoft Teams adapter says (``bot.chat.teams``)."""

    unavailable = "Teams との通信に失敗しました。しばらくしてからもう一度お試しください。"
    answered_in_personal = "お答えは、ボットとの個人チャットにお送りしました。"
    setup_in_team = "setup は、会議に使うチームのチャネルでボットをメンションして実行してください。"
    no_team = (
        "会議のチームが決まりません。会議に使うチームのチャネルで、ボットをメンションして"
        "実行してください。"
    )
    received = "受け付けました。"
    form_errors = "入力内容を確認してください:"
    form_error_line = "• {label}: {error}"
    file_card_description = "{title}（Word）。「許可」を選ぶと、あなたの OneDrive に保存されます。"
    file_delivered = "{filename} をお届けしました（OneDrive に保存されています）。"
    file_expired = "このファイルの受け取り期限が過ぎました。もう一度コマンドを実行してください。"
    file_declined = "受け取りを見送りました。必要になったら、もう一度コマンドを実行してください。"
    file_failed = (
        "ファイルを保存できませんでした。しばらくしてからもう一度コマンドを実行してください。"
    )
    other_tenant = "このボットは登録された組織の外からは使えません。"
    welcome = (
        "支援会議ボットです。事例の内容は、この個人チャットにだけお送りします。"
        "コマンドの一覧は「help」と送ってください。"
    )
    # ``shienbot teams-manifest``
    manifest_short = "支援会議の運営（守秘義務の確認・情報提供・議事録）"
    manifest_full = (
        "重層的支援体制整備事業の支援会議・重層的支援会議を運営します。事例の内容はチャネルには"
        "投稿せず、守秘義務を確認した構成員の個人チャットにだけ届けます。"
    )
    manifest_written = "Teams アプリのパッケージを書き出しました: {path}"
    manifest_needs_client_id = (
        "TEAMS_CLIENT_ID（ボットのアプリ ID）を設定してから実行してください。"
    )
    # Settings
    client_id = "アプリ ID（GUID、例: 00000000-0000-0000-0000-000000000000）を指定してください。"
    tenant_id = "テナント ID（GUID）を指定してください。"
    service_url = "http:// または https:// で始まるURLを指定してください。"
    both_platforms = (
        "Slack と Teams の両方が設定されています。1つの配置で使えるのはどちらか一方です"
        "（SLACK_BOT_TOKEN か TEAMS_CLIENT_ID のどちらかを外してください）。"
    )
    not_loopback = (
        "認証なしの受信（SHIEN_TEAMS_ALLOW_UNAUTHENTICATED=true）はローカルの試験専用です。"
        "TEAMS_SERVICE_URL がこのマシン（127.0.0.1 / localhost）を指すときだけ使えます。"
    )
    credentials_missing = (
        "TEAMS_CLIENT_ID・TEAMS_CLIENT_SECRET・TEAMS_TENANT_ID のすべてが必要です"
        "（Bot Framework の署名付きトークンを常に検証するため）。"
    )


class TEAMS_CLI:
    """The command line's Teams parts (``shienbot serve --teams``, ``check``,
    ``teams-manifest``; ``bot.chat.teams.run`` and ``bot.chat.teams.manifest``)."""

    platform = "プラットフォーム: {platform}"
    serve_teams = (
        "Microsoft Teams のエンドポイント（/api/messages）で待ち受けます（TEAMS_* の設定）"
    )
    teams_name = "Microsoft Teams"
    slack_name = "Slack"
    service_url = "Teams コネクタ: {url}"
    unauthenticated = "  認証なしの受信（ローカル試験専用）が有効です。"
    listening = "Teams のエンドポイントで待ち受けています: http://{host}:{port}/api/messages"
    stopped = "停止しました"
    not_started = "起動できませんでした: {reason}"
    manifest_help = "Teams 管理センターにアップロードするアプリのパッケージ（zip）を作ります"
    manifest_out = "出力先（既定 shienbot-teams.zip）"
    manifest_website = "開発者（自治体）の Web サイトの URL（https）"
    manifest_privacy = "プライバシーポリシーの URL（https）"
    manifest_terms = "利用規約の URL（https）"
    app_short_name = "支援会議ボット"
    app_full_name = "支援会議ボット（shienbot）"
