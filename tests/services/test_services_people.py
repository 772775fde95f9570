"""Names in documents come from the database: stored when the bot records an input, a
confirmation, a role or a registration, so that documents render without the chat platform."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    MEETING_DAY,
    World,
)

from bot.chat.offline import OfflineChat
from bot.domain.model import Person
from bot.services import admin, decisions, documents, inputs
from bot.services.access import Actor
from bot.services.chat import FormValues
from bot.services.people import Names, remember_name

NAMES = {
    COORDINATOR: "事務局 架空花子",
    HOUKATSU: "包括 架空一郎",
    CSW: "CSW 架空四郎",
    "U0NEWCOMER": "新任 架空七子",
}


def _people(world: World) -> dict[str, str]:
    with world.ctx.uow() as uow:
        found = {u: uow.people.get(u) for u in [*NAMES, "U0OUTSIDER"]}
    return {u: p.display_name for u, p in found.items() if p is not None}


@pytest.fixture
def named(world: World) -> World:
    world.chat.names.update(NAMES)
    return world


def _reply(world: World, code: str, message_id: str, user_id: str, text: str) -> None:
    thread = world.thread(code).message_id
    inputs.record_reply(world.ctx, world.room(), thread, message_id, user_id, text)


def test_a_reply_stores_its_authors_name_with_the_input(named: World) -> None:
    code = named.new_case("houkatsu")
    named.collecting(code)
    named.ack(HOUKATSU)
    with named.ctx.uow() as uow:  # the registration stored it already: start afresh
        uow.people.put(Person(HOUKATSU, "古い名前", updated_at=named.clock() - timedelta(days=9)))
        uow.commit()
    _reply(named, code, "2.1", HOUKATSU, "包括で見守り中")
    assert _people(named)[HOUKATSU] == "包括 架空一郎"
    with named.ctx.uow() as uow:
        stored = uow.people.get(HOUKATSU)
    assert stored is not None and stored.updated_at == named.clock()


def test_a_held_reply_and_a_form_store_the_name_too(named: World) -> None:
    code = named.new_case("houkatsu", "csw")
    named.collecting(code)
    with named.ctx.uow() as uow:
        uow.people.put(Person(CSW, "古い名前", updated_at=named.clock()))
        uow.commit()
    _reply(named, code, "2.1", CSW, "確認前の投稿")  # held: still the author's input
    assert _people(named)[CSW] == "CSW 架空四郎"
    named.ack(HOUKATSU)
    named.chat.names[HOUKATSU] = "包括 架空一郎（改姓）"
    values = FormValues(texts={"situation": "日中独居"})
    inputs.submit_input_form(named.ctx, Actor(HOUKATSU), named.item(code).id, values, "V1")
    assert _people(named)[HOUKATSU] == "包括 架空一郎（改姓）"


def test_confirmations_roles_and_registrations_store_names(bare: World) -> None:
    bare.chat.names.update(NAMES)
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    admin.setup_channel(bare.ctx, COORD, CHANNEL)
    admin.register_agency(bare.ctx, COORD, "houkatsu", "架空市中央地域包括支援センター", [HOUKATSU])
    admin.add_coordinator(bare.ctx, COORD, "U0NEWCOMER")
    # Not the coordinators of SHIEN_COORDINATORS at start-up: the bot would ask Slack about
    # them before their accounts may exist (the gateway caches a failure as deactivated).
    assert _people(bare) == {HOUKATSU: "包括 架空一郎", "U0NEWCOMER": "新任 架空七子"}
    assert [
        q for q in bare.chat.queries if q.subject == COORDINATOR and q.method == "display_name"
    ] == []

    bare.chat.names[COORDINATOR] = "事務局 架空花子（係長）"
    code = bare.new_case("houkatsu")
    bare.collecting(code)
    bare.ack(COORDINATOR)
    assert _people(bare)[COORDINATOR] == "事務局 架空花子（係長）"
    bare.chat.names[COORDINATOR] = "事務局 架空花子（課長）"
    decisions.assign_role(bare.ctx, COORD, CHANNEL, code, "houkatsu", "見守り", None, True)
    assert _people(bare)[COORDINATOR] == "事務局 架空花子（課長）"


def test_nothing_is_stored_when_the_platform_knows_no_name(named: World) -> None:
    code = named.new_case("houkatsu")
    named.collecting(code)
    named.ack(HOUKATSU)
    named.chat.names[HOUKATSU] = HOUKATSU  # the adapter's answer when it knows no name
    _reply(named, code, "2.1", HOUKATSU, "包括で見守り中")
    assert _people(named)[HOUKATSU] == "包括 架空一郎"  # the name learnt earlier is kept
    assert len(named.inputs()) == 1


def test_a_failing_name_lookup_never_costs_an_input(named: World) -> None:
    code = named.new_case("houkatsu")
    named.collecting(code)
    named.ack(HOUKATSU)

    def refuse(user_id: str) -> str:
        raise RuntimeError("users.info failed")

    named.chat.display_name = refuse  # type: ignore[method-assign]
    _reply(named, code, "2.1", HOUKATSU, "包括で見守り中")
    assert [i.text for i in named.inputs()] == ["包括で見守り中"]


def test_a_disguised_name_is_cleaned_and_capped(named: World) -> None:
    named.chat.names["U0NEWCOMER"] = "\u202e新任\u200b 架空七子\x07" + "子" * 500
    with named.ctx.uow() as uow:
        learnt = remember_name(named.ctx, uow, "U0NEWCOMER")
        uow.commit()
    assert learnt is not None and learnt.startswith("新任 架空七子子") and len(learnt) == 200
    assert _people(named)["U0NEWCOMER"] == learnt


def test_documents_name_people_from_the_database_without_asking_the_chat(named: World) -> None:
    code = named.new_case("houkatsu", "csw")
    named.collecting(code)
    for user_id in (COORDINATOR, HOUKATSU, CSW):
        named.ack(user_id)
    _reply(named, code, "2.1", HOUKATSU, "包括で見守り中")
    _reply(named, code, "2.2", CSW, "社協で家計相談中")

    # The terminal: no chat platform at all.
    terminal = replace(named.ctx, chat=OfflineChat())
    documents.minutes_document(terminal, Actor("operator:jimu"), None, MEETING_DAY)
    [view] = named.fakes.renderer.minutes
    assert {a.person for a in view.acknowledgements} == {
        "事務局 架空花子",
        "包括 架空一郎",
        "CSW 架空四郎",
    }
    assert [i.author for i in view.cases[0].inputs] == ["包括 架空一郎", "CSW 架空四郎"]
    assert view.author == "operator:jimu"

    # In chat, too, a stored name is not asked again: the database is the source.
    named.chat.queries.clear()
    named.chat.names[HOUKATSU] = "包括 別名"
    documents.deliver_minutes(named.ctx, COORD, CHANNEL, MEETING_DAY)
    view = named.fakes.renderer.minutes[-1]
    assert "包括 架空一郎" in {a.person for a in view.acknowledgements}
    assert view.author == "事務局 架空花子"
    assert [q for q in named.chat.queries if q.method == "display_name"] == []


def test_someone_never_stored_is_asked_once_and_remembered(named: World) -> None:
    with named.ctx.uow() as uow:
        names = Names(named.ctx, uow)
        assert names("U0NEWCOMER") == names("U0NEWCOMER") == "新任 架空七子"
        uow.commit()
    assert [q.subject for q in named.chat.queries if q.method == "display_name"] == ["U0NEWCOMER"]
    assert _people(named)["U0NEWCOMER"] == "新任 架空七子"
    with named.ctx.uow() as uow:
        offline = Names(replace(named.ctx, chat=OfflineChat()), uow)
        assert offline("U0OUTSIDER") == "U0OUTSIDER"  # the terminal shows the ID
    assert "U0OUTSIDER" not in _people(named)
