"""Many keepers redeeming for one villager at the same moment never overspend.

Fifty threads (each with its own database connection, as fifty requests would have) wait at a
barrier and then redeem one 10-point item each for a villager with exactly 100 spendable
points. The villager's account lock and ``must_cover`` make exactly ten succeed; the other
forty are told in Chinese that the points are not enough, and the books stay sound.

It needs PostgreSQL: SQLite's test database is in memory and runs one writer at a time.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connection

from cunxin.conftest import World, running_on_postgres
from cunxin.core.errors import DomainError
from cunxin.ledger.checks import check_ledger
from cunxin.shop.actions.catalogue import GoodsData, do_create_goods
from cunxin.shop.actions.redeem import do_redeem
from cunxin.shop.models import Goods, Redemption, StockMove
from cunxin.shop.tests.helpers import card, grant, shop_a, spendable

TRIES = 50
ROOM = 10


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_fifty_redemptions_at_once_spend_exactly_the_points_there_are(
    policy_world: World,
) -> None:
    w = policy_world
    shop = shop_a(w)
    soap = do_create_goods(
        shop, GoodsData(name="肥皂", price=10), stock=TRIES, acting_user=w.committee_a
    )
    zhang = w.resident("张三")
    grant(zhang, ROOM * soap.price)
    start = threading.Barrier(TRIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def redeem() -> None:
        try:
            start.wait(timeout=60)
            do_redeem(
                shop, card(zhang), [(soap, 1)], client_id=uuid.uuid4(), acting_user=w.keeper_a
            )
            result = "ok"
        except DomainError as exc:
            result = f"{exc.code}:{exc}"
        except Exception as exc:  # anything else is a failure of the test, reported below
            result = f"crash:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=redeem) for _ in range(TRIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    counts = Counter(o.split(":", 1)[0] for o in outcomes)
    assert counts == {"ok": ROOM, "insufficient_points": TRIES - ROOM}, outcomes
    assert all("可用积分不足" in o for o in outcomes if o != "ok")
    assert Redemption.objects.count() == ROOM
    assert spendable(zhang) == 0
    assert Goods.objects.get(pk=soap.pk).stock == TRIES - ROOM
    assert StockMove.objects.filter(goods=soap, reason="redeem").count() == ROOM
    assert check_ledger() == []
