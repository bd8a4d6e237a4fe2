"""Writing the audit trail from inside actions."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models, transaction

from cunxin.core.models import AuditEntry
from cunxin.core.scoping import HasPath, unit_path_of


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The model's concrete field values as JSON-safe data (foreign keys by id)."""
    data: dict[str, Any] = {}
    # Secrets and derived columns (ciphertext, hashes, search tokens) never enter the trail.
    exclude = set(getattr(instance, "audit_exclude", ()))
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in exclude:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose values differ, so an entry shows what actually changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    actor: Any,
    action: str,
    obj: models.Model | None,
    *,
    region_code: str = "",
    unit: HasPath | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one audit entry; must run inside the action's transaction.

    The unit is the one named, or else the one the object belongs to (its model's
    ``scope_unit_field``), so rows of shops, merchants and units record it without asking.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the action's transaction")
    actor_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    unit_path = unit.path if unit is not None else (unit_path_of(obj) if obj is not None else "")
    return AuditEntry.objects.create(
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        region_code=region_code,
        unit_path=unit_path or "",
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        reason=reason,
    )
