"""The client's address behind trusted proxies (and only behind them)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from cunxin.core.proxies import client_address, parse_networks

PROXY = ["10.0.0.1", "10.0.1.0/24"]


def _meta(remote: str, forwarded: str | None = None) -> dict[str, object]:
    meta: dict[str, object] = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return meta


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # No proxy configured or not from a proxy: the header is the client's own invention.
        ("203.0.113.7", "198.51.100.1", "203.0.113.7"),
        # From our proxy: the right-most address that is not one of ours.
        ("10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.1", "1.1.1.1, 198.51.100.1", "198.51.100.1"),  # the left one was forged
        ("10.0.0.1", "198.51.100.1, 10.0.1.5", "198.51.100.1"),  # two proxies of ours
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "unknown, 10.0.1.5", "10.0.1.5"),  # garbage: the last proxy we know
        ("10.0.0.1", "[2001:db8::7]:4711", "2001:db8::7"),
        ("10.0.0.1", "198.51.100.1:51234", "198.51.100.1"),
        ("::ffff:10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("", "198.51.100.1", ""),
    ],
)
def test_the_client_is_the_right_most_hop_that_is_not_our_proxy(
    remote: str, forwarded: str, client: str
) -> None:
    trusted = PROXY if remote != "203.0.113.7" else []
    assert client_address(_meta(remote, forwarded), trusted) == client


def test_without_trusted_proxies_the_header_is_ignored_even_from_a_private_address() -> None:
    assert client_address(_meta("10.0.0.1", "198.51.100.1"), []) == "10.0.0.1"


def test_a_typo_in_the_setting_is_a_configuration_error() -> None:
    with pytest.raises(ImproperlyConfigured):
        parse_networks(["10.0.0.300"])


@pytest.mark.django_db
def test_the_limit_per_address_counts_each_client_behind_the_proxy(
    settings: Any, world: Any
) -> None:
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    behind = {"REMOTE_ADDR": "10.0.0.1", "HTTP_HOST": "127.0.0.1"}
    guesser = Client(**behind, HTTP_X_FORWARDED_FOR="198.51.100.1")
    for phone in ("13800000002", "13800000004"):
        guesser.post("/accounts/login/", {"phone": phone, "password": "guess"})
    page = guesser.post("/accounts/login/", {"phone": "13800000005", "password": "guess"})
    assert "请先回答验证题" in page.content.decode()
    # Everyone else behind the same proxy has an address of their own.
    neighbour = Client(**behind, HTTP_X_FORWARDED_FOR="198.51.100.2")
    from cunxin.conftest import PASSWORD

    response = neighbour.post("/accounts/login/", {"phone": "13800000003", "password": PASSWORD})
    assert response.status_code == 302
    # A guesser forging the header from outside is counted at their real address.
    forger = Client(
        HTTP_HOST="127.0.0.1", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    page = forger.post("/accounts/login/", {"phone": "13800000001", "password": PASSWORD})
    assert "请先回答验证题" in page.content.decode()
