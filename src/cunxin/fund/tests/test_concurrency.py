"""Two credit-centre users approving at the same moment, each on a connection of their own
(PostgreSQL: SQLite's in-memory test database cannot be shared between connections).

Whoever commits first, the fund pays what it holds and no more, and a payment is paid once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from cunxin.conftest import World, running_on_postgres
from cunxin.core.errors import Conflict
from cunxin.fund.actions import balance_of, do_approve_payment
from cunxin.fund.models import Payment, PaymentStatus
from cunxin.fund.tests.helpers import checker, donate, fund, propose
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Transfer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _together(*jobs: Callable[[], Any]) -> list[Any]:
    """Run the jobs in threads released at once; each one's result or exception."""
    start = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(i: int, job: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[i] = job()
        except BaseException as error:  # reported by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_two_approvals_at_once_never_overdraw_the_fund(world: World) -> None:
    donate(world, 100_000)
    first, second = propose(world, 70_000), propose(world, 70_000)
    approver = checker(world)
    results = _together(
        lambda: do_approve_payment(first, acting_user=approver),
        lambda: do_approve_payment(second, acting_user=world.admin),
    )
    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(paid) == 1
    assert len(refused) == 1
    assert refused[0].code == "fund_insufficient"
    assert balance_of(fund(world)) == 30_000
    statuses = sorted(Payment.objects.values_list("status", flat=True))
    assert statuses == [PaymentStatus.APPROVED, PaymentStatus.PROPOSED]
    assert check_ledger() == []


def test_one_payment_approved_by_two_at_once_is_paid_once(world: World) -> None:
    donate(world, 100_000)
    payment = propose(world, 40_000)
    approver = checker(world)
    results = _together(
        lambda: do_approve_payment(payment, acting_user=approver),
        lambda: do_approve_payment(payment, acting_user=world.admin),
    )
    assert sum(isinstance(r, Payment) for r in results) == 1
    assert [r.code for r in results if isinstance(r, Conflict)] == ["payment_status"]
    assert Transfer.objects.filter(kind="fund.payment").count() == 1
    assert balance_of(fund(world)) == 60_000
    assert check_ledger() == []
