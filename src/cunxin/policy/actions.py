"""State changes of policies and catalogues: every edit is a new version, never an overwrite."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.cleaning import check_text, read_upload
from cunxin.core.errors import DomainError
from cunxin.core.scoping import require
from cunxin.people.spreadsheets import write_xlsx
from cunxin.policy import catalogue_file
from cunxin.policy.models import CarryOver, CatalogueItem, CreditPolicy, Grade, NameMasking
from cunxin.policy.selectors import policy_in_force
from cunxin.regions.models import Level, Region

DEFAULT_CATALOGUE = Path(__file__).parent / "data" / "default_catalogue.csv"

# The fields a policy version carries (everything but bookkeeping).
POLICY_FIELDS = (
    "name",
    "base_score",
    "aaa_min",
    "aa_min",
    "a_min",
    "b_min",
    "c_min",
    "notice_days",
    "coupon_fen_per_point",
    "carry_over",
    "carry_over_percent",
    "unspent_points_expire",
    "min_age",
    "blacklist_grade",
    "name_masking",
    "repeat_penalty_doubles",
    "two_approvals",
    "entry_window_days",
    "auto_publish",
    "publish_weekday",
    "repair_min_months",
    "stars_per_month",
    "demonstration_grade",
    "volunteer_hours_approved",
    "daily_wage_fen",
    "coupon_valid_days",
)


def today() -> datetime.date:
    return timezone.localdate()


def _check_owner(region: Region) -> None:
    if region.level not in (Level.TOWN, Level.VILLAGE):
        raise DomainError(
            "policy_owner_level", _("信用管理办法只能由镇（街道）制定，村可以单独调整。")
        )


def _check_effective_from(previous: datetime.date | None, effective_from: datetime.date) -> None:
    """A new version applies from today or later, and never before the version it replaces.

    Only a region's first version may start in the past (setting up a running system).
    """
    if previous is None:
        return
    if effective_from < today():
        raise DomainError(
            "effective_in_past",
            _("生效日期不能早于今天：修改不能改写已经发生的记录。"),
            field="effective_from",
        )
    if effective_from < previous:
        raise DomainError(
            "effective_before_previous",
            _("生效日期不能早于上一版本的生效日期（%s）。") % previous.isoformat(),
            field="effective_from",
        )


def _check_types(values: dict[str, Any]) -> None:
    """Each value of the kind its column holds: a whole number, yes/no or text (an API client
    may send any JSON value under any name)."""
    for key, value in values.items():
        column = CreditPolicy._meta.get_field(key)
        if isinstance(column, models.BooleanField):
            fits = isinstance(value, bool)
        elif isinstance(column, models.IntegerField):
            fits = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(column, models.CharField | models.TextField):
            fits = isinstance(value, str)
        else:
            fits = True
        if not fits:
            raise DomainError(
                f"{key}_invalid",
                _("“%(label)s”的值不对。") % {"label": getattr(column, "verbose_name", key)},
                field=key,
            )


def check_policy_values(values: dict[str, Any]) -> None:
    """The cross-field rules of a policy, with the field each broken rule is about."""
    _check_types(values)
    bands = [values[k] for k in ("aaa_min", "aa_min", "a_min", "b_min", "c_min")]
    if any(not isinstance(b, int) or b < 0 for b in bands):
        raise DomainError("bands_invalid", _("等级分数线必须是非负整数。"), field="aaa_min")
    if bands != sorted(bands, reverse=True) or len(set(bands)) != len(bands):
        raise DomainError("bands_order", _("等级分数线必须从AAA到C依次降低。"), field="aaa_min")
    if not values["name"] or len(values["name"]) > 80:
        raise DomainError("policy_name", _("请填写名称（不超过80字）。"), field="name")
    if not 1 <= values["notice_days"] <= 60:
        raise DomainError("notice_days", _("公示期应在1到60天之间。"), field="notice_days")
    if not 1 <= values["base_score"] <= 100_000:
        raise DomainError("base_score", _("基础分应在1到100000之间。"), field="base_score")
    if values["coupon_fen_per_point"] < 1:
        raise DomainError("coupon_rate", _("兑换比例必须大于0。"), field="coupon_fen_per_point")
    if not 0 <= values["carry_over_percent"] <= 100:
        raise DomainError(
            "carry_over_percent", _("结转保留比例应在0到100之间。"), field="carry_over_percent"
        )
    if not 0 <= values["min_age"] <= 100:
        raise DomainError("min_age", _("最低年龄应在0到100之间。"), field="min_age")
    if not 1 <= values["entry_window_days"] <= 366:
        raise DomainError(
            "entry_window_days", _("录入期限应在1到366天之间。"), field="entry_window_days"
        )
    if values["publish_weekday"] not in range(7):
        raise DomainError("publish_weekday", _("选项无效。"), field="publish_weekday")
    if not 0 <= values["repair_min_months"] <= 120:
        raise DomainError(
            "repair_min_months", _("信用修复期限应在0到120个月之间。"), field="repair_min_months"
        )
    if not 1 <= values["stars_per_month"] <= 50:
        raise DomainError(
            "stars_per_month", _("每月信用之星人数应在1到50之间。"), field="stars_per_month"
        )
    if not 0 <= values["daily_wage_fen"] <= 10_000_000:
        raise DomainError("daily_wage_fen", _("日工资应在0到10万元之间。"), field="daily_wage_fen")
    if not 1 <= values["coupon_valid_days"] <= 3660:
        raise DomainError(
            "coupon_valid_days", _("信用券有效期应在1到3660天之间。"), field="coupon_valid_days"
        )
    for key, choices in (
        ("carry_over", CarryOver),
        ("blacklist_grade", Grade),
        ("demonstration_grade", Grade),
        ("name_masking", NameMasking),
    ):
        if values[key] not in choices.values:
            raise DomainError(f"{key}_invalid", _("选项无效。"), field=key)


def _field_default(name: str) -> Any:
    field = CreditPolicy._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field.get_default()


def _change_reason(reason: str) -> str:
    """The reason as written: one longer than its column is refused, never cut."""
    return check_text(reason.strip(), field="change_reason", max_length=200, label=_("修改说明"))


@transaction.atomic
def do_save_policy(
    region: Region,
    *,
    values: dict[str, Any],
    effective_from: datetime.date,
    acting_user: Any,
    reason: str = "",
) -> CreditPolicy:
    """Add a new version of the region's policy; older versions stay as they were."""
    require(acting_user, Perm.EDIT_POLICY, region.code)
    _check_owner(region)
    # Lock the region row so two clerks saving at once get consecutive versions.
    Region.objects.select_for_update().get(pk=region.pk)
    previous = CreditPolicy.objects.filter(region=region).order_by("-version").first()
    if previous is not None and not reason.strip():
        raise DomainError("reason_required", _("请填写修改说明。"), field="change_reason")
    # A village's first override starts as a copy of its town's policy in force today.
    template = previous or (
        policy_in_force(region, today()) if region.level == Level.VILLAGE else None
    )
    base = {k: getattr(template, k) for k in POLICY_FIELDS} if template else {}
    defaults = {k: _field_default(k) for k in POLICY_FIELDS}
    merged = {**defaults, **base}
    merged.update({k: v for k, v in values.items() if k in POLICY_FIELDS})
    check_policy_values(merged)
    _check_effective_from(previous.effective_from if previous else None, effective_from)
    if previous is not None and base == merged and previous.effective_from == effective_from:
        return previous
    policy = CreditPolicy.objects.create(
        region=region,
        region_code=region.code,
        version=(previous.version + 1) if previous else 1,
        effective_from=effective_from,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        change_reason=_change_reason(reason),
        **merged,
    )
    before, after = audit.changed(base, merged) if template else ({}, merged)
    after["effective_from"] = effective_from.isoformat()
    audit.record(
        acting_user,
        "policy.save_policy",
        policy,
        region_code=region.code,
        before=before or None,
        after=after,
        reason=reason,
    )
    return policy


# --- catalogue ---------------------------------------------------------------------------------


def _item_values(item: CatalogueItem) -> dict[str, Any]:
    return {k: getattr(item, k) for k in catalogue_file.ITEM_FIELDS}


def _new_version(
    region: Region,
    code: str,
    values: dict[str, Any],
    latest: CatalogueItem | None,
    effective_from: datetime.date,
    acting_user: Any,
    reason: str,
) -> CatalogueItem:
    """An unsaved next version of an item (or its first version)."""
    _check_effective_from(latest.effective_from if latest else None, effective_from)
    return CatalogueItem(
        region=region,
        region_code=region.code,
        code=code,
        version=(latest.version + 1) if latest else 1,
        effective_from=effective_from,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        change_reason=_change_reason(reason),
        is_latest=True,
        **values,
    )


def _save_item(
    region: Region,
    code: str,
    values: dict[str, Any],
    effective_from: datetime.date,
    acting_user: Any,
    reason: str,
) -> tuple[CatalogueItem, dict[str, Any] | None, dict[str, Any] | None]:
    """The new version (or the unchanged latest one) and what changed; no audit, no checks."""
    latest = (
        CatalogueItem.objects.select_for_update()
        .filter(region=region, code=code, is_latest=True)
        .first()
    )
    if latest is not None and _item_values(latest) == values:
        return latest, None, None
    item = _new_version(region, code, values, latest, effective_from, acting_user, reason)
    if latest is not None:
        CatalogueItem.objects.filter(pk=latest.pk).update(is_latest=False)
    item.save()
    if latest is None:
        return item, None, dict(values)
    before, after = audit.changed(_item_values(latest), values)
    return item, before, after


@transaction.atomic
def do_save_catalogue_item(
    region: Region,
    *,
    code: str,
    values: dict[str, Any],
    effective_from: datetime.date,
    acting_user: Any,
    reason: str = "",
) -> CatalogueItem:
    """Add an item, or a new version of it; saving identical values changes nothing."""
    require(acting_user, Perm.EDIT_POLICY, region.code)
    _check_owner(region)
    code = code.strip().upper()
    if not catalogue_file._CODE.match(code):
        raise DomainError(
            "code_invalid", _("编码只能由字母、数字、“-”“_”“.”组成，最多16位。"), field="code"
        )
    values = {k: values.get(k) for k in catalogue_file.ITEM_FIELDS}
    values["unit"] = (values.get("unit") or "").strip()
    values["description"] = (values.get("description") or "").strip()
    for key, message in catalogue_file.check_values(values):
        raise DomainError(f"{key}_invalid", message, field=key)
    exists = CatalogueItem.objects.filter(region=region, code=code).exists()
    if exists and not reason.strip():
        raise DomainError("reason_required", _("请填写修改说明。"), field="change_reason")
    item, before, after = _save_item(region, code, values, effective_from, acting_user, reason)
    if after is not None:
        audit.record(
            acting_user,
            "policy.save_item",
            item,
            region_code=region.code,
            before=before,
            after={**after, "version": item.version, "effective_from": effective_from.isoformat()},
            reason=reason,
        )
    return item


@dataclass
class CatalogueImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


class CatalogueInvalid(DomainError):
    """The catalogue file has bad rows; nothing was imported."""

    def __init__(self, errors: list[tuple[int, str, str]]) -> None:
        super().__init__(
            "catalogue_invalid",
            _("有%(n)d处错误，未导入任何条目。请修改后重新上传。"),
            params={"n": len(errors)},
        )
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [{"row": r, "column": c, "message": m} for r, c, m in self.errors]
        return body


@transaction.atomic
def do_import_catalogue(
    region: Region,
    content: bytes | IO[bytes],
    filename: str,
    *,
    effective_from: datetime.date | None = None,
    acting_user: Any,
    reason: str = "",
) -> CatalogueImport:
    """Import a catalogue file all or nothing: new codes are added, changed ones versioned. An
    upload larger than ROSTER_MAX_BYTES is refused unread."""
    require(acting_user, Perm.EDIT_POLICY, region.code)
    _check_owner(region)
    content = read_upload(content, max_bytes=settings.ROSTER_MAX_BYTES)
    parsed = catalogue_file.parse(content, filename)
    if parsed.errors:
        raise CatalogueInvalid(parsed.errors)
    effective_from = effective_from or today()
    result = CatalogueImport()
    changes: list[dict[str, Any]] = []
    latest = {
        item.code: item
        for item in CatalogueItem.objects.select_for_update().filter(region=region, is_latest=True)
    }
    new_versions: list[CatalogueItem] = []
    for row in parsed.rows:
        old = latest.get(row.code)
        if old is not None and _item_values(old) == row.values:
            result.unchanged += 1
            continue
        item = _new_version(
            region, row.code, row.values, old, effective_from, acting_user, reason or _("导入目录")
        )
        new_versions.append(item)
        if old is None:
            result.created += 1
            changes.append({"code": row.code, "version": item.version})
        else:
            result.updated += 1
            before, after = audit.changed(_item_values(old), row.values)
            changes.append(
                {"code": row.code, "version": item.version, "before": before, "after": after}
            )
    superseded = [latest[item.code].pk for item in new_versions if item.code in latest]
    CatalogueItem.objects.filter(pk__in=superseded).update(is_latest=False)
    CatalogueItem.objects.bulk_create(new_versions)
    if changes:
        audit.record(
            acting_user,
            "policy.import_catalogue",
            None,
            object_type="policy.catalogue",
            object_id=region.code,
            object_repr=filename[:200],
            region_code=region.code,
            after={"created": result.created, "updated": result.updated, "items": changes},
            reason=reason,
        )
    return result


def do_install_default_catalogue(
    region: Region, *, acting_user: Any, effective_from: datetime.date | None = None
) -> CatalogueImport:
    """Load the catalogue shipped with cunxin (92 rewards, 78 penalties) into a town."""
    return do_import_catalogue(
        region,
        DEFAULT_CATALOGUE.read_bytes(),
        DEFAULT_CATALOGUE.name,
        effective_from=effective_from,
        acting_user=acting_user,
        reason=_("载入村信默认行为目录"),
    )


def export_catalogue(region: Region, items: list[CatalogueItem]) -> bytes:
    """The items as an .xlsx file that imports back unchanged."""
    rows = [catalogue_file.item_row(item) for item in items]
    return write_xlsx(catalogue_file.HEADERS, rows, title=_("行为目录"))
