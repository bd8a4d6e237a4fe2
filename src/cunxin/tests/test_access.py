"""Every page and API endpoint, tried by each kind of user.

For each route: the right role gets it; an anonymous visitor is sent to log in (pages) or gets
401 (API); a villager is refused; the same role in another village (or town) is refused or sees
nothing of the first village. A route missing from this table fails ``test_every_route_is_here``.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cunxin.conftest import ROSTER_HEADERS, World, login, make_id, roster_csv
from cunxin.people.models import Resident
from cunxin.policy.models import CatalogueItem

TODAY = timezone.localdate()


@dataclass
class Route:
    name: str  # URL name, or "api:<method> <path>" for API operations
    method: str
    url: Callable[[World], str]
    right: str  # a persona who may
    others: list[str]  # same role elsewhere: refused, or sees nothing of the right one's data
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    villager_allowed: bool = False
    secret: str = "张三"  # text of the right one's data that others must not see
    ok: tuple[int, ...] = (200,)
    extra_refused: list[str] = field(default_factory=list)


def resident(w: World, name: str = "张三") -> Resident:
    return w.resident(name)


def item(w: World) -> CatalogueItem:
    return CatalogueItem.objects.filter(region=w.town).order_by("code").first()  # type: ignore[return-value]


def _file(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def _new_roster(w: World) -> dict[str, Any]:
    rows = [("前双村", "0009", "赵六", "赵六", "户主", make_id("19700101", 17), "")]
    return {"file": _file(roster_csv(rows, ROSTER_HEADERS), "r.csv")}


POLICY_VALUES = {"notice_days": 5}
ITEM = {
    "code": "PW-R90",
    "name": "测试条目",
    "category": "public_welfare",
    "direction": "reward",
    "scoring": "fixed",
    "points": 3,
    "effective_from": TODAY.isoformat(),
    "change_reason": "测试",
}

ROUTES = [
    # --- pages -----------------------------------------------------------------------------
    Route(
        "regions:villages",
        "get",
        lambda w: "/regions/",
        "collector_a",
        ["collector_b"],
        secret="前双村",
    ),
    Route(
        "regions:village",
        "get",
        lambda w: f"/regions/{w.village_a.pk}/",
        "collector_a",
        ["collector_b", "clerk2"],
    ),
    Route(
        "regions:create",
        "get",
        lambda w: "/regions/new/",
        "admin",
        [],
        extra_refused=["clerk"],
        secret="区划代码",
    ),
    Route(
        "people:residents", "get", lambda w: "/people/", "collector_a", ["collector_b", "clerk2"]
    ),
    Route(
        "people:resident",
        "get",
        lambda w: f"/people/{resident(w).pk}/",
        "collector_a",
        ["collector_b", "clerk2"],
    ),
    Route(
        "people:resident_edit",
        "get",
        lambda w: f"/people/{resident(w).pk}/edit/",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
    ),
    Route(
        "people:reveal",
        "post",
        lambda w: f"/people/{resident(w).pk}/reveal/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "核对"},
        extra_refused=["collector_a", "committee_a"],
        secret=make_id("19650312", 11),
    ),
    Route(
        "people:household",
        "get",
        lambda w: f"/people/households/{resident(w).household_id}/",
        "collector_a",
        ["collector_b", "clerk2"],
    ),
    Route(
        "people:import",
        "post",
        lambda w: "/people/import/",
        "clerk",
        ["clerk2"],
        data=_new_roster,
        extra_refused=["collector_a", "committee_a"],
        secret="新增 1 户",
    ),
    Route(
        "people:export",
        "post",
        lambda w: "/people/export/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"villages": [w.village_a.pk], "fmt": "csv", "reason": "核对"},
        extra_refused=["collector_a"],
        secret="张三",
    ),
    Route(
        "people:me",
        "get",
        lambda w: "/people/me/",
        "villager_a",
        [],
        villager_allowed=True,
        extra_refused=["collector_a"],
    ),
    Route(
        "policy:policy",
        "get",
        lambda w: f"/policy/?region={w.village_a.pk}",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        secret="测试办法",
    ),
    Route(
        "policy:policy_edit",
        "get",
        lambda w: f"/policy/edit/?region={w.town.pk}",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a", "committee_a"],
        secret="测试办法",
    ),
    Route(
        "policy:catalogue",
        "get",
        lambda w: f"/policy/catalogue/?region={w.village_a.pk}",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        secret="VM-R01",
    ),
    Route(
        "policy:item",
        "get",
        lambda w: f"/policy/catalogue/{item(w).pk}/",
        "collector_a",
        ["clerk2"],
        villager_allowed=True,
        secret="认定标准",
    ),
    Route(
        "policy:item_edit",
        "get",
        lambda w: f"/policy/catalogue/{item(w).pk}/edit/",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
        secret="认定标准",
    ),
    Route(
        "policy:item_create",
        "get",
        lambda w: f"/policy/catalogue/new/?region={w.town.pk}",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
        secret="李营街道",
    ),
    Route(
        "policy:catalogue_import",
        "get",
        lambda w: f"/policy/catalogue/import/?region={w.town.pk}",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
        secret="李营街道",
    ),
    Route(
        "policy:catalogue_export",
        "get",
        lambda w: f"/policy/catalogue/export.xlsx?region={w.village_a.pk}",
        "collector_a",
        ["collector_b", "clerk2"],
        villager_allowed=True,
        secret="attachment",
    ),
    Route(
        "accounts:users",
        "get",
        lambda w: "/accounts/users/",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
        secret="collector_a",
    ),
    Route(
        "accounts:user",
        "get",
        lambda w: f"/accounts/users/{w.collector_a.pk}/",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_b"],
        secret="collector_a",
    ),
    Route(
        "accounts:user_create",
        "get",
        lambda w: "/accounts/users/new/",
        "clerk",
        [],
        extra_refused=["collector_a", "committee_a"],
        secret="初始密码",
    ),
    Route(
        "accounts:user_reset_password",
        "post",
        lambda w: f"/accounts/users/{w.collector_a.pk}/reset-password/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"new_password": "temp-pass-777", "reason": "忘记"},
        extra_refused=["committee_a"],
        ok=(302,),
        secret="已重置密码",
    ),
    Route(
        "accounts:user_set_active",
        "post",
        lambda w: f"/accounts/users/{w.collector_a.pk}/active/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"active": "0", "reason": "离任"},
        extra_refused=["committee_a"],
        ok=(302,),
        secret="已停用",
    ),
    Route(
        "accounts:user_grant_role",
        "post",
        lambda w: f"/accounts/users/{w.collector_a.pk}/roles/",
        "clerk",
        ["clerk2"],
        data=lambda w: {"role": "committee", "region": w.village_a.pk},
        extra_refused=["committee_a"],
        ok=(302,),
        secret="已授予",
    ),
    Route(
        "accounts:user_revoke_role",
        "post",
        lambda w: (
            f"/accounts/users/{w.collector_a.pk}/roles/{w.collector_a.assignments.get().pk}/revoke/"
        ),
        "clerk",
        ["clerk2"],
        data=lambda w: {"reason": "换届"},
        extra_refused=["committee_a"],
        ok=(302,),
        secret="已撤销",
    ),
    Route(
        "web:audit",
        "get",
        lambda w: "/audit/",
        "clerk",
        ["clerk2"],
        extra_refused=["collector_a"],
        secret="前双村",
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/accounts/me",
        "get",
        lambda w: "/api/accounts/me",
        "collector_a",
        [],
        villager_allowed=True,
        json=True,
        secret="collector_a",
    ),
    Route(
        "api:get /api/accounts/users",
        "get",
        lambda w: "/api/accounts/users",
        "clerk",
        ["clerk2"],
        json=True,
        extra_refused=["collector_a"],
        secret="collector_a",
    ),
    Route(
        "api:get /api/accounts/users/{user_id}",
        "get",
        lambda w: f"/api/accounts/users/{w.collector_a.pk}",
        "clerk",
        ["clerk2"],
        json=True,
        secret="collector_a",
    ),
    Route(
        "api:post /api/accounts/users",
        "post",
        lambda w: "/api/accounts/users",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: {
            "phone": "13912340000",
            "name": "新人",
            "password": "init-pass-123",
            "role": "collector",
            "region_code": w.village_a.code,
        },
        extra_refused=["collector_a"],
        ok=(201,),
        secret="新人",
    ),
    Route(
        "api:get /api/regions/villages",
        "get",
        lambda w: "/api/regions/villages",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        secret="前双村",
    ),
    Route(
        "api:get /api/people/residents",
        "get",
        lambda w: "/api/people/residents",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
    ),
    Route(
        "api:get /api/people/residents/{resident_id}",
        "get",
        lambda w: f"/api/people/residents/{resident(w, '王建国').pk}",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        secret="王建国",
    ),
    Route(
        "api:post /api/people/residents/{resident_id}/reveal",
        "post",
        lambda w: f"/api/people/residents/{resident(w).pk}/reveal",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: {"reason": "核对"},
        extra_refused=["collector_a"],
        secret=make_id("19650312", 11),
    ),
    Route(
        "api:get /api/people/households/{household_id}",
        "get",
        lambda w: f"/api/people/households/{resident(w).household_id}",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
    ),
    Route(
        "api:post /api/people/roster/import",
        "post",
        lambda w: "/api/people/roster/import",
        "clerk",
        ["clerk2"],
        data=_new_roster,
        extra_refused=["collector_a"],
        secret="residents_created",
    ),
    Route(
        "api:post /api/people/roster/export",
        "post",
        lambda w: "/api/people/roster/export",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: {"village_codes": [w.village_a.code], "format": "csv", "reason": "核对"},
        extra_refused=["collector_a"],
        secret="张三",
    ),
    Route(
        "api:get /api/policy/policy",
        "get",
        lambda w: f"/api/policy/policy?region_code={w.village_a.code}",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        villager_allowed=True,
        secret="测试办法",
    ),
    Route(
        "api:post /api/policy/policy",
        "post",
        lambda w: f"/api/policy/policy?region_code={w.town.code}",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: {
            "effective_from": TODAY.isoformat(),
            "change_reason": "测试",
            "values": POLICY_VALUES,
        },
        extra_refused=["collector_a"],
        ok=(201,),
        secret="测试办法",
    ),
    Route(
        "api:get /api/policy/catalogue",
        "get",
        lambda w: f"/api/policy/catalogue?region_code={w.village_a.code}",
        "collector_a",
        ["collector_b", "clerk2"],
        json=True,
        villager_allowed=True,
        secret="VM-R01",
    ),
    Route(
        "api:post /api/policy/catalogue",
        "post",
        lambda w: f"/api/policy/catalogue?region_code={w.town.code}",
        "clerk",
        ["clerk2"],
        json=True,
        data=lambda w: ITEM,
        extra_refused=["collector_a"],
        ok=(201,),
        secret="测试条目",
    ),
]


def _call(route: Route, world: World, persona: str | None) -> HttpResponse:
    client = login(world.users[persona] if persona else None)
    url = route.url(world)
    if route.method == "get":
        return client.get(url)  # type: ignore[return-value]
    data = route.data(world) if route.data else {}
    if route.json:
        return client.post(url, data, content_type="application/json")  # type: ignore[return-value]
    return client.post(url, data)  # type: ignore[return-value]


def _text(response: HttpResponse) -> str:
    disposition = response.get("Content-Disposition", "")
    body = response.content.decode(errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        body = json.dumps(json.loads(body), ensure_ascii=False)
    return disposition + body


def _assert_refused(route: Route, response: HttpResponse, who: str) -> None:
    if response.status_code in (401, 403, 404):
        return
    if response.status_code == 302:
        assert "/accounts/login/" in response["Location"] or route.ok == (302,), who
    # Some list pages answer 200 with only the user's own data, and some forms answer 200
    # with a validation error: neither may show the right user's data or hand out a file.
    assert route.secret not in _text(response), f"{who} saw {route.secret!r} at {route.name}"
    assert "attachment" not in response.get("Content-Disposition", ""), who


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_the_right_role_gets_it(policy_world: World, route: Route) -> None:
    response = _call(route, policy_world, route.right)
    assert response.status_code in route.ok, response.content[:500]
    assert route.secret in _text(response) or route.ok == (302,)


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_an_anonymous_visitor_is_refused(policy_world: World, route: Route) -> None:
    response = _call(route, policy_world, None)
    if route.name.startswith("api:"):
        assert response.status_code == 401
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "route", [r for r in ROUTES if not r.villager_allowed], ids=lambda r: r.name
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
