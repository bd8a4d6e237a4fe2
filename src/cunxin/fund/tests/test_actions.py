"""The fund's rules: money in by donation, out by approved payment only, never below zero,
maker-checker, corrections by reversal, and a double click that books nothing twice."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry
from cunxin.fund.actions import (
    balance_of,
    do_approve_payment,
    do_create_fund,
    do_propose_payment,
    do_record_donation,
    do_reject_payment,
    do_reverse_donation,
    fund_accounts,
)
from cunxin.fund.models import Donation, Payment, PaymentChange, PaymentStatus, Purpose
from cunxin.fund.money import parse_yuan, yuan
from cunxin.fund.selectors import totals
from cunxin.fund.tests.helpers import SPONSOR, checker, donate, fund, propose
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Account, Transfer

# --- amounts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [("200", 20000), ("12.5", 1250), ("12.50", 1250), (" 0.01 ", 1), ("15000", 1_500_000)],
)
def test_yuan_typed_by_people_become_fen(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("12.345", "amount_precision", "两位小数"),
        ("-5", "amount_not_positive", "大于零"),
        ("abc", "amount_format", "格式不对"),
        ("0", "amount_not_positive", "大于零"),
        ("0.00", "amount_not_positive", "大于零"),
        ("", "amount_required", "请填写金额"),
        ("1,000", "amount_format", "格式不对"),
        ("1e3", "amount_format", "格式不对"),
        ("99999999999", "amount_too_large", "一千万"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(text: str, code: str, says: str) -> None:
    with pytest.raises(DomainError) as refused:
        parse_yuan(text)
    assert refused.value.code == code
    assert says in str(refused.value)
    assert refused.value.field == "amount"


def test_yuan_shows_fen_with_two_decimals() -> None:
    assert yuan(123456) == "1,234.56"
    assert yuan(5) == "0.05"
    assert yuan(0) == "0.00"


# --- the fund ------------------------------------------------------------------------------------


def test_a_town_centre_sets_up_one_fund_with_accounts_that_cannot_go_negative(
    world: World,
) -> None:
    f = fund(world)
    accounts = fund_accounts(f)
    own = Account.objects.get(pk=accounts.fund)
    assert (own.kind, own.currency, own.holder, own.allow_negative) == (
        "fund",
        "money",
        f"fund:{f.pk}",
        False,
    )
    assert Account.objects.get(pk=accounts.donors).allow_negative
    assert AuditEntry.objects.filter(action="fund.create", object_id=str(f.pk)).exists()
    with pytest.raises(Conflict) as refusal:
        do_create_fund(world.town, name="另一个", acting_user=world.clerk)
    assert refusal.value.code == "fund_exists"


def test_a_fund_belongs_to_a_county_or_town_of_the_users_centre(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        do_create_fund(world.village_a, name="村基金", acting_user=world.clerk)
    assert refused.value.code == "fund_region"
    with pytest.raises(Forbidden) as refusal:
        do_create_fund(world.town, name="李营基金", acting_user=world.clerk2)
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        do_create_fund(world.town, name="李营基金", acting_user=world.committee_a)
    assert refusal.value.code == "forbidden"


# --- donations -----------------------------------------------------------------------------------


def test_a_donation_moves_money_from_donors_into_the_fund(world: World) -> None:
    d = donate(world, 1_500_000, receipt_no="R-001")
    f = fund(world)
    assert balance_of(f) == 1_500_000
    transfer = Transfer.objects.get(pk=d.transfer_id)
    assert transfer.village_id == world.town.pk
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-1_500_000, 1_500_000]
    assert check_ledger() == []
    assert AuditEntry.objects.filter(action="fund.donation", object_id=str(d.pk)).exists()


def test_a_double_click_books_the_donation_once(world: World) -> None:
    client_id = uuid.uuid4()

    def submit() -> Donation:
        return do_record_donation(
            fund(world),
            client_id=client_id,
            sponsor=SPONSOR,
            amount=50_000,
            received_on=timezone.localdate(),
            receipt_no="R-002",
            acting_user=world.clerk,
        )

    first, second = submit(), submit()
    assert first.pk == second.pk
    assert Donation.objects.count() == 1
    assert balance_of(fund(world)) == 50_000


def test_a_reused_form_with_other_content_is_refused(world: World) -> None:
    client_id = uuid.uuid4()
    kwargs = {
        "client_id": client_id,
        "sponsor": SPONSOR,
        "received_on": timezone.localdate(),
        "receipt_no": "R-003",
        "acting_user": world.clerk,
    }
    do_record_donation(fund(world), amount=50_000, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(Conflict) as refused:
        do_record_donation(fund(world), amount=60_000, **kwargs)  # type: ignore[arg-type]
    assert refused.value.code == "client_id_reused"
    assert balance_of(fund(world)) == 50_000


def test_a_receipt_number_is_booked_once_per_fund(world: World) -> None:
    donate(world, 10_000, receipt_no="R-010")
    with pytest.raises(Conflict) as refused:
        donate(world, 20_000, receipt_no="R-010")
    assert refused.value.code == "receipt_exists"
    assert refused.value.field == "receipt_no"
    assert "R-010" in str(refused.value)
    assert "100.00" in str(refused.value)
    assert balance_of(fund(world)) == 10_000


def test_the_database_refuses_a_second_live_donation_with_the_same_receipt(world: World) -> None:
    d = donate(world, 10_000, receipt_no="R-011")
    other = donate(world, 10_000, receipt_no="R-012")
    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.filter(pk=other.pk).update(receipt_no=d.receipt_no)


def test_a_donation_cannot_be_dated_in_the_future(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        donate(world, on=timezone.localdate() + datetime.timedelta(days=1))
    assert refused.value.code == "received_in_future"
    assert refused.value.field == "received_on"
    assert Donation.objects.count() == 0


def test_a_wrong_donation_is_reversed_and_entered_again_with_its_receipt(world: World) -> None:
    wrong = donate(world, 50_000, receipt_no="R-020")
    with pytest.raises(DomainError) as refusal:
        do_reverse_donation(wrong, reason="  ", acting_user=world.clerk)
    assert refusal.value.code == "reason_required"
    reversed_ = do_reverse_donation(wrong, reason="金额录错，应为5000元", acting_user=world.clerk)
    assert reversed_.is_reversed
    assert reversed_.reversal is not None
    assert reversed_.reversal.reverses_id == wrong.transfer_id
    assert balance_of(fund(world)) == 0
    with pytest.raises(Conflict) as refusal:
        do_reverse_donation(wrong, reason="再点一次", acting_user=world.clerk)
    assert refusal.value.code == "donation_reversed"
    donate(world, 500_000, receipt_no="R-020")
    assert balance_of(fund(world)) == 500_000
    t = totals(fund(world))
    assert (t.donated, t.reversed, t.net_donated) == (550_000, 50_000, 500_000)
    assert check_ledger() == []


def test_a_donation_already_paid_out_cannot_be_reversed(world: World) -> None:
    d = donate(world, 100_000)
    do_approve_payment(propose(world, 80_000), acting_user=checker(world))
    with pytest.raises(Conflict) as refused:
        do_reverse_donation(d, reason="录错", acting_user=world.clerk)
    assert refused.value.code == "fund_insufficient"
    assert "200.00" in str(refused.value)
    d.refresh_from_db()
    assert not d.is_reversed
    assert balance_of(fund(world)) == 20_000


# --- payments ------------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_and_another_centre_user_can(world: World) -> None:
    donate(world, 1_000_000)
    payment = propose(world, 300_000)
    assert payment.status == PaymentStatus.PROPOSED
    assert balance_of(fund(world)) == 1_000_000  # proposing moves nothing
    with pytest.raises(Forbidden) as refused:
        do_approve_payment(payment, acting_user=world.clerk)
    assert refused.value.code == "payment_own_proposal"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROPOSED
    approved = do_approve_payment(payment, acting_user=checker(world))
    assert approved.status == PaymentStatus.APPROVED
    assert approved.decided_by_id == checker(world).pk
    assert balance_of(fund(world)) == 700_000
    assert list(
        PaymentChange.objects.filter(payment=payment).values_list("from_status", "to_status")
    ) == [("", "proposed"), ("proposed", "approved")]
    assert check_ledger() == []


def test_a_second_approval_is_refused_and_pays_nothing_more(world: World) -> None:
    donate(world, 1_000_000)
    payment = propose(world, 300_000)
    do_approve_payment(payment, acting_user=checker(world))
    with pytest.raises(Conflict) as refused:
        do_approve_payment(payment, acting_user=world.admin)
    assert refused.value.code == "payment_status"
    assert "已批准" in str(refused.value)
    assert balance_of(fund(world)) == 700_000


def test_the_database_refuses_an_approval_by_the_proposer(world: World) -> None:
    d = donate(world, 1_000_000)
    payment = propose(world, 300_000)
    other = propose(world, 100_000)
    do_approve_payment(other, acting_user=checker(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.APPROVED, decided_by=world.clerk, transfer_id=d.transfer_id
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=other.pk).update(decided_by=world.clerk)


def test_a_payment_larger_than_the_balance_is_refused_and_stays_proposed(world: World) -> None:
    donate(world, 100_000)
    payment = propose(world, 100_001)
    with pytest.raises(Conflict) as refused:
        do_approve_payment(payment, acting_user=checker(world))
    assert refused.value.code == "fund_insufficient"
    assert "1,000.00" in str(refused.value)
    assert "1,000.01" in str(refused.value)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PROPOSED
    assert payment.transfer is None
    assert balance_of(fund(world)) == 100_000
    assert not Transfer.objects.filter(kind="fund.payment").exists()
    donate(world, 1)  # the missing fen arrives: now it can be paid
    do_approve_payment(payment, acting_user=checker(world))
    assert balance_of(fund(world)) == 0


def test_the_database_refuses_a_negative_fund_balance(world: World) -> None:
    donate(world, 100)
    accounts = fund_accounts(fund(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=accounts.fund).update(balance=-1)


def test_a_rejected_payment_moves_nothing_and_needs_a_reason(world: World) -> None:
    donate(world, 100_000)
    payment = propose(world, 50_000)
    with pytest.raises(DomainError) as refusal:
        do_reject_payment(payment, reason="", acting_user=checker(world))
    assert refusal.value.code == "reason_required"
    rejected = do_reject_payment(payment, reason="发票抬头不对", acting_user=checker(world))
    assert rejected.status == PaymentStatus.REJECTED
    with pytest.raises(Conflict) as refusal:
        do_approve_payment(payment, acting_user=checker(world))
    assert refusal.value.code == "payment_status"
    assert balance_of(fund(world)) == 100_000
    assert PaymentChange.objects.filter(payment=payment, reason="发票抬头不对").exists()


def test_the_proposer_may_withdraw_their_own_proposal(world: World) -> None:
    payment = propose(world, 50_000)
    do_reject_payment(payment, reason="重复申请，撤回", acting_user=world.clerk)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REJECTED


def test_shop_goods_name_a_village_of_the_funds_own_region(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        do_propose_payment(
            fund(world),
            client_id=uuid.uuid4(),
            purpose=Purpose.SHOP_GOODS,
            payee="粮油店",
            amount=100,
            document_no="FP-1",
            acting_user=world.clerk,
        )
    assert refused.value.field == "village"
    with pytest.raises(DomainError) as refused:
        propose(world, village=world.village_c)
    assert refused.value.code == "village_outside"
    merchant = propose(world, purpose=Purpose.MERCHANT, payee="老王面馆", village=world.village_a)
    assert merchant.village is None  # only shop goods name a village


def test_a_double_click_proposes_once(world: World) -> None:
    client_id = uuid.uuid4()
    kwargs = {
        "client_id": client_id,
        "purpose": Purpose.MERCHANT,
        "payee": "老王面馆",
        "amount": 5_000,
        "document_no": "JS-01",
        "acting_user": world.clerk,
    }
    first = do_propose_payment(fund(world), **kwargs)  # type: ignore[arg-type]
    second = do_propose_payment(fund(world), **kwargs)  # type: ignore[arg-type]
    assert first.pk == second.pk
    assert Payment.objects.count() == 1


def test_other_towns_centre_and_the_committee_cannot_touch_the_fund(world: World) -> None:
    donate(world, 100_000)
    payment = propose(world, 10_000)
    for user in (world.clerk2, world.committee_a, world.villager_a, world.keeper_a):
        with pytest.raises(Forbidden) as refusal:
            donate_as(world, user)
        assert refusal.value.code == "forbidden"
        with pytest.raises(Forbidden) as refusal:
            do_approve_payment(payment, acting_user=user)
        assert refusal.value.code == "forbidden"
    assert balance_of(fund(world)) == 100_000


def donate_as(world: World, user: object) -> Donation:
    return do_record_donation(
        fund(world),
        client_id=uuid.uuid4(),
        sponsor=SPONSOR,
        amount=100,
        received_on=timezone.localdate(),
        receipt_no="X-1",
        acting_user=user,
    )
