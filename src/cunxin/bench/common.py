"""What every benchmark shares: a throwaway database, timing, the ``BENCH`` line, the docs table.

Nothing here imports Django at module level: the database is chosen (by environment
variables) before Django starts, in ``throwaway_database``.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import math
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
    from cunxin.regions.models import Region

T = TypeVar("T")
P = ParamSpec("P")

DOCS = Path(__file__).resolve().parents[3] / "docs" / "benchmarks.md"
# Regions both suites build under (each suite adds its own town and villages).
COUNTY = (
    ("370000000000", "山东省", "province"),
    ("370800000000", "济宁市", "city"),
    ("370811000000", "任城区", "county"),
)
ADMIN_PHONE = "13800000000"


@dataclass(frozen=True)
class Options:
    """What the command line asked for, as each suite reads it."""

    scale: float
    repeat: int
    profile: bool
    roster_rows: int


class BenchFailed(SystemExit):
    """The measured step did not do what it promises; no figure is reported."""

    def __init__(self, message: str) -> None:
        super().__init__(f"bench: {message}")


def say(text: str) -> None:
    """A progress or detail line: '#'-prefixed, so only BENCH lines are figures."""
    print(f"# {text}", flush=True)


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
    # The default SMS backend logs every text at INFO: 10^5 of them would bury the figures.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
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

    def admin(statement: str, *names: str) -> None:
        with psycopg.connect(dbname="postgres", autocommit=True, **connect) as conn:
            conn.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)))

    admin("DROP DATABASE IF EXISTS {}", name)
    admin("CREATE DATABASE {}", name)
    os.environ["DATABASE_URL"] = parsed._replace(path="/" + quote(name)).geturl()
    _copies.clear()
    _admin.append(admin)
    try:
        yield Target("postgresql", f"database {name} on {parsed.hostname or 'localhost'}")
    finally:
        _admin.clear()
        _close_django_connections()
        for copy in [*_copies, name]:
            admin("DROP DATABASE IF EXISTS {}", copy)


# PostgreSQL: how to run statements on the server (set while a target is open), and the copies
# ``copy_database`` made there, dropped with the target.
_admin: list[Callable[..., None]] = []
_copies: list[str] = []


def copy_database() -> str:
    """A copy of the database as it is now (SQLite: page by page through the backup API;
    PostgreSQL: ``CREATE DATABASE … TEMPLATE``); returns its name, for ``switched_to``."""
    from django.db import connection, connections

    current = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        import sqlite3

        path = Path(current).with_name(f"copy-{secrets.token_hex(4)}.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return str(path)
    name = f"{current}_copy{len(_copies) + 1}"
    connections.close_all()  # a template database must have no other sessions
    _copies.append(name)
    _admin[0]("CREATE DATABASE {} TEMPLATE {}", name, current)
    return name


@contextlib.contextmanager
def switched_to(name: str) -> Iterator[None]:
    """Django's default connection points at another database (a copy) for a while."""
    from django.db import connection

    current = connection.settings_dict["NAME"]
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["NAME"] = current


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def start_django() -> None:
    """Set Django up on the throwaway database and migrate it."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunxin.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- people and places both suites need ------------------------------------------------------


def admin_user() -> User:
    """The platform admin (made on first use; nobody logs in, so the password is random)."""
    from cunxin.accounts.actions import do_create_platform_admin
    from cunxin.accounts.models import User

    existing = User.objects.filter(phone=ADMIN_PHONE).first()
    if existing is not None:
        return existing
    return do_create_platform_admin(
        phone=ADMIN_PHONE,
        name="平台管理员",
        password=secrets.token_urlsafe(16),
        reason="benchmark",
    )


def region_path(path: Sequence[tuple[str, str, str]]) -> Region:
    """Regions (code, name, level) from the province down, made through the action if missing;
    returns the last."""
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level, Region

    admin = admin_user()
    parent: Region | None = None
    for code, name, level in path:
        found = Region.objects.filter(code=code).first()
        parent = found or do_create_region(
            code=code, name=name, level=Level[level.upper()], parent=parent, acting_user=admin
        )
    assert parent is not None
    return parent


# --- timing ----------------------------------------------------------------------------------


def timed(step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> tuple[float, T]:
    """Seconds (perf_counter) the call took, and what it returned."""
    start = time.perf_counter()
    value = step(*args, **kwargs)
    return time.perf_counter() - start, value


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0.99 is p99)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic collector, so a timing measures the code, not the bench's heap."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def profiled(label: str, step: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run the step under cProfile; print the top functions to stderr."""
    profiler = cProfile.Profile()
    value = profiler.runcall(step, *args, **kwargs)
    top = 35
    print(f"\n# profile of {label} (top {top} by own time, then cumulative)", file=sys.stderr)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return value


# --- reporting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One measured figure: the value, and what it is compared with (``ratio`` = value/baseline).

    ``baseline`` is the short token of the BENCH line, ``described`` the docs table's words for
    the same baseline, ``note`` what the docs' machine note adds (sizes, repeats).
    """

    name: str
    value: float
    unit: str
    baseline_value: float
    baseline: str
    described: str
    note: str
    digits: int = 1

    @property
    def ratio(self) -> float:
        return self.value / self.baseline_value

    def line(self) -> str:
        return (
            f"BENCH {self.name} {self.value:.{self.digits}f} {self.unit} "
            f"ratio={self.ratio:.4f} baseline={self.baseline}"
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


def update_docs(path: Path, rows: Sequence[dict[str, str]]) -> None:
    """Replace the rows of these figures on this database; keep every other row and line."""
    lines = path.read_text().splitlines() if path.exists() else ["# Benchmarks"]
    start = next((i for i, line in enumerate(lines) if _cells(line) == list(DOC_COLUMNS)), None)
    if start is None:
        lines += ["", "## Results", "", _row(DOC_COLUMNS), _row(["---"] * len(DOC_COLUMNS))]
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


def doc_rows(
    figures: Sequence[Figure], vendor: str, database: str, day: str
) -> list[dict[str, str]]:
    machine = machine_note(database)
    return [
        {
            "date": day,
            "database": vendor,
            "name": f.name,
            "value": f"{f.value:.{f.digits}f}",
            "unit": f.unit,
            "ratio": f"{f.ratio:.4f}",
            "baseline": f.described,
            "machine note": f"{machine}; {f.note}",
        }
        for f in figures
    ]


def _cells(line: str) -> list[str]:
    text = line.strip()
    if not text.startswith("|"):
        return []
    return [cell.strip() for cell in text.strip("|").split("|")]


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
