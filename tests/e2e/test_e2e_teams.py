"""The whole cycle on Microsoft Teams: the real bot (``bot.bootstrap_teams``) behind its
ASGI endpoint, against Microsoft 365 Agents Playground (when Node and the npm package are
installed: ``.ci/run`` installs them) and against our own connector (always).

Checked: the cycle runs; every activity the bot sent to a channel or a group chat is free
of case content (codes, inputs, names of cases' agencies' work); an outsider is refused;
a removed member's cards are withdrawn; the minutes arrive through file consent and read
back with python-docx; declining an extract is audited; the audit chain verifies.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from bot.domain.model import AuditAction
from storage.audit_chain import verify_audit_trail
from teamslocal.cycle import INPUTS, CycleResult, run_cycle
from teamslocal.harness import TeamsHarness
from teamslocal.playground import find_playground, missing_reason
from teamslocal.roster import COORDINATOR, HOUKATSU, SHOGAI, VISITOR

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=JST)

SIDES = [
    pytest.param(False, id="own-connector"),
    pytest.param(
        True,
        id="agents-playground",
        marks=pytest.mark.skipif(find_playground() is None, reason=missing_reason()),
    ),
]


@pytest.fixture(scope="module", params=SIDES)
def cycle(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TeamsHarness, CycleResult]]:
    folder = tmp_path_factory.mktemp("teams")
    with TeamsHarness(Path(folder), use_playground=request.param, clock=lambda: NOW) as harness:
        yield harness, run_cycle(harness)


def _text_of_docx(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return "\n".join(parts)


def test_the_minutes_arrive_through_file_consent_with_every_agency_input(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    _, result = cycle
    text = _text_of_docx(result.minutes)
    assert result.codes["A"] in text and result.codes["D"] in text
    for answers in INPUTS.values():
        for parts in answers.values():
            assert parts[0] in text
    assert "介護保険サービスの導入を提案" in text  # the corrected input, not the first one
    assert "母の介護サービス導入を優先" in text  # the decision form
    assert HOUKATSU.name in text  # names from the roster, remembered when the input came
    final = _text_of_docx(result.final_minutes)
    assert "案" not in final.split("\n")[0]
    assert "母の介護保険サービス導入" in _text_of_docx(result.roles)


def test_nothing_about_a_case_is_sent_to_a_channel_or_group_chat(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    harness, result = cycle
    personal = harness.personal_conversations()
    elsewhere = [
        c for c in harness.recorded() if c.conversation_id and c.conversation_id not in personal
    ]
    assert elsewhere, "the bot answered commands typed in the channel"
    secrets = [
        *result.codes.values(),
        *(p for a in INPUTS.values() for parts in a.values() for p in parts if p),
    ]
    for call in elsewhere:
        body = json.dumps(call.body, ensure_ascii=False)
        assert not call.body.get("attachments"), "no card ever goes to a channel"
        for secret in secrets:
            assert secret not in body


def test_cards_carry_content_only_to_confirmed_members(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    harness, result = cycle
    a = result.codes["A"]
    assert any(a in text for text in harness.texts(HOUKATSU))
    assert not any(a in text for text in harness.texts(VISITOR))
    assert "構成員として登録されていない" in harness.last_text(VISITOR)


def test_a_removed_member_sees_their_cards_withdrawn(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    harness, _ = cycle
    cards = [m for m in harness.messages(SHOGAI) if m.content is not None]
    assert cards
    withdrawn = [m for m in cards if "表示できなくなりました" in m.text]
    assert len(withdrawn) == 2  # the notice and the case card
    assert not any(m.action("shien_direct_input") for m in cards)


def test_the_audit_trail_holds_the_cycle_and_verifies(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    harness, _ = cycle
    runtime = harness.runtime
    assert runtime is not None
    with runtime.database.unit_of_work() as uow:
        events = list(uow.audit.list())
    actions = [e.action for e in events]
    assert AuditAction.CARD_WITHDRAWN in actions
    assert AuditAction.DOCUMENT_DECLINED in actions
    assert any(e.action is AuditAction.ACCESS_DENIED and e.actor == VISITOR.user_id for e in events)
    assert actions.count(AuditAction.INPUT_EDITED) == 1
    assert verify_audit_trail(runtime.database.engine).ok


def test_the_coordinator_saw_each_answer_in_their_own_chat(
    cycle: tuple[TeamsHarness, CycleResult],
) -> None:
    harness, result = cycle
    texts = harness.texts(COORDINATOR)
    assert any(result.codes["A"] in t for t in texts)
    assert any("情報収集を開始しました" in t for t in texts)
    assert harness.conversation_of(HOUKATSU) != harness.conversation_of(COORDINATOR)
