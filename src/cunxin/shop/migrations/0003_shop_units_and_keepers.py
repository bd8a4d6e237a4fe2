"""Every shop gets its unit; every keeper becomes the shop keeper role in that unit.

Frozen here (not imported from the live code): a unit's path is its id as 8 digits and "/";
a keeper who no longer held the keeper role in the shop's village could not redeem, so their
role is carried over already ended.
"""

from typing import Any

from django.db import migrations


def _segment(pk: int) -> str:
    return f"{pk:08d}/"


def forwards(apps: Any, schema_editor: Any) -> None:
    Shop = apps.get_model("shop", "Shop")
    ShopKeeper = apps.get_model("shop", "ShopKeeper")
    Unit = apps.get_model("units", "Unit")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for shop in Shop.objects.filter(unit__isnull=True).order_by("pk"):
        unit = Unit.objects.create(
            name=shop.name,
            kind="shop",
            region_id=shop.village_id,
            path=_segment(0),
            active=True,
            created_at=shop.created_at,
        )
        Unit.objects.filter(pk=unit.pk).update(path=_segment(unit.pk))
        Shop.objects.filter(pk=shop.pk).update(unit=unit)
    for keeper in ShopKeeper.objects.select_related("shop").order_by("pk"):
        holds = RoleAssignment.objects.filter(
            user_id=keeper.user_id, role="keeper", region_id=keeper.shop.village_id, active=True
        ).exists()
        made = RoleAssignment.objects.create(
            user_id=keeper.user_id,
            role="shop_keeper",
            unit_id=keeper.shop.unit_id,
            active=holds,
            created_by_id=keeper.added_by_id,
        )
        RoleAssignment.objects.filter(pk=made.pk).update(created_at=keeper.added_at)


def backwards(apps: Any, schema_editor: Any) -> None:
    Shop = apps.get_model("shop", "Shop")
    ShopKeeper = apps.get_model("shop", "ShopKeeper")
    Unit = apps.get_model("units", "Unit")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    roles = RoleAssignment.objects.filter(role="shop_keeper", active=True).order_by("pk")
    for role in roles:
        shop = Shop.objects.get(unit_id=role.unit_id)
        ShopKeeper.objects.get_or_create(
            shop=shop,
            user_id=role.user_id,
            defaults={"added_by_id": role.created_by_id or role.user_id, "added_at": role.created_at},
        )
    RoleAssignment.objects.filter(role="shop_keeper").delete()
    Shop.objects.update(unit=None)
    Unit.objects.filter(kind="shop").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("shop", "0002_shop_unit"),
        ("accounts", "0003_roleassignment_unit"),
        ("units", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
