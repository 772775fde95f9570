"""Setting up: coordinators, meeting channels, agencies and their members."""

from __future__ import annotations

import pytest
from services_world import (
    CHANNEL,
    COORD,
    COORDINATOR,
    CSW,
    HOUKATSU,
    HOUKATSU_NAME,
    NOW,
    OUTSIDER,
    World,
)

from bot import texts
from bot.domain.errors import DomainError, InvalidValue, NotFound
from bot.domain.model import AuditAction, ChannelFacts, Coordinator
from bot.services import admin
from bot.services.access import Actor, PermissionDenied
from bot.services.chat import mention

# --------------------------------------------------------------------------- coordinators


def test_settings_make_coordinators_once(bare: World) -> None:
    admin.ensure_coordinators(bare.ctx, [COORDINATOR, "U0SECOND"])
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    added = bare.audit(AuditAction.COORDINATOR_ADDED)
    assert [(e.actor, e.target_id, e.detail) for e in added] == [
        ("system", COORDINATOR, "source=settings"),
        ("system", "U0SECOND", "source=settings"),
    ]


def test_settings_restore_a_removed_coordinator(bare: World) -> None:
    with bare.ctx.uow() as uow:
        removed = Coordinator(COORDINATOR, "system", NOW, removed_at=NOW)
        uow.coordinators.add(removed)
        uow.commit()
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    with bare.ctx.uow() as uow:
        restored = uow.coordinators.get(COORDINATOR)
    assert restored is not None and restored.active
    assert len(bare.audit(AuditAction.COORDINATOR_ADDED)) == 1


def test_a_coordinator_adds_a_coordinator(world: World) -> None:
    answer = admin.add_coordinator(world.ctx, COORD, "U0NEWJIMU")
    assert answer == f"{mention('U0NEWJIMU')} さんを事務局（コーディネーター）に追加しました。"
    [event] = world.audit()
    assert (event.action, event.actor, event.target_id) == (
        AuditAction.COORDINATOR_ADDED,
        COORDINATOR,
        "U0NEWJIMU",
    )
    assert "すでに" in admin.add_coordinator(world.ctx, COORD, "U0NEWJIMU")
    assert len(world.audit()) == 1


def test_a_removed_coordinator_is_restored(world: World) -> None:
    with world.ctx.uow() as uow:
        uow.coordinators.add(Coordinator("U0FORMER", COORDINATOR, NOW, removed_at=NOW))
        uow.commit()
    assert "追加しました" in admin.add_coordinator(world.ctx, COORD, "U0FORMER")
    with world.ctx.uow() as uow:
        again = uow.coordinators.get("U0FORMER")
    # Restoring keeps the original record (who added them first); the audit row says who now.
    assert again is not None and again.active and again.added_by == COORDINATOR
    assert [e.actor for e in world.audit(AuditAction.COORDINATOR_ADDED)] == [COORDINATOR]


def test_an_inactive_account_is_not_made_coordinator(world: World) -> None:
    world.chat.deactivated.add("U0GONE")
    answer = admin.add_coordinator(world.ctx, COORD, "U0GONE")
    assert "無効" in answer
    assert world.audit() == []


def test_a_malformed_user_id_is_refused_before_anything(world: World) -> None:
    with pytest.raises(InvalidValue, match="形式"):
        admin.add_coordinator(world.ctx, COORD, "<@U0X>")
    assert world.audit() == []


@pytest.mark.parametrize("actor", [HOUKATSU, OUTSIDER])
def test_only_coordinators_add_coordinators(world: World, actor: str) -> None:
    with pytest.raises(PermissionDenied) as raised:
        admin.add_coordinator(world.ctx, Actor(actor), actor)
    assert raised.value.message == texts.ACCESS.coordinator_only
    [denied] = world.audit()
    assert (denied.action, denied.actor, denied.allowed) == (
        AuditAction.ACCESS_DENIED,
        actor,
        False,
    )
    assert (denied.target_type, denied.target_id, denied.detail) == (
        "command",
        "coordinator.add",
        "reason=not_coordinator",
    )


def test_a_coordinator_whose_account_is_deactivated_is_refused(world: World) -> None:
    world.chat.deactivated.add(COORDINATOR)
    with pytest.raises(PermissionDenied):
        admin.add_coordinator(world.ctx, COORD, "U0NEWJIMU")
    assert [e.detail for e in world.denials()] == ["reason=not_coordinator"]
    with world.ctx.uow() as uow:
        assert uow.coordinators.get("U0NEWJIMU") is None


def test_a_refusal_keeps_nothing_of_the_refused_work(world: World) -> None:
    admin.add_coordinator(world.ctx, COORD, "U0NEWJIMU")
    with pytest.raises(PermissionDenied):
        admin.register_agency(world.ctx, Actor("U0NOBODY"), "kodomo", "子ども家庭センター", [])
    with world.ctx.uow() as uow:
        assert uow.agencies.by_key("kodomo") is None
    assert world.actions() == ["coordinator.added", "access.denied"]


# --------------------------------------------------------------------------- channels


def test_setting_up_a_private_channel(bare: World) -> None:
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    bare.mark()
    answer = admin.setup_channel(bare.ctx, COORD, CHANNEL)
    assert "会議チャンネルに設定しました" in answer
    assert [(e.action, e.target_id) for e in bare.audit()] == [(AuditAction.CHANNEL_SETUP, CHANNEL)]
    assert admin.setup_channel(bare.ctx, COORD, CHANNEL) == (
        "このチャンネルはすでに会議チャンネルとして設定されています。"
    )
    assert len(bare.audit()) == 1
    # Slack is asked about the channel between transactions, never inside one.
    facts = [q for q in bare.chat.queries if q.method == "channel_facts"]
    assert facts and not any(q.in_transaction for q in facts)


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        (ChannelFacts(is_private=False, is_shared_externally=False), "公開チャンネル"),
        (ChannelFacts(is_private=True, is_shared_externally=True), "外部の組織と共有"),
    ],
)
def test_public_or_shared_channels_are_refused(bare: World, facts: ChannelFacts, why: str) -> None:
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    bare.mark()
    bare.chat.facts["C0PUBLIC"] = facts
    with pytest.raises(DomainError, match=why):
        admin.setup_channel(bare.ctx, COORD, "C0PUBLIC")
    assert bare.audit() == []
    with bare.ctx.uow() as uow:
        assert uow.channels.get("C0PUBLIC") is None


def test_only_coordinators_set_up_channels(world: World) -> None:
    with pytest.raises(PermissionDenied):
        admin.setup_channel(world.ctx, Actor(HOUKATSU), "C0OTHER")
    assert [(e.target_id, e.detail) for e in world.denials()] == [
        ("setup", "reason=not_coordinator")
    ]
    assert not any(q.method == "channel_facts" for q in world.chat.queries)


# --------------------------------------------------------------------------- agencies


def test_registering_an_agency_with_members(world: World) -> None:
    answer = admin.register_agency(
        world.ctx, COORD, "Kodomo", "子ども家庭センター", ["U0KODOMO", "U0KODOMO2", "U0KODOMO"]
    )
    assert answer == (
        "関係機関「子ども家庭センター」（キー: kodomo）を登録しました。"
        f"構成員: {mention('U0KODOMO')}、{mention('U0KODOMO2')}"
    )
    assert world.actions() == ["agency.registered", "member.added", "member.added"]
    registered = world.audit(AuditAction.AGENCY_REGISTERED)[0]
    assert registered.detail == "key=kodomo"
    assert [e.detail for e in world.audit(AuditAction.MEMBER_ADDED)] == [
        "user=U0KODOMO",
        "user=U0KODOMO2",
    ]


def test_registering_again_adds_only_new_active_members(world: World) -> None:
    world.chat.deactivated.add("U0GONE")
    answer = admin.register_agency(
        world.ctx, COORD, "houkatsu", "別名", [HOUKATSU, "U0NEW", "U0GONE"]
    )
    assert answer == (
        f"関係機関「{HOUKATSU_NAME}」（キー: houkatsu）はすでに登録済みです。"
        f"追加した構成員: {mention('U0NEW')}"
    )
    assert world.actions() == ["member.added"]


def test_registering_without_members_says_none(world: World) -> None:
    answer = admin.register_agency(world.ctx, COORD, "kodomo", "子ども家庭センター", [])
    assert answer.endswith("構成員: なし")


def test_a_removed_member_is_restored_by_registering_again(world: World) -> None:
    admin.remove_member(world.ctx, COORD, "csw", CSW)
    world.mark()
    admin.register_agency(world.ctx, COORD, "csw", "", [CSW])
    assert [e.detail for e in world.audit(AuditAction.MEMBER_ADDED)] == [f"user={CSW}"]
    with world.ctx.uow() as uow:
        agency = uow.agencies.by_key("csw")
        assert agency is not None
        membership = uow.memberships.get(agency.id, CSW)
    assert membership is not None and membership.active and membership.removed_by is None


@pytest.mark.parametrize(
    ("key", "name", "members", "error"),
    [
        ("1bad", "名称", [], "機関キー「1bad」は使えません"),
        ("kodomo", "  ", [], "機関の名称を入力してください"),
        ("kodomo", "名称", ["not a user"], "形式が正しくありません"),
    ],
)
def test_bad_agency_registrations(
    world: World, key: str, name: str, members: list[str], error: str
) -> None:
    with pytest.raises(InvalidValue, match=error):
        admin.register_agency(world.ctx, COORD, key, name, members)
    assert world.audit() == []
    with world.ctx.uow() as uow:
        assert uow.agencies.by_key("kodomo") is None


def test_only_coordinators_register_agencies(world: World) -> None:
    with pytest.raises(PermissionDenied):
        admin.register_agency(world.ctx, Actor(CSW), "kodomo", "子ども家庭センター", [CSW])
    assert [(e.actor, e.target_id) for e in world.denials()] == [(CSW, "agency.add")]


def test_removing_a_member(world: World) -> None:
    answer = admin.remove_member(world.ctx, COORD, "houkatsu", HOUKATSU)
    assert answer == f"{mention(HOUKATSU)} さんを「{HOUKATSU_NAME}」の構成員から外しました。"
    [removed] = world.audit()
    assert (removed.action, removed.detail) == (AuditAction.MEMBER_REMOVED, f"user={HOUKATSU}")
    again = admin.remove_member(world.ctx, COORD, "houkatsu", HOUKATSU)
    assert again == f"{mention(HOUKATSU)} さんは「{HOUKATSU_NAME}」の構成員ではありません。"
    assert len(world.audit()) == 1


def test_removing_from_an_unknown_agency_names_the_known_keys(world: World) -> None:
    with pytest.raises(NotFound) as raised:
        admin.remove_member(world.ctx, COORD, "kodomo", HOUKATSU)
    assert raised.value.message == (
        "機関キー kodomo は登録されていません。登録済みのキー: csw, houkatsu"
    )


def test_only_coordinators_remove_members(world: World) -> None:
    with pytest.raises(PermissionDenied):
        admin.remove_member(world.ctx, Actor(HOUKATSU), "csw", CSW)
    assert [e.target_id for e in world.denials()] == ["agency.remove"]


def test_listing_agencies(world: World) -> None:
    admin.register_agency(world.ctx, COORD, "kodomo", "子ども家庭センター", [])
    listing = admin.list_agencies(world.ctx, COORD)
    assert listing.splitlines() == [
        "登録済みの関係機関:",
        f"• csw — 架空市社会福祉協議会: {mention(CSW)}",
        f"• houkatsu — {HOUKATSU_NAME}: {mention(HOUKATSU)}",
        "• kodomo — 子ども家庭センター: （構成員なし）",
    ]


def test_listing_agencies_when_there_are_none(bare: World) -> None:
    admin.ensure_coordinators(bare.ctx, [COORDINATOR])
    assert "まだ登録されていません" in admin.list_agencies(bare.ctx, COORD)


def test_only_coordinators_list_agencies(world: World) -> None:
    with pytest.raises(PermissionDenied):
        admin.list_agencies(world.ctx, Actor(HOUKATSU))
    assert [e.target_id for e in world.denials()] == ["agency.list"]


def test_resolving_agency_keys(world: World) -> None:
    with world.ctx.uow() as uow:
        found = admin.resolve_agencies(uow, ["CSW", "houkatsu"])
        assert [a.key for a in found] == ["csw", "houkatsu"]
        with pytest.raises(NotFound, match="kodomo, shogai"):
            admin.resolve_agencies(uow, ["kodomo", "houkatsu", "shogai"])
