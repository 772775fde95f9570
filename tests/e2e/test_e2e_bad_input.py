"""What people mistype: unknown subcommands, malformed, past and closed dates, unknown case
codes and agency keys. Each answer says what is expected, with an example."""

from __future__ import annotations

from datetime import date, timedelta

from e2e_steps import database, prepare_meeting
from workspace_fixtures import CHANNEL, COORDINATOR, MEMBERS, OUTSIDER, register_agencies

from bot.domain.calendar import JapaneseCalendar, format_wareki, national_holidays
from localslack.harness import LocalWorkspace

CASE_A = "houkatsu shogai konkyu csw"
HELP_MARK = "コマンド一覧"


def _meetings(ws: LocalWorkspace) -> int:
    with database(ws) as uow:
        return len(uow.meetings.upcoming(CHANNEL, date.today()))


def _next_weekday_holiday(after: date) -> tuple[date, str]:
    for year in (after.year, after.year + 1):
        for day, name in sorted(national_holidays(year).items()):
            if day > after and day.weekday() < 5:
                return day, name
    raise AssertionError("no holiday found")


def test_an_unknown_subcommand_answers_with_the_help(workspace: LocalWorkspace) -> None:
    ws = workspace
    answer = ws.command(MEMBERS["csw"][0], CHANNEL, "kaigi")
    assert "kaigi" in answer and HELP_MARK in answer, answer
    assert "/shien case new" in answer and "/shien minutes" in answer
    assert HELP_MARK in ws.command(COORDINATOR, CHANNEL, "")
    assert HELP_MARK in ws.command(COORDINATOR, CHANNEL, "help")


def test_adhoc_with_a_malformed_date_shows_the_expected_form(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    for text in ("adhoc 12月8日 14:00", "adhoc 2026-13-45 14:00", "adhoc 2026-12-08", "adhoc"):
        answer = ws.command(COORDINATOR, CHANNEL, text)
        assert "/shien adhoc 20" in answer and "14:00" in answer, (text, answer)
        assert "会議を登録しました" not in answer
    answer = ws.command(COORDINATOR, CHANNEL, "adhoc 2026-12-08 25:00")
    assert "時刻" in answer and "/shien adhoc" in answer, answer
    assert _meetings(ws) == 0


def test_adhoc_in_the_past_is_refused_with_an_example(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    yesterday = date.today() - timedelta(days=1)
    answer = ws.command(COORDINATOR, CHANNEL, f"adhoc {yesterday} 14:00")
    assert "過去" in answer and "例: /shien adhoc" in answer, answer
    assert _meetings(ws) == 0


def test_adhoc_on_a_holiday_is_refused_with_an_example(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    holiday, name = _next_weekday_holiday(date.today() + timedelta(days=1))
    answer = ws.command(COORDINATOR, CHANNEL, f"adhoc {holiday} 14:00")
    assert name in answer, answer
    working = JapaneseCalendar().next_working_day(holiday)
    assert f"例: /shien adhoc {working.isoformat()} 14:00" in answer, answer
    saturday = date.today() + timedelta(days=(5 - date.today().weekday()) % 7 or 7)
    answer = ws.command(COORDINATOR, CHANNEL, f"adhoc {saturday} 10:00")
    assert "土曜日" in answer and "例: /shien adhoc" in answer, answer
    assert _meetings(ws) == 0


def test_dates_that_name_no_meeting_list_the_meetings(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, (code,) = prepare_meeting(ws, CASE_A, open_collection=False)
    other = day + timedelta(days=1)
    answer = ws.command(COORDINATOR, CHANNEL, f"open {other}")
    assert "会議はこのチャンネルにありません" in answer, answer
    assert format_wareki(day, gregorian=False) in answer, answer
    answer = ws.command(COORDINATOR, CHANNEL, "status 2026/02/30")
    assert "存在しない日付" in answer and "/shien status [20" in answer, answer
    answer = ws.command(COORDINATOR, CHANNEL, f"agenda add {code} 来週")
    assert "/shien agenda add" in answer, answer


def test_a_past_due_date_for_a_role_is_refused_with_an_example(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A)
    past = date.today() - timedelta(days=3)
    answer = ws.command(
        COORDINATOR, CHANNEL, f"role {code} houkatsu 母の介護保険サービス導入 期限:{past}"
    )
    assert "過去" in answer and f"例: /shien role {code}" in answer, answer
    with database(ws) as uow:
        assert all(not uow.roles.for_case(c.id) for c in uow.cases.list())


def test_an_unknown_case_code_lists_the_valid_ones(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, codes = prepare_meeting(ws, CASE_A, "houkatsu konkyu", open_collection=False)
    prefix = codes[0].split("-")[0]
    for text in (
        f"agenda add {prefix}-099",
        f"role {prefix}-099 houkatsu 見守り",
        f"decide {prefix}-099",
    ):
        answer = ws.command(COORDINATOR, CHANNEL, text)
        assert f"{prefix}-099" in answer and all(c in answer for c in codes), (text, answer)
    assert ws.server.views(COORDINATOR) == []
    answer = ws.command(COORDINATOR, CHANNEL, "agenda add 8050")
    assert "事例番号" in answer and "R" in answer, answer


def test_an_unknown_agency_key_lists_the_valid_ones(workspace: LocalWorkspace) -> None:
    ws = workspace
    _, (code,) = prepare_meeting(ws, CASE_A, open_collection=False)
    answer = ws.command(COORDINATOR, CHANNEL, "case new houkatsu gakko")
    assert "gakko" in answer, answer
    assert all(key in answer for key in MEMBERS), answer
    answer = ws.command(COORDINATOR, CHANNEL, f"role {code} hoken 健診の案内")
    assert "hoken" in answer and all(key in answer for key in MEMBERS), answer
    with database(ws) as uow:
        assert len(uow.cases.list()) == 1


def test_agency_list_shows_keys_names_and_members(workspace: LocalWorkspace) -> None:
    ws = workspace
    register_agencies(ws)
    answer = ws.command(COORDINATOR, CHANNEL, "agency list")
    for key, (user_id, name) in MEMBERS.items():
        assert key in answer and name in answer and f"<@{user_id}>" in answer, answer


def test_ack_from_someone_outside_the_meeting_is_refused(workspace: LocalWorkspace) -> None:
    ws = workspace
    day, _ = prepare_meeting(ws, CASE_A)
    ws.server.leave(CHANNEL, MEMBERS["csw"][0])
    ws.server.join(CHANNEL, OUTSIDER)
    answer = ws.command(OUTSIDER, CHANNEL, "ack")
    assert "構成員として登録されていない" in answer, answer
    with database(ws) as uow:
        meeting = uow.meetings.on_date(CHANNEL, day)
        assert meeting is not None
        assert list(uow.acknowledgements.for_meeting(meeting.id)) == []
