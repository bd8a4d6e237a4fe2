"""The customer a counter is serving, kept in the cashier's session from the scan to the payment.

A pay code lives 90 seconds and picking goods can take longer, so the shop's and the merchant's
counters remember who was identified, for a while; the code itself is used up only by the
payment (``identify.consume``), inside the payment's transaction.
"""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from cunxin.cards.identify import Customer
from cunxin.people.models import Resident

CUSTOMER_MINUTES = 10


def remember_customer(request: HttpRequest, key: str, place_id: int, customer: Customer) -> None:
    """Keep the customer under ``key`` for the counter ``place_id`` (a shop, a merchant)."""
    request.session[key] = {
        "place": place_id,
        "resident": customer.resident.pk,
        "via": customer.via,
        "nonce": customer.nonce,
        "at": time.time(),
    }


def recall_customer(request: HttpRequest, key: str, place_id: int) -> Customer | None:
    """The customer this counter identified in the last ``CUSTOMER_MINUTES``, if any."""
    held: dict[str, Any] | None = request.session.get(key)
    if not held or held.get("place") != place_id:
        return None
    if time.time() - float(held.get("at", 0)) > CUSTOMER_MINUTES * 60:
        request.session.pop(key, None)
        return None
    resident = Resident.objects.select_related("village").filter(pk=held["resident"]).first()
    if resident is None:
        return None
    return Customer(resident=resident, via=str(held["via"]), nonce=str(held["nonce"]))
