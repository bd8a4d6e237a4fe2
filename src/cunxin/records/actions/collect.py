"""Collecting records: one villager, a whole team at once, or a spreadsheet.

A record carries the id the client generated: sending it again (a dropped connection, a double
tap) returns the first record, never a second one.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.cleaning import check_text, parse_plain_decimal
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.people.models import Resident
from cunxin.records import scoring
from cunxin.records.evidence import Photo, PhotoSource, check_photos
from cunxin.records.models import Evidence, Record, Status
from cunxin.records.workflow import RECORDS

TEAM_NAMESPACE = uuid.UUID("6f1c1d2e-8a37-4c0b-9d55-3d1f4f1b2c00")


# The longest note kept with a record (the pages, the API and imports all refuse a longer one).
MAX_NOTE = 2000
# The most villagers one team entry records at once.
MAX_TEAM = 500


def parse_quantity(raw: object) -> Decimal:
    """A quantity as people type it (``2``, ``1.5``); empty means 1. ``1e3``, ``NaN`` and
    ``Infinity`` are refused, not read as numbers."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Decimal(1)
    try:
        return parse_plain_decimal(
            raw, field="quantity", places=1, minimum=Decimal("0.1"), maximum=10_000
        )
    except DomainError as exc:
        message = (
            _("数量应为数字，如 2 或 1.5。")
            if exc.code == "number_invalid"
            else _("数量应为大于0、不超过10000的数字，最多一位小数。")
        )
        raise DomainError("quantity", message, field="quantity") from None


def _existing(
    client_id: uuid.UUID,
    resident: Resident,
    item_code: str,
    quantity: Decimal,
    behaviour_date: datetime.date,
) -> Record | None:
    """The record already sent with this id, if it is the same entry resent.

    The same id with different content is not a resend: it would silently drop the new entry,
    so it is refused and the user is asked to enter it afresh.
    """
    record = Record.objects.filter(client_id=client_id).select_related("item").first()
    if record is None:
        return None
    same = (
        record.resident_id == resident.pk
        and record.item.code == item_code.strip().upper()
        and record.quantity == quantity
        and record.behaviour_date == behaviour_date
    )
    if not same:
        raise Conflict("client_id_reused", _("提交编号已被另一条记录使用，请刷新页面后重新录入。"))
    return record


@transaction.atomic
def do_collect(
    *,
    client_id: uuid.UUID,
    resident: Resident,
    item_code: str,
    quantity: Decimal,
    behaviour_date: datetime.date,
    note: str = "",
    photos: Sequence[tuple[str, PhotoSource] | Photo] = (),
    acting_user: Any,
) -> Record:
    """Record one behaviour of one villager; the same client id returns the first record."""
    require(acting_user, Perm.COLLECT_RECORDS, resident.village.code)
    note = check_text(note.strip(), field="note", max_length=MAX_NOTE, label=_("说明"))
    found = _existing(client_id, resident, item_code, quantity, behaviour_date)
    if found is not None:
        return found
    checked = check_photos(list(photos))
    result = scoring.score(resident, item_code, quantity, behaviour_date)
    if result.item.evidence_required and not checked:
        raise DomainError(
            "evidence_required", _("“%s”需要上传照片等证据。") % result.item.name, field="photos"
        )
    return _create(
        client_id, resident, result, quantity, behaviour_date, note, checked, acting_user
    )


def _create(
    client_id: uuid.UUID,
    resident: Resident,
    result: scoring.Score,
    quantity: Decimal,
    behaviour_date: datetime.date,
    note: str,
    photos: list[Photo],
    acting_user: Any,
) -> Record:
    record = Record(
        client_id=client_id,
        village_id=resident.village_id,
        resident=resident,
        item=result.item,
        policy=result.policy,
        quantity=quantity,
        behaviour_date=behaviour_date,
        note=note,
        points=result.points,
        base_points=result.base_points,
        scoring_note=result.note[:200],
        collected_by=acting_user,
    )
    try:
        with transaction.atomic():
            RECORDS.apply(record, Status.COLLECTED, actor=acting_user)
    except IntegrityError:
        # The same id arrived twice at the same moment: the other request won; return its record.
        existing = Record.objects.filter(client_id=client_id).first()
        if existing is None:
            raise
        return existing
    for photo in photos:
        Evidence.objects.create(
            record=record,
            file=photo.as_file(),
            thumbnail=photo.thumbnail_file(),
            content_type=photo.content_type,
            size=len(photo.content),
            width=photo.width,
            height=photo.height,
            sha256=photo.sha256,
            uploaded_by=acting_user,
        )
    audit.record(
        acting_user,
        "records.collect",
        record,
        region_code=resident.village.code,
        after={
            "resident": resident.pk,
            "item": result.item.code,
            "points": record.points,
            "date": behaviour_date,
        },
    )
    return record


def team_client_id(client_id: uuid.UUID, resident_id: int) -> uuid.UUID:
    """Each member's record id, derived from the team entry's id so a resend is recognised."""
    return uuid.uuid5(TEAM_NAMESPACE, f"{client_id}:{resident_id}")


@transaction.atomic
def do_collect_team(
    *,
    client_id: uuid.UUID,
    residents: Sequence[Resident],
    item_code: str,
    quantity: Decimal,
    behaviour_date: datetime.date,
    note: str = "",
    photos: Sequence[tuple[str, PhotoSource] | Photo] = (),
    acting_user: Any,
) -> list[Record]:
    """The same behaviour for many villagers (a whole team): all are recorded, or none."""
    if not residents:
        raise DomainError("team_empty", _("请至少选择一位村民。"), field="residents")
    if len(residents) > MAX_TEAM:
        raise DomainError(
            "team_too_large",
            _("一次最多为%d位村民录入，请分批录入。") % MAX_TEAM,
            field="residents",
        )
    if len({r.pk for r in residents}) != len(residents):
        raise DomainError("team_repeated", _("同一位村民选了两次。"), field="residents")
    # Read and decode the photos once; each villager's record stores the same ones.
    checked = check_photos(list(photos))
    records = []
    for resident in residents:
        records.append(
            do_collect(
                client_id=team_client_id(client_id, resident.pk),
                resident=resident,
                item_code=item_code,
                quantity=quantity,
                behaviour_date=behaviour_date,
                note=note,
                photos=checked,
                acting_user=acting_user,
            )
        )
    return records
