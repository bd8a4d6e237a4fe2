"""Roster import: how fast a village office's roster goes in, compared with a plain insert.

A credit-centre clerk uploads the .xlsx roster (花名册) of the villages in the town; the import
validates every row, encrypts ID numbers, hashes them for lookup, computes pinyin search
tokens, finds or opens households and writes everything in one audited transaction. Uploading
the same file again must change nothing (a promise to users), and it has to read and compare
every row to know that. This module measures both, through the real action
``people.actions.do_import_roster``, on ~10,000 plausible villagers (``demo.people.roster_rows``,
fixed seed) written with openpyxl as a village office file: a title row, then the header, every
cell text so ID numbers stay exact.

Figures:

* ``roster_import``: rows/s of a first import into empty villages;
* ``roster_import_reimport``: rows/s of importing the same file again (checked: no change).

The baseline of both is ``Household.objects.bulk_create`` + ``Resident.objects.bulk_create`` of
the very rows the import wrote (same column values, ciphertext included, read back before the
clock starts), in one transaction, into the same database in the same process. ``ratio`` is
import rows/s ÷ bulk-insert rows/s. Each step runs after an untimed warm-up import of a small
village, and the best of ``--repeat`` runs (default 3) is reported. The suite removes its
villagers when it is done (its town and villages stay; the ledger suite uses another town).
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cunxin.bench import roster_limits
from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    Figure,
    Options,
    admin_user,
    profiled,
    region_path,
    say,
    timed,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.people.actions import ImportResult
    from cunxin.people.models import Household, Resident
    from cunxin.regions.models import Region

IMPORT_FIGURES = ("roster_import", "roster_import_reimport")
FIGURES = (*IMPORT_FIGURES, *roster_limits.FIGURES)
SEED = 2026
TARGET_ROWS = 10_000
REPEAT = 3
# roster_rows averages about 3.6 people per household; used to size the villages.
ROWS_PER_HOUSEHOLD = 3.6
FILENAME = "李营街道花名册.xlsx"
HEADERS = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
TOWN = ("370811009000", "李营街道", "town")
# (code, name, main surnames): villages of one town, each two or three big families.
VILLAGES = (
    ("370811009201", "前双村", ["张", "王", "范", "李"]),
    ("370811009202", "庄头村", ["庄", "李", "孔"]),
    ("370811009203", "后双村", ["王", "郝", "刘"]),
    ("370811009204", "李营村", ["李", "马", "赵", "颜"]),
    ("370811009205", "南店子村", ["孙", "田", "曹"]),
    ("370811009206", "杨柳村", ["杨", "刘", "韩"]),
    ("370811009207", "小王庄村", ["王", "徐", "高"]),
    ("370811009208", "孙楼村", ["孙", "朱", "吕"]),
)
WARMUP_VILLAGE = ("370811009299", "试点村", ["周", "吴"])
WARMUP_HOUSEHOLDS = 30


# --- the world and the file ------------------------------------------------------------------


@dataclass
class World:
    clerk: User
    villages: list[Region]
    warmup: Region


def build_world() -> World:
    """The town, its villages and a credit-centre clerk of the town, through the actions."""
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level

    password = secrets.token_urlsafe(16)  # nobody logs in
    admin = admin_user()
    town = region_path([*COUNTY, TOWN])
    villages = [
        do_create_region(code=code, name=name, level=Level.VILLAGE, parent=town, acting_user=admin)
        for code, name, _s in (*VILLAGES, WARMUP_VILLAGE)
    ]
    clerk = do_create_user(
        phone="13800000001",
        name="周信用",
        password=password,
        role=Role.CENTRE,
        region=town,
        acting_user=admin,
    )
    return World(clerk=clerk, villages=villages[:-1], warmup=villages[-1])


@dataclass(frozen=True)
class Roster:
    """The town's roster file, its size, and a small warm-up roster of another village."""

    content: bytes
    rows: int
    households: int
    warmup: bytes


def roster_files(target_rows: int) -> Roster:
    from cunxin.demo.people import roster_rows

    per_village = max(1, round(target_rows / ROWS_PER_HOUSEHOLD / len(VILLAGES)))
    spec = [(name, per_village, surnames) for _c, name, surnames in VILLAGES]
    _code, warm_name, warm_surnames = WARMUP_VILLAGE
    # One generator for both files, so no ID number or phone repeats across them.
    rows = list(roster_rows([*spec, (warm_name, WARMUP_HOUSEHOLDS, warm_surnames)], SEED))
    main = [r for r in rows if r[0] != warm_name]
    warm = [r for r in rows if r[0] == warm_name]
    return Roster(
        content=xlsx("李营街道村民花名册", main),
        rows=len(main),
        households=len({(r[0], r[1]) for r in main}),
        warmup=xlsx(f"{warm_name}村民花名册", warm),
    )


def xlsx(title: str, rows: Sequence[Sequence[str]]) -> bytes:
    """A roster as an office keeps it: a title row, the header, every filled cell as text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append([title])
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([str(value) if value else None for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the measured steps ------------------------------------------------------------------------


def do_import(content: bytes, clerk: User) -> ImportResult:
    from cunxin.people.actions import do_import_roster

    return do_import_roster(content, FILENAME, acting_user=clerk, reason="benchmark")


def state(villages: Sequence[Region]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every column of the villages' households and residents, to compare before and after."""
    from cunxin.people.models import Household, Resident

    return (
        list(Household.objects.filter(village__in=villages).order_by("pk").values_list()),
        list(Resident.objects.filter(village__in=villages).order_by("pk").values_list()),
    )


def clear(villages: Sequence[Region]) -> None:
    from cunxin.people.models import Household, Resident

    Resident.objects.filter(village__in=villages).delete()
    Household.objects.filter(village__in=villages).delete()


@dataclass
class Stored:
    """Column values of imported rows, for the baseline to insert again."""

    households: list[dict[str, Any]]
    residents: list[dict[str, Any]]


def read_back(villages: Sequence[Region]) -> Stored:
    from cunxin.people.models import Household, Resident

    automatic = {"id", "created_at", "updated_at"}
    h_fields = [f.attname for f in Household._meta.concrete_fields if f.attname not in automatic]
    r_fields = [f.attname for f in Resident._meta.concrete_fields if f.attname not in automatic]
    return Stored(
        households=list(
            Household.objects.filter(village__in=villages).order_by("pk").values("id", *h_fields)
        ),
        residents=list(
            Resident.objects.filter(village__in=villages).order_by("pk").values(*r_fields)
        ),
    )


def unsaved(stored: Stored) -> tuple[list[Household], list[Resident]]:
    """Fresh model instances with the stored values; residents point at the new households."""
    from cunxin.people.models import Household, Resident

    by_old_id: dict[int, Household] = {}
    for values in stored.households:
        fields = dict(values)
        by_old_id[fields.pop("id")] = Household(**fields)
    residents = []
    for values in stored.residents:
        fields = dict(values)
        residents.append(Resident(household=by_old_id[fields.pop("household_id")], **fields))
    return list(by_old_id.values()), residents


def bulk_insert(households: list[Household], residents: list[Resident]) -> None:
    from django.db import transaction

    from cunxin.people.actions import BATCH
    from cunxin.people.models import Household, Resident

    with transaction.atomic():
        Household.objects.bulk_create(households, batch_size=BATCH)
        Resident.objects.bulk_create(residents, batch_size=BATCH)


@dataclass
class Timings:
    import_s: float = float("inf")
    reimport_s: float = float("inf")
    bulk_s: float = float("inf")


def measure(world: World, content: bytes, rows: int, repeat: int) -> Timings:
    """Best of ``repeat``: import, re-import (checked), then the bulk insert of the same rows."""
    from cunxin.people.models import Resident

    best = Timings()
    stored: Stored | None = None
    for _ in range(repeat):
        seconds, result = timed(do_import, content, world.clerk)
        if result.residents_created != rows or result.errors:
            raise BenchFailed(f"import created {result.residents_created} of {rows} residents")
        best.import_s = min(best.import_s, seconds)

        before = state(world.villages)
        seconds, result = timed(do_import, content, world.clerk)
        if result.changed or result.residents_unchanged != rows:
            raise BenchFailed(f"re-import changed something: {result}")
        if state(world.villages) != before:
            raise BenchFailed("re-import changed stored households or residents")
        best.reimport_s = min(best.reimport_s, seconds)

        stored = stored or read_back(world.villages)
        clear(world.villages)
        households, residents = unsaved(stored)
        seconds, _none = timed(bulk_insert, households, residents)
        if Resident.objects.filter(village__in=world.villages).count() != rows:
            raise BenchFailed("bulk insert did not store every resident")
        best.bulk_s = min(best.bulk_s, seconds)
        clear(world.villages)
    return best


def profile(world: World, content: bytes) -> None:
    """cProfile of one import and one re-import, the top functions to stderr."""
    for label in ("import", "re-import"):
        profiled(f"the roster {label}", do_import, content, world.clerk)
    clear(world.villages)


def run(options: Options, only: set[str]) -> list[Figure]:
    """Import and re-import the town's roster, refuse a file past the limit; the figures
    asked for (``roster_limits`` measures the refusal)."""
    world = build_world()
    figures: list[Figure] = []
    if only & set(IMPORT_FIGURES):
        figures += run_imports(world, options, only)
    if only & set(roster_limits.FIGURES):
        figures += roster_limits.run(world.clerk, options.repeat)
    return figures


def run_imports(world: World, options: Options, only: set[str]) -> list[Figure]:
    """The import figures: a first import and a re-import, against a bulk insert."""
    roster = roster_files(max(100, round(options.roster_rows * options.scale)))
    say(
        f"roster: {roster.rows} residents in {roster.households} households of "
        f"{len(VILLAGES)} villages, {len(roster.content) // 1024} KiB .xlsx, seed {SEED}; "
        f"best of {options.repeat}"
    )
    for _ in range(2):  # untimed warm-up: first import, then re-import, of a small village
        do_import(roster.warmup, world.clerk)
    clear([world.warmup])

    best = measure(world, roster.content, roster.rows, options.repeat)
    say(
        f"roster seconds: import {best.import_s:.2f}, re-import {best.reimport_s:.2f}, "
        f"bulk insert {best.bulk_s:.3f}"
    )
    if options.profile:
        profile(world, roster.content)

    rows = roster.rows
    bulk_rate = rows / best.bulk_s
    baseline = f"bulk_create_same_rows:{bulk_rate:.1f}rows/s"
    described = f"bulk_create of the same rows: {bulk_rate:.1f} rows/s"
    note = f"{rows} rows, best of {options.repeat}"
    figures = [
        Figure(
            "roster_import", rows / best.import_s, "rows/s", bulk_rate, baseline, described, note
        ),
        Figure(
            "roster_import_reimport",
            rows / best.reimport_s,
            "rows/s",
            bulk_rate,
            baseline,
            described,
            note,
        ),
    ]
    return [f for f in figures if f.name in only]
