"""Every transfer explained by the business row it comes from, with the same amounts.

The transfers here are posted with the ledger's own entry point (as code holding the key would),
or the business rows are edited (as a database writer would): in each case the ledger alone
still balances and its chain holds, and only the reconciliation sees what is wrong.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cunxin.conftest import World
from cunxin.coupons.actions.expiry import expire_due_coupons
from cunxin.coupons.models import Coupon, CouponStatus
from cunxin.coupons.tests.helpers import convert
from cunxin.fund.actions import do_reverse_donation
from cunxin.fund.models import Donation
from cunxin.fund.tests.helpers import donate
from cunxin.ledger import actions, reconcile
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Currency
from cunxin.ledger.tests.helpers import effective
from cunxin.records.actions.carryover import do_carry_over
from cunxin.records.models import CarryOverRun, Record
from cunxin.shop.actions.redeem import do_cancel_redemption
from cunxin.shop.models import Redemption
from cunxin.shop.tests.helpers import redeemed

VILLAGE_A = "前双村（370811009201）"


def _only(check: str) -> list[str]:
    problems = check_ledger()
    assert {p.check for p in problems} == {check}, problems
    return [p.detail for p in problems]


def test_a_posting_no_record_explains_is_reported_with_names(policy_world: World) -> None:
    w = policy_world
    effective(w)
    zhang = w.resident("张三")
    accounts = actions.resident_account_ids([(zhang.pk, zhang.village_id)])
    pool = actions.issuance_account_ids([zhang.village_id])
    legs = []
    for currency in (Currency.SCORE, Currency.SPENDABLE):
        legs += [
            (accounts[(zhang.pk, currency)], 5000),
            (pool[(zhang.village_id, currency)], -5000),
        ]
    with transaction.atomic():
        actions.post(
            actions.TransferSpec(
                key="record:424242:effect",
                kind="record.effect",
                village_id=zhang.village_id,
                legs=tuple(legs),
                memo="record:424242",
            )
        )
    [detail] = _only("reconcile_unexplained")
    assert detail == (
        f"{VILLAGE_A}：转账 record:424242:effect（信用记录生效：record:424242）（张三）"
        "没有业务记录说明它从何而来"
    )


def test_a_transfer_of_a_kind_no_app_registers_is_unexplained(policy_world: World) -> None:
    w = policy_world
    effective(w)
    zhang = w.resident("张三")
    accounts = actions.resident_account_ids([(zhang.pk, zhang.village_id)])
    pool = actions.issuance_account_ids([zhang.village_id])
    with transaction.atomic():
        actions.post(
            actions.TransferSpec(
                key="bonus:1",
                kind="bonus",
                village_id=zhang.village_id,
                legs=(
                    (accounts[(zhang.pk, Currency.SPENDABLE)], 9),
                    (pool[(zhang.village_id, Currency.SPENDABLE)], -9),
                ),
            )
        )
    [detail] = _only("reconcile_unexplained")
    assert "bonus:1（bonus）" in detail


def test_a_record_whose_points_were_edited_after_it_posted_shows_the_difference(
    policy_world: World,
) -> None:
    w = policy_world
    effective(w)
    record = Record.objects.get(resident=w.resident("张三"))
    Record.objects.filter(pk=record.pk).update(points=F("points") + 100)
    details = _only("reconcile_amount")
    assert len(details) == 1
    assert f"record:{record.pk}:effect（信用记录生效" in details[0]
    assert "张三" in details[0]
    assert f"村民信用分 应为 {record.points + 100:+d}，实为 {record.points:+d}" in details[0]


def test_a_record_marked_effective_without_its_own_posting_is_missing(
    policy_world: World,
) -> None:
    """A cancelled record flipped to effective and pointed at another posting: it claims points
    the ledger never gave it."""
    w = policy_world
    effective(w)
    shop_sale = redeemed(w, "王建国", 180)
    other = effective(w, [("李秀英", "PW-R01", "1")])
    li = Record.objects.get(notice=other)
    Record.objects.filter(pk=li.pk).update(transfer=None, status="cancelled")
    problems = check_ledger()
    assert {p.check for p in problems} == {"reconcile_unexplained"}  # its posting, orphaned
    Record.objects.filter(pk=li.pk).update(status="effective", transfer=shop_sale.transfer_id)
    checks = {p.check for p in check_ledger()}
    assert "reconcile_missing" in checks
    missing = [p.detail for p in check_ledger() if p.check == "reconcile_missing"]
    assert any(f"信用记录 #{li.pk}" in d and "李秀英" in d and VILLAGE_A in d for d in missing), (
        missing
    )


def test_a_shop_cancellation_is_explained_and_an_edited_redemption_is_not(
    policy_world: World,
) -> None:
    w = policy_world
    redemption = redeemed(w)
    do_cancel_redemption(redemption, reason="拿错了", acting_user=w.keeper_a)
    assert check_ledger() == []
    Redemption.objects.filter(pk=redemption.pk).update(points=1)
    details = _only("reconcile_amount")
    assert len(details) == 2  # the redemption and its cancellation
    assert all("信用超市" in d for d in details)


def test_a_coupon_expired_without_its_posting_is_missing(policy_world: World) -> None:
    w = policy_world
    conversion = convert(w, "张三", 20, grant_first=300)
    assert check_ledger() == []
    coupon = Coupon.objects.filter(conversion=conversion).first()
    assert coupon is not None
    Coupon.objects.filter(pk=coupon.pk).update(
        status=CouponStatus.EXPIRED, expired_fen=coupon.remaining_fen, remaining_fen=0
    )
    problems = check_ledger()
    missing = [p for p in problems if p.check == "reconcile_missing"]
    assert len(missing) == 1
    assert coupon.serial in missing[0].detail
    # The real expiry job posts it; then the only difference left is the one forged above.
    Coupon.objects.filter(pk=coupon.pk).update(
        status=CouponStatus.LIVE, expired_fen=0, remaining_fen=coupon.remaining_fen
    )
    Coupon.objects.filter(conversion=conversion).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert expire_due_coupons() >= 1
    assert check_ledger() == []


def test_an_extra_coupon_on_a_conversion_shows(policy_world: World) -> None:
    w = policy_world
    conversion = convert(w, "张三", 20, grant_first=300)
    template = Coupon.objects.filter(conversion=conversion).first()
    assert template is not None
    template.pk = None
    template.serial = "370811-2026-FORGED"
    template.save()
    details = _only("reconcile_amount")
    assert "发出的信用券面值合计" in details[0]


def test_a_reversed_donation_is_explained_and_an_edited_amount_is_not(world: World) -> None:
    donation = donate(world, 150_000, receipt_no="R-77")
    do_reverse_donation(donation, reason="录错金额", acting_user=world.clerk)
    assert check_ledger() == []
    Donation.objects.filter(pk=donation.pk).update(amount=1_500_000)
    details = _only("reconcile_amount")
    assert len(details) == 2
    assert all("李营街道（370811009000）" in d for d in details)
    assert any("信用基金捐赠冲正" in d for d in details)


def test_a_carry_over_must_add_up_to_its_run(policy_world: World) -> None:
    w = policy_world
    effective(w)
    from cunxin.records.tests.test_carryover import set_policy

    set_policy(w, carry_over="reset")
    do_carry_over(w.village_a, timezone.localdate(), acting_user=w.clerk)
    assert check_ledger() == []
    CarryOverRun.objects.update(score_returned=F("score_returned") + 1)
    [detail] = _only("reconcile_amount")
    assert "结转记载" in detail
    CarryOverRun.objects.all().delete()
    details = _only("reconcile_unexplained")
    assert all("期末结转" in d for d in details)


def test_two_apps_may_not_claim_the_same_kind() -> None:
    with pytest.raises(ImproperlyConfigured, match="claimed twice"):
        reconcile.register(reconcile.Reconciler(app="intruder", kinds={"record.effect": "x"}))
    assert "intruder" not in {r.app for r in reconcile.registered()}


def test_every_kind_the_apps_post_is_registered() -> None:
    """The kinds in the code that posts (``kind=`` in each ``TransferSpec``) all have a
    reconciler, so no real posting is ever reported as unexplained for want of one."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2]
    posted: set[str] = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "bench" in path.parts or path.parts[-2] == "ledger":
            continue
        text = path.read_text()
        if "TransferSpec(" not in text and "reversal_spec(" not in text:
            continue
        posted |= set(re.findall(r'kind="([a-z_.]+)"', text))
        for name, value in re.findall(r'^(KIND_[A-Z]+) = "([a-z_.]+)"', text, re.M):
            if name in text:
                posted.add(value)
    posted = {k for k in posted if "." in k or k == "carry_over"}  # not message kinds
    assert {"record.effect", "shop.redeem", "fund.payment", "merchant.settlement"} <= posted
    assert posted <= set(reconcile.kind_labels()), posted - set(reconcile.kind_labels())
