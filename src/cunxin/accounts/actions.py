"""State changes of users and roles, and the login rate limit."""

from __future__ import annotations

import datetime
import re
import unicodedata
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.accounts import devices, limiter
from cunxin.accounts.models import LoginAttempt, RoleAssignment, User
from cunxin.accounts.permissions import (
    GRANTABLE,
    ROLE_LEVELS,
    ROLE_NEEDS,
    ROLE_UNIT_KINDS,
    Perm,
    Role,
)
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import require
from cunxin.people.names import check_name

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")


def normalize_phone(raw: object) -> str:
    """Digits only, full-width folded, a leading +86 dropped."""
    text = unicodedata.normalize("NFKC", str(raw or ""))
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def check_mobile(raw: object, field: str = "phone") -> str:
    """A mainland mobile number (11 digits starting 13–19), or a clear error."""
    phone = normalize_phone(raw)
    if not _MOBILE.match(phone):
        raise DomainError("phone_invalid", _("请输入正确的11位手机号。"), field=field)
    return phone


# Our own wording for Django's password validators (some of Django's have no Chinese yet).
_PASSWORD_MESSAGES = {
    "password_too_short": _("密码太短，至少需要8位。"),
    "password_too_common": _("这个密码太常见，容易被猜到。"),
    "password_entirely_numeric": _("密码不能全是数字，请加入字母或符号。"),
    "password_too_similar": _("密码与姓名或手机号太相似。"),
}


def _check_password(password: str, user: User | None = None, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        messages = [
            str(_PASSWORD_MESSAGES.get(error.code or "", error.messages[0]))
            for error in exc.error_list
        ]
        raise DomainError("password_weak", " ".join(messages), field=field) from None


# --- login -------------------------------------------------------------------------------------


def login_with_phone(
    request: HttpRequest,
    raw_phone: str,
    password: str,
    *,
    challenge_token: str = "",
    challenge_answer: str = "",
) -> User:
    """The user for a phone number and password, through the login limiter (``limiter``).

    Refusals: login_wait and challenge_required / challenge_wrong from the limiter (the
    password is not checked then), login_failed for a wrong phone number or password.
    """
    phone = normalize_phone(raw_phone)[:32]
    ip = request.META.get("REMOTE_ADDR") or ""  # the client, behind trusted proxies
    admission = limiter.admit(
        limiter.login_buckets(phone, ip, devices.device_for(request, phone)),
        phone=phone,
        ip=ip,
        challenge_token=challenge_token,
        challenge_answer=challenge_answer,
    )
    user = authenticate(request, username=phone, password=password, admission=admission)
    found = user if isinstance(user, User) else None
    limiter.settle(admission, found)
    if found is None:
        raise DomainError("login_failed", _("手机号或密码不正确。"))
    return found


def login_challenge_needed(request: HttpRequest, raw_phone: str = "") -> bool:
    """Whether the login page must show a challenge for this client (and phone, if typed)."""
    phone = normalize_phone(raw_phone)[:32]
    ip = request.META.get("REMOTE_ADDR") or ""
    buckets = limiter.login_buckets(phone, ip, devices.device_for(request, phone) if phone else "")
    if not phone:
        buckets = tuple(b for b in buckets if not b.key.startswith("phone:"))
    return limiter.challenge_needed(buckets)


def purge_login_attempts(older_than: datetime.timedelta = datetime.timedelta(days=30)) -> int:
    """Forget attempts older than investigation needs, and the limiter's stale keys (a job)."""
    deleted, _rows = LoginAttempt.objects.filter(at__lt=timezone.now() - older_than).delete()
    limiter.purge()
    return deleted


# --- who may manage whom -----------------------------------------------------------------------


def _place_code(region: Any, unit: Any) -> str | None:
    """The region code of where a role is held (a unit's own region), if any."""
    if region is not None:
        return str(region.code)
    if unit is not None and unit.region is not None:
        return str(unit.region.code)
    return None


def _held_over(assignment: RoleAssignment, code: str | None, unit: Any) -> bool:
    """Whether the acting user's role is held over the place (the admin's over everything)."""
    held_in = assignment.unit
    if assignment.region is not None:
        return code is not None and code.startswith(assignment.region.prefix)
    if held_in is None:
        return True
    return unit is not None and str(unit.path).startswith(held_in.path)


def _check_authority(acting_user: Any, role: Role, region: Any, unit: Any = None) -> None:
    """The acting user may hand out (or take back) this role here: they manage users over the
    region, or over the unit or its region, and their roles there may grant it."""
    code = _place_code(region, unit)
    if region is None and unit is None:
        require(acting_user, Perm.MANAGE_USERS, everywhere=True)
    else:
        require(acting_user, Perm.MANAGE_USERS, region=code, unit=unit)
    grantable: set[Role] = set()
    for assignment in acting_user.active_assignments():
        if _held_over(assignment, code, unit):
            grantable |= GRANTABLE.get(Role(assignment.role), frozenset())
    if acting_user.is_superuser:
        grantable = set(Role)
    if role not in grantable:
        raise Forbidden(
            "role_not_grantable",
            _("您不能授予“%(role)s”角色。"),
            params={"role": role.label},
        )


def _check_place(role: Role, region: Any, unit: Any) -> None:
    """A region role is held at its level of region, a unit role in an active unit of its kind."""
    if region is not None and unit is not None:
        raise DomainError("region_or_unit", _("角色只能授予在一个区划或一个单位中。"))
    kinds = ROLE_UNIT_KINDS.get(role)
    if kinds is not None:
        if unit is None:
            raise DomainError("role_needs_unit", _("该角色须授予在一个单位中。"), field="unit")
        if unit.kind not in kinds:
            raise DomainError("role_unit_kind", _("该角色不能在这类单位中授予。"), field="unit")
        if not unit.active:
            raise DomainError("unit_inactive", _("该单位已停用。"), field="unit")
        return
    if unit is not None:
        raise DomainError("role_needs_region", _("该角色须授予在一个区划中。"), field="region")
    levels = ROLE_LEVELS[role]
    if levels is not None and (region is None or region.level not in levels):
        raise DomainError("role_level", _("该角色不能在这一级区划上授予。"), field="region")


def _check_grant(acting_user: Any, role: Role, region: Any, unit: Any = None) -> None:
    """The acting user may hand out this role in this region or unit, and it may be held there."""
    _check_authority(acting_user, role, region, unit)
    _check_place(role, region, unit)


def _check_needs(user: User, role: Role, unit: Any) -> None:
    """A unit role that rests on a region role (ROLE_NEEDS) finds it in the unit's area."""
    base = ROLE_NEEDS.get(role)
    if base is None:
        return
    area = unit.region.prefix if unit.region is not None else ""
    held = RoleAssignment.objects.filter(
        user=user, role=base, active=True, region__code__startswith=area
    )
    if not area or not held.exists():
        raise DomainError(
            "role_needs_base",
            _("此账号在该单位所在区域没有“%(role)s”角色，请先授予。"),
            field="user",
            params={"role": base.label},
        )


def check_can_manage(acting_user: Any, target: User) -> None:
    """The acting user may change this user: every role the target holds is theirs to grant."""
    if acting_user.pk == target.pk:
        raise Forbidden("manage_self", _("不能在这里修改自己的账号，请使用“修改密码”。"))
    assignments = target.active_assignments()
    if not assignments:
        require(acting_user, Perm.MANAGE_USERS, target.home_region_code or None)
    for assignment in assignments:
        _check_authority(acting_user, Role(assignment.role), assignment.region, assignment.unit)


def _user_snapshot(user: User) -> dict[str, Any]:
    data = audit.snapshot(
        user, ["phone", "name", "resident", "is_active", "must_change_password", "home_region_code"]
    )
    data["roles"] = sorted(f"{a.role}@{_where(a)}" for a in user.active_assignments())
    return data


def _where(assignment: RoleAssignment) -> str:
    if assignment.region is not None:
        return str(assignment.region.code)
    if assignment.unit_id is not None:
        return f"unit:{assignment.unit_id}"
    return "*"


# --- actions -----------------------------------------------------------------------------------


@transaction.atomic
def do_create_user(
    *,
    phone: str,
    name: str,
    password: str,
    role: Role,
    region: Any,
    unit: Any = None,
    resident: Any = None,
    acting_user: Any,
    reason: str = "",
) -> User:
    """Create a login holding one role in one region or unit; the first login must change the
    password."""
    role = Role(role)
    _check_grant(acting_user, role, region, unit)
    if ROLE_NEEDS.get(role) is not None:
        # A shop keeper or cashier is first a keeper of the village (granted below).
        raise DomainError(
            "role_needs_base",
            _("此账号在该单位所在区域没有“%(role)s”角色，请先授予。"),
            field="role",
            params={"role": ROLE_NEEDS[role].label},
        )
    phone = check_mobile(phone)
    # The same rule as a resident's name: a login's name is shown on pages, notices and receipts.
    name = check_name(name)
    if User.objects.filter(phone=phone).exists():
        raise Conflict("phone_taken", _("该手机号已有账号。"), field="phone")
    if role == Role.VILLAGER and resident is None:
        raise DomainError(
            "villager_needs_resident", _("村民账号必须对应一位村民。"), field="resident"
        )
    if resident is not None:
        if region is None or resident.village_id != region.pk:
            raise DomainError(
                "resident_other_village", _("该村民不属于所选的村。"), field="resident"
            )
        if User.objects.filter(resident=resident).exists():
            raise Conflict("resident_has_user", _("该村民已有账号。"), field="resident")
    user = User(
        phone=phone,
        name=name,
        resident=resident,
        must_change_password=True,
        home_region_code=_place_code(region, unit) or "",
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    RoleAssignment.objects.create(
        user=user, role=role, region=region, unit=unit, created_by=_actor(acting_user)
    )
    user.forget_scopes()
    audit.record(
        acting_user,
        "accounts.create_user",
        user,
        region_code=user.home_region_code,
        after=_user_snapshot(user),
        reason=reason,
    )
    return user


def _actor(acting_user: Any) -> User | None:
    return acting_user if isinstance(acting_user, User) else None


@transaction.atomic
def do_grant_role(
    user: User,
    *,
    role: Role,
    region: Any,
    unit: Any = None,
    acting_user: Any,
    reason: str = "",
) -> RoleAssignment:
    """Give an existing user one more role in a region or a unit."""
    role = Role(role)
    _check_grant(acting_user, role, region, unit)
    if role == Role.VILLAGER and (user.resident is None or user.resident.village_id != region.pk):
        raise DomainError("villager_needs_resident", _("村民账号必须对应该村的一位村民。"))
    before = _user_snapshot(user)
    assignment = _assign(user, role, region=region, unit=unit, acting_user=acting_user)
    audit.record(
        acting_user,
        "accounts.grant_role",
        user,
        region_code=_place_code(region, unit) or "",
        unit=unit,
        before=before,
        after=_user_snapshot(user),
        reason=reason,
    )
    return assignment


def _assign(user: User, role: Role, *, region: Any, unit: Any, acting_user: Any) -> RoleAssignment:
    if unit is not None:
        _check_needs(user, role, unit)
    held = RoleAssignment.objects.filter(
        user=user, role=role, region=region, unit=unit, active=True
    )
    if held.exists():
        raise Conflict("role_held", _("该用户已拥有这个角色。"))
    assignment = RoleAssignment.objects.create(
        user=user, role=role, region=region, unit=unit, created_by=_actor(acting_user)
    )
    user.forget_scopes()
    return assignment


def assign_in_unit(user: User, role: Role, unit: Any, *, acting_user: Any) -> RoleAssignment:
    """Give a user a role in a shop's or merchant's unit, for the action that owns the unit's
    membership (it has checked its own permission and audits the change in its transaction)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("assign_in_unit must run inside the owning action's transaction")
    role = Role(role)
    _check_place(role, None, unit)
    return _assign(user, role, region=None, unit=unit, acting_user=acting_user)


def end_assignment(assignment: RoleAssignment) -> bool:
    """End a role (the row stays, inactive); False when it had already ended."""
    ended = RoleAssignment.objects.filter(pk=assignment.pk, active=True).update(active=False)
    assignment.active = False
    assignment.user.forget_scopes()
    return bool(ended)


def _carried(user: User, role: Role) -> list[int]:
    """The user's unit roles that rested on a region role now ended (ROLE_NEEDS)."""
    dependants = [r for r, base in ROLE_NEEDS.items() if base == role]
    if not dependants:
        return []
    ended = []
    for held in RoleAssignment.objects.filter(
        user=user, role__in=dependants, active=True, unit__isnull=False
    ).select_related("unit__region"):
        unit = held.unit
        area = unit.region.prefix if unit is not None and unit.region is not None else ""
        still = RoleAssignment.objects.filter(
            user=user, role=role, active=True, region__code__startswith=area
        )
        if not area or not still.exists():
            ended.append(held.pk)
    return ended


@transaction.atomic
def do_revoke_role(assignment: RoleAssignment, *, acting_user: Any, reason: str = "") -> None:
    """End a role; the row stays, inactive, as history. Ending a keeper's village role ends
    the shop and merchant roles that rested on it."""
    _check_authority(acting_user, Role(assignment.role), assignment.region, assignment.unit)
    user = assignment.user
    before = _user_snapshot(user)
    RoleAssignment.objects.filter(pk=assignment.pk).update(active=False)
    RoleAssignment.objects.filter(pk__in=_carried(user, Role(assignment.role))).update(active=False)
    user.forget_scopes()
    audit.record(
        acting_user,
        "accounts.revoke_role",
        user,
        region_code=_place_code(assignment.region, assignment.unit) or "",
        unit=assignment.unit,
        before=before,
        after=_user_snapshot(user),
        reason=reason,
    )


@transaction.atomic
def do_set_user_active(user: User, *, active: bool, acting_user: Any, reason: str = "") -> User:
    """Disable or re-enable a login (a disabled user sees nothing and cannot log in)."""
    check_can_manage(acting_user, user)
    if not reason.strip():
        raise DomainError("reason_required", _("请填写原因。"), field="reason")
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    audit.record(
        acting_user,
        "accounts.enable_user" if active else "accounts.disable_user",
        user,
        region_code=user.home_region_code,
        before=before,
        after=_user_snapshot(user),
        reason=reason,
    )
    return user


@transaction.atomic
def do_reset_password(user: User, *, new_password: str, acting_user: Any, reason: str = "") -> User:
    """Set a temporary password that must be changed at the next login."""
    check_can_manage(acting_user, user)
    _check_password(new_password, user, field="new_password")
    user.set_password(new_password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    audit.record(
        acting_user,
        "accounts.reset_password",
        user,
        region_code=user.home_region_code,
        after={"must_change_password": True},
        reason=reason,
    )
    return user


def do_change_own_password(
    user: User, *, old_password: str, new_password: str, ip: str = ""
) -> User:
    """A user replaces their own password, proving they know the old one.

    The old password is checked first, through the login limiter and in its own transactions,
    so a wrong one counts even though nothing else is written; then the change is written.
    """
    admission = limiter.admit(limiter.password_change_buckets(user), phone=user.phone, ip=ip)
    right = admission.take() and user.check_password(old_password)
    limiter.settle(admission, user if right else None)
    if not right:
        raise DomainError("old_password_wrong", _("原密码不正确。"), field="old_password")
    if old_password == new_password:
        raise DomainError("password_same", _("新密码不能与原密码相同。"), field="new_password")
    _check_password(new_password, user, field="new_password")
    with transaction.atomic():
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit.record(user, "accounts.change_password", user, region_code=user.home_region_code)
    return user


@transaction.atomic
def do_create_platform_admin(*, phone: str, name: str, password: str, reason: str = "") -> User:
    """The first platform admin, from the command line (there is nobody yet to grant it)."""
    phone = check_mobile(phone)
    if User.objects.filter(phone=phone).exists():
        raise Conflict("phone_taken", _("该手机号已有账号。"), field="phone")
    user = User(phone=phone, name=check_name(name), is_staff=True)
    _check_password(password, user)
    user.set_password(password)
    user.save()
    RoleAssignment.objects.create(user=user, role=Role.ADMIN, region=None)
    audit.record(
        None, "accounts.create_platform_admin", user, after=_user_snapshot(user), reason=reason
    )
    return user
