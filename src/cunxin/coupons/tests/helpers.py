"""Building coupon situations for tests and the access matrix."""

from __future__ import annotations

import uuid

from django.db import transaction

from cunxin.conftest import World
from cunxin.coupons.actions.conversion import do_convert
from cunxin.coupons.models import Conversion, Coupon
from cunxin.ledger.actions import (
    TransferSpec,
    holder_account,
    issuance_account_ids,
    post,
    resident_account_ids,
)
from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.people.models import Resident


def grant(resident: Resident, points: int) -> None:
    """Give a villager points the way an effective reward record does (score and spendable)."""
    village = resident.village_id
    mine = resident_account_ids([(resident.pk, village)])
    pool = issuance_account_ids([village])
    with transaction.atomic():
        post(
            TransferSpec(
                key=f"test:grant:{uuid.uuid4()}",
                kind="test.grant",  # a fixture grant (cunxin.ledger.fixtures)
                village_id=village,
                legs=(
                    (pool[(village, Currency.SCORE)], -points),
                    (mine[(resident.pk, Currency.SCORE)], points),
                    (pool[(village, Currency.SPENDABLE)], -points),
                    (mine[(resident.pk, Currency.SPENDABLE)], points),
                ),
            )
        )


def convert(w: World, name: str = "张三", points: int = 20, grant_first: int = 0) -> Conversion:
    """``name`` converts ``points`` (granted first when asked), acting as themselves."""
    resident = w.resident(name)
    if grant_first:
        grant(resident, grant_first)
    return do_convert(resident, points, client_id=uuid.uuid4(), acting_user=w.admin)


def balance(resident: Resident, currency: str) -> int:
    account = Account.objects.filter(resident=resident, currency=currency).first()
    return account.balance if account else 0


def merchant_account(w: World) -> Account:
    return holder_account(AccountKind.MERCHANT, Currency.COUPON, w.village_a.pk, "merchant:test")


def coupons_of(resident: Resident) -> list[Coupon]:
    return list(Coupon.objects.filter(owner=resident).order_by("pk"))
