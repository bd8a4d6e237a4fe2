"""Building shop situations for tests and the access matrix."""

from __future__ import annotations

import datetime
import uuid

from django.db import transaction
from django.utils import timezone

from cunxin.cards.identify import Customer
from cunxin.conftest import SHOP, World
from cunxin.core.images import sample_image
from cunxin.ledger.actions import TransferSpec, issuance_account_ids, post, resident_account_ids
from cunxin.ledger.models import Account, AccountKind, Currency
from cunxin.people.models import Resident
from cunxin.shop.actions.catalogue import GoodsData, do_create_goods
from cunxin.shop.actions.redeem import do_redeem
from cunxin.shop.models import Goods, Redemption, Shop

PNG = sample_image("PNG")
RICE = "东北大米5kg"
OIL = "花生油1L"


def grant(resident: Resident, points: int) -> None:
    """Give the villager points as an effective reward would: score and spendable both."""
    pairs = [(resident.pk, resident.village_id)]
    mine = resident_account_ids(pairs)
    issuance = issuance_account_ids([resident.village_id])
    with transaction.atomic():
        post(
            TransferSpec(
                key=f"test:grant:{uuid.uuid4()}",
                kind="test.grant",  # a fixture grant (cunxin.ledger.fixtures)
                village_id=resident.village_id,
                legs=(
                    (mine[(resident.pk, Currency.SCORE)], points),
                    (issuance[(resident.village_id, Currency.SCORE)], -points),
                    (mine[(resident.pk, Currency.SPENDABLE)], points),
                    (issuance[(resident.village_id, Currency.SPENDABLE)], -points),
                ),
            )
        )


def spendable(resident: Resident) -> int:
    account = Account.objects.filter(
        kind=AccountKind.RESIDENT, resident=resident, currency=Currency.SPENDABLE
    ).first()
    return account.balance if account else 0


def shop_a(w: World) -> Shop:
    """前双村's supermarket (the world's, kept by keeper_a), stocked with rice (50 points, 10
    in stock, 2 a month) and oil (30 points, 5 in stock)."""
    shop = Shop.objects.get(village=w.village_a, name=SHOP)
    if shop.goods.exists():
        return shop
    do_create_goods(
        shop, GoodsData(name=RICE, price=50, monthly_limit=2), stock=10, acting_user=w.committee_a
    )
    do_create_goods(shop, GoodsData(name=OIL, price=30), stock=5, acting_user=w.committee_a)
    return shop


def goods(shop: Shop, name: str) -> Goods:
    return Goods.objects.get(shop=shop, name=name)


def card(resident: Resident) -> Customer:
    """A customer as a card with its PIN identifies them (nothing to use up)."""
    return Customer(resident=resident, via="card")


def redeemed(w: World, name: str = "张三", points: int = 180) -> Redemption:
    """张三 (180 points) takes a bag of rice and a bottle of oil at 前双村's shop."""
    shop = shop_a(w)
    resident = w.resident(name)
    grant(resident, points)
    return do_redeem(
        shop,
        card(resident),
        [(goods(shop, RICE), 1), (goods(shop, OIL), 1)],
        client_id=uuid.uuid4(),
        acting_user=w.keeper_a,
    )


def yesterday(redemption: Redemption) -> Redemption:
    """Move a redemption back a day (as if made yesterday)."""
    Redemption.objects.filter(pk=redemption.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    redemption.refresh_from_db()
    return redemption
