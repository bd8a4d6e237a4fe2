"""Many cashiers taking coupons from one villager at the same moment never overspend, and one
pay code pays once.

Threads (each with its own database connection, as requests would have) wait at a barrier and
then sell. It needs PostgreSQL: SQLite's test database is in memory and runs one writer at a
time.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from cunxin.cards.identify import Customer
from cunxin.conftest import World, running_on_postgres
from cunxin.core.errors import DomainError
from cunxin.coupons.spending import spendable_fen
from cunxin.ledger.checks import check_ledger
from cunxin.merchants.actions.sales import do_sell, merchant_account
from cunxin.merchants.models import Sale
from cunxin.merchants.tests.helpers import customer, noodle_shop, zhang_with_coupons

TRIES = 20


def _race(w: World, pay: Callable[[], object]) -> Counter[str]:
    start = threading.Barrier(TRIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            start.wait(timeout=60)
            pay()
            result = "ok"
        except DomainError as exc:
            result = exc.code
        except Exception as exc:  # anything else is a failure of the test, reported below
            result = f"crash:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(TRIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_twenty_card_payments_at_once_spend_exactly_the_coupons_there_are(
    policy_world: World,
) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)  # 200 yuan
    card = Customer(resident=w.resident("张三"), via="card")

    def pay() -> None:
        # 30 yuan at 5% off: 28.50 in coupons each; seven fit in 200 yuan.
        do_sell(
            merchant,
            card,
            amount_fen=3000,
            coupon_fen=2850,
            client_id=uuid.uuid4(),
            acting_user=w.keeper_a,
        )

    counts = _race(w, pay)
    assert counts == {"ok": 7, "coupon_insufficient": TRIES - 7}, counts
    assert Sale.objects.count() == 7
    assert spendable_fen(w.resident("张三")) == 20000 - 7 * 2850
    assert merchant_account(merchant).balance == 7 * 2850
    assert check_ledger() == []


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_one_pay_code_shown_to_twenty_cashiers_pays_once(policy_world: World) -> None:
    w = policy_world
    merchant = noodle_shop(w)
    zhang_with_coupons(w)
    shown = customer(w)

    def pay() -> None:
        do_sell(merchant, shown, amount_fen=1000, client_id=uuid.uuid4(), acting_user=w.keeper_a)

    counts = _race(w, pay)
    assert counts == {"ok": 1, "code_used": TRIES - 1}, counts
    assert spendable_fen(w.resident("张三")) == 20000 - 950
    assert check_ledger() == []
