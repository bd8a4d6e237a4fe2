"""The one question on both axes: ``may``/``require`` for one place and ``restrict`` for a
list agree, reach a unit's descendants only where the table says so, stop at an inactive unit,
and never cross from regions to units or back."""

from __future__ import annotations

import pytest

from cunxin.accounts.actions import do_create_user, do_grant_role, do_revoke_role
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm, Role
from cunxin.conftest import ENFORCEMENT, HOUSING, HOUSING_OFFICE, PASSWORD, World
from cunxin.core.errors import Forbidden
from cunxin.core.models import AuditEntry
from cunxin.core.scoping import Scope, may, require, scope_of
from cunxin.merchants.models import Merchant
from cunxin.people.models import Resident
from cunxin.regions.models import Region
from cunxin.shop.actions.redeem import may_redeem
from cunxin.shop.models import Shop
from cunxin.units.actions import do_create_unit, do_set_unit_active
from cunxin.units.models import Unit, UnitKind

COUNTY = "370811000000"


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _seen(user: object) -> set[str]:
    return set(Unit.objects.restrict(user, Perm.VIEW_UNITS).values_list("name", flat=True))


def _person(
    w: World,
    key: str,
    phone: str,
    role: Role,
    *,
    region: Region | None = None,
    unit: Unit | None = None,
) -> User:
    user = do_create_user(
        phone=phone,
        name=key,
        password=PASSWORD,
        role=role,
        region=region,
        unit=unit,
        acting_user=w.admin,
    )
    w.users[key] = user
    return user


def test_a_scope_tells_a_unit_from_its_descendants_and_from_a_longer_id() -> None:
    tree = Scope(unit_paths=frozenset({"00000001/"}))
    alone = Scope(unit_exact=frozenset({"00000001/"}))
    assert tree.covers(unit="00000001/00000002/")
    assert not alone.covers(unit="00000001/00000002/")
    assert alone.covers(unit="00000001/")
    assert tree.covers(unit="00000001/")
    # The "/" ends every segment: unit 1 is not a prefix of unit 10.
    assert not Scope(unit_paths=frozenset({"1/"})).covers(unit="10/")
    assert not tree.covers(region="370811009201")
    assert not Scope(region_prefixes=frozenset({"370811"})).covers(unit="00000001/")


def test_a_leader_reaches_the_sub_units_and_a_handler_only_their_own(world: World) -> None:
    housing = _unit(HOUSING)
    leader = _person(world, "住建局局长", "13800000021", Role.LEADER, unit=housing)
    assert _seen(leader) == {HOUSING, HOUSING_OFFICE}
    assert _seen(world.handler_a) == {HOUSING}
    assert _seen(world.handler_b) == {ENFORCEMENT}
    office = _unit(HOUSING_OFFICE)
    assert may(leader, Perm.VIEW_UNITS, office)
    assert may(leader, Perm.VIEW_UNITS, unit=office)
    assert not may(world.handler_a, Perm.VIEW_UNITS, office)
    assert may(world.handler_a, Perm.VIEW_UNITS, housing)
    assert not may(world.handler_b, Perm.VIEW_UNITS, housing)
    with pytest.raises(Forbidden) as refused:
        require(world.handler_b, Perm.VIEW_UNITS, housing)
    assert refused.value.code == "forbidden"
    require(world.handler_a, Perm.VIEW_UNITS, unit=housing)


def test_a_role_in_an_inactive_unit_reaches_nothing(world: World) -> None:
    housing = _unit(HOUSING)
    leader = _person(world, "住建局局长", "13800000021", Role.LEADER, unit=housing)
    do_set_unit_active(housing, active=False, reason="机构改革", acting_user=world.admin)
    # The sub-unit went with it.
    assert not _unit(HOUSING_OFFICE).active
    for user in (User.objects.get(pk=leader.pk), User.objects.get(pk=world.handler_a.pk)):
        assert _seen(user) == set()
        assert not may(user, Perm.VIEW_UNITS, housing)
        assert not may(user, Perm.VIEW_UNITS)
    # A keeper of a shop whose unit is closed no longer redeems there.
    shop = Shop.objects.select_related("unit").get(name="前双村信用超市")
    assert may_redeem(world.keeper_a, shop)
    Unit.objects.filter(pk=shop.unit_id).update(active=False)
    assert not may_redeem(User.objects.get(pk=world.keeper_a.pk), shop)


def test_region_roles_reach_no_unit_and_unit_roles_no_region(world: World) -> None:
    county_centre = _person(
        world, "县信用中心科员", "13800000022", Role.CENTRE, region=Region.objects.get(code=COUNTY)
    )
    housing = _unit(HOUSING)
    # The county's centre reads the county's units through their region, not through the unit:
    # asked about the unit alone (an appeal dispatched there, located elsewhere), it is refused.
    assert may(county_centre, Perm.VIEW_UNITS, housing)
    assert not may(county_centre, Perm.VIEW_UNITS, unit=housing)
    outside = do_create_unit(name="供电公司", kind=UnitKind.OUTSIDE, acting_user=world.admin)
    assert outside.region is None
    assert HOUSING in _seen(county_centre)
    assert "供电公司" not in _seen(county_centre)
    assert "供电公司" in _seen(world.admin)
    # A handler's unit is tied to the county, but the handler reaches none of its regions,
    # people or audit trail of region rows.
    handler = world.handler_a
    assert not may(handler, Perm.VIEW_UNITS, COUNTY)
    assert not Region.objects.restrict(handler, Perm.VIEW_UNITS).exists()
    assert not any(may(handler, perm, COUNTY) for perm in Perm)
    assert not Resident.objects.restrict(handler, Perm.VIEW_PEOPLE).exists()
    assert not scope_of(handler, Perm.VIEW_UNITS).region_prefixes


def test_may_agrees_with_restrict_for_every_persona_permission_and_row(world: World) -> None:
    do_grant_role(
        world.handler_b,
        role=Role.LEADER,
        region=None,
        unit=_unit(HOUSING),
        acting_user=world.admin,
    )
    rows = [*Unit.objects.all(), *Shop.objects.all(), *Merchant.objects.all()]
    for key in world.users:
        user = User.objects.get(pk=world.users[key].pk)
        for perm in Perm:
            for model in (Unit, Shop, Merchant):
                inside = set(model.objects.restrict(user, perm).values_list("pk", flat=True))
                for row in rows:
                    if isinstance(row, model):
                        assert may(user, perm, row) == (row.pk in inside), (key, perm, row)


def test_without_a_place_may_asks_whether_the_permission_is_held_anywhere(world: World) -> None:
    assert may(world.villager_a, Perm.VIEW_RECORDS)
    assert not may(world.villager_a, Perm.VIEW_RECORDS, beyond_self=True)
    assert may(world.handler_a, Perm.VIEW_UNITS, beyond_self=True)
    assert not may(world.clerk, Perm.MANAGE_UNITS, everywhere=True)
    assert may(world.admin, Perm.MANAGE_UNITS, everywhere=True)
    assert not may(None, Perm.VIEW_UNITS)
    world.handler_a.is_active = False
    assert not may(world.handler_a, Perm.VIEW_UNITS, _unit(HOUSING))


def test_ending_a_keepers_village_role_ends_their_shop_and_counter_roles(world: World) -> None:
    shop = Shop.objects.get(name="前双村信用超市")
    merchant = Merchant.objects.get(name="老王面馆")
    assert may(world.keeper_a, Perm.REDEEM, shop)
    assert may(world.keeper_a, Perm.SELL, merchant)
    village_role = world.keeper_a.assignments.get(role=Role.KEEPER)
    do_revoke_role(village_role, acting_user=world.clerk, reason="离职")
    keeper = User.objects.get(pk=world.keeper_a.pk)
    assert not may(keeper, Perm.REDEEM, shop)
    assert not may(keeper, Perm.SELL, merchant)
    entry = AuditEntry.objects.filter(action="accounts.revoke_role").latest("pk")
    assert entry.after is not None
    assert entry.after["roles"] == []
    # The cashier who holds their own village role keeps selling.
    assert may(world.cashier_a, Perm.SELL, merchant)
