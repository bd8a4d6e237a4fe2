"""Routes of units (the second axis of scope): the tree, a unit with its people, and the
admin's changes.

The world's county holds two departments, 住建局 (with its sub-unit 开发办, handled by
handler_a) and 综合行政执法局 (handler_b). A handler sees their own unit and nothing of another
unit; the town's credit centre (clerk) sees only units tied to its town (none of the county's)
and manages none (units are kept at county level); the shop keeper and the cashier hold roles
in their shop's and merchant's units, which give them nothing here.
"""

from __future__ import annotations

from typing import Any

from cunxin.conftest import ENFORCEMENT, HOUSING, HOUSING_OFFICE, World
from cunxin.tests.access import Route
from cunxin.units.models import Unit, UnitKind
from cunxin.units.selectors import members_of

P = "/units"
API = "/api/units"
UNIT_PEOPLE = ["keeper_a", "cashier_a", "handler_a"]
NOT_MANAGERS = ["clerk", "committee_a", "keeper_a", "cashier_a", "handler_a"]


def _unit(name: str) -> Unit:
    return Unit.objects.get(name=name)


def _housing(w: World) -> int:
    return _unit(HOUSING).pk


def _office(w: World) -> int:
    return _unit(HOUSING_OFFICE).pk


def _handler_role(w: World) -> int:
    return members_of(_unit(HOUSING)).get(user=w.handler_a).pk


def _edit(w: World) -> dict[str, Any]:
    county = _unit(HOUSING).region
    assert county is not None
    return {"name": "住房和城乡建设局", "kind": UnitKind.DEPARTMENT, "region": county.pk}


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "units:index",
        "get",
        lambda w: f"{P}/",
        "handler_a",
        ["handler_b"],
        secret=HOUSING,
        extra_refused=["clerk", "keeper_a", "cashier_a", "collector_a"],
    ),
    Route(
        "units:index",
        "get",
        lambda w: f"{P}/",
        "handler_b",
        ["handler_a"],
        secret=ENFORCEMENT,
    ),
    Route(
        "units:new",
        "get",
        lambda w: f"{P}/new/",
        "admin",
        ["clerk"],
        secret=HOUSING,  # a parent to choose
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "units:new",
        "post",
        lambda w: f"{P}/new/",
        "admin",
        ["clerk"],
        data=lambda w: {"name": "市政处", "kind": UnitKind.DEPARTMENT, "parent": _housing(w)},
        ok=(302,),
        secret=HOUSING,
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "units:unit",
        "get",
        lambda w: f"{P}/{_housing(w)}/",
        "handler_a",
        ["handler_b"],
        secret="住建承办",  # the unit's people
        extra_refused=["clerk", "keeper_a", "cashier_a"],
    ),
    Route(
        "units:unit",
        "get",
        lambda w: f"{P}/{_housing(w)}/",
        "admin",
        ["clerk", "handler_b"],
        secret=HOUSING_OFFICE,  # its sub-units, which a handler of the unit alone does not see
        extra_refused=["handler_a"],
    ),
    Route(
        "units:edit",
        "post",
        lambda w: f"{P}/{_housing(w)}/edit/",
        "admin",
        ["clerk"],
        data=_edit,
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "units:move",
        "post",
        lambda w: f"{P}/{_office(w)}/move/",
        "admin",
        ["clerk"],
        data=lambda w: {"parent": ""},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "units:active",
        "post",
        lambda w: f"{P}/{_office(w)}/active/",
        "admin",
        ["clerk"],
        data=lambda w: {"active": "0", "reason": "机构改革撤并"},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "units:member_add",
        "post",
        lambda w: f"{P}/{_housing(w)}/members/",
        "admin",
        ["clerk"],
        data=lambda w: {"user": w.handler_b.pk, "role": "leader"},
        ok=(302,),
        extra_refused=UNIT_PEOPLE,
    ),
    Route(
        "units:member_remove",
        "post",
        lambda w: f"{P}/{_housing(w)}/members/{_handler_role(w)}/remove/",
        "admin",
        ["clerk"],
        ok=(302,),
        extra_refused=UNIT_PEOPLE,
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/units/units",
        "get",
        lambda w: f"{API}/units",
        "handler_a",
        ["handler_b"],
        secret=HOUSING,
        extra_refused=["clerk", "keeper_a", "cashier_a"],
    ),
    Route(
        "api:post /api/units/units",
        "post",
        lambda w: f"{API}/units",
        "admin",
        ["clerk"],
        data=lambda w: {"name": "市政处", "kind": "department", "parent_id": _housing(w)},
        json=True,
        ok=(201,),
        secret="市政处",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:get /api/units/units/{unit_id}",
        "get",
        lambda w: f"{API}/units/{_housing(w)}",
        "handler_a",
        ["handler_b"],
        secret="住建承办",
        extra_refused=["clerk", "keeper_a", "cashier_a"],
    ),
    Route(
        "api:post /api/units/units/{unit_id}",
        "post",
        lambda w: f"{API}/units/{_housing(w)}",
        "admin",
        ["clerk"],
        data=lambda w: {
            "name": "住房和城乡建设局",
            "kind": "department",
            "region_code": "370811000000",
        },
        json=True,
        secret="住房和城乡建设局",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/units/units/{unit_id}/move",
        "post",
        lambda w: f"{API}/units/{_office(w)}/move",
        "admin",
        ["clerk"],
        data=lambda w: {"parent_id": _unit(ENFORCEMENT).pk},
        json=True,
        secret=HOUSING_OFFICE,
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/units/units/{unit_id}/active",
        "post",
        lambda w: f"{API}/units/{_office(w)}/active",
        "admin",
        ["clerk"],
        data=lambda w: {"active": False, "reason": "机构改革撤并"},
        json=True,
        secret=HOUSING_OFFICE,
        extra_refused=NOT_MANAGERS,
    ),
]
