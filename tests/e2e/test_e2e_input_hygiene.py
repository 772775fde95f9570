"""One normalisation for everything people type: agency names, display names and replies lose
bidi overrides, invisible characters and the bot's own mention markers, so a typed marker
never becomes a real mention and a name reads as it is stored."""

from __future__ import annotations

from e2e_steps import ack, bot_payloads, database, inputs, minutes_text, reacted, reply
from workspace_fixtures import CHANNEL, COORDINATOR, meeting_day, register_agencies

from bot.domain.text import MENTION_CLOSE, MENTION_OPEN
from localslack.harness import LocalWorkspace

FORGED = f"{MENTION_OPEN}U0CSW{MENTION_CLOSE}"
HIDDEN = ("\u202e", "\u2066", "\u200b", "\u200c", "\u2060", "\ufeff", MENTION_OPEN, MENTION_CLOSE)


def test_marker_characters_in_an_agency_name_never_become_a_mention(
    workspace: LocalWorkspace,
) -> None:
    ws = workspace
    day = meeting_day()
    register_agencies(ws)
    evil_member = "U0EVIL"
    ws.server.add_user(evil_member, f"悪意\u202e{FORGED}架空\u200b七郎")
    ws.server.join(CHANNEL, evil_member)
    answer = ws.command(
        COORDINATOR, CHANNEL, f"agency add evil 悪意\u202e{FORGED}\u2060機関 <@{evil_member}>"
    )
    assert "登録しました" in answer, answer
    with database(ws) as uow:
        agency = uow.agencies.by_key("evil")
        assert agency is not None and agency.name == "悪意U0CSW機関"
    assert "会議を登録しました" in ws.command(COORDINATOR, CHANNEL, f"adhoc {day} 14:00")
    codes = []
    for keys in ("evil houkatsu csw", "shogai konkyu"):  # everyone in the channel is asked
        answer = ws.command(COORDINATOR, CHANNEL, f"case new {keys}")
        codes.append(answer.split("事例 ", 1)[1].split(" ", 1)[0])
        assert "議題に追加" in ws.command(COORDINATOR, CHANNEL, f"agenda add {codes[-1]}")
    code = codes[0]
    assert "情報収集を開始しました" in ws.command(COORDINATOR, CHANNEL, "open")
    ack(ws, evil_member)
    ts = reply(ws, evil_member, code, f"確認中\u202e{FORGED}\u200cです")
    ws.wait_until(lambda: reacted(ws, ts))
    ws.command(COORDINATOR, CHANNEL, "status")
    ws.command(COORDINATOR, CHANNEL, "agency list")
    ws.settle()

    payloads = bot_payloads(ws)
    assert any("悪意U0CSW機関" in p for p in payloads)  # the name is shown, as text
    forged = [p for p in payloads if "悪意<@U0CSW>" in p or "確認中<@U0CSW>" in p]
    assert forged == [], "a typed marker became a mention"
    assert not any(ch in p for p in payloads for ch in HIDDEN)
    assert [i.text for i in inputs(ws, day)] == ["確認中U0CSWです"]
    minutes = minutes_text(ws, day)
    assert "悪意U0CSW架空七郎" in minutes  # the display name, cleaned
    assert not any(ch in minutes for ch in HIDDEN)
