"""Merchants join and leave: apply, approve or refuse, suspend and resume; staff; discounts.

A merchant opens with its unit; its staff are users holding the cashier role in that unit
(resting on their keeper role in a village the merchant serves). Every action locks the
merchant's row first, so two clerks deciding at once queue.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.actions import assign_in_unit, end_assignment
from cunxin.accounts.models import RoleAssignment
from cunxin.accounts.permissions import Perm, Role
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may, require
from cunxin.merchants.licence import clean_licence
from cunxin.merchants.models import (
    MAX_DISCOUNT_PERCENT,
    Discount,
    Merchant,
    MerchantStatus,
)
from cunxin.merchants.workflow import MERCHANTS
from cunxin.policy.models import Grade
from cunxin.regions.models import Level, Region
from cunxin.units.actions import open_owned_unit
from cunxin.units.models import UnitKind

MERCHANT_LEVELS = (Level.COUNTY, Level.TOWN)


def _text(value: str, *, field: str, limit: int, required: str | None = None) -> str:
    value = " ".join((value or "").split())
    if required is not None and not value:
        raise DomainError(f"{field}_required", required, field=field)
    if len(value) > limit:
        raise DomainError(f"{field}_too_long", _("不超过%(n)d个字。") % {"n": limit}, field=field)
    return value


def _phone(value: str) -> str:
    phone = "".join((value or "").split()).replace("-", "")
    if not phone:
        raise DomainError("phone_required", _("请填写联系电话。"), field="phone")
    if not phone.isascii() or not phone.isdigit() or not 7 <= len(phone) <= 12:
        raise DomainError(
            "phone_invalid", _("联系电话应为手机号或座机号（7至12位数字）。"), field="phone"
        )
    return phone


def _reason(reason: str, to: str) -> str:
    return MERCHANTS.clean_reason(reason, to=to)


def may_apply(user: Any, region: Region) -> bool:
    """The credit centre of the region, or a keeper of one of its villages."""
    if may(user, Perm.MANAGE_MERCHANTS, region.code):
        return True
    applying = Region.objects.restrict(user, Perm.APPLY_MERCHANT)
    return applying.filter(code__startswith=region.prefix).exists()


def may_manage(user: Any, merchant: Merchant) -> bool:
    """The credit centre of the merchant's own region (not of a village it serves)."""
    return may(user, Perm.MANAGE_MERCHANTS, merchant.region.code)


def is_staff(user: Any, merchant: Merchant) -> bool:
    """A cashier of the merchant (the cashier role in its unit), or a platform admin."""
    return may(user, Perm.SELL, unit=merchant.unit)


def cashiers_of(merchant: Merchant) -> QuerySet[RoleAssignment]:
    """The merchant's current staff: cashier roles held in its unit."""
    return RoleAssignment.objects.filter(
        unit_id=merchant.unit_id, role=Role.CASHIER, active=True
    ).select_related("user")


def _lock(merchant: Merchant) -> Merchant:
    locked: Merchant = (
        Merchant.objects.select_for_update(of=("self",))
        .select_related("region", "unit")
        .get(pk=merchant.pk)
    )
    return locked


@transaction.atomic
def do_apply_merchant(
    region: Region,
    *,
    name: str,
    address: str,
    licence_no: str,
    phone: str,
    acting_user: Any,
) -> Merchant:
    """A merchant applies to serve a town or county (a keeper for their own business, who then
    sells there; or the credit centre on the merchant's behalf); nothing sells until approved."""
    if region.level not in MERCHANT_LEVELS:
        raise DomainError(
            "merchant_region", _("合作商家服务的区域应为镇（街道）或县（区）。"), field="region"
        )
    if not may_apply(acting_user, region):
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))
    name = _text(name, field="name", limit=60, required=_("请填写商家名称。"))
    address = _text(address, field="address", limit=120, required=_("请填写地址。"))
    licence = clean_licence(licence_no)
    phone = _phone(phone)
    if Merchant.objects.filter(licence_no=licence).exists():
        raise Conflict(
            "licence_taken",
            _("这个统一社会信用代码已经登记过，请勿重复申请。"),
            field="licence_no",
        )
    unit = open_owned_unit(UnitKind.MERCHANT, name=name, region=region, acting_user=acting_user)
    merchant = Merchant(
        region=region,
        unit=unit,
        name=name,
        address=address,
        licence_no=licence,
        phone=phone,
        applied_by=acting_user,
    )
    MERCHANTS.apply(merchant, MerchantStatus.APPLIED, actor=acting_user)
    if not may_manage(acting_user, merchant):
        # A keeper applying for their own business sells there.
        assign_in_unit(acting_user, Role.CASHIER, unit, acting_user=acting_user)
    audit.record(
        acting_user,
        "merchants.apply",
        merchant,
        region_code=region.code,
        after=audit.snapshot(merchant),
    )
    return merchant


def _change_status(
    merchant: Merchant, to: str, *, reason: str, action: str, acting_user: Any
) -> Merchant:
    require(acting_user, Perm.MANAGE_MERCHANTS, merchant.region.code)
    merchant = _lock(merchant)
    transition = MERCHANTS.check(merchant, to, actor=acting_user)
    before = audit.snapshot(merchant)
    merchant.status_reason = reason
    if "decided_by" in transition.requires:
        merchant.decided_by = acting_user
        merchant.decided_at = timezone.now()
    MERCHANTS.apply(merchant, to, actor=acting_user, reason=reason, fields=["status_reason"])
    old, new = audit.changed(before, audit.snapshot(merchant))
    audit.record(
        acting_user,
        action,
        merchant,
        region_code=merchant.region.code,
        before=old,
        after=new,
        reason=reason,
    )
    return merchant


@transaction.atomic
def do_approve_merchant(merchant: Merchant, *, acting_user: Any) -> Merchant:
    """The credit centre approves an application: the merchant may sell."""
    return _change_status(
        merchant,
        MerchantStatus.ACTIVE,
        reason="",
        action="merchants.approve",
        acting_user=acting_user,
    )


@transaction.atomic
def do_refuse_merchant(merchant: Merchant, *, reason: str, acting_user: Any) -> Merchant:
    """The credit centre refuses an application, saying why."""
    return _change_status(
        merchant,
        MerchantStatus.REFUSED,
        reason=_reason(reason, MerchantStatus.REFUSED),
        action="merchants.refuse",
        acting_user=acting_user,
    )


@transaction.atomic
def do_suspend_merchant(merchant: Merchant, *, reason: str, acting_user: Any) -> Merchant:
    """Stop a merchant selling (its unsettled coupons are still settled), saying why."""
    return _change_status(
        merchant,
        MerchantStatus.SUSPENDED,
        reason=_reason(reason, MerchantStatus.SUSPENDED),
        action="merchants.suspend",
        acting_user=acting_user,
    )


@transaction.atomic
def do_resume_merchant(merchant: Merchant, *, acting_user: Any) -> Merchant:
    """Let a suspended merchant sell again."""
    return _change_status(
        merchant,
        MerchantStatus.ACTIVE,
        reason="",
        action="merchants.resume",
        acting_user=acting_user,
    )


@transaction.atomic
def do_add_staff(merchant: Merchant, user: Any, *, acting_user: Any) -> RoleAssignment:
    """Attach a keeper of a village the merchant serves (the cashier role in the merchant's
    unit); they may then sell at its counter."""
    require(acting_user, Perm.MANAGE_MERCHANTS, merchant.region.code)
    merchant = _lock(merchant)
    keeper_in_area = RoleAssignment.objects.filter(
        user=user, role=Role.KEEPER, region__code__startswith=merchant.region.prefix, active=True
    ).exists()
    if not keeper_in_area:
        raise DomainError(
            "staff_not_keeper",
            _("只能添加本商家服务区域内持有“商家”角色的账号。"),
            field="user",
        )
    if cashiers_of(merchant).filter(user=user).exists():
        raise Conflict("staff_exists", _("此人已是本商家的收银员。"), field="user")
    staff = assign_in_unit(user, Role.CASHIER, merchant.unit, acting_user=acting_user)
    audit.record(
        acting_user,
        "merchants.add_staff",
        staff,
        region_code=merchant.region.code,
        after={"merchant": merchant.pk, "user": user.pk},
    )
    return staff


@transaction.atomic
def do_remove_staff(staff: RoleAssignment, *, acting_user: Any) -> None:
    """Detach a user from the merchant's counter (the role's row stays, ended, as history)."""
    merchant = Merchant.objects.select_related("region").filter(unit_id=staff.unit_id or 0).first()
    if merchant is None:
        raise Conflict("staff_gone", _("此收银员已被移除。"))
    require(acting_user, Perm.MANAGE_MERCHANTS, merchant.region.code)
    _lock(merchant)
    if staff.role != Role.CASHIER or not end_assignment(staff):
        raise Conflict("staff_gone", _("此收银员已被移除。"))
    audit.record(
        acting_user,
        "merchants.remove_staff",
        staff,
        region_code=merchant.region.code,
        before={"merchant": merchant.pk, "user": staff.user_id},
    )


def discount_table(merchant: Merchant) -> dict[str, int]:
    """Percent off per grade, every grade present (0 where none is set)."""
    found = dict(merchant.discounts.values_list("grade", "percent_off"))
    return {g: int(found.get(g, 0)) for g in Grade.values}


@transaction.atomic
def do_set_discounts(
    merchant: Merchant, percents: dict[str, int], *, acting_user: Any
) -> dict[str, int]:
    """Set the percent off per grade (0 to 50), by the merchant's staff or the credit centre."""
    if not (may_manage(acting_user, merchant) or is_staff(acting_user, merchant)):
        raise Forbidden("forbidden", _("您没有权限修改本商家的优惠。"))
    merchant = _lock(merchant)
    table: dict[str, int] = {}
    for grade in Grade.values:
        value = percents.get(grade, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise DomainError("discount_invalid", _("优惠应为整数百分比。"), field=grade)
        if not 0 <= value <= MAX_DISCOUNT_PERCENT:
            raise DomainError(
                "discount_range",
                _("优惠应在0到%(max)d之间（百分比）。"),
                field=grade,
                params={"max": MAX_DISCOUNT_PERCENT},
            )
        table[grade] = value
    unknown = set(percents) - set(Grade.values)
    if unknown:
        raise DomainError("grade_unknown", _("未知的信用等级。"))
    before = discount_table(merchant)
    merchant.discounts.all().delete()
    Discount.objects.bulk_create(
        Discount(merchant=merchant, grade=g, percent_off=p) for g, p in table.items() if p
    )
    audit.record(
        acting_user,
        "merchants.set_discounts",
        merchant,
        region_code=merchant.region.code,
        before=before,
        after=table,
    )
    return table
