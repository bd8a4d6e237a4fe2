"""The client's address behind trusted reverse proxies.

Behind a reverse proxy, ``REMOTE_ADDR`` is the proxy: every user would share one address, and a
limit per address would refuse them all at once. ``X-Forwarded-For`` names the client, but any
client can send that header, so it is believed only as far as the proxies we run:

- ``TRUSTED_PROXIES`` (setting) lists the proxies' addresses or networks; empty by default, and
  then the header is ignored entirely;
- the header is read only when the peer itself is a trusted proxy, from the right (the hop our
  own proxy appended) to the left, skipping trusted proxies; the first address that is not one of
  ours is the client. Anything to its left was written by the client and is not believed;
- an entry that is not an address ends the walk: the last proxy that handed it on is the client
  as far as we can tell.

``TrustedProxyMiddleware`` puts that address in ``REMOTE_ADDR`` (keeping the peer's in
``CUNXIN_PEER_ADDR``), so the login limit, the audit and the logs all see the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks as written in the setting; a typo is a configuration error."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXIES: {entry!r} is not an address") from exc
    return tuple(networks)


@cache
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(entries)


def _address(text: str) -> Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:51234
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(meta: dict[str, object], trusted_proxies: Iterable[str] | None = None) -> str:
    """The client's address for a request's META (see the module docstring); "" if unknown."""
    networks = _trusted(
        tuple(settings.TRUSTED_PROXIES if trusted_proxies is None else trusted_proxies)
    )
    peer = _address(str(meta.get("REMOTE_ADDR") or ""))
    if peer is None:
        return ""

    def ours(address: Address) -> bool:
        return any(address in network for network in networks)

    if not ours(peer):
        return str(peer)
    client = peer
    forwarded = str(meta.get("HTTP_X_FORWARDED_FOR") or "")
    for hop in reversed([h for h in forwarded.split(",") if h.strip()]):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not ours(address):
            break
    return str(client)


class TrustedProxyMiddleware:
    """Sets ``REMOTE_ADDR`` to the client's address as the trusted proxies report it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        parse_networks(settings.TRUSTED_PROXIES)  # a typo stops the server at start

    def __call__(self, request: HttpRequest) -> HttpResponse:
        peer = request.META.get("REMOTE_ADDR", "")
        request.META["CUNXIN_PEER_ADDR"] = peer
        request.META["REMOTE_ADDR"] = client_address(request.META) or peer
        return self.get_response(request)
