"""Every page and API endpoint, tried by each kind of user.

For each route: the right role gets it; an anonymous visitor is sent to log in (pages) or gets
401 (API); a villager is refused; the same role in another village (or town) is refused or sees
nothing of the first village. A public route (``public=True``, the notice board) is read by
anyone, the anonymous visitor included, and shows no ID number or phone number to anyone.
A route missing from the ``routes_*`` modules fails ``test_every_route_is_here``.

Every call is also judged by what it did to the database (``access.observe``): a refusal
changes no table at all, whatever status it answered; the right persona's write changes the
books and leaves an audit entry in their name; a read changes nothing.

The world is built once for the module and each test runs in a savepoint rolled back after
it (``policy_world_once``), so the ~2,000 tests pay for the actions of their own route only.
"""

from __future__ import annotations

import datetime
import importlib
import json
import pkgutil
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

import cunxin.tests
from cunxin.conftest import ROSTER_A, ROSTER_B, ROSTER_C, World, copy_of, login
from cunxin.tests.access import Change, Route, observe, observe_refusal

ROUTES: list[Route] = [
    route
    for module in pkgutil.iter_modules(cunxin.tests.__path__)
    if module.name.startswith("routes_")
    for route in importlib.import_module(f"cunxin.tests.{module.name}").ROUTES
]


@pytest.fixture
def policy_world(policy_world_once: World, db: None) -> World:
    """The matrix's world is built once per module; each test has its own copy, in a
    savepoint rolled back after it (see ``policy_world_once``)."""
    return copy_of(policy_world_once)


@pytest.fixture
def world(policy_world_once: World, db: None) -> World:
    return copy_of(policy_world_once)


def _call(
    route: Route, world: World, persona: str | None, *, allowed: bool = False
) -> tuple[HttpResponse, Change]:
    """Make the route's request as the persona; what it answered and what it changed.

    The route's own set-up (its URL and form data are built through the actions) happens
    before the database is first read, so only the request itself is judged.
    """
    client = login(world.users[persona] if persona else None)
    url = route.url(world)
    data = route.data(world) if route.data else {}

    def request() -> HttpResponse:
        if route.method == "get":
            return client.get(url)  # type: ignore[return-value]
        if route.json:
            return client.post(url, data, content_type="application/json")  # type: ignore[return-value]
        return client.post(url, data)  # type: ignore[return-value]

    return observe(request) if allowed else observe_refusal(request)


def _assert_nothing_changed(route: Route, change: Change, who: str) -> None:
    """A refusal is shown by what did not happen: no row written, changed or removed."""
    assert not change.tables, (
        f"{who} was refused {route.name} but it changed {sorted(change.tables)}"
        f" (audit: {change.actions})"
    )


def _assert_effect(route: Route, world: World, change: Change) -> None:
    """The right persona's call did what the route is for, and nothing when it only reads."""
    if not route.does_write:
        _assert_nothing_changed(route, change, route.right)
        return
    assert change.tables - {"core.AuditEntry"} or change.audit, f"{route.name} changed nothing"
    if route.audited:
        user = world.users[route.right]
        assert change.audited_by(user), (
            f"{route.name} by {route.right} left no audit entry of theirs"
            f" (changed {sorted(change.tables)})"
        )
    if route.effect is not None:
        route.effect(world, change)


def _text(response: HttpResponse) -> str:
    disposition = response.get("Content-Disposition", "")
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return disposition + body


def _assert_refused(route: Route, outcome: tuple[HttpResponse, Change], who: str) -> None:
    response, change = outcome
    _assert_nothing_changed(route, change, who)
    if response.status_code in (401, 403, 404):
        return
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"] or route.ok == (302,), who
    # Some list pages answer 200 with only the user's own data, and some forms answer 200
    # with a validation error: neither may show the right user's data or hand out a file.
    assert route.secret not in _text(response), f"{who} saw {route.secret!r} at {route.name}"
    assert "attachment" not in response.get("Content-Disposition", ""), who


def _assert_public(route: Route, response: HttpResponse, world: World, who: str) -> None:
    assert response.status_code in route.ok, (who, response.content[:500])
    text = _text(response)
    assert route.secret in text, who
    people = ROSTER_A + ROSTER_B + ROSTER_C
    ids = [str(p[5]) for p in people]
    private = [
        *ids,
        *(i[:6] + "********" + i[-4:] for i in ids),  # even masked, an ID is not for the board
        *(str(p[6]) for p in people if p[6]),
        *(u.phone for u in world.users.values()),
    ]
    leaked = [p for p in private if p in text]
    assert not leaked, f"{who} saw {leaked} at {route.name}"


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_the_right_role_gets_it(policy_world: World, route: Route) -> None:
    response, change = _call(route, policy_world, route.right, allowed=True)
    assert response.status_code in route.ok, response.content[:500]
    assert route.secret in _text(response) or route.ok == (302,)
    _assert_effect(route, policy_world, change)
    if route.public:
        _assert_public(route, response, policy_world, route.right)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_an_anonymous_visitor_is_refused(policy_world: World, route: Route) -> None:
    response, change = _call(route, policy_world, None)
    _assert_nothing_changed(route, change, "anonymous")
    if route.public:
        _assert_public(route, response, policy_world, "anonymous")
    elif route.name.startswith("api:"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if not (r.villager_allowed or r.public)], ids=lambda r: r.name
)
def test_a_villager_is_refused(policy_world: World, route: Route) -> None:
    _assert_refused(route, _call(route, policy_world, "villager_a"), "villager_a")


@pytest.mark.parametrize(
    ("route", "persona"),
    [(r, p) for r in ROUTES for p in r.others + r.extra_refused],
    ids=lambda v: v.name if isinstance(v, Route) else v,
)
def test_the_same_role_elsewhere_and_lesser_roles_are_refused(
    policy_world: World, route: Route, persona: str
) -> None:
    _assert_refused(route, _call(route, policy_world, persona), persona)


def _url_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            if ns in {"admin", "api"} or (p.pattern and str(p.pattern).startswith("i18n")):
                continue
            names |= _url_names(p.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            names.add(namespace + p.name)
    return names


def test_every_route_is_here() -> None:
    from cunxin.api import api

    pages = _url_names(get_resolver().url_patterns) - {
        "web:home",
        "accounts:login",
        "accounts:logout",
        "accounts:password",
    }
    api_ops = {
        f"api:{method.lower()} /api{prefix.rstrip('/')}{path}"
        for prefix, router in api._routers
        for path, view in router.path_operations.items()
        for op in view.operations
        for method in op.methods
    }
    api_ops = {op.replace("/api/", "/api/", 1).replace("//", "/") for op in api_ops}
    covered = {r.name for r in ROUTES}
    assert pages - covered == set()
    assert {op for op in api_ops if op.count("/") > 2} - covered == set()


def test_home_needs_a_login_and_sends_villagers_to_their_page(world: World) -> None:
    assert login(None).get("/").status_code == 302
    assert login(world.villager_a).get("/").url == "/people/me/"
    assert "前双村" in login(world.collector_a).get("/").content.decode()
    assert "前双村" not in login(world.collector_b).get("/").content.decode()
    assert datetime.date.today()


@pytest.mark.parametrize(
    "persona", ["admin", "clerk", "committee_a", "collector_a", "keeper_a", "villager_a"]
)
def test_the_menu_offers_only_pages_the_user_can_open(world: World, persona: str) -> None:
    import re

    client = login(world.users[persona])
    page = client.get("/", follow=True).content.decode()
    nav = page.split('class="cx-nav"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links
    for link in links:
        assert client.get(link).status_code == 200, (persona, link)
