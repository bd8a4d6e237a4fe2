"""A counter remembers who it identified for ten minutes, for itself only."""

from __future__ import annotations

import time
from unittest import mock

from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest

from cunxin.cards.counter import CUSTOMER_MINUTES, recall_customer, remember_customer
from cunxin.cards.identify import Customer
from cunxin.conftest import World


def _request() -> HttpRequest:
    request = HttpRequest()
    request.session = SessionStore()
    return request


def test_the_counter_forgets_the_customer_after_ten_minutes_and_other_counters_never_see_them(
    world: World,
) -> None:
    zhang = world.resident("张三")
    request = _request()
    remember_customer(request, "shop_customer", 7, Customer(resident=zhang, via="code", nonce="1"))
    held = recall_customer(request, "shop_customer", 7)
    assert held is not None
    assert (held.resident, held.via, held.nonce) == (zhang, "code", "1")
    assert recall_customer(request, "shop_customer", 8) is None  # another shop's counter
    later = time.time() + CUSTOMER_MINUTES * 60 + 1
    with mock.patch("cunxin.cards.counter.time.time", return_value=later):
        assert recall_customer(request, "shop_customer", 7) is None
    assert "shop_customer" not in request.session  # and it is gone for good
