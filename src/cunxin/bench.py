"""``make bench``: how fast a village office's roster goes in, compared with a plain insert.

A credit-centre clerk uploads the .xlsx roster (花名册) of the villages in the town; the import
validates every row, encrypts ID numbers, hashes them for lookup, computes pinyin search
tokens, finds or opens households and writes everything in one audited transaction. Uploading
the same file again must change nothing (a promise to users), and it has to read and compare
every row to know that. This module measures both, through the real action
``people.actions.do_import_roster``, on ~10,000 plausible villagers (``demo.people.roster_rows``,
fixed seed) written with openpyxl as a village office file: a title row, then the header, every
cell text so ID numbers stay exact.

Figures (one ``BENCH`` line each, see docs/benchmarks.md):

* ``roster_import``: rows/s of a first import into empty villages;
* ``roster_import_reimport``: rows/s of importing the same file again (checked: no change).

The baseline of both is ``Household.objects.bulk_create`` + ``Resident.objects.bulk_create`` of
the very rows the import wrote (same column values, ciphertext included, read back before the
clock starts), in one transaction, into the same database in the same process. ``ratio`` is
import rows/s ÷ bulk-insert rows/s: the share of a bare insert's speed the import keeps, which
moves much less between machines than rows/s.

The developer's database is never touched: before Django starts, the process is pointed at a
throwaway SQLite file in a temporary directory (DATABASE_URL unset or sqlite://), or, with
DATABASE_URL set to PostgreSQL, at a fresh database ``<name>_bench`` on the same server, created
through the ``postgres`` database and dropped afterwards (a leftover of that name is dropped
first: the name belongs to the benchmark). Keys are generated in the temporary directory too,
and DEBUG is off, as in production. Each step runs after an untimed warm-up import of a small
village, and the best of ``--repeat`` runs (default 3) is reported.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import os
import platform
import pstats
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlparse

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.people.actions import ImportResult
    from cunxin.people.models import Household, Resident
    from cunxin.regions.models import Region

SEED = 2026
TARGET_ROWS = 10_000
REPEAT = 3
# roster_rows averages about 3.6 people per household; used to size the villages.
ROWS_PER_HOUSEHOLD = 3.6
FILENAME = "李营街道花名册.xlsx"
HEADERS = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
REGIONS = (
    ("370000000000", "山东省", "province"),
    ("370800000000", "济宁市", "city"),
    ("370811000000", "任城区", "county"),
    ("370811009000", "李营街道", "town"),
)
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
DOCS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"

T = TypeVar("T")
P = ParamSpec("P")


# --- a throwaway database, chosen before Django starts ---------------------------------------


@dataclass(frozen=True)
class Target:
    """Where the benchmark runs: ``vendor`` is the docs table's database column."""

    vendor: str
    where: str


@contextlib.contextmanager
def throwaway_database() -> Iterator[Target]:
    """Point this process at a database of its own; remove it afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if url and parsed.scheme not in {"sqlite", "postgres", "postgresql"}:
        raise SystemExit(f"bench: DATABASE_URL scheme {parsed.scheme!r} is not supported")
    tmp = Path(tempfile.mkdtemp(prefix="cunxin-bench-"))
    os.environ["CUNXIN_DATA_DIR"] = str(tmp)
    os.environ["DEBUG"] = "0"
    try:
        if parsed.scheme in {"postgres", "postgresql"}:
            with _postgres_database(url) as target:
                yield target
        else:
            path = tmp / "bench.sqlite3"
            os.environ["DATABASE_URL"] = f"sqlite:///{path}"
            yield Target("sqlite", str(path))
            _close_django_connections()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _postgres_database(url: str) -> Iterator[Target]:
    import psycopg
    from psycopg import sql

    parsed = urlparse(url)
    name = f"{unquote(parsed.path.lstrip('/')) or 'cunxin'}_bench"
    connect: dict[str, Any] = {
        key: value
        for key, value in {
            "host": parsed.hostname,
            "port": parsed.port,
            "user": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
        }.items()
        if value
    }
    connect.update((k, v) for k, v in parse_qsl(parsed.query) if k != "test_name")

    def admin(statement: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))

    admin("DROP DATABASE IF EXISTS {}")
    admin("CREATE DATABASE {}")
    os.environ["DATABASE_URL"] = parsed._replace(path="/" + quote(name)).geturl()
    try:
        yield Target("postgresql", f"database {name} on {parsed.hostname or 'localhost'}")
    finally:
        _close_django_connections()
        admin("DROP DATABASE IF EXISTS {}")


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


# --- the world and the file ------------------------------------------------------------------


@dataclass
class World:
    clerk: User
    villages: list[Region]
    warmup: Region


def build_world() -> World:
    """Regions, a platform admin and a credit-centre clerk of the town, through the actions."""
    from cunxin.accounts.actions import do_create_platform_admin, do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level

    password = secrets.token_urlsafe(16)  # nobody logs in
    admin = do_create_platform_admin(
        phone="13800000000", name="平台管理员", password=password, reason="benchmark"
    )
    parent: Region | None = None
    for code, name, level in REGIONS:
        parent = do_create_region(
            code=code, name=name, level=Level[level.upper()], parent=parent, acting_user=admin
        )
    town = parent
    assert town is not None
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
    import io

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


def timed(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[float, T]:
    """Seconds (perf_counter) the call took, and what it returned."""
    start = time.perf_counter()
    value = step(*args, **kwargs)
    return time.perf_counter() - start, value


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


class BenchFailed(SystemExit):
    """The measured step did not do what it promises; no figure is reported."""

    def __init__(self, message: str) -> None:
        super().__init__(f"bench: {message}")


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


def profile(world: World, content: bytes, top: int = 30) -> None:
    """cProfile of one import and one re-import, the top functions to stderr."""
    for label in ("import", "re-import"):
        profiler = cProfile.Profile()
        profiler.runcall(do_import, content, world.clerk)
        print(
            f"\n# profile of the {label} (top {top} by own time, then cumulative)", file=sys.stderr
        )
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
    clear(world.villages)


# --- reporting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline_value: float
    baseline: str

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value

    def line(self) -> str:
        return (
            f"BENCH {self.name} {self.value:.1f} {self.unit} ratio={self.ratio:.4f} "
            f"baseline={self.baseline}"
        )


def database_version(vendor: str) -> str:
    from django.db import connection

    if vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return f"PostgreSQL {row[0].split()[0] if row else '?'}"


def machine_note(database: str) -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = " ".join(line.split(":", 1)[1].split())
                break
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {database}"
    )


DOC_COLUMNS = ("date", "database", "name", "value", "unit", "ratio", "baseline", "machine note")
DOC_INTRO = """\
# Benchmarks

Run them with `make bench` (SQLite), or on PostgreSQL with
`DATABASE_URL=postgresql://user@host:5432/cunxin make bench`. The benchmark never touches your
database: on SQLite it works in a throwaway file in a temporary directory; on PostgreSQL it
creates a fresh database named after yours plus `_bench` (`cunxin_bench`), and drops it at the
end. It takes a minute or two.

Each figure is printed as one line,
`BENCH <name> <value> <unit> ratio=<value/baseline> baseline=<what it is compared with>`,
and the run replaces that figure's row for that database in the table below (other rows stay).
The baseline is the simplest way to do the same work (a bare bulk insert of the same rows),
run in the same process on the same data and database, so the **ratio** says how much of the
database's raw speed the feature keeps; it moves far less between machines than the value.
Compare values only on one machine; compare ratios anywhere. Speed goals live in this file,
never as timed assertions in tests.

Figures (`src/cunxin/bench.py` says exactly what is measured):

- `roster_import`: a credit-centre clerk imports an .xlsx roster of ~10,000 residents of eight
  villages (every cell text, a title row above the header) through `do_import_roster`, into
  empty villages; rows per second. Baseline: `bulk_create` of the same households and residents
  with the same column values (ciphertext, hashes and search tokens computed beforehand).
- `roster_import_reimport`: the same file imported a second time, which must change nothing
  (the benchmark checks it); rows per second, same baseline.

## Results
"""


def update_docs(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Replace the rows of these figures on this database; keep every other row and line."""
    lines = (path.read_text() if path.exists() else DOC_INTRO).splitlines()
    start = next((i for i, line in enumerate(lines) if _cells(line) == list(DOC_COLUMNS)), None)
    if start is None:
        lines += ["", _row(DOC_COLUMNS), _row(["---"] * len(DOC_COLUMNS))]
        start = len(lines) - 2
    end = start + 2
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    table = [_cells(line) for line in lines[start + 2 : end]]
    for row in rows:
        cells = [row[column].replace("|", "/") for column in DOC_COLUMNS]
        key = (row["database"], row["name"])
        index = next((i for i, c in enumerate(table) if (c[1:3] == list(key))), None)
        if index is None:
            table.append(cells)
        else:
            table[index] = cells
    lines[start + 2 : end] = [_row(cells) for cells in table]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _cells(line: str) -> list[str]:
    text = line.strip()
    if not text.startswith("|"):
        return []
    return [cell.strip() for cell in text.strip("|").split("|")]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# --- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cunxin.bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="about this many rows")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="best of this many runs")
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs table")
    parser.add_argument("--profile", action="store_true", help="cProfile an import to stderr")
    args = parser.parse_args(argv)

    with throwaway_database() as target:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunxin.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        database = database_version(target.vendor)
        print(f"# database: {database} ({target.where})", flush=True)

        world = build_world()
        roster = roster_files(args.rows)
        print(
            f"# roster: {roster.rows} residents in {roster.households} households of "
            f"{len(VILLAGES)} villages, {len(roster.content) // 1024} KiB .xlsx, seed {SEED}; "
            f"best of {args.repeat}",
            flush=True,
        )
        for _ in range(2):  # untimed warm-up: first import, then re-import, of a small village
            do_import(roster.warmup, world.clerk)
        clear([world.warmup])

        best = measure(world, roster.content, roster.rows, args.repeat)
        print(
            f"# seconds: import {best.import_s:.2f}, re-import {best.reimport_s:.2f}, "
            f"bulk insert {best.bulk_s:.3f}",
            flush=True,
        )
        if args.profile:
            profile(world, roster.content)

    rows = roster.rows
    bulk_rate = rows / best.bulk_s
    baseline = f"bulk_create_same_rows:{bulk_rate:.1f}rows/s"
    figures = [
        Figure("roster_import", rows / best.import_s, "rows/s", bulk_rate, baseline),
        Figure("roster_import_reimport", rows / best.reimport_s, "rows/s", bulk_rate, baseline),
    ]
    for figure in figures:
        print(figure.line(), flush=True)
    if not args.no_docs:
        note = f"{machine_note(database)}; {rows} rows, best of {args.repeat}"
        today = datetime.date.today().isoformat()
        update_docs(
            DOCS,
            [
                {
                    "date": today,
                    "database": target.vendor,
                    "name": f.name,
                    "value": f"{f.value:.1f}",
                    "unit": f.unit,
                    "ratio": f"{f.ratio:.4f}",
                    "baseline": f"bulk_create of the same rows: {f.baseline_value:.1f} rows/s",
                    "machine note": note,
                }
                for f in figures
            ],
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
