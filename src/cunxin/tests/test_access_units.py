"""Roles held in units reach nothing of the credit system: a department's handler is refused
(or sees nothing of village A) on every route of the matrix but the units' own.

``test_access.py`` tries each route with the personas it names; this sweep adds the handler of
住建局 to every route, so a unit role that grew a reach into regions would show here.
"""

from __future__ import annotations

import json

import pytest
from django.http import HttpResponse

from cunxin.conftest import World, login
from cunxin.tests.access import Route
from cunxin.tests.test_access import ROUTES

HANDLER = "handler_a"
SWEPT = [
    r
    for r in ROUTES
    if not r.public
    and HANDLER not in (r.right, *r.others)
    and not r.name.startswith(("units:", "api:get /api/units", "api:post /api/units"))
]


def _call(route: Route, world: World) -> HttpResponse:
    client = login(world.users[HANDLER])
    url = route.url(world)
    if route.method == "get":
        return client.get(url)  # type: ignore[return-value]
    data = route.data(world) if route.data else {}
    if route.json:
        return client.post(url, data, content_type="application/json")  # type: ignore[return-value]
    return client.post(url, data)  # type: ignore[return-value]


@pytest.mark.parametrize("route", SWEPT, ids=[r.name for r in SWEPT])
def test_a_departments_handler_is_refused_everywhere_in_the_credit_system(
    policy_world: World, route: Route
) -> None:
    response = _call(route, policy_world)
    if response.status_code in (403, 404):
        return
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    assert route.secret not in body, f"{HANDLER} saw {route.secret!r} at {route.name}"
    assert "attachment" not in response.get("Content-Disposition", "")


@pytest.mark.parametrize("persona", ["handler_a", "cashier_a"])
def test_the_menu_of_a_unit_persona_offers_only_pages_they_can_open(
    world: World, persona: str
) -> None:
    import re

    client = login(world.users[persona])
    page = client.get("/", follow=True).content.decode()
    nav = page.split('class="cx-nav"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, (persona, link)
    if persona == "handler_a":
        assert "/units/" in links
        assert "/shop/" not in links
    else:
        assert "/merchants/" in links
        assert "/shop/" not in links
