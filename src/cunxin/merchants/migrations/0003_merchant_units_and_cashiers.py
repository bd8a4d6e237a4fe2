"""Every merchant gets its unit; every staff member becomes the cashier role in that unit.

Frozen here (not imported from the live code): a unit's path is its id as 8 digits and "/";
a region's prefix is 6 digits for a county and 9 for a town. Staff who no longer held the keeper
role in a village the merchant serves could not sell, so their role is carried over already
ended.
"""

from typing import Any

from django.db import migrations

PREFIX = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


def _segment(pk: int) -> str:
    return f"{pk:08d}/"


def forwards(apps: Any, schema_editor: Any) -> None:
    Merchant = apps.get_model("merchants", "Merchant")
    MerchantStaff = apps.get_model("merchants", "MerchantStaff")
    Unit = apps.get_model("units", "Unit")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for merchant in Merchant.objects.filter(unit__isnull=True).order_by("pk"):
        unit = Unit.objects.create(
            name=merchant.name,
            kind="merchant",
            region_id=merchant.region_id,
            path=_segment(0),
            active=True,
            created_at=merchant.applied_at,
        )
        Unit.objects.filter(pk=unit.pk).update(path=_segment(unit.pk))
        Merchant.objects.filter(pk=merchant.pk).update(unit=unit)
    for staff in MerchantStaff.objects.select_related("merchant__region").order_by("pk"):
        region = staff.merchant.region
        holds = RoleAssignment.objects.filter(
            user_id=staff.user_id,
            role="keeper",
            region__code__startswith=region.code[: PREFIX[region.level]],
            active=True,
        ).exists()
        made = RoleAssignment.objects.create(
            user_id=staff.user_id,
            role="cashier",
            unit_id=staff.merchant.unit_id,
            active=holds,
            created_by_id=None,
        )
        RoleAssignment.objects.filter(pk=made.pk).update(created_at=staff.added_at)


def backwards(apps: Any, schema_editor: Any) -> None:
    Merchant = apps.get_model("merchants", "Merchant")
    MerchantStaff = apps.get_model("merchants", "MerchantStaff")
    Unit = apps.get_model("units", "Unit")
    RoleAssignment = apps.get_model("accounts", "RoleAssignment")
    for role in RoleAssignment.objects.filter(role="cashier", active=True).order_by("pk"):
        merchant = Merchant.objects.get(unit_id=role.unit_id)
        MerchantStaff.objects.get_or_create(merchant=merchant, user_id=role.user_id)
    RoleAssignment.objects.filter(role="cashier").delete()
    Merchant.objects.update(unit=None)
    Unit.objects.filter(kind="merchant").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("merchants", "0002_merchant_unit"),
        ("accounts", "0003_roleassignment_unit"),
        ("units", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
