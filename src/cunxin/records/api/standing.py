"""The villager's own score, grade, spendable points and statement by API."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from annotated_types import Interval
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Schema

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import MAX_ID
from cunxin.core.http import api_check
from cunxin.core.paging import MAX_LIMIT
from cunxin.people.models import Resident
from cunxin.records import selectors
from cunxin.records.api.base import router
from cunxin.records.standing import standing, statement

# --- the villager's standing -------------------------------------------------------------------


class GradeChangeOut(Schema):
    from_grade: str
    to_grade: str
    score_before: int
    score_after: int
    cause: str
    at: datetime.datetime


class StandingOut(Schema):
    resident_id: int
    name: str
    score: int
    grade: str
    spendable: int
    base: int
    grade_changes: list[GradeChangeOut]


def _own_resident(request: HttpRequest) -> Resident:
    api_check(request, Perm.VIEW_RECORDS, regions=False)
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        raise Http404
    return get_object_or_404(
        Resident.objects.restrict(request.user, Perm.VIEW_RECORDS).select_related("village"),
        pk=resident_id,
    )


@router.get("/me", response=StandingOut, summary="我的信用分、等级、可用积分和等级变化")
def my_standing(request: HttpRequest) -> dict[str, Any]:
    resident = _own_resident(request)
    now = standing(resident)
    return {
        "resident_id": resident.pk,
        "name": resident.name,
        "score": now.score,
        "grade": str(now.grade),
        "spendable": now.spendable,
        "base": now.base,
        "grade_changes": list(selectors.grade_changes(request.user, resident)[:50]),
    }


class StatementLineOut(Schema):
    kind: str
    label: str
    score: int
    spendable: int
    at: datetime.datetime
    record_id: int | None
    item_name: str
    cursor: int


class StatementOut(Schema):
    lines: list[StatementLineOut]
    older: int | None = Field(description="下一页：作为 before 传入；没有更早的为 null")


@router.get(
    "/me/statement",
    response=StatementOut,
    summary="我的积分明细：每一笔信用分和可用积分的变动，最新的在前",
)
def my_statement(
    request: HttpRequest,
    before: Annotated[int, Interval(ge=0, le=MAX_ID)] | None = None,
    limit: Annotated[int, Interval(ge=1, le=MAX_LIMIT)] = 20,
) -> dict[str, Any]:
    resident = _own_resident(request)
    lines = statement(resident, limit=limit, before=before)
    return {
        "lines": [
            {
                "kind": s.line.transfer.kind,
                "label": s.label,
                "score": s.line.score,
                "spendable": s.line.spendable,
                "at": s.at,
                "record_id": s.record_id,
                "item_name": s.item_name,
                "cursor": s.line.cursor,
            }
            for s in lines
        ],
        "older": lines[-1].line.cursor if len(lines) == limit else None,
    }
