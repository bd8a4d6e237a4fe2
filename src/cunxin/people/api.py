"""API of residents, households and rosters."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError
from cunxin.core.fields import Code, Id, Line, Search
from cunxin.core.http import CSV, XLSX, api_check, download
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.people import actions, selectors
from cunxin.people.models import Household, Resident
from cunxin.regions.models import Level, Region

router = Router(tags=["people"])


class ResidentOut(Schema):
    id: int
    name: str
    village_code: str
    village_name: str
    household_id: int
    household_number: str
    relation: str
    is_head: bool
    gender: str
    birth_date: datetime.date
    phone: str
    id_masked: str
    status: str


def _resident_out(r: Resident) -> dict[str, object]:
    return {
        "id": r.pk,
        "name": r.name,
        "village_code": r.village.code,
        "village_name": r.village.name,
        "household_id": r.household_id,
        "household_number": r.household.number,
        "relation": r.relation,
        "is_head": r.is_head,
        "gender": r.gender,
        "birth_date": r.birth_date,
        "phone": r.phone,
        "id_masked": r.id_masked,
        "status": r.status,
    }


@router.get(
    "/residents",
    response=Page[ResidentOut],
    summary="查找村民（姓名、拼音首字母、手机号、身份证后四位）",
)
def list_residents(
    request: HttpRequest, paging: Query[PageIn], q: Search = "", village_code: Code = ""
) -> dict[str, object]:
    api_check(request, Perm.VIEW_PEOPLE)
    residents = selectors.residents_for(request.user)
    if village_code:
        residents = residents.filter(village__code=village_code)
    residents = selectors.search(residents, q).order_by(
        "village__code", "household__number", "-is_head", "pk"
    )
    return paginate(residents, paging, _resident_out)


@router.get("/residents/{resident_id}", response=ResidentOut, summary="村民详情（身份证号打码）")
def get_resident(request: HttpRequest, resident_id: Id) -> dict[str, object]:
    # A villager may read their own record here.
    api_check(request, Perm.VIEW_PEOPLE, regions=False)
    return _resident_out(get_object_or_404(selectors.residents_for(request.user), pk=resident_id))


class RevealIn(Schema):
    reason: Line


class RevealOut(Schema):
    id_number: str


@router.post(
    "/residents/{resident_id}/reveal", response=RevealOut, summary="查看完整身份证号（记录在案）"
)
def reveal(request: HttpRequest, resident_id: Id, payload: RevealIn) -> dict[str, str]:
    api_check(request, Perm.REVEAL_ID)
    resident = get_object_or_404(
        selectors.residents_for(request.user, Perm.REVEAL_ID), pk=resident_id
    )
    return {
        "id_number": actions.do_reveal_id(resident, acting_user=request.user, reason=payload.reason)
    }


class HouseholdDetailOut(Schema):
    id: int
    number: str
    village_code: str
    members: list[ResidentOut]


@router.get("/households/{household_id}", response=HouseholdDetailOut, summary="户及成员")
def get_household(request: HttpRequest, household_id: Id) -> dict[str, object]:
    api_check(request, Perm.VIEW_PEOPLE)
    household = get_object_or_404(
        Household.objects.restrict(request.user, Perm.VIEW_PEOPLE).select_related("village"),
        pk=household_id,
    )
    members = household.members.select_related("village", "household").order_by(
        "-is_head", "birth_date"
    )
    return {
        "id": household.pk,
        "number": household.number,
        "village_code": household.village.code,
        "members": [_resident_out(m) for m in members],
    }


class RosterImportOut(Schema):
    dry_run: bool
    households_created: int
    residents_created: int
    residents_updated: int
    residents_unchanged: int


@router.post("/roster/import", response=RosterImportOut, summary="导入花名册（有错则全部不导入）")
def import_roster(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> actions.ImportResult:
    api_check(request, Perm.IMPORT_ROSTER)
    return actions.do_import_roster(
        file, file.name or "roster.xlsx", acting_user=request.user, dry_run=dry_run
    )


class ExportIn(Schema):
    village_codes: list[Code] = Field(max_length=1000)
    format: Literal["xlsx", "csv"] = "xlsx"
    reason: Line  # why full ID numbers leave the platform; required, kept in the audit trail


@router.post("/roster/export", summary="导出花名册（含完整身份证号，记录在案）")
def export_roster(request: HttpRequest, payload: ExportIn) -> HttpResponse:
    api_check(request, Perm.EXPORT_ROSTER)
    villages = list(
        Region.objects.restrict(request.user, Perm.EXPORT_ROSTER).filter(
            level=Level.VILLAGE, code__in=payload.village_codes
        )
    )
    if len(villages) != len(set(payload.village_codes)) or not villages:
        raise DomainError("village_unknown", _("有的村不存在或不在您的管辖范围内。"))
    content = actions.do_export_roster(
        villages, fmt=payload.format, acting_user=request.user, reason=payload.reason
    )
    return download(content, f"roster.{payload.format}", XLSX if payload.format == "xlsx" else CSV)
