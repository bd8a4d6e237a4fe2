"""The access-matrix machinery: one ``Route`` per page or API operation.

Each area of the product lists its routes in a ``routes_<area>.py`` module next to this one;
``test_access.py`` tries every route with every kind of user.

A status code alone does not prove a refusal: a page that answers a refused form with the same
redirect as a success (302) would hide a write that took effect. So each call of a route that
may write is judged by what it did to the database: a :class:`Fingerprint` (the row count and a
digest of the rows of every table of the product, audit trail included) is taken before and
after it. A refused call must leave every table as it was; an allowed write must change the
books and leave an audit entry by the user who made it. Routes that need more say so with the
optional fields of :class:`Route` (``writes``, ``audited``, ``effect``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from django.apps import apps
from django.db import connection, models, transaction

from cunxin.conftest import World
from cunxin.core.models import AuditEntry
from cunxin.people.models import Resident
from cunxin.policy.models import CatalogueItem


@dataclass
class Route:
    name: str  # URL name, or "api:<method> <path>" for API operations
    method: str
    url: Callable[[World], str]
    right: str  # a persona who may
    others: list[str]  # same role elsewhere: refused, or sees nothing of the right one's data
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    villager_allowed: bool = False
    secret: str = "张三"  # text of the right one's data that others must not see
    ok: tuple[int, ...] = (200,)
    extra_refused: list[str] = field(default_factory=list)
    # A public page (the notice board): anyone may read it, anonymous visitors included, and
    # nothing private (an ID number, a phone number) may show in it, whoever is looking.
    public: bool = False
    # Whether the right persona's call changes the database (None: POST does, GET does not).
    # A route that writes must change some table; one that does not must change none.
    writes: bool | None = None
    # Whether that change is a governed action's, which leaves an audit entry by the user.
    # False for writes that only touch the user's own housekeeping (messages marked read).
    audited: bool = True
    # A per-route check of the right persona's change, for what the generic one cannot see.
    effect: Callable[[World, Change], None] | None = None

    @property
    def does_write(self) -> bool:
        return self.method == "post" if self.writes is None else self.writes


def resident(w: World, name: str = "张三") -> Resident:
    return w.resident(name)


def item(w: World) -> CatalogueItem:
    return CatalogueItem.objects.filter(region=w.town).order_by("code").first()  # type: ignore[return-value]


def upload(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


# --- what a call did to the database ------------------------------------------------------------

AUDIT = AuditEntry._meta.label
T = TypeVar("T")


@cache
def _tables() -> tuple[tuple[str, str, str], ...]:
    """(model label, table, primary key column) of every model of the product, audit included.

    Django's own tables (sessions, content types) are left out: logging a client in writes a
    session, which is not what the route did. So are the notes a page keeps of what it showed
    (a model marked ``WRITTEN_ON_READ``, such as the chain heads a public report printed).
    """
    found: list[tuple[str, str, str]] = []
    for model in apps.get_models():
        if not model.__module__.startswith("cunxin.") or model._meta.proxy:
            continue
        if getattr(model, "WRITTEN_ON_READ", False):
            continue
        pk = model._meta.pk
        assert pk is not None
        found.append((model._meta.label, model._meta.db_table, pk.column))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Fingerprint:
    """Every row of every table of the product as read at one moment, in key order.

    The rows themselves, not a digest of them: comparing two reads is one equality of lists,
    cheaper than hashing them, and the world of the matrix is small.
    """

    tables: dict[str, list[tuple[Any, ...]]]
    audit_columns: tuple[str, ...]

    def changed_since(self, before: Fingerprint) -> set[str]:
        return {label for label, rows in self.tables.items() if before.tables.get(label) != rows}

    def audit_since(self, before: Fingerprint) -> list[dict[str, Any]]:
        """The audit entries that are here and were not before, as column → value."""
        seen = set(before.tables[AUDIT])
        return [
            dict(zip(self.audit_columns, row, strict=True))
            for row in self.tables[AUDIT]
            if row not in seen
        ]


def fingerprint() -> Fingerprint:
    """The state of every table of the product, read with one plain SELECT each."""
    quote = connection.ops.quote_name
    tables: dict[str, list[tuple[Any, ...]]] = {}
    audit_columns: tuple[str, ...] = ()
    with connection.cursor() as cursor:
        for label, table, pk in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(pk)}")  # noqa: S608
            tables[label] = cursor.fetchall()
            if label == AUDIT:
                audit_columns = tuple(column[0] for column in cursor.description)
    return Fingerprint(tables=tables, audit_columns=audit_columns)


def writes_so_far() -> int:
    """How many rows this connection has inserted, updated or deleted so far: a first look,
    one query, before the full comparison (an unchanged count means nothing was written).

    SQLite counts every change of the connection, sessions included (a false alarm only
    costs the comparison); PostgreSQL counts per table within the transaction.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT total_changes()")
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(n_tup_ins + n_tup_upd + n_tup_del), 0)"
                " FROM pg_stat_xact_user_tables WHERE relname = ANY(%s)",
                [[table for _label, table, _pk in _tables()]],
            )
        row = cursor.fetchone()
    return int(row[0])


@dataclass(frozen=True)
class Change:
    """What one call did: the tables it changed and the audit entries it wrote."""

    tables: set[str]
    audit: list[dict[str, Any]]

    @classmethod
    def between(cls, before: Fingerprint, after: Fingerprint) -> Change:
        return cls(tables=after.changed_since(before), audit=after.audit_since(before))

    @property
    def actions(self) -> list[str]:
        return [entry["action"] for entry in self.audit]

    def audited_by(self, user: models.Model) -> list[str]:
        """The actions of the new audit entries that name the user as the actor."""
        return [entry["action"] for entry in self.audit if entry["actor_id"] == user.pk]


NOTHING = Change(tables=set(), audit=[])


def observe(call: Callable[[], T]) -> tuple[T, Change]:
    """Make the call and say what it changed; the change stays, for the effect checks."""
    before = fingerprint()
    result = call()
    return result, Change.between(before, fingerprint())


def observe_refusal(call: Callable[[], T]) -> tuple[T, Change]:
    """Make a call that must change nothing and say what it changed, cheaply.

    Most calls write nothing, which one count before and after shows. When the count moved,
    the call is judged in full: the state after it is read, the call is undone (back to a
    savepoint taken before it) and the state before it is read and compared.
    """
    count = writes_so_far()
    savepoint = transaction.savepoint()
    result = call()
    if writes_so_far() == count:
        transaction.savepoint_commit(savepoint)
        return result, NOTHING
    after = fingerprint()
    transaction.savepoint_rollback(savepoint)
    return result, Change.between(fingerprint(), after)
