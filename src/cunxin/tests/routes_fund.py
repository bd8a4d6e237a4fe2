"""Routes of the credit fund: the staff pages and API, and the public report.

Each URL builds what it needs through the actions first: the town's fund (李营街道) with a
sponsor's donation, and a payment proposed by the platform admin, so that the clerk (the town's
credit centre) may approve it. The committee of a village in the town reads the fund but may not
manage it; the other town's centre, collectors, keepers and villagers see nothing of it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from cunxin.conftest import World
from cunxin.fund.models import Donation, Fund, Payment, Purpose
from cunxin.fund.tests.helpers import FUND_NAME, PAYEE, SPONSOR, donate, fund, propose
from cunxin.tests.access import Route

F = "/fund"
API = "/api/fund"
OTHERS = ["clerk2", "collector_b"]
NOT_READERS = ["keeper_a", "collector_a"]
NOT_MANAGERS = ["committee_a", "collector_a", "keeper_a"]


def _fund(w: World) -> Fund:
    """The town's fund with one donation."""
    f = fund(w)
    if not Donation.objects.filter(fund=f).exists():
        donate(w, 1_500_000, receipt_no="R-2026-001")
    return f


def _donation(w: World) -> Donation:
    _fund(w)
    return Donation.objects.get()


def _payment(w: World) -> Payment:
    """Proposed by the admin, for the clerk to decide."""
    _fund(w)
    return propose(w, 200_000, by=w.admin)


def _donation_form(w: World) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "sponsor": "爱心企业",
        "amount": "200.50",
        "received_on": timezone.localdate().isoformat(),
        "receipt_no": "R-2026-002",
        "note": "",
    }


def _payment_form(w: World) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "purpose": Purpose.SHOP_GOODS,
        "village": w.village_a.pk,
        "payee": "惠民粮油",
        "amount": "300",
        "document_no": "FP-2026-01",
        "note": "",
    }


def _donation_json(w: World) -> dict[str, Any]:
    data = _donation_form(w)
    return {**data, "amount_yuan": data.pop("amount")}


def _payment_json(w: World) -> dict[str, Any]:
    return {
        "client_id": str(uuid.uuid4()),
        "purpose": Purpose.SHOP_GOODS,
        "village_code": w.village_a.code,
        "payee": "惠民粮油",
        "amount_yuan": "300",
        "document_no": "FP-2026-01",
    }


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "fund:index",
        "get",
        lambda w: (_fund(w), f"{F}/")[1],
        "clerk",
        OTHERS,
        secret=FUND_NAME,
        extra_refused=NOT_READERS,
    ),
    Route(
        "fund:index",
        "get",
        lambda w: (_fund(w), f"{F}/")[1],
        "committee_a",  # the committee of a village of the town reads the town's fund
        OTHERS,
        secret=FUND_NAME,
        extra_refused=NOT_READERS,
    ),
    Route(
        "fund:create",
        "post",
        lambda w: f"{F}/new/",
        "clerk",
        ["clerk2"],  # the form offers only their own town: the answer names no other
        data=lambda w: {"region": w.town.pk, "name": "新设基金"},
        ok=(302,),
        secret="李营街道",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:detail",
        "get",
        lambda w: f"{F}/{_fund(w).pk}/",
        "clerk",
        OTHERS,
        secret=SPONSOR,
        extra_refused=NOT_READERS,
    ),
    Route(
        "fund:detail",
        "get",
        lambda w: f"{F}/{_fund(w).pk}/",
        "committee_a",
        OTHERS,
        secret=SPONSOR,
        extra_refused=NOT_READERS,
    ),
    Route(
        "fund:donate",
        "post",
        lambda w: f"{F}/{_fund(w).pk}/donations/",
        "clerk",
        ["clerk2"],
        data=_donation_form,
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:propose",
        "post",
        lambda w: f"{F}/{_fund(w).pk}/payments/",
        "clerk",
        ["clerk2"],
        data=_payment_form,
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:export",
        "get",
        lambda w: f"{F}/{_fund(w).pk}/export.csv",
        "clerk",
        OTHERS,
        secret=SPONSOR,
        extra_refused=NOT_READERS,
    ),
    Route(
        "fund:reverse_donation",
        "post",
        lambda w: f"{F}/donations/{_donation(w).pk}/reverse/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "金额录错"},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:approve",
        "post",
        lambda w: f"{F}/payments/{_payment(w).pk}/approve/",
        "clerk",
        ["clerk2"],
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:reject",
        "post",
        lambda w: f"{F}/payments/{_payment(w).pk}/reject/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "发票不全"},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "fund:report",
        "get",
        lambda w: f"{F}/{_fund(w).region.code}/report/",
        "villager_a",
        [],
        public=True,
        secret=SPONSOR,
    ),
    Route(
        "fund:report_pdf",
        "get",
        lambda w: f"{F}/{_fund(w).region.code}/report.pdf",
        "villager_a",
        [],
        public=True,
        secret="%PDF-",
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/fund/funds",
        "get",
        lambda w: (_fund(w), f"{API}/funds")[1],
        "committee_a",
        OTHERS,
        json=True,
        secret=FUND_NAME,
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:post /api/fund/funds",
        "post",
        lambda w: f"{API}/funds",
        "clerk",
        ["clerk2"],
        data=lambda w: {"region_code": w.town.code, "name": "新设基金"},
        json=True,
        ok=(201,),
        secret="李营街道",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:get /api/fund/funds/{fund_id}",
        "get",
        lambda w: f"{API}/funds/{_fund(w).pk}",
        "clerk",
        OTHERS,
        json=True,
        secret=FUND_NAME,
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:get /api/fund/funds/{fund_id}/donations",
        "get",
        lambda w: f"{API}/funds/{_fund(w).pk}/donations",
        "committee_a",
        OTHERS,
        json=True,
        secret=SPONSOR,
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:post /api/fund/funds/{fund_id}/donations",
        "post",
        lambda w: f"{API}/funds/{_fund(w).pk}/donations",
        "clerk",
        ["clerk2"],
        data=_donation_json,
        json=True,
        ok=(201,),
        secret="爱心企业",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/fund/donations/{donation_id}/reverse",
        "post",
        lambda w: f"{API}/donations/{_donation(w).pk}/reverse",
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "金额录错"},
        json=True,
        secret=SPONSOR,
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:get /api/fund/funds/{fund_id}/payments",
        "get",
        lambda w: (_payment(w), f"{API}/funds/{_fund(w).pk}/payments")[1],
        "committee_a",
        OTHERS,
        json=True,
        secret=PAYEE,
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:post /api/fund/funds/{fund_id}/payments",
        "post",
        lambda w: f"{API}/funds/{_fund(w).pk}/payments",
        "clerk",
        ["clerk2"],
        data=_payment_json,
        json=True,
        ok=(201,),
        secret="惠民粮油",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/fund/payments/{payment_id}/approve",
        "post",
        lambda w: f"{API}/payments/{_payment(w).pk}/approve",
        "clerk",
        ["clerk2"],
        json=True,
        secret=PAYEE,
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/fund/payments/{payment_id}/reject",
        "post",
        lambda w: f"{API}/payments/{_payment(w).pk}/reject",
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "发票不全"},
        json=True,
        secret=PAYEE,
        extra_refused=NOT_MANAGERS,
    ),
]
