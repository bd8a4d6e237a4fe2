"""Building fund situations through the actions, as the credit centre would."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.fund.actions import do_create_fund, do_propose_payment, do_record_donation
from cunxin.fund.models import Donation, Fund, Payment, Purpose
from cunxin.regions.models import Region

FUND_NAME = "李营街道信用基金"
SPONSOR = "济宁鲁信农业有限公司"
PAYEE = "任城区惠民粮油批发部"


def fund(w: World) -> Fund:
    """The town's fund (made once)."""
    found = Fund.objects.filter(region=w.town).first()
    return found or do_create_fund(w.town, name=FUND_NAME, acting_user=w.clerk)


def checker(w: World) -> User:
    """A second credit-centre user of the town: approves what the clerk proposes."""
    if "checker" not in w.users:
        user = do_create_user(
            phone="13800000021",
            name="钱会计",
            password=PASSWORD,
            role=Role.CENTRE,
            region=w.town,
            acting_user=w.admin,
        )
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.refresh_from_db()
        w.users["checker"] = user
    return w.users["checker"]


def donate(
    w: World,
    amount: int = 1_500_000,
    *,
    receipt_no: str | None = None,
    sponsor: str = SPONSOR,
    note: str = "",
    on: datetime.date | None = None,
) -> Donation:
    return do_record_donation(
        fund(w),
        client_id=uuid.uuid4(),
        sponsor=sponsor,
        amount=amount,
        received_on=on or timezone.localdate(),
        receipt_no=receipt_no or f"R-{uuid.uuid4().hex[:8]}",
        note=note,
        acting_user=w.clerk,
    )


def propose(
    w: World,
    amount: int = 200_000,
    *,
    payee: str = PAYEE,
    purpose: str = Purpose.SHOP_GOODS,
    village: Region | None = None,
    document_no: str = "FP-0001",
    by: User | None = None,
) -> Payment:
    return do_propose_payment(
        fund(w),
        client_id=uuid.uuid4(),
        purpose=purpose,
        payee=payee,
        amount=amount,
        document_no=document_no,
        village=village or (w.village_a if purpose == Purpose.SHOP_GOODS else None),
        acting_user=by or w.clerk,
    )
