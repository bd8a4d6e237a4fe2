"""Shops and merchants that existed before units get their units, and their keepers and staff
become roles in those units, by the data migrations (shop 0003, merchants 0003)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import Perm, Role
from cunxin.core.scoping import may
from cunxin.merchants.models import Merchant
from cunxin.shop.models import Shop
from cunxin.units.models import Unit, UnitKind

BEFORE = [("shop", "0001_initial"), ("merchants", "0001_initial")]
AFTER = [("shop", "0004_shop_unit_required"), ("merchants", "0004_merchant_unit_required")]


@pytest.fixture(autouse=True)
def _todays_schema() -> Iterator[None]:
    """Each test leaves the database at the latest migration of every app, as it found it:
    the tests after it (in the same worker) need today's tables, not the ones of ``AFTER``."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _old_world(apps: Any) -> dict[str, int]:
    """Before units: a town and village, a keeper still holding their village role, one whose
    role was revoked, a shop both kept, and a merchant both staffed."""
    Region = apps.get_model("regions", "Region")
    User = apps.get_model("accounts", "User")
    Assignment = apps.get_model("accounts", "RoleAssignment")
    Shop = apps.get_model("shop", "Shop")
    Keeper = apps.get_model("shop", "ShopKeeper")
    Merchant = apps.get_model("merchants", "Merchant")
    Staff = apps.get_model("merchants", "MerchantStaff")
    town = Region.objects.create(code="370811009000", name="李营街道", level=4)
    village = Region.objects.create(code="370811009201", name="前双村", level=5, parent=town)
    kept = User.objects.create(phone="13800000101", name="在岗店主", home_region_code=village.code)
    gone = User.objects.create(phone="13800000102", name="离岗店主", home_region_code=village.code)
    Assignment.objects.create(user=kept, role="keeper", region=village, active=True)
    Assignment.objects.create(user=gone, role="keeper", region=village, active=False)
    shop = Shop.objects.create(village=village, name="前双村信用超市")
    merchant = Merchant.objects.create(
        region=town,
        name="老王面馆",
        address="村口",
        licence_no="91110000802100433B",
        phone="05371234567",
        status="active",
        applied_by=kept,
    )
    for user in (kept, gone):
        Keeper.objects.create(shop=shop, user=user, added_by=kept)
        Staff.objects.create(merchant=merchant, user=user)
    return {"kept": kept.pk, "gone": gone.pk, "shop": shop.pk, "merchant": merchant.pk}


@pytest.mark.django_db(transaction=True)
def test_existing_keepers_and_staff_become_roles_in_their_units() -> None:
    ids = _old_world(_migrate(BEFORE))
    _migrate(AFTER)

    shop = Shop.objects.select_related("unit").get(pk=ids["shop"])
    merchant = Merchant.objects.select_related("unit").get(pk=ids["merchant"])
    assert (shop.unit.kind, shop.unit.name, shop.unit.region_id) == (
        UnitKind.SHOP,
        shop.name,
        shop.village_id,
    )
    assert (merchant.unit.kind, merchant.unit.region_id) == (UnitKind.MERCHANT, merchant.region_id)
    assert shop.unit.path == f"{shop.unit.pk:08d}/"
    assert Unit.objects.count() == 2

    def roles(role: Role, unit: Unit) -> dict[int, bool]:
        rows = RoleAssignment.objects.filter(role=role, unit=unit)
        return dict(rows.values_list("user_id", "active"))

    # The keeper still in post keeps working; the one whose village role ended could not redeem
    # or sell before, and the role they are given is already ended.
    assert roles(Role.SHOP_KEEPER, shop.unit) == {ids["kept"]: True, ids["gone"]: False}
    assert roles(Role.CASHIER, merchant.unit) == {ids["kept"]: True, ids["gone"]: False}
    kept = User.objects.get(pk=ids["kept"])
    gone = User.objects.get(pk=ids["gone"])
    assert may(kept, Perm.REDEEM, shop)
    assert may(kept, Perm.SELL, merchant)
    assert not may(gone, Perm.REDEEM, shop)
    assert not may(gone, Perm.SELL, merchant)


@pytest.mark.django_db(transaction=True)
def test_the_migration_can_be_undone_back_to_membership_rows() -> None:
    ids = _old_world(_migrate(BEFORE))
    _migrate(AFTER)
    apps = _migrate(BEFORE)
    Keeper = apps.get_model("shop", "ShopKeeper")
    Staff = apps.get_model("merchants", "MerchantStaff")
    # Only the roles still held come back as memberships; units and unit roles are gone.
    assert list(Keeper.objects.values_list("user_id", flat=True)) == [ids["kept"]]
    assert list(Staff.objects.values_list("user_id", flat=True)) == [ids["kept"]]
    assert not Unit.objects.exists()
