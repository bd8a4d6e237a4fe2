"""Shapes of the fund API, and turning rows into them.

Amounts go out both as fen (``amount_fen``, exact) and as yuan text (``amount_yuan``); they come
in as yuan text (``amount_yuan``: "200", "12.50"), parsed as strictly as the pages parse them.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from ninja import Schema

from cunxin.core.fields import Code, Day, Line, Name
from cunxin.fund.models import Donation, Fund, Payment
from cunxin.fund.money import yuan
from cunxin.fund.selectors import Totals


class FundOut(Schema):
    id: int
    region_code: str
    region_name: str
    name: str
    balance_fen: int
    balance_yuan: str
    donated_fen: int
    paid_fen: int
    pending_fen: int


class FundDetailOut(FundOut):
    chain_seq: int
    chain_hash: str


class FundIn(Schema):
    region_code: Code
    name: Name


class DonationOut(Schema):
    id: int
    fund_id: int
    sponsor: str
    amount_fen: int
    amount_yuan: str
    received_on: datetime.date
    receipt_no: str
    note: str
    recorded_by: str
    recorded_at: datetime.datetime
    reversed: bool
    reversed_at: datetime.datetime | None
    reverse_reason: str


class DonationIn(Schema):
    client_id: uuid.UUID
    sponsor: Name
    amount_yuan: Code
    received_on: Day
    receipt_no: Name
    note: Line = ""


class FundReasonIn(Schema):
    reason: Line


class PaymentOut(Schema):
    id: int
    fund_id: int
    purpose: str
    purpose_label: str
    village_code: str | None
    payee: str
    amount_fen: int
    amount_yuan: str
    document_no: str
    note: str
    status: str
    status_label: str
    proposed_by: str
    proposed_at: datetime.datetime
    decided_by: str | None
    decided_at: datetime.datetime | None
    reject_reason: str


class PaymentIn(Schema):
    client_id: uuid.UUID
    purpose: Code
    payee: Name
    amount_yuan: Code
    document_no: Name
    village_code: Code | None = None
    note: Line = ""


def fund_out(fund: Fund, totals: Totals, head: tuple[int, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": fund.pk,
        "region_code": fund.region.code,
        "region_name": fund.region.name,
        "name": fund.name,
        "balance_fen": totals.balance,
        "balance_yuan": yuan(totals.balance),
        "donated_fen": totals.net_donated,
        "paid_fen": totals.paid,
        "pending_fen": totals.pending,
    }
    if head is not None:
        body["chain_seq"], body["chain_hash"] = head
    return body


def donation_out(d: Donation) -> dict[str, Any]:
    return {
        "id": d.pk,
        "fund_id": d.fund_id,
        "sponsor": d.sponsor,
        "amount_fen": d.amount,
        "amount_yuan": yuan(d.amount),
        "received_on": d.received_on,
        "receipt_no": d.receipt_no,
        "note": d.note,
        "recorded_by": d.recorded_by.name,
        "recorded_at": d.recorded_at,
        "reversed": d.is_reversed,
        "reversed_at": d.reversed_at,
        "reverse_reason": d.reverse_reason,
    }


def payment_out(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk,
        "fund_id": p.fund_id,
        "purpose": p.purpose,
        "purpose_label": p.get_purpose_display(),
        "village_code": p.village.code if p.village else None,
        "payee": p.payee,
        "amount_fen": p.amount,
        "amount_yuan": yuan(p.amount),
        "document_no": p.document_no,
        "note": p.note,
        "status": p.status,
        "status_label": p.get_status_display(),
        "proposed_by": p.proposed_by.name,
        "proposed_at": p.proposed_at,
        "decided_by": p.decided_by.name if p.decided_by else None,
        "decided_at": p.decided_at,
        "reject_reason": p.reject_reason,
    }
