"""The one table of allowed status changes, and the one function that applies it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.core import bulk
from cunxin.core.errors import Conflict
from cunxin.records.models import Record, RecordEvent, Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.COLLECTED: frozenset({Status.APPROVED, Status.REJECTED}),
    Status.APPROVED: frozenset({Status.IN_NOTICE}),
    Status.IN_NOTICE: frozenset({Status.DISPUTED, Status.EFFECTIVE}),
    # An objection upheld cancels the record; dismissed, it goes back into the notice.
    Status.DISPUTED: frozenset({Status.IN_NOTICE, Status.CANCELLED}),
    Status.REJECTED: frozenset(),
    Status.EFFECTIVE: frozenset(),
    Status.CANCELLED: frozenset(),
}


def check(record: Record, to: str) -> None:
    """Refuse a status change the table does not allow (e.g. a double click after it happened)."""
    if to not in TRANSITIONS[record.status]:
        raise Conflict(
            "record_status",
            _("记录 #%(id)s 当前为“%(status)s”，不能改为“%(to)s”。")
            % {"id": record.pk, "status": record.get_status_display(), "to": Status(to).label},
        )


def transition(
    records: Sequence[Record],
    to: str,
    *,
    actor: Any,
    reason: str = "",
    fields: Sequence[str] = (),
    write: Callable[[Sequence[Record]], None] | None = None,
) -> None:
    """Move records to a new status, saving the named extra fields and one event each.

    ``write``, when given, saves the records' new status (already set on them) together with
    whatever else the caller changed, in its own statement, instead of the UPDATE here: a job
    moving a month's records then writes each row once.
    """
    for record in records:
        check(record, to)
    events = [
        RecordEvent(
            record=record,
            from_status=record.status,
            to_status=to,
            actor=actor if getattr(actor, "pk", None) else None,
            reason=reason[:200],
        )
        for record in records
    ]
    for record in records:
        record.status = to
    if write is not None:
        write(records)
    elif fields:
        Record.objects.bulk_update(list(records), ["status", *fields], batch_size=1000)
    else:
        # Every record gets the same value: one plain UPDATE per chunk, not a CASE per record.
        ids = [r.pk for r in records]
        for i in range(0, len(ids), 900):
            Record.objects.filter(pk__in=ids[i : i + 900]).update(status=to)
    bulk.insert_objects(events)  # a month's records at once: see core.bulk


def now() -> Any:
    return timezone.now()
