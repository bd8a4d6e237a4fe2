"""Building merchant situations through the actions, as the credit centre and a keeper would."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from cunxin import conftest
from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.cards.identify import Customer, identify, issue_code
from cunxin.conftest import PASSWORD, World
from cunxin.coupons.tests.helpers import convert
from cunxin.merchants.actions.merchants import (
    do_apply_merchant,
    do_approve_merchant,
)
from cunxin.merchants.actions.sales import do_sell
from cunxin.merchants.models import Merchant, Sale

NOODLES = conftest.NOODLES
LICENCE = conftest.NOODLES_LICENCE
LICENCE_C = "911100001000013155"[:17] + "J"
DISCOUNTS = conftest.NOODLES_DISCOUNTS


def noodle_shop(w: World) -> Merchant:
    """老王面馆 of the world, serving 李营 town: applied for by keeper_a, approved by the clerk,
    AAA 10% / AA 5% off, cashier_a selling there too."""
    return Merchant.objects.get(name=NOODLES)


def keeper_c(w: World) -> User:
    """A keeper of 唐口村 (the other town)."""
    if "keeper_c" not in w.users:
        user = do_create_user(
            phone="13800000031",
            name="商家店员",
            password=PASSWORD,
            role=Role.KEEPER,
            region=w.village_c,
            acting_user=w.admin,
        )
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.refresh_from_db()
        w.users["keeper_c"] = user
    return w.users["keeper_c"]


def other_town_shop(w: World) -> Merchant:
    """A merchant of the other town, staffed by keeper_c."""
    found = Merchant.objects.filter(name="唐口小卖部").first()
    if found is not None:
        return found
    merchant = do_apply_merchant(
        w.town2,
        name="唐口小卖部",
        address="唐口村",
        licence_no=LICENCE_C,
        phone="13905371999",
        acting_user=keeper_c(w),
    )
    return do_approve_merchant(merchant, acting_user=w.clerk2)


def zhang_with_coupons(w: World) -> None:
    """张三 at grade AA (score 1040) with 200 yuan of coupons (20 points converted)."""
    convert(w, "张三", points=20, grant_first=40)


def code_for(w: World, name: str = "张三") -> str:
    code, _expires = issue_code(w.resident(name))
    return code


def customer(w: World, name: str = "张三", acting_user: User | None = None) -> Customer:
    return identify(code=code_for(w, name), acting_user=acting_user or w.keeper_a)


def sold(w: World, amount_fen: int = 5000, coupon_fen: int | None = None) -> Sale:
    """张三 (AA, coupons) pays at the noodle shop by pay code."""
    merchant = noodle_shop(w)
    if not Sale.objects.exists():
        zhang_with_coupons(w)
    return do_sell(
        merchant,
        customer(w),
        amount_fen=amount_fen,
        coupon_fen=coupon_fen,
        client_id=uuid.uuid4(),
        acting_user=w.keeper_a,
    )


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def age_to_last_month(*sales: Sale) -> None:
    """Move sales into last month (there is no clock to turn back; only the date changes)."""
    when = timezone.make_aware(datetime.datetime.combine(last_month(), datetime.time(12)))
    Sale.objects.filter(pk__in=[s.pk for s in sales]).update(created_at=when)
