"""State changes of households and residents: roster import, edits, and audited reveals."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit, pii
from cunxin.core.cleaning import read_upload
from cunxin.core.errors import DomainError
from cunxin.core.scoping import may, require
from cunxin.people import idnumber, roster
from cunxin.people.models import Household, Resident, ResidentStatus
from cunxin.people.names import HEAD_RELATIONS, check_name, check_relation, search_tokens
from cunxin.regions.models import Level, Region

BATCH = 1000
# Fields an import compares and updates on an existing resident.
IMPORT_FIELDS = ("name", "phone", "relation", "is_head", "household_id", "village_id")


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    households_created: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    residents_unchanged: int = 0
    dry_run: bool = False
    errors: list[roster.RowError] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.households_created or self.residents_created or self.residents_updated)


def importable_villages(user: Any) -> dict[str, Region]:
    """Villages the user may import into, by name and by 12-digit code.

    A name shared by two villages in scope is left out (the file must use the code instead).
    """
    villages = list(Region.objects.restrict(user, Perm.IMPORT_ROSTER).filter(level=Level.VILLAGE))
    by_name: dict[str, list[Region]] = defaultdict(list)
    for v in villages:
        by_name[v.name].append(v)
    lookup = {name: vs[0] for name, vs in by_name.items() if len(vs) == 1}
    lookup.update({v.code: v for v in villages})
    return lookup


def build_resident(
    *,
    household: Household,
    name: str,
    relation: str,
    parsed_id: idnumber.IdNumber,
    phone: str,
    id_hash: str | None = None,
) -> Resident:
    """An unsaved resident with its encrypted ID number and search tokens."""
    return Resident(
        household=household,
        village_id=household.village_id,
        name=name,
        name_search=search_tokens(name),
        id_cipher=pii.encrypt(parsed_id.value),
        id_hash=id_hash or pii.keyed_hash(parsed_id.value),
        id_masked=parsed_id.masked,
        id_tail=parsed_id.tail,
        gender=parsed_id.gender,
        birth_date=parsed_id.birth_date,
        phone=phone,
        relation=relation,
        is_head=relation in HEAD_RELATIONS,
    )


def _next_numbers(village_ids: set[int]) -> dict[int, int]:
    """The next free automatic 户号 (a zero-padded sequence) per village."""
    numbers: dict[int, int] = dict.fromkeys(village_ids, 0)
    for household in Household.objects.filter(village_id__in=village_ids).values(
        "village_id", "number"
    ):
        if household["number"].isascii() and household["number"].isdigit():
            vid = household["village_id"]
            numbers[vid] = max(numbers[vid], int(household["number"]))
    return {vid: n + 1 for vid, n in numbers.items()}


@transaction.atomic
def do_import_roster(
    content: bytes | IO[bytes],
    filename: str,
    *,
    acting_user: Any,
    dry_run: bool = False,
    reason: str = "",
) -> ImportResult:
    """Import a roster file all or nothing; raises RosterInvalid with every bad row. An upload
    larger than ROSTER_MAX_BYTES is refused unread."""
    require(acting_user, Perm.IMPORT_ROSTER)
    content = read_upload(content, max_bytes=settings.ROSTER_MAX_BYTES)
    parsed = roster.parse(content, filename, importable_villages(acting_user))
    rows = parsed.rows
    existing = {
        r.id_hash: r
        for chunk in _chunks([row.id_hash for row in rows])
        for r in Resident.objects.select_for_update(of=("self",))
        .select_related("village", "household")
        .filter(id_hash__in=chunk)
    }
    for row in rows:
        found = existing.get(row.id_hash)
        if found is not None and not may(acting_user, Perm.IMPORT_ROSTER, found.village.code):
            parsed.error(
                row.row,
                "id_number",
                _("该身份证号已登记在您管辖范围以外的村，请联系所在镇信用中心。"),
            )
    households = _resolve_households(parsed, existing)
    if parsed.errors:
        raise roster.RosterInvalid(parsed.errors)

    result = ImportResult(dry_run=dry_run)
    new_households = [h for h in households.values() if h.pk is None]
    result.households_created = len(new_households)
    if not dry_run:
        Household.objects.bulk_create(new_households, batch_size=BATCH)

    to_create: list[Resident] = []
    to_update: list[Resident] = []
    changes: list[dict[str, Any]] = []
    for row in rows:
        household = households[roster.household_key(row)]
        found = existing.get(row.id_hash)
        if found is None:
            to_create.append(
                build_resident(
                    household=household,
                    name=row.name,
                    relation=row.relation,
                    parsed_id=row.id,
                    phone=row.phone,
                    id_hash=row.id_hash,
                )
            )
            continue
        before = {f: getattr(found, f) for f in IMPORT_FIELDS}
        found.name = row.name
        found.name_search = (
            search_tokens(row.name) if row.name != before["name"] else found.name_search
        )
        found.phone = row.phone
        found.relation = row.relation
        found.is_head = row.is_head
        found.household = household
        found.village_id = household.village_id
        after = {f: getattr(found, f) for f in IMPORT_FIELDS}
        if before == after:
            result.residents_unchanged += 1
        else:
            to_update.append(found)
            diff_before, diff_after = audit.changed(before, after)
            changes.append({"id": found.pk, "before": diff_before, "after": diff_after})
    result.residents_created = len(to_create)
    result.residents_updated = len(to_update)
    if dry_run or not result.changed:
        return result

    # A household's head may move to another member: clear old heads first, then set new ones.
    losing_head = [r.pk for r in to_update if not r.is_head]
    Resident.objects.filter(pk__in=losing_head, is_head=True).update(is_head=False)
    Resident.objects.bulk_update(
        sorted(to_update, key=lambda r: r.is_head),
        [*IMPORT_FIELDS[:4], "household", "village", "name_search"],
        batch_size=BATCH,
    )
    Resident.objects.bulk_create(to_create, batch_size=BATCH)
    village_codes = sorted({row.village.code for row in rows})
    audit.record(
        acting_user,
        "people.import_roster",
        None,
        object_type="people.roster",
        object_id=parsed.sha256[:16],
        object_repr=filename[:200],
        region_code=_common_region(village_codes),
        after={
            "file_sha256": parsed.sha256,
            "households_created": result.households_created,
            "residents_created": result.residents_created,
            "residents_updated": result.residents_updated,
            "created_ids": [r.pk for r in to_create],
            "updated": changes,
        },
        reason=reason,
    )
    return result


def _common_region(codes: list[str]) -> str:
    """The smallest region containing all the codes (for scoping the audit entry)."""
    if len(codes) == 1:
        return codes[0]
    for n in (9, 6, 4, 2):
        if len({c[:n] for c in codes}) == 1:
            return codes[0][:n].ljust(12, "0")
    return ""


def _chunks(items: list[str], size: int = 900) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _resolve_households(
    parsed: roster.ParsedRoster, existing: dict[str, Resident]
) -> dict[tuple[int, str], Household]:
    """The household of every row group: its 户号's (found, or new with its head's row), or
    for a block without 户号 the one its head already heads (found by ID number), or new.

    Never by a name: a group that the file and the database cannot tie to one household is
    refused with the fix, not joined to a household whose head has the same name.
    """
    households: dict[tuple[int, str], Household] = {}
    groups: dict[tuple[int, str], list[roster.RosterRow]] = defaultdict(list)
    for row in parsed.rows:
        groups[roster.household_key(row)].append(row)
    village_ids = {row.village.pk for row in parsed.rows}
    wanted = {(vid, key[1:]) for vid, key in groups if key.startswith("#")}
    by_number = {
        (h.village_id, h.number): h
        for h in Household.objects.filter(
            village_id__in={vid for vid, _n in wanted}, number__in={n for _v, n in wanted}
        )
        if (h.village_id, h.number) in wanted
    }
    current_heads = _current_heads(
        {h.pk for h in by_number.values()}
        | {r.household_id for r in existing.values() if not r.is_head}
    )
    in_file = {row.id_hash: row for row in parsed.rows}
    next_number = _next_numbers(village_ids)
    for key, members in groups.items():
        village = members[0].village
        head = next((m for m in members if m.is_head), None)
        household: Household | None
        if key[1].startswith("#"):
            number = key[1][1:]
            household = by_number.get((village.pk, number))
            if household is None and head is None:
                for m in members:
                    parsed.error(
                        m.row,
                        "household_number",
                        _("本村还没有户号“%s”；新的一户必须包含户主本人的一行。") % number,
                    )
                continue
            if household is not None and head is None:
                _check_head_name(parsed, members, current_heads.get(household.pk), in_file)
            household = household or Household(village=village, number=number)
        else:
            assert head is not None  # a block starts with its head's row
            household = _household_of_block(parsed, head, members, existing, current_heads)
            if household is None:
                for m in members:
                    if m is not head:
                        parsed.error(
                            m.row,
                            "head_name",
                            _("户主（第%(row)d行）有错误，本户其他成员暂不能导入。")
                            % {"row": head.row},
                        )
                continue
            if household.pk is None:
                number, next_number[village.pk] = _free_number(
                    next_number[village.pk], {n for vid, n in wanted if vid == village.pk}
                )
                household.number = number
        households[key] = household
    _check_head_changes(parsed, groups, households)
    return households


def _current_heads(household_ids: set[int]) -> dict[int, tuple[str, str]]:
    """The head (ID hash, name) of each household as stored."""
    return {
        household_id: (id_hash, name)
        for household_id, id_hash, name in Resident.objects.filter(
            household_id__in=household_ids, is_head=True
        ).values_list("household_id", "id_hash", "name")
    }


def _free_number(start: int, taken: set[str]) -> tuple[str, int]:
    """The next automatic 户号 not used by the file itself, and the one after it."""
    while f"{start:04d}" in taken:
        start += 1
    return f"{start:04d}", start + 1


def _check_head_name(
    parsed: roster.ParsedRoster,
    members: list[roster.RosterRow],
    head: tuple[str, str] | None,
    in_file: dict[str, roster.RosterRow],
) -> None:
    """Members listed under an existing 户号 must name its head: a mistyped 户号 would
    otherwise put them in another family's household."""
    if head is None:
        return
    id_hash, name = head
    if id_hash in in_file:
        name = in_file[id_hash].name
    for m in members:
        if m.head_name != name:
            parsed.error(
                m.row,
                "head_name",
                _(
                    "户号“%(number)s”的户主是“%(actual)s”，与本行的户主姓名“%(head)s”不一致，请核对户号。"
                )
                % {"number": m.household_number, "actual": name, "head": m.head_name},
            )


def _household_of_block(
    parsed: roster.ParsedRoster,
    head: roster.RosterRow,
    members: list[roster.RosterRow],
    existing: dict[str, Resident],
    current_heads: dict[int, tuple[str, str]],
) -> Household | None:
    """A block's household, by its head's ID number: the household that person heads now,
    or the one whose current head the block lists as a member (a change of head); a new one
    for a person not yet registered in the village. Someone registered as a member of
    another household is ambiguous (a new head there, or a new household?): refused."""
    found = existing.get(head.id_hash)
    if found is None or found.village_id != head.village.pk:
        return Household(village=head.village)
    if found.is_head:
        return found.household
    current = current_heads.get(found.household_id)
    if current is not None and any(m.id_hash == current[0] for m in members):
        return found.household
    parsed.error(
        head.row,
        "household_number",
        _(
            "%(name)s已登记为户号“%(number)s”一户的成员。如果%(name)s成为这一户的户主，请填写户号"
            "“%(number)s”，并写明原户主的新关系；如果是分户，请为新的一户填写户号。"
        )
        % {"name": head.name, "number": found.household.number},
    )
    return None


def _check_head_changes(
    parsed: roster.ParsedRoster,
    groups: dict[tuple[int, str], list[roster.RosterRow]],
    households: dict[tuple[int, str], Household],
) -> None:
    """A household gets a new head only if the file also demotes the current one."""
    existing_ids = {h.pk for h in households.values() if h.pk is not None}
    current = {
        r["household_id"]: r
        for r in Resident.objects.filter(household_id__in=existing_ids, is_head=True).values(
            "household_id", "id_hash", "name"
        )
    }
    in_file = {row.id_hash: row for row in parsed.rows}
    for key, members in groups.items():
        household = households.get(key)
        head = next((m for m in members if m.is_head), None)
        if household is None or household.pk is None or head is None:
            continue
        old = current.get(household.pk)
        if old is None or old["id_hash"] == head.id_hash:
            continue
        demoted = in_file.get(old["id_hash"])
        if demoted is None or demoted.is_head:
            parsed.error(
                head.row,
                "relation",
                _("这一户现有户主是“%s”；更换户主时，请在表中同时填写原户主的新关系。")
                % old["name"],
            )


# --- single edits ------------------------------------------------------------------------------


@transaction.atomic
def do_add_resident(
    *,
    household: Household,
    name: str,
    relation: str,
    id_number: str,
    phone: str = "",
    acting_user: Any,
    reason: str = "",
) -> Resident:
    """Add one person to a household (the import does the same for many)."""
    require(acting_user, Perm.EDIT_PEOPLE, household.village.code)
    name = check_name(name)
    relation = check_relation(relation)
    parsed_id = idnumber.parse(id_number)
    phone = roster.check_phone(phone)
    if Resident.objects.filter(id_hash=pii.keyed_hash(parsed_id.value)).exists():
        raise DomainError("id_taken", _("该身份证号已经登记。"), field="id_number")
    if relation in HEAD_RELATIONS and household.members.filter(is_head=True).exists():
        raise DomainError("head_exists", _("这一户已经有户主。"), field="relation")
    resident = build_resident(
        household=household, name=name, relation=relation, parsed_id=parsed_id, phone=phone
    )
    resident.save()
    audit.record(
        acting_user,
        "people.add_resident",
        resident,
        region_code=household.village.code,
        after=audit.snapshot(resident),
        reason=reason,
    )
    return resident


@transaction.atomic
def do_create_household(
    *, village: Region, number: str = "", address: str = "", acting_user: Any, reason: str = ""
) -> Household:
    """Open a new household in a village (its head is added next)."""
    require(acting_user, Perm.EDIT_PEOPLE, village.code)
    if village.level != Level.VILLAGE:
        raise DomainError("not_a_village", _("户只能建在村（社区）下。"), field="village")
    number = (
        roster.check_household_number(number) or f"{_next_numbers({village.pk})[village.pk]:04d}"
    )
    limit = Household._meta.get_field("number").max_length
    if limit is not None and len(number) > limit:
        raise DomainError(
            "household_number_too_long",
            _("户号最多%(max)d个字符。"),
            field="number",
            params={"max": limit},
        )
    if Household.objects.filter(village=village, number=number).exists():
        raise DomainError("household_number_taken", _("本村已有这个户号。"), field="number")
    household = Household.objects.create(village=village, number=number, address=address.strip())
    audit.record(
        acting_user,
        "people.create_household",
        household,
        region_code=village.code,
        after=audit.snapshot(household),
        reason=reason,
    )
    return household


@transaction.atomic
def do_update_resident(
    resident: Resident,
    *,
    name: str,
    phone: str,
    relation: str,
    status: str,
    acting_user: Any,
    reason: str,
) -> Resident:
    """Correct a resident's details; the reason is kept with the before and after."""
    require(acting_user, Perm.EDIT_PEOPLE, resident.village.code)
    if not reason.strip():
        raise DomainError("reason_required", _("请填写修改原因。"), field="reason")
    if status not in ResidentStatus.values:
        raise DomainError("status_unknown", _("状态无效。"), field="status")
    before = audit.snapshot(resident)
    resident.name = check_name(name)
    resident.name_search = search_tokens(resident.name)
    resident.phone = roster.check_phone(phone)
    resident.relation = check_relation(relation)
    other_head = resident.household.members.filter(is_head=True).exclude(pk=resident.pk)
    if resident.relation in HEAD_RELATIONS and not resident.is_head and other_head.exists():
        raise DomainError("head_exists", _("这一户已经有户主。"), field="relation")
    resident.is_head = resident.relation in HEAD_RELATIONS
    resident.status = status
    resident.save()
    diff_before, diff_after = audit.changed(before, audit.snapshot(resident))
    diff_before.pop("updated_at", None)
    diff_after.pop("updated_at", None)
    audit.record(
        acting_user,
        "people.update_resident",
        resident,
        region_code=resident.village.code,
        before=diff_before,
        after=diff_after,
        reason=reason,
    )
    return resident


@transaction.atomic
def do_reveal_id(resident: Resident, *, acting_user: Any, reason: str) -> str:
    """The full ID number, for a user with the reveal permission; every reveal is audited."""
    require(acting_user, Perm.REVEAL_ID, resident.village.code)
    if not reason.strip():
        raise DomainError("reason_required", _("请说明查看完整身份证号的原因。"), field="reason")
    audit.record(
        acting_user,
        "people.reveal_id",
        resident,
        region_code=resident.village.code,
        reason=reason,
    )
    return pii.decrypt(resident.id_cipher)


@transaction.atomic
def do_export_roster(villages: list[Region], *, fmt: str, acting_user: Any, reason: str) -> bytes:
    """The roster of the villages as .xlsx or .csv, with full ID numbers; audited with the
    reason, which is required (as for revealing one ID number)."""
    from cunxin.people.spreadsheets import write_csv, write_xlsx

    for village in villages:
        require(acting_user, Perm.EXPORT_ROSTER, village.code)
    if not reason.strip():
        raise DomainError("reason_required", _("请说明导出完整身份证号的用途。"), field="reason")
    if fmt not in ("xlsx", "csv"):
        raise DomainError("format_unknown", _("只能导出 .xlsx 或 .csv。"))
    residents = (
        Resident.objects.filter(village__in=villages, status=ResidentStatus.ACTIVE)
        .select_related("village", "household")
        .order_by("village__code", "household__number", "-is_head", "birth_date", "pk")
    )
    heads = dict(
        Resident.objects.filter(village__in=villages, is_head=True).values_list(
            "household_id", "name"
        )
    )
    # In CSV a leading tab keeps Excel from turning long numbers into 3.70883E+17.
    text = "\t" if fmt == "csv" else ""
    rows: list[list[object]] = []
    for r in residents.iterator(chunk_size=2000):
        rows.append(
            [
                r.village.name,
                r.household.number,
                heads.get(r.household_id, ""),
                r.name,
                r.relation,
                text + pii.decrypt(r.id_cipher),
                (text + r.phone) if r.phone else "",
                "男" if r.gender == "M" else "女",  # files are Chinese whatever the UI language
                r.birth_date.isoformat(),
            ]
        )
    audit.record(
        acting_user,
        "people.export_roster",
        None,
        object_type="people.roster",
        object_repr=",".join(v.name for v in villages)[:200],
        region_code=_common_region(sorted(v.code for v in villages)),
        after={"rows": len(rows), "format": fmt, "villages": [v.code for v in villages]},
        reason=reason,
    )
    if fmt == "csv":
        return write_csv(roster.EXPORT_HEADERS, rows)
    return write_xlsx(roster.EXPORT_HEADERS, rows, title=_("花名册"))


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    """Whole years of age on a day."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
