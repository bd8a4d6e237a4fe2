"""Changes to the holiday tables: importing a year (all or nothing), installing the official
years, deleting a year. Each is permission-checked and audited in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import DomainError
from cunxin.core.scoping import may, require
from cunxin.regions.models import Level, Region
from cunxin.workdays import official, spreadsheet
from cunxin.workdays.models import CalendarDay, CalendarYear

# A year's table is a few dozen rows; anything near this is not a holiday table.
MAX_BYTES = 1024 * 1024
REASON_MAX = 200


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do) to one region's year."""

    region_code: str
    year: int
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    dry_run: bool = False

    @property
    def any_change(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def may_manage_calendar(user: Any, region: Region) -> bool:
    """Whether the user may change the region's tables: a county or wider region inside their
    reach (so a county's centre manages its county, a town's centre none)."""
    return region.level <= Level.COUNTY and may(user, Perm.MANAGE_CALENDAR, region.code)


def _check_manage(user: Any, region: Region) -> None:
    require(user, Perm.MANAGE_CALENDAR, region.code)
    if region.level > Level.COUNTY:
        raise DomainError(
            "calendar_region_level",
            _("节假日表由县级（含）以上的信用中心维护，镇、村不单独设表。"),
            field="region",
        )


def _day_tuple(day: CalendarDay) -> tuple[str, str]:
    return (day.kind, day.name)


@transaction.atomic
def do_import_calendar(
    region: Region,
    content: bytes,
    filename: str,
    *,
    acting_user: Any,
    year: int | None = None,
    source: str = "",
    dry_run: bool = False,
    reason: str = "",
) -> ImportResult:
    """Make a file the region's table for its year, all or nothing; raises CalendarInvalid with
    every bad row. Importing the same file again changes nothing."""
    _check_manage(acting_user, region)
    if len(content) > MAX_BYTES:
        raise DomainError("file_too_large", _("文件太大：节假日表每年只有几十行。"), field="file")
    parsed = spreadsheet.parse(content, filename, year=year)
    if parsed.errors:
        raise spreadsheet.CalendarInvalid(parsed.errors)
    assert parsed.year is not None  # a file with rows and no errors has a year
    # Imports of one region wait for each other (the unique table per year is decided here).
    Region.objects.select_for_update().filter(pk=region.pk).first()
    table = CalendarYear.objects.filter(region=region, year=parsed.year).first()
    existing = {d.date: d for d in table.days.all()} if table else {}
    wanted = {d.date: d for d in parsed.days}
    result = ImportResult(region_code=region.code, year=parsed.year, dry_run=dry_run)
    added = [d for day, d in wanted.items() if day not in existing]
    removed = [d for day, d in existing.items() if day not in wanted]
    changed: list[CalendarDay] = []
    for day, row in wanted.items():
        found = existing.get(day)
        if found is None:
            continue
        if _day_tuple(found) == (row.kind.value, row.name):
            result.unchanged += 1
        else:
            found.kind, found.name = row.kind.value, row.name
            changed.append(found)
    result.added, result.removed, result.changed = len(added), len(removed), len(changed)
    if dry_run or (table is not None and not result.any_change):
        return result

    source = (source or filename)[:200]
    if table is None:
        table = CalendarYear(region=region, year=parsed.year)
    before = {"source": table.source, "days": _listing(existing.values())} if table.pk else None
    table.source = source
    table.changed_at = timezone.now()
    table.changed_by = acting_user
    table.save()
    CalendarDay.objects.filter(pk__in=[d.pk for d in removed]).delete()
    CalendarDay.objects.bulk_update(changed, ["kind", "name"])
    CalendarDay.objects.bulk_create(
        [CalendarDay(table=table, date=d.date, kind=d.kind.value, name=d.name) for d in added]
    )
    audit.record(
        acting_user,
        "workdays.import_calendar",
        table,
        region_code=region.code,
        before=before,
        after={
            "source": source,
            "file_sha256": parsed.sha256,
            "days": _listing(table.days.all()),
            "added": result.added,
            "removed": result.removed,
            "changed": result.changed,
        },
        reason=reason[:REASON_MAX],
    )
    return result


def _listing(days: Any) -> list[list[str]]:
    """A table's days as compact audit data: [date, kind, name]."""
    return [[d.date.isoformat(), d.kind, d.name] for d in sorted(days, key=lambda d: d.date)]


def do_install_official_calendars(
    region: Region,
    *,
    acting_user: Any,
    years: tuple[int, ...] = official.YEARS,
    reason: str = "",
) -> list[ImportResult]:
    """Import the shipped State Council arrangements of ``years`` as the region's tables."""
    with transaction.atomic():
        return [
            do_import_calendar(
                region,
                official.content(year),
                official.filename(year),
                acting_user=acting_user,
                year=year,
                source=official.notice(year),
                reason=reason,
            )
            for year in years
        ]


@transaction.atomic
def do_delete_calendar(table: CalendarYear, *, acting_user: Any, reason: str) -> None:
    """Remove a region's table of a year: the table above it (or weekends only) governs again."""
    _check_manage(acting_user, table.region)
    reason = reason.strip()
    if not reason:
        raise DomainError("reason_required", _("请说明删除的原因。"), field="reason")
    table = CalendarYear.objects.select_for_update().get(pk=table.pk)
    before = {"year": table.year, "source": table.source, "days": _listing(table.days.all())}
    audit.record(
        acting_user,
        "workdays.delete_calendar",
        table,
        region_code=table.region.code,
        before=before,
        reason=reason[:REASON_MAX],
    )
    table.delete()
