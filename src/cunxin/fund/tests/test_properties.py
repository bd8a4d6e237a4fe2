"""Random histories of the fund keep its books right.

A hypothesis state machine books donations (some with a receipt number already used, some
submitted twice), reverses them, proposes payments by either of two credit-centre users,
approves them (sometimes by the proposer, sometimes beyond the balance, sometimes twice) and
rejects them, in any order. After every step: the fund's balance in the ledger equals the
machine's own count, which is donations − reversed donations − approved payments, and equals
the same sum from the fund's rows; it is never below zero; and ``check_ledger()`` finds nothing.

The world and the fund are built once per test; each example runs in a savepoint that is
rolled back, so every example starts with an empty fund.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cunxin.accounts.models import User
from cunxin.conftest import World
from cunxin.core.errors import Conflict, Forbidden
from cunxin.fund.actions import (
    balance_of,
    do_approve_payment,
    do_propose_payment,
    do_record_donation,
    do_reject_payment,
    do_reverse_donation,
)
from cunxin.fund.models import Donation, Fund, Payment, PaymentStatus, Purpose
from cunxin.fund.selectors import totals
from cunxin.fund.tests.helpers import checker, fund
from cunxin.ledger.checks import check_ledger

# Set by the test before hypothesis builds machines (it builds them without arguments).
CAST: tuple[Fund, list[User]] | None = None

EXAMPLES = int(os.environ.get("CUNXIN_WALK_EXAMPLES", "25"))
STEPS = int(os.environ.get("CUNXIN_WALK_STEPS", "20"))

amounts = st.integers(min_value=1, max_value=500_000)
receipts = st.sampled_from([f"R-{n:03d}" for n in range(8)])  # few: duplicates happen


class FundHistories(RuleBasedStateMachine):
    """The machine's model: live and reversed donations, payments by status and proposer."""

    def __init__(self) -> None:
        super().__init__()
        assert CAST is not None
        self.fund, self.staff = CAST
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.live: dict[int, tuple[int, str]] = {}  # donation → (amount, receipt)
        self.reversed: dict[int, int] = {}
        self.proposed: dict[int, tuple[int, int]] = {}  # payment → (amount, proposer id)
        self.approved: dict[int, int] = {}
        self.rejected: set[int] = set()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    @property
    def expected(self) -> int:
        """Donations standing minus approved payments (a reversed donation has left ``live``)."""
        return sum(a for a, _r in self.live.values()) - sum(self.approved.values())

    # --- donations -------------------------------------------------------------------------------

    @rule(amount=amounts, receipt=receipts, twice=st.booleans(), who=st.integers(0, 1))
    def donate(self, amount: int, receipt: str, twice: bool, who: int) -> None:
        client_id = uuid.uuid4()

        def submit() -> Donation:
            return do_record_donation(
                self.fund,
                client_id=client_id,
                sponsor="赞助方",
                amount=amount,
                received_on=timezone.localdate(),
                receipt_no=receipt,
                acting_user=self.staff[who],
            )

        if any(r == receipt for _a, r in self.live.values()):
            with pytest.raises(Conflict) as refused:
                submit()
            assert refused.value.code == "receipt_exists"
            return
        donation = submit()
        self.live[donation.pk] = (amount, receipt)
        if twice:
            assert submit().pk == donation.pk

    @precondition(lambda self: bool(self.live))
    @rule(data=st.data())
    def reverse(self, data: Any) -> None:
        pk = data.draw(st.sampled_from(sorted(self.live)), label="donation")
        amount, _receipt = self.live[pk]
        donation = Donation.objects.get(pk=pk)
        if self.expected < amount:
            with pytest.raises(Conflict) as refused:
                do_reverse_donation(donation, reason="录错", acting_user=self.staff[0])
            assert refused.value.code == "fund_insufficient"
            return
        do_reverse_donation(donation, reason="录错", acting_user=self.staff[0])
        self.reversed[pk] = self.live.pop(pk)[0]

    @precondition(lambda self: bool(self.reversed))
    @rule(data=st.data())
    def reverse_again(self, data: Any) -> None:
        pk = data.draw(st.sampled_from(sorted(self.reversed)), label="reversed donation")
        with pytest.raises(Conflict) as refusal:
            do_reverse_donation(
                Donation.objects.get(pk=pk), reason="再点一次", acting_user=self.staff[1]
            )
        assert refusal.value.code == "donation_reversed"

    # --- payments --------------------------------------------------------------------------------

    @rule(amount=st.integers(min_value=1, max_value=800_000), who=st.integers(0, 1))
    def propose(self, amount: int, who: int) -> None:
        payment = do_propose_payment(
            self.fund,
            client_id=uuid.uuid4(),
            purpose=Purpose.MERCHANT,
            payee="老王面馆",
            amount=amount,
            document_no="JS-1",
            acting_user=self.staff[who],
        )
        self.proposed[payment.pk] = (amount, self.staff[who].pk)

    @precondition(lambda self: bool(self.proposed))
    @rule(data=st.data(), who=st.integers(0, 1))
    def approve(self, data: Any, who: int) -> None:
        pk = data.draw(st.sampled_from(sorted(self.proposed)), label="payment")
        amount, proposer = self.proposed[pk]
        payment = Payment.objects.get(pk=pk)
        approver = self.staff[who]
        if approver.pk == proposer:
            with pytest.raises(Forbidden) as refusal:
                do_approve_payment(payment, acting_user=approver)
            assert refusal.value.code == "payment_own_proposal"
        elif self.expected < amount:
            with pytest.raises(Conflict) as refused:
                do_approve_payment(payment, acting_user=approver)
            assert refused.value.code == "fund_insufficient"
        else:
            do_approve_payment(payment, acting_user=approver)
            self.approved[pk] = self.proposed.pop(pk)[0]
        assert Payment.objects.get(pk=pk).status == (
            PaymentStatus.APPROVED if pk in self.approved else PaymentStatus.PROPOSED
        )

    @precondition(lambda self: bool(self.proposed))
    @rule(data=st.data(), who=st.integers(0, 1))
    def reject(self, data: Any, who: int) -> None:
        pk = data.draw(st.sampled_from(sorted(self.proposed)), label="payment")
        do_reject_payment(
            Payment.objects.get(pk=pk), reason="不符合规定", acting_user=self.staff[who]
        )
        self.proposed.pop(pk)
        self.rejected.add(pk)

    @precondition(lambda self: bool(self.approved or self.rejected))
    @rule(data=st.data(), who=st.integers(0, 1))
    def decide_again(self, data: Any, who: int) -> None:
        pk = data.draw(st.sampled_from(sorted({*self.approved, *self.rejected})), label="decided")
        payment = Payment.objects.get(pk=pk)
        with pytest.raises(Conflict) as refusal:
            do_reject_payment(payment, reason="再点一次", acting_user=self.staff[who])
        assert refusal.value.code == "payment_status"
        with pytest.raises((Conflict, Forbidden)):
            do_approve_payment(payment, acting_user=self.staff[who])

    # --- what always holds -----------------------------------------------------------------------

    @invariant()
    def the_books_agree(self) -> None:
        balance = balance_of(self.fund)
        assert balance == self.expected
        assert balance >= 0
        t = totals(self.fund)
        assert t.balance == t.donated - t.reversed - t.paid
        assert t.reversed == sum(self.reversed.values())
        assert t.paid == sum(self.approved.values())
        assert check_ledger() == []


def test_random_fund_histories_keep_balance_donations_minus_payments(world: World) -> None:
    global CAST
    CAST = (fund(world), [world.clerk, checker(world)])
    try:
        run_state_machine_as_test(
            FundHistories,
            settings=hypothesis_settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
            ),
        )
    finally:
        CAST = None
