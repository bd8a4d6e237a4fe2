"""Many requests at the same moment never convert, spend or gift a fen twice.

Threads (each with its own database connection, as requests would have) wait at a barrier and
then act together: conversions against one villager's 100 points, a double-clicked conversion,
payments against four 50-yuan coupons, and an accept racing a cancel. The locks (the villager's
spendable account, the coupons in primary-key order, the gift row) make exactly the right
number succeed; the others are told why in Chinese, and the books stay sound.

It needs PostgreSQL: SQLite's test database is in memory and runs one writer at a time.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from cunxin.conftest import World, running_on_postgres
from cunxin.core.errors import DomainError
from cunxin.coupons.actions.conversion import do_convert
from cunxin.coupons.actions.gifts import do_accept_gift, do_cancel_gift, do_gift
from cunxin.coupons.models import Conversion, Coupon, CouponUse, Gift, GiftStatus
from cunxin.coupons.spending import spend
from cunxin.coupons.tests.helpers import balance, convert, grant, merchant_account
from cunxin.coupons.tests.test_coupons import _login_for
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Currency

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _together(actions: list[Callable[[], object]]) -> list[str]:
    """Run the actions in threads released at once; each outcome is "ok", or the refusal's
    code and message, or "crash" (a failure of the test)."""
    start = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], object]) -> None:
        try:
            start.wait(timeout=60)
            action()
            result = "ok"
        except DomainError as exc:
            result = f"{exc.code}:{exc}"
        except Exception as exc:  # reported in the assertion below
            result = f"crash:{exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


def test_twenty_conversions_at_once_use_exactly_the_points_there_are(
    policy_world: World,
) -> None:
    w = policy_world
    zhang = w.resident("张三")
    grant(zhang, 100)
    outcomes = _together(
        [
            lambda: do_convert(zhang, 10, client_id=uuid.uuid4(), acting_user=w.villager_a)
            for _ in range(20)
        ]
    )
    counts = Counter(o.split(":", 1)[0] for o in outcomes)
    assert counts == {"ok": 10, "points_insufficient": 10}, outcomes
    assert balance(zhang, Currency.SPENDABLE) == 0
    assert balance(zhang, Currency.COUPON) == 100_000
    assert Coupon.objects.count() == 20
    assert len(set(Coupon.objects.values_list("serial", flat=True))) == 20
    assert check_ledger() == []


def test_a_conversion_clicked_ten_times_at_once_happens_once(policy_world: World) -> None:
    w = policy_world
    zhang = w.resident("张三")
    grant(zhang, 100)
    client_id = uuid.uuid4()
    outcomes = _together(
        [
            lambda: do_convert(zhang, 20, client_id=client_id, acting_user=w.villager_a)
            for _ in range(10)
        ]
    )
    assert outcomes == ["ok"] * 10
    assert Conversion.objects.count() == 1
    assert balance(zhang, Currency.SPENDABLE) == 80
    assert check_ledger() == []


def test_ten_payments_at_once_spend_exactly_the_coupons_there_are(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=20)  # four 50-yuan coupons
    zhang = w.resident("张三")
    merchant = merchant_account(w)

    def pay() -> None:
        with transaction.atomic():
            spend(
                zhang,
                5000,
                to_account_id=merchant.pk,
                key=f"test:pay:{uuid.uuid4()}",
                village_id=w.village_a.pk,
                memo="面馆",
            )

    outcomes = _together([pay for _ in range(10)])
    counts = Counter(o.split(":", 1)[0] for o in outcomes)
    assert counts == {"ok": 4, "coupon_insufficient": 6}, outcomes
    assert all("信用券余额不足" in o for o in outcomes if o != "ok")
    merchant.refresh_from_db()
    assert merchant.balance == 20_000
    assert balance(zhang, Currency.COUPON) == 0
    assert sum(CouponUse.objects.values_list("amount_fen", flat=True)) == 20_000
    assert check_ledger() == []


def test_an_accept_racing_a_cancel_moves_the_coupon_at_most_once(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=20)
    wang_user = _login_for(w, "王建国", "13905371003")
    coupon = Coupon.objects.order_by("pk").first()
    assert coupon is not None
    gift = do_gift(coupon, phone="13905371003", acting_user=w.villager_a)
    outcomes = _together(
        [
            lambda: do_accept_gift(gift, acting_user=wang_user),
            lambda: do_cancel_gift(gift, acting_user=w.villager_a),
        ]
    )
    assert sorted(o.split(":", 1)[0] for o in outcomes) == ["gift_state", "ok"], outcomes
    gift.refresh_from_db()
    moved = 5000 if gift.status == GiftStatus.ACCEPTED else 0
    assert balance(w.resident("王建国"), Currency.COUPON) == moved
    assert balance(w.resident("张三"), Currency.COUPON) == 20_000 - moved
    assert Gift.objects.filter(status=GiftStatus.PENDING).count() == 0
    assert check_ledger() == []


def test_a_payment_retried_while_the_first_is_running_is_taken_once(policy_world: World) -> None:
    w = policy_world
    convert(w, "张三", 20, grant_first=20)
    zhang = w.resident("张三")
    merchant = merchant_account(w)

    def pay() -> None:
        with transaction.atomic():
            spend(
                zhang,
                7000,
                to_account_id=merchant.pk,
                key="test:pay:same",
                village_id=w.village_a.pk,
                memo="面馆",
            )

    assert _together([pay for _ in range(5)]) == ["ok"] * 5
    assert balance(zhang, Currency.COUPON) == 13_000
    assert sum(CouponUse.objects.values_list("amount_fen", flat=True)) == 7000
    assert check_ledger() == []
