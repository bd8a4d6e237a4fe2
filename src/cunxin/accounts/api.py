"""API of users and roles."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status

from cunxin.accounts import actions, selectors
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm, Role
from cunxin.core.fields import Code, Id, Line, Name, Search, Secret
from cunxin.core.http import api_check
from cunxin.core.paging import Page, PageIn, paginate
from cunxin.core.scoping import may
from cunxin.people.models import Resident
from cunxin.regions.models import Region

router = Router(tags=["accounts"])


class RoleOut(Schema):
    role: str
    role_label: str
    region_code: str | None
    region_name: str | None
    unit_id: int | None = None
    unit_name: str | None = None


class UserOut(Schema):
    id: int
    phone: str
    name: str
    is_active: bool
    roles: list[RoleOut]


class MeOut(UserOut):
    resident_id: int | None
    permissions: list[str]


def _user_out(user: User) -> dict[str, object]:
    return {
        "id": user.pk,
        "phone": user.phone,
        "name": user.name,
        "is_active": user.is_active,
        "roles": [
            {
                "role": a.role,
                "role_label": str(a.get_role_display()),
                "region_code": a.region.code if a.region else None,
                "region_name": a.region.name if a.region else None,
                "unit_id": a.unit_id,
                "unit_name": a.unit.name if a.unit else None,
            }
            for a in user.active_assignments()
        ],
    }


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    assert isinstance(user, User)
    return {
        **_user_out(user),
        "resident_id": user.resident_id,
        "permissions": sorted(p.value for p in Perm if may(user, p)),
    }


@router.get("/users", response=Page[UserOut], summary="账号列表")
def list_users(request: HttpRequest, paging: Query[PageIn], q: Search = "") -> dict[str, object]:
    api_check(request, Perm.VIEW_USERS)
    return paginate(selectors.users_for(request.user, q), paging, _user_out)


@router.get("/users/{user_id}", response=UserOut, summary="账号详情")
def get_user(request: HttpRequest, user_id: Id) -> dict[str, object]:
    api_check(request, Perm.VIEW_USERS)
    return _user_out(get_object_or_404(selectors.users_for(request.user), pk=user_id))


class UserIn(Schema):
    phone: Name
    name: Name
    password: Secret
    role: Role
    region_code: Code
    resident_id: Id | None = None
    reason: Line = ""


@router.post("/users", response={201: UserOut}, summary="新建账号")
def create_user(request: HttpRequest, payload: UserIn) -> Status[dict[str, object]]:
    api_check(request, Perm.MANAGE_USERS)
    region = get_object_or_404(
        Region.objects.restrict(request.user, Perm.MANAGE_USERS), code=payload.region_code
    )
    resident = None
    if payload.resident_id is not None:
        resident = get_object_or_404(
            Resident.objects.restrict(request.user, Perm.VIEW_PEOPLE), pk=payload.resident_id
        )
    user = actions.do_create_user(
        phone=payload.phone,
        name=payload.name,
        password=payload.password,
        role=payload.role,
        region=region,
        resident=resident,
        acting_user=request.user,
        reason=payload.reason,
    )
    return Status(201, _user_out(user))
