"""Users (who log in by phone number), the roles they hold in regions or units, and login
attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import (
    ROLE_LEVELS,
    ROLE_PERMISSIONS,
    ROLE_UNIT_KINDS,
    Perm,
    Reach,
    Role,
)
from cunxin.core.scoping import EVERYTHING, NOTHING, Scope, ScopedQuerySet
from cunxin.people.names import check_name


class UserManager(BaseUserManager["User"]):
    """Creates users for Django's own commands (createsuperuser); the app uses actions."""

    use_in_migrations = True

    def create_user(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra["name"] = check_name(extra.get("name"))
        user = self.model(phone=phone, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, phone: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("name", "平台管理员")
        return self.create_user(phone, password, **extra)

    def get_queryset(self) -> ScopedQuerySet[User]:
        return ScopedQuerySet(self.model, using=self._db)

    def restrict(self, user: Any, permission: str) -> ScopedQuerySet[User]:
        """Users whose home region lies in the viewer's scope (see core.scoping)."""
        return self.get_queryset().restrict(user, permission)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in; what they may see comes only from their role assignments."""

    phone = models.CharField(_("手机号"), max_length=11, unique=True)
    name = models.CharField(_("姓名"), max_length=40)
    resident = models.OneToOneField(
        "people.Resident",
        verbose_name=_("对应村民"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    is_active = models.BooleanField(_("启用"), default=True)
    is_staff = models.BooleanField(_("可进入后台"), default=False)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    date_joined = models.DateTimeField(_("创建时间"), default=timezone.now)
    # Where the user was created, for scoping the user list (the region of the first role).
    home_region_code = models.CharField(_("所属区划"), max_length=12, blank=True, db_index=True)

    objects = UserManager()
    scope_region_field = "home_region_code"

    USERNAME_FIELD = "phone"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["home_region_code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__regex=r"^1[3-9][0-9]{9}$"), name="user_phone_mobile"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.phone})"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def active_assignments(self) -> list[RoleAssignment]:
        """The user's current roles, loaded once per request."""
        cached: list[RoleAssignment] | None = self.__dict__.get("_assignments")
        if cached is None:
            cached = list(self.assignments.filter(active=True).select_related("region", "unit"))
            self.__dict__["_assignments"] = cached
        return cached

    def roles(self) -> set[Role]:
        return {Role(a.role) for a in self.active_assignments()}

    def scope_for(self, permission: str) -> Scope:
        """What the permission reaches through all of the user's roles."""
        cache: dict[str, Scope] = self.__dict__.setdefault("_scopes", {})
        if permission in cache:
            return cache[permission]
        perm = Perm(permission)
        scope = EVERYTHING if self.is_superuser else NOTHING
        for assignment in self.active_assignments():
            if scope.everything:
                break
            reach = ROLE_PERMISSIONS[Role(assignment.role)].get(perm)
            if reach is not None:
                scope = scope.union(assignment.reach(reach, self.resident_id))
        cache[permission] = scope
        return scope

    def forget_scopes(self) -> None:
        """Drop the per-request caches (after the user's roles changed)."""
        self.__dict__.pop("_assignments", None)
        self.__dict__.pop("_scopes", None)


REGION_ROLES = [r.value for r in ROLE_LEVELS]
UNIT_ROLES = [r.value for r in ROLE_UNIT_KINDS]


class RoleAssignment(models.Model):
    """A role held in exactly one region or one unit; only a platform admin may hold one in
    neither, which reaches everything."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"
    scope_unit_field = "unit__path"

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(active=True, unit__isnull=True),
                name="assignment_unique_active",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "unit"],
                condition=Q(active=True, unit__isnull=False),
                name="assignment_unique_active_in_unit",
            ),
            # Exactly one of region and unit; neither only for the platform admin (everything).
            models.CheckConstraint(
                condition=Q(region__isnull=False, unit__isnull=True)
                | Q(region__isnull=True, unit__isnull=False)
                | Q(role=Role.ADMIN, region__isnull=True, unit__isnull=True),
                name="assignment_region_or_unit",
            ),
            # Each role on its own axis: region roles never in a unit, unit roles only in one.
            models.CheckConstraint(
                condition=Q(role__in=REGION_ROLES, unit__isnull=True)
                | Q(role__in=UNIT_ROLES, unit__isnull=False),
                name="assignment_role_axis",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="assignment_role_known"),
        ]

    def __str__(self) -> str:
        where = self.unit or self.region or _("全部")
        return f"{self.get_role_display()} @ {where}"

    @property
    def place_name(self) -> str:
        """Where the role is held, for lists."""
        return str(self.unit or self.region or _("全部"))

    def reach(self, reach: Reach, resident_id: int | None) -> Scope:
        """What one permission of this role reaches from where it is held (``Reach``)."""
        if self.region is None and self.unit is None:
            return EVERYTHING
        if reach is Reach.SELF:
            return Scope(resident_ids=frozenset({resident_id})) if resident_id else NOTHING
        if reach is Reach.REGION and self.region is not None:
            return Scope(region_prefixes=frozenset({self.region.prefix}))
        # A role held in an inactive unit reaches nothing (its ancestors are inactive too).
        if self.unit is not None and self.unit.active:
            if reach is Reach.UNIT:
                return Scope(unit_paths=frozenset({self.unit.path}))
            if reach is Reach.UNIT_ONLY:
                return Scope(unit_exact=frozenset({self.unit.path}))
        return NOTHING


class LoginAttempt(models.Model):
    """One login attempt, kept for rate limiting by phone number and by client address."""

    phone = models.CharField(max_length=32, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    success = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.phone} {self.at:%Y-%m-%d %H:%M} {'ok' if self.success else 'fail'}"


class LoginThrottle(models.Model):
    """Failed password checks of one key (a phone, a device, an address) in a sliding window.

    One row per key, read and written under its row lock, so concurrent attempts are counted one
    after another (see ``accounts.limiter``).
    """

    key = models.CharField(max_length=80, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    # No password is checked for this key before this moment (the growing wait).
    wait_until = models.DateTimeField(null=True, blank=True)
    # When the owner was last told of an attack (at most once per window).
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["last_failure_at"])]

    def __str__(self) -> str:
        return f"{self.key}: {self.failures}"


class UsedChallenge(models.Model):
    """A login challenge that has been answered: each one admits one attempt, right or wrong."""

    nonce = models.CharField(max_length=32, primary_key=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.nonce
