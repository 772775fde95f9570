"""Who sees and may do what: coordinator commands, status per person, outsiders in the
channel, reminders, per-agency role summaries and the consent gate of 重層的支援会議."""

from __future__ import annotations

from datetime import date, timedelta

from e2e_steps import (
    ack,
    database,
    dm_texts,
    docx_text,
    member,
    prepare_meeting,
    reacted,
    reply,
    retry_event,
    room,
    thread_head,
)
from workspace_fixtures import (
    CHANNEL,
    COORDINATOR,
    MEMBERS,
    OUTSIDER,
    meeting_day,
    register_agencies,
)

from bot.domain.calendar import JapaneseCalendar
from bot.domain.model import AuditAction
from localslack.harness import LocalWorkspace

CASE_A = "houkatsu shogai konkyu csw"
CASE_C = "houkatsu konkyu"
PUBLIC = "C0PUBLIC"


def _counts(ws: LocalWorkspace) -> dict[str, int]:
    with database(ws) as uow:
        channels = uow.channels.list()
        meetings = [m for c in channels for m in uow.meetings.upcoming(c.channel_id, meeting_day())]
        cases = uow.cases.list()
        return {
            "channels": len(channels),
            "meetings": len(meetings),
            "cases": len(cases),
            "roles": sum(len(uow.roles.for_case(c.id)) for c in cases),
            "agencies": len(uow.agencies.list()),
            "coordinators": len(uow.coordinators.list()),
        }


COORDINATOR_COMMANDS = (
    "setup",
    "coordinator add <@U0OUTSIDER>",
    "agency add hoken 架空市保健センター",
    "adhoc {day} 10:00",
    "case new houkatsu",
    "case new",
    "consent {code} {consent}",
    "agenda add {code}",
    "open",
    "remind",
    "role {code} houkatsu 母の介護保険サービス導入",
    "decide {code}",
    "minutes",
    "roles",
)


def test_coordinator_commands_from_a_member_are_refused_politely(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A, open_collection=False)
    shogai = member("shogai")
    before = _counts(ws)
    posted = len(ws.server.messages(CHANNEL))
    for command in COORDINATOR_COMMANDS:
        text = command.format(day=_later(day), code=code, consent=_consent_day())
        answer = ws.command(shogai, CHANNEL, text)
        assert "事務局" in answer and "のみ" in answer, (text, answer)
        with database(ws) as uow:
            denied = [e for e in uow.audit.list() if e.action is AuditAction.ACCESS_DENIED]
        assert denied and denied[-1].actor == shogai, text
    ws.settle()
    assert _counts(ws) == before
    with database(ws) as uow:
        (case,) = uow.cases.list()
        assert not case.has_consent
    assert len(ws.server.messages(CHANNEL)) == posted  # no notice, no thread
    assert ws.server.views(shogai) == []
    assert ws.server.files_shared_with(shogai) == []
    assert all(dm_texts(ws, user) == [] for user, _ in MEMBERS.values())


def _later(day: date) -> str:
    return JapaneseCalendar().next_working_day(day + timedelta(days=7)).isoformat()


def _consent_day() -> str:
    return (date.today() - timedelta(days=2)).isoformat()


def test_setup_in_a_public_channel_is_refused_with_the_reason(workspace: LocalWorkspace) -> None:
    ws = workspace
    ws.server.add_channel(PUBLIC, "general", is_private=False, members=[COORDINATOR])
    answer = ws.command(COORDINATOR, PUBLIC, "setup")
    assert "プライベート" in answer, answer
    assert _counts(ws)["channels"] == 0
    # The same coordinator can set up the private meeting channel.
    assert "会議チャンネルに設定" in ws.command(COORDINATOR, CHANNEL, "setup")


def test_setup_in_a_channel_shared_outside_is_refused(workspace: LocalWorkspace) -> None:
    ws = workspace
    ws.server.add_channel(
        "C0SHARED",
        "kaigi-shared",
        is_private=True,
        members=[COORDINATOR, ws.server.bot_user_id],
        is_ext_shared=True,
    )
    answer = ws.command(COORDINATOR, "C0SHARED", "setup")
    assert "外部" in answer or "共有" in answer, answer
    assert _counts(ws)["channels"] == 0


def test_setup_in_a_private_channel_without_the_bot_asks_to_invite_it(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    ws.server.add_channel("C0NOBOT", "kaigi-nobot", is_private=True, members=[COORDINATOR])
    answer = ws.command(COORDINATOR, "C0NOBOT", "setup")
    assert "ボットがこのチャンネルに参加していません" in answer and "招待" in answer, answer
    assert _counts(ws)["channels"] == 0


def test_status_shows_each_person_only_what_they_may_see(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, (code_a, code_c) = prepare_meeting(ws, CASE_A, CASE_C)
    houkatsu, shogai, konkyu = member("houkatsu"), member("shogai"), member("konkyu")
    ack(ws, houkatsu)
    ack(ws, shogai)
    ts = reply(ws, houkatsu, code_a, "要介護認定の申請を支援中。")
    ws.wait_until(lambda: reacted(ws, ts))

    coordinator = ws.command(COORDINATOR, CHANNEL, "status")
    assert code_a in coordinator and code_c in coordinator
    assert "済 2人" in coordinator and "未 2人" in coordinator
    assert "架空市中央地域包括支援センター 回答済み（1件）" in coordinator

    # shogai is asked for case A only.
    answer = ws.command(shogai, CHANNEL, "status")
    assert code_a in answer and code_c not in answer, answer
    assert "守秘義務の確認: " not in answer  # who confirmed is the coordinator's view

    # konkyu has not confirmed the notice: nothing about cases.
    answer = ws.command(konkyu, CHANNEL, "status")
    assert "守秘義務の確認" in answer and "/shien ack" in answer, answer
    assert code_a not in answer and code_c not in answer

    # Someone outside the meeting sees nothing about cases either.
    ws.server.join(CHANNEL, OUTSIDER)
    answer = ws.command(OUTSIDER, CHANNEL, "status")
    assert code_a not in answer and code_c not in answer, answer
    assert "構成員として登録されていない" in answer and "回答" not in answer, answer


def test_an_outsider_in_the_coordinators_channel_sees_nothing_about_cases(
    workspace: LocalWorkspace,
) -> None:
    # The coordinators' channel carries commands and status; case threads go to the
    # meeting's own channel, which the outsider is never invited to.
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A, open_collection=False)
    ws.server.join(CHANNEL, OUTSIDER)
    posted_before = len(ws.server.messages(CHANNEL))
    answer = ws.command(COORDINATOR, CHANNEL, "open")
    assert "情報収集を開始しました" in answer, answer
    assert len(ws.server.messages(CHANNEL)) == posted_before
    assert thread_head(ws, code)
    assert OUTSIDER not in ws.server.channel(room(ws)).members
    assert dm_texts(ws, OUTSIDER) == []


def test_an_outsider_joining_the_channel_is_reported_to_the_coordinators_once(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A)
    before = len(dm_texts(ws, COORDINATOR))
    response = ws.slack.member_joins(CHANNEL, OUTSIDER)
    assert response is not None and response.event_id is not None
    told = ws.wait_until(lambda: dm_texts(ws, COORDINATOR)[before:])
    assert len(told) == 1 and "<@U0OUTSIDER>" in told[0] and code not in told[0]
    assert dm_texts(ws, OUTSIDER) == []

    # Slack retries the event: the coordinators are not told twice.
    assert retry_event(ws, response.event_id).status == 200
    ws.settle()
    assert len(dm_texts(ws, COORDINATOR)[before:]) == 1


def test_a_member_joining_the_channel_is_not_reported(workspace: LocalWorkspace) -> None:
    ws = workspace
    prepare_meeting(ws, CASE_A)
    csw = member("csw")
    ws.server.leave(CHANNEL, csw)
    before = len(dm_texts(ws, COORDINATOR))
    ws.slack.member_joins(CHANNEL, csw)
    ws.settle()
    assert len(dm_texts(ws, COORDINATOR)) == before


def test_remind_writes_only_to_members_of_agencies_that_have_not_answered(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A)
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    ts = reply(ws, houkatsu, code, "要介護認定の申請を支援中。")
    ws.wait_until(lambda: reacted(ws, ts))
    before = {user: len(dm_texts(ws, user)) for user, _ in MEMBERS.values()}

    answer = ws.command(COORDINATOR, CHANNEL, "remind")
    assert "3人" in answer, answer
    for key, (user, _) in MEMBERS.items():
        new = (
            ws.wait_until(lambda user=user: dm_texts(ws, user)[before[user] :], timeout=2)
            if key != "houkatsu"
            else dm_texts(ws, user)[before[user] :]
        )
        if key == "houkatsu":
            assert new == [], "an agency that has answered is not reminded"
        else:
            assert len(new) == 1 and "リマインド" in new[0] and code in new[0]
    assert dm_texts(ws, OUTSIDER) == []


def test_roles_sends_each_agency_only_its_own_tasks(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    tasks = {
        "houkatsu": "母の介護保険サービス導入",
        "csw": "長男への手紙による継続的な働きかけ",
        "konkyu": "家計改善支援と家賃の相談",
    }
    for key, task in tasks.items():
        lead = " 主担当" if key == "houkatsu" else ""
        answer = ws.command(COORDINATOR, CHANNEL, f"role {code} {key} {task}{lead}")
        assert "役割を記録しました" in answer, answer
        assert "確認を記録しました" in ws.command(member(key), CHANNEL, "ack")

    answer = ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    assert "3機関" in answer, answer
    full = ws.wait_until(lambda: ws.server.files_shared_with(COORDINATOR))
    text = docx_text(full[-1].bytes)
    assert all(task in text for task in tasks.values())

    for key, task in tasks.items():
        user = member(key)
        files = ws.wait_until(lambda user=user: ws.server.files_shared_with(user))
        assert len(files) == 1
        extract = docx_text(files[0].bytes)
        assert task in extract
        messages = [d for d in dm_texts(ws, user) if 'の役割分担"' in d]
        assert len(messages) == 1 and task in messages[0]
        for other_key, other_task in tasks.items():
            if other_key != key:
                assert other_task not in extract, f"{key}'s extract shows {other_key}'s task"
                assert other_task not in messages[0]
                if other_key != "houkatsu":  # the lead agency is named, as 主担当機関
                    assert MEMBERS[other_key][1] not in extract
    # shogai has no task: no summary at all.
    assert ws.server.files_shared_with(member("shogai")) == []
    assert not any("役割" in d for d in dm_texts(ws, member("shogai")))


def test_roles_go_only_to_members_who_confirmed_the_notice(workspace: LocalWorkspace) -> None:
    """A member who never confirmed the secrecy notice of the meeting gets no tasks (no DM,
    no file) until they do; the coordinator is told how many were left out."""
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A)
    for key in ("houkatsu", "konkyu"):
        assert "役割を記録しました" in ws.command(COORDINATOR, CHANNEL, f"role {code} {key} 見守り")
    assert "確認を記録しました" in ws.command(member("houkatsu"), CHANNEL, "ack")

    answer = ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    assert "確認がまだの構成員 1人には送っていません" in answer, answer
    ws.wait_until(lambda: ws.server.files_shared_with(member("houkatsu")))
    ws.settle()
    assert ws.server.files_shared_with(member("konkyu")) == []
    assert not any("役割" in d for d in dm_texts(ws, member("konkyu")))

    assert "確認を記録しました" in ws.command(member("konkyu"), CHANNEL, "ack")
    answer = ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    assert "確認がまだ" not in answer, answer
    files = ws.wait_until(lambda: ws.server.files_shared_with(member("konkyu")))
    assert "見守り" in docx_text(files[0].bytes)


def test_a_multilayer_case_needs_consent(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    answer = ws.command(COORDINATOR, CHANNEL, "case new csw shogai 重層")
    assert "本人同意" in answer and "同意:" in answer, answer
    assert _counts(ws)["cases"] == 0
    answer = ws.command(COORDINATOR, CHANNEL, f"case new csw shogai 重層 同意:{_consent_day()}")
    assert "を登録しました" in answer, answer
    with database(ws) as uow:
        (case,) = uow.cases.list()
        assert case.has_consent


def test_a_multilayer_meeting_refuses_a_case_without_consent(workspace: LocalWorkspace) -> None:
    ws = workspace
    day = meeting_day()
    register_agencies(ws)
    assert "会議を登録しました" in ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00 重層")
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu konkyu")
    code = answer.split("事例 ", 1)[1].split(" ", 1)[0]
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")
    assert "同意" in answer and "議題に追加" not in answer, answer
    with database(ws) as uow:
        meeting = uow.meetings.on_date(CHANNEL, day)
        assert meeting is not None
        assert list(uow.agenda.for_meeting(meeting.id)) == []
    # With consent recorded it may be discussed there.
    answer = ws.command(COORDINATOR, CHANNEL, f"consent {code} {_consent_day()}")
    assert "本人同意" in answer, answer
    assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {code}")


def test_an_allowed_status_read_is_audited_per_case(workspace: LocalWorkspace) -> None:
    """Every access to case data leaves a trace, allowed as well as denied."""
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu shogai konkyu csw", "houkatsu csw")
    houkatsu = member("houkatsu")
    ack(ws, houkatsu)
    assert codes[1] in ws.command(houkatsu, CHANNEL, f"status {day}")
    with database(ws) as uow:
        viewed = [
            (e.actor, e.target_id)
            for e in uow.audit.list()
            if e.action is AuditAction.CASE_VIEWED and "via=status" in e.detail
        ]
    assert sorted(viewed) == sorted((houkatsu, code) for code in codes)


def test_role_extracts_are_audited_only_when_they_go_out(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, codes = prepare_meeting(ws, "houkatsu shogai konkyu csw", open_collection=False)
    for key in ("houkatsu", "csw"):
        answer = ws.command(COORDINATOR, CHANNEL, f"role {codes[0]} {key} 継続的な見守り")
        assert "役割を記録しました" in answer, answer
        ack(ws, member(key))
    ws.server.deactivate_user(member("csw"))
    assert "役割分担表" in ws.command(COORDINATOR, CHANNEL, f"roles {day}")
    ws.settle()
    assert ws.server.files_shared_with(member("houkatsu"))
    assert not ws.server.files_shared_with(member("csw"))
    with database(ws) as uow:
        sent_to = [
            e.detail
            for e in uow.audit.list()
            if e.action is AuditAction.DOCUMENT_DOWNLOADED and ";to=" in e.detail
        ]
    assert [d.rsplit("to=", 1)[1] for d in sent_to] == [member("houkatsu")]
