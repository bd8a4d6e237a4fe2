"""Users (who log in by phone number), the roles they hold in regions, and login attempts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import ROLE_PERMISSIONS, Perm, Reach, Role
from cunxin.core.scoping import NOTHING, Scope, ScopedQuerySet
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
            cached = list(self.assignments.filter(active=True).select_related("region"))
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
        scope = Scope(everything=True) if self.is_superuser else NOTHING
        for assignment in self.active_assignments():
            if scope.everything:
                break
            reach = ROLE_PERMISSIONS[Role(assignment.role)].get(perm)
            if reach is None:
                continue
            if assignment.region is None:
                scope = Scope(everything=True)
            elif reach is Reach.REGION:
                scope = scope.union(Scope(region_prefixes=frozenset({assignment.region.prefix})))
            elif self.resident_id is not None:
                scope = scope.union(Scope(resident_ids=frozenset({self.resident_id})))
        cache[permission] = scope
        return scope

    def has_perm_in(self, permission: str, region_code: str) -> bool:
        """Whether the permission reaches the region with this 12-digit code."""
        return self.scope_for(permission).covers_region(region_code)

    def forget_scopes(self) -> None:
        """Drop the per-request caches (after the user's roles changed)."""
        self.__dict__.pop("_assignments", None)
        self.__dict__.pop("_scopes", None)


class RoleAssignment(models.Model):
    """A role held within a region; only a platform admin may hold one with no region."""

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
    active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_region_field = "region__code"

    class Meta:
        verbose_name = _("角色授予")
        verbose_name_plural = _("角色授予")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=Q(active=True),
                name="assignment_unique_active",
            ),
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(role=Role.ADMIN),
                name="assignment_region_unless_admin",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="assignment_role_known"),
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region else _("全部")
        return f"{self.get_role_display()} @ {where}"


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
