"""The database itself keeps a role on one axis and a unit's path in shape: rows written past
the actions (``create``, ``update``) are refused."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from cunxin.accounts.actions import do_grant_role
from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Role
from cunxin.conftest import HOUSING, World
from cunxin.core.errors import DomainError
from cunxin.shop.models import Shop
from cunxin.units.models import Unit, UnitKind


def _refused(**fields: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(**fields)


def test_the_database_holds_a_role_in_exactly_one_region_or_unit(world: World) -> None:
    housing = Unit.objects.get(name=HOUSING)
    user = world.handler_b
    _refused(user=user, role=Role.HANDLER, region=world.town, unit=housing)
    _refused(user=user, role=Role.HANDLER, region=None, unit=None)
    _refused(user=user, role=Role.COLLECTOR, region=None, unit=None)
    # The platform admin alone holds a role in neither: everything.
    RoleAssignment.objects.create(user=user, role=Role.ADMIN, region=None, unit=None)


def test_the_database_keeps_each_role_on_its_own_axis(world: World) -> None:
    housing = Unit.objects.get(name=HOUSING)
    user = world.handler_b
    _refused(user=user, role=Role.COLLECTOR, unit=housing)
    _refused(user=user, role=Role.HANDLER, region=world.village_a)
    _refused(user=user, role="warden", region=world.village_a)
    held = world.handler_a.assignments.get(role=Role.HANDLER)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.filter(pk=held.pk).update(region=world.town)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.filter(pk=held.pk).update(unit=None)


def test_one_active_role_per_person_and_unit(world: World) -> None:
    housing = Unit.objects.get(name=HOUSING)
    _refused(user=world.handler_a, role=Role.HANDLER, unit=housing)
    RoleAssignment.objects.create(
        user=world.handler_a, role=Role.HANDLER, unit=housing, active=False
    )


def test_the_database_refuses_a_bad_path_and_a_town_government_without_a_town(
    world: World,
) -> None:
    housing = Unit.objects.get(name=HOUSING)
    for path in ("", "abc/", "00000001", "00000001//"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Unit.objects.filter(pk=housing.pk).update(path=path)
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="李营街道办事处", kind=UnitKind.TOWN_GOVERNMENT, path="00000099/")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.filter(pk=housing.pk).update(parent=housing)


def test_the_actions_say_in_words_where_a_role_is_held(world: World) -> None:
    housing = Unit.objects.get(name=HOUSING)
    shop_unit = Shop.objects.get(name="前双村信用超市").unit

    def code(**place: object) -> str:
        with pytest.raises(DomainError) as caught:
            do_grant_role(world.handler_b, acting_user=world.admin, **place)  # type: ignore[arg-type]
        return caught.value.code

    assert code(role=Role.HANDLER, region=world.town) == "role_needs_unit"
    assert code(role=Role.COLLECTOR, region=None, unit=housing) == "role_needs_region"
    assert code(role=Role.HANDLER, region=None, unit=shop_unit) == "role_unit_kind"
    assert code(role=Role.HANDLER, region=world.town, unit=housing) == "region_or_unit"
    # A shop keeper is first a keeper of the shop's village.
    assert code(role=Role.SHOP_KEEPER, region=None, unit=shop_unit) == "role_needs_base"
