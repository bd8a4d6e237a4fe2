"""Changes to the credit fund: set one up, take donations, reverse a wrong one, propose, approve
and reject payments.

Every action takes the fund's row lock first (then the row it changes, then the ledger locks
its accounts), so two clerks working the same fund at the same moment queue rather than race;
the ledger's own check under the account lock (``must_cover`` and the accounts' check
constraint) stays the last word on the balance, whoever else posts to the fund.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.fund.models import (
    DONORS,
    PAYEES,
    Donation,
    Fund,
    Payment,
    PaymentStatus,
    Purpose,
)
from cunxin.fund.money import check_fen, yuan
from cunxin.fund.workflow import PAYMENTS
from cunxin.ledger.actions import (
    LedgerError,
    TransferSpec,
    holder_account,
    post,
    reversal_spec,
)
from cunxin.ledger.models import Account, AccountKind, Currency, Transfer
from cunxin.regions.models import Level, Region

FUND_LEVELS = (Level.COUNTY, Level.TOWN)


# --- helpers -------------------------------------------------------------------------------------


def _text(value: str, *, field: str, limit: int, required: str | None = None) -> str:
    """Whitespace tidied; required (with this message) and at most ``limit`` characters."""
    value = " ".join((value or "").split())
    if required is not None and not value:
        raise DomainError(f"{field}_required", required, field=field)
    if len(value) > limit:
        raise DomainError(f"{field}_too_long", _("不超过%(n)d个字。") % {"n": limit}, field=field)
    return value


def _reason(reason: str) -> str:
    return _text(reason, field="reason", limit=200, required=_("请填写原因。"))


@dataclasses.dataclass(frozen=True)
class FundAccounts:
    """The ledger accounts of a fund: its own, and where money comes from and goes to."""

    fund: int
    donors: int
    payees: int


def fund_accounts(fund: Fund) -> FundAccounts:
    """The fund's accounts (made on first use: the fund's own may never go below zero)."""
    region_id = fund.region_id
    return FundAccounts(
        fund=holder_account(AccountKind.FUND, Currency.MONEY, region_id, fund.holder).pk,
        donors=holder_account(
            AccountKind.OUTSIDE, Currency.MONEY, region_id, DONORS, allow_negative=True
        ).pk,
        payees=holder_account(
            AccountKind.OUTSIDE, Currency.MONEY, region_id, PAYEES, allow_negative=True
        ).pk,
    )


def _manage(fund: Fund, acting_user: Any) -> Fund:
    """Refuse unless the user manages this fund; then the fund, locked."""
    require(acting_user, Perm.MANAGE_FUND, fund.region.code)
    locked: Fund = (
        Fund.objects.select_for_update(of=("self",)).select_related("region").get(pk=fund.pk)
    )
    return locked


def _insufficient(balance: int, amount: int, what: str) -> Conflict:
    return Conflict(
        "fund_insufficient",
        _("基金余额 %(b)s 元，不足以%(what)s %(a)s 元。")
        % {"b": yuan(balance), "a": yuan(amount), "what": what},
        field="amount",
    )


def _post_spending(spec: TransferSpec, balance: int, amount: int, what: str) -> Transfer:
    """Post a transfer out of the fund; an overdraft found under the ledger's lock (someone
    else spent first) is the same clear refusal as the one found before."""
    try:
        return post(spec)
    except LedgerError as exc:
        if exc.code == "ledger_insufficient":
            raise _insufficient(balance, amount, what) from None
        raise


# --- the fund ------------------------------------------------------------------------------------


@transaction.atomic
def do_create_fund(region: Region, *, name: str, acting_user: Any) -> Fund:
    """Set up the credit fund of a county or town (one per region), with its ledger accounts."""
    require(acting_user, Perm.MANAGE_FUND, region.code)
    if region.level not in FUND_LEVELS:
        raise DomainError(
            "fund_region", _("信用基金设在县（区）或镇（街道），由其信用中心管理。"), field="region"
        )
    name = _text(name, field="name", limit=60, required=_("请填写基金名称。"))
    exists = Conflict(
        "fund_exists", _("%(r)s已设立信用基金。") % {"r": region.name}, field="region"
    )
    if Fund.objects.filter(region=region).exists():
        raise exists
    fund = Fund(region=region, name=name, created_by=acting_user)
    try:
        with transaction.atomic():
            fund.save()
    except IntegrityError:  # set up at the same moment by a colleague
        raise exists from None
    fund_accounts(fund)
    audit.record(
        acting_user, "fund.create", fund, region_code=region.code, after=audit.snapshot(fund)
    )
    return fund


def balance_of(fund: Fund) -> int:
    """The fund's balance in fen, as the ledger keeps it."""
    value = (
        Account.objects.filter(
            kind=AccountKind.FUND,
            currency=Currency.MONEY,
            village_id=fund.region_id,
            holder=fund.holder,
            resident=None,
        )
        .values_list("balance", flat=True)
        .first()
    )
    return int(value or 0)


# --- donations -----------------------------------------------------------------------------------


@transaction.atomic
def do_record_donation(
    fund: Fund,
    *,
    client_id: uuid.UUID,
    sponsor: str,
    amount: int,
    received_on: datetime.date,
    receipt_no: str,
    note: str = "",
    acting_user: Any,
) -> Donation:
    """Book a sponsor's donation (donors → fund); the same ``client_id`` again (a double click)
    returns the first donation, and a receipt number is booked once per fund."""
    fund = _manage(fund, acting_user)
    sponsor = _text(sponsor, field="sponsor", limit=80, required=_("请填写捐赠方。"))
    receipt_no = _text(receipt_no, field="receipt_no", limit=40, required=_("请填写收据编号。"))
    note = _text(note, field="note", limit=200)
    existing = Donation.objects.filter(client_id=client_id).first()
    if existing is not None:
        if (existing.fund_id, existing.sponsor, existing.amount, existing.receipt_no) != (
            fund.pk,
            sponsor,
            amount,
            receipt_no,
        ):
            raise Conflict(
                "client_id_reused", _("这张表单已经提交过另一笔捐赠，请刷新页面后重新填写。")
            )
        return existing
    amount = check_fen(amount)
    if received_on > timezone.localdate():
        raise DomainError("received_in_future", _("到账日期不能晚于今天。"), field="received_on")
    booked = Donation.objects.filter(fund=fund, receipt_no=receipt_no, reversed_at__isnull=True)
    first = booked.first()
    if first is not None:
        raise Conflict(
            "receipt_exists",
            _("收据编号 %(no)s 已登记过（%(sponsor)s，%(amount)s 元）。")
            % {"no": receipt_no, "sponsor": first.sponsor, "amount": yuan(first.amount)},
            field="receipt_no",
        )
    accounts = fund_accounts(fund)
    transfer = post(
        TransferSpec(
            key=f"fund:donation:{client_id}",
            kind="fund.donation",
            village_id=fund.region_id,
            legs=((accounts.donors, -amount), (accounts.fund, amount)),
            memo=f"{sponsor} {receipt_no}",
        )
    )
    donation = Donation.objects.create(
        fund=fund,
        client_id=client_id,
        sponsor=sponsor,
        amount=amount,
        received_on=received_on,
        receipt_no=receipt_no,
        note=note,
        transfer=transfer,
        recorded_by=acting_user,
    )
    audit.record(
        acting_user,
        "fund.donation",
        donation,
        region_code=fund.region.code,
        after=audit.snapshot(donation),
    )
    return donation


@transaction.atomic
def do_reverse_donation(donation: Donation, *, reason: str, acting_user: Any) -> Donation:
    """Undo a donation entered wrongly (fund → donors, the original transfer negated); refused
    when the money has been paid out already, and done once."""
    fund = _manage(donation.fund, acting_user)
    donation = Donation.objects.select_for_update().get(pk=donation.pk)
    if donation.reversed_at is not None:
        raise Conflict("donation_reversed", _("这笔捐赠已经冲正过。"))
    reason = _reason(reason)
    accounts = fund_accounts(fund)
    balance = balance_of(fund)
    what = _("冲正这笔捐赠")
    if balance < donation.amount:
        raise _insufficient(balance, donation.amount, what)
    original = Transfer.objects.get(pk=donation.transfer_id)
    spec = reversal_spec(
        original,
        key=f"fund:donation-reversal:{donation.pk}",
        kind="fund.donation_reversal",
        memo=f"{donation.receipt_no} {reason}",
    )
    transfer = _post_spending(
        dataclasses.replace(spec, must_cover=(accounts.fund,)), balance, donation.amount, what
    )
    before = audit.snapshot(donation)
    donation.reversed_at = timezone.now()
    donation.reversed_by = acting_user
    donation.reverse_reason = reason
    donation.reversal = transfer
    donation.save(update_fields=["reversed_at", "reversed_by", "reverse_reason", "reversal"])
    old, new = audit.changed(before, audit.snapshot(donation))
    audit.record(
        acting_user,
        "fund.reverse_donation",
        donation,
        region_code=fund.region.code,
        before=old,
        after=new,
        reason=reason,
    )
    return donation


# --- payments ------------------------------------------------------------------------------------


@transaction.atomic
def do_propose_payment(
    fund: Fund,
    *,
    client_id: uuid.UUID,
    purpose: str,
    payee: str,
    amount: int,
    document_no: str,
    village: Region | None = None,
    note: str = "",
    acting_user: Any,
) -> Payment:
    """Propose money out of the fund; nothing moves until another credit-centre user approves.
    The same ``client_id`` again returns the first proposal."""
    fund = _manage(fund, acting_user)
    if purpose not in Purpose.values:
        raise DomainError("purpose_unknown", _("请选择用途。"), field="purpose")
    payee = _text(payee, field="payee", limit=80, required=_("请填写收款方。"))
    document_no = _text(
        document_no, field="document_no", limit=40, required=_("请填写凭证号（发票或合同编号）。")
    )
    note = _text(note, field="note", limit=200)
    existing = Payment.objects.filter(client_id=client_id).first()
    if existing is not None:
        if (existing.fund_id, existing.payee, existing.amount) != (fund.pk, payee, amount):
            raise Conflict(
                "client_id_reused", _("这张表单已经提交过另一笔支出，请刷新页面后重新填写。")
            )
        return existing
    amount = check_fen(amount)
    if purpose == Purpose.SHOP_GOODS:
        if village is None:
            raise DomainError(
                "village_required", _("请选择为哪个村的信用超市进货。"), field="village"
            )
        if not village.is_village or not village.code.startswith(fund.region.prefix):
            raise DomainError("village_outside", _("只能为本基金辖区内的村进货。"), field="village")
    else:
        village = None
    payment = Payment(
        fund=fund,
        client_id=client_id,
        purpose=purpose,
        village=village,
        payee=payee,
        amount=amount,
        document_no=document_no,
        note=note,
        proposed_by=acting_user,
    )
    PAYMENTS.apply(payment, PaymentStatus.PROPOSED, actor=acting_user)
    audit.record(
        acting_user,
        "fund.propose_payment",
        payment,
        region_code=fund.region.code,
        after=audit.snapshot(payment),
    )
    return payment


def _lock_payment(payment: Payment, acting_user: Any) -> tuple[Fund, Payment]:
    fund = _manage(payment.fund, acting_user)
    locked: Payment = Payment.objects.select_for_update().get(pk=payment.pk)
    locked.fund = fund
    return fund, locked


def may_approve_payment(user: Any, payment: Payment) -> bool:
    """Whether the user may approve the proposed payment (another centre user's)."""
    return PAYMENTS.may(user, payment, PaymentStatus.APPROVED)


def may_reject_payment(user: Any, payment: Payment) -> bool:
    """Whether the user may turn the proposed payment down (or withdraw their own)."""
    return PAYMENTS.may(user, payment, PaymentStatus.REJECTED)


@transaction.atomic
def do_approve_payment(payment: Payment, *, acting_user: Any) -> Payment:
    """Approve a proposed payment (not one's own): one transfer fund → payees, refused while the
    fund's balance does not cover it (the payment then stays proposed)."""
    fund, payment = _lock_payment(payment, acting_user)
    PAYMENTS.check(payment, PaymentStatus.APPROVED, actor=acting_user)
    accounts = fund_accounts(fund)
    balance = balance_of(fund)
    what = _("支付")
    if balance < payment.amount:
        raise _insufficient(balance, payment.amount, what)
    transfer = _post_spending(
        TransferSpec(
            key=f"fund:payment:{payment.pk}",
            kind="fund.payment",
            village_id=fund.region_id,
            legs=((accounts.fund, -payment.amount), (accounts.payees, payment.amount)),
            memo=f"{payment.payee} {payment.document_no}",
            must_cover=(accounts.fund,),
        ),
        balance,
        payment.amount,
        what,
    )
    before = audit.snapshot(payment)
    payment.decided_by = acting_user
    payment.decided_at = timezone.now()
    payment.transfer = transfer
    PAYMENTS.apply(payment, PaymentStatus.APPROVED, actor=acting_user)
    old, new = audit.changed(before, audit.snapshot(payment))
    audit.record(
        acting_user,
        "fund.approve_payment",
        payment,
        region_code=fund.region.code,
        before=old,
        after=new,
    )
    return payment


@transaction.atomic
def do_reject_payment(payment: Payment, *, reason: str, acting_user: Any) -> Payment:
    """Turn down a proposed payment, with a reason (the proposer may withdraw their own so);
    no money moves."""
    fund, payment = _lock_payment(payment, acting_user)
    PAYMENTS.check(payment, PaymentStatus.REJECTED, actor=acting_user)
    reason = PAYMENTS.clean_reason(reason, to=PaymentStatus.REJECTED)
    before = audit.snapshot(payment)
    payment.decided_by = acting_user
    payment.decided_at = timezone.now()
    payment.reject_reason = reason
    PAYMENTS.apply(
        payment,
        PaymentStatus.REJECTED,
        actor=acting_user,
        reason=reason,
        fields=["reject_reason"],
    )
    old, new = audit.changed(before, audit.snapshot(payment))
    audit.record(
        acting_user,
        "fund.reject_payment",
        payment,
        region_code=fund.region.code,
        before=old,
        after=new,
        reason=reason,
    )
    return payment
