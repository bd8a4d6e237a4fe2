"""State changes of regions: only platform admins create them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.regions.models import PREFIX_LENGTH, Level, Region


def check_region_code(code: str, level: Level, parent: Region | None) -> None:
    """A code is 12 digits, extends its parent's prefix, and is zero past its own level."""
    if len(code) != 12 or not code.isdigit():
        raise DomainError("region_code_format", _("区划代码应为12位数字。"), field="code")
    own = PREFIX_LENGTH[level]
    if code[own:].strip("0"):
        raise DomainError(
            "region_code_level",
            _("该级别的区划代码从第%(n)d位起应全部为0。"),
            field="code",
            params={"n": own + 1},
        )
    if parent is not None:
        if parent.level >= level:
            raise DomainError("region_parent_level", _("上级区划的级别必须更高。"), field="parent")
        if not code.startswith(parent.prefix) or code == parent.code:
            raise DomainError(
                "region_code_parent",
                _("区划代码必须以上级区划代码%(prefix)s开头。"),
                field="code",
                params={"prefix": parent.prefix},
            )


@transaction.atomic
def do_create_region(
    *, code: str, name: str, level: Level, parent: Region | None, acting_user: Any, reason: str = ""
) -> Region:
    """Create a region under its parent; only a platform admin may."""
    require(acting_user, Perm.MANAGE_REGIONS, parent.code if parent else None)
    name = name.strip()
    if not name:
        raise DomainError("region_name_missing", _("请填写名称。"), field="name")
    check_region_code(code, level, parent)
    try:
        with transaction.atomic():
            region = Region.objects.create(code=code, name=name, level=level, parent=parent)
    except IntegrityError:
        raise Conflict(
            "region_exists", _("区划代码已存在，或同一上级下已有同名区划。"), field="code"
        ) from None
    audit.record(
        acting_user,
        "regions.create",
        region,
        region_code=code,
        after=audit.snapshot(region),
        reason=reason,
    )
    return region
