"""API of regions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from cunxin.accounts.permissions import Perm
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.regions.selectors import villages_for

router = Router(tags=["regions"])


class VillageOut(Schema):
    id: int
    code: str
    name: str
    town_code: str
    town_name: str
    household_count: int
    resident_count: int


def _village_out(v: Any) -> dict[str, object]:
    return {
        "id": v.pk,
        "code": v.code,
        "name": v.name,
        "town_code": v.parent.code if v.parent else "",
        "town_name": v.parent.name if v.parent else "",
        "household_count": v.household_count,
        "resident_count": v.resident_count,
    }


@router.get("/villages", response=Page[VillageOut], summary="可查看的村及户数、人数")
def list_villages(request: HttpRequest, paging: Query[PageIn]) -> dict[str, object]:
    api_check(request, Perm.VIEW_PEOPLE)
    return paginate(villages_for(request.user, Perm.VIEW_PEOPLE), paging, _village_out)
