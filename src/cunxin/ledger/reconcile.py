"""Every transfer explained: the ledger reconciled with the business rows it comes from.

The ledger knows nothing of why points move, so it cannot say what a transfer should be. Each
app that posts says it, from its ``AppConfig.ready``, by registering a ``Reconciler`` for the
transfer kinds it posts:

- ``legs``: querysets over its own rows giving, for each transfer a row claims, the legs that
  transfer must have (built with ``leg``: an account named by kind, currency and owner, and a
  signed amount). The ledger compares them with the entries in one aggregate query per
  reconciler: a transfer no row claims is *unexplained*, a row whose claimed transfer is not
  its posting has *missing* its posting, and legs that differ are an *amount* difference.
- ``check``: whatever the legs cannot say (a carry-over's totals, a coupon that expired without
  its posting), as ``Finding`` rows, also in set-based queries. A reconciler with both covers
  its kinds with its legs; kinds whose transfers only a check can explain (carry-over, coupon
  spends) get a reconciler of their own, with a check and no legs.

A transfer of a kind that no app registered is unexplained. Everything runs as one query per
reconciler and leg set, never one per transfer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import BigIntegerField, CharField, F, QuerySet, Value
from django.db.models.expressions import Combinable
from django.utils.translation import gettext as _

from cunxin.ledger.models import AccountKind, Currency, Transfer

UNEXPLAINED = "unexplained"
MISSING = "missing"
AMOUNT = "amount"

Scope = list[int] | None  # the villages (region ids) checked; None: all
Ref = str | Combinable  # a field path, or an expression over the rows
_COLUMNS = (
    "leg_transfer",
    "leg_kind",
    "leg_currency",
    "leg_village",
    "leg_resident",
    "leg_holder",
    "leg_amount",
)
_CHUNK = 900


@dataclass(frozen=True)
class Finding:
    """A difference between an app's rows and the ledger, in words (names added by the ledger)."""

    problem: str  # UNEXPLAINED, MISSING or AMOUNT
    what: str
    village_id: int | None = None
    transfer_id: int | None = None
    resident_id: int | None = None


@dataclass(frozen=True)
class Legs:
    """The legs some rows say their transfers must have (see ``leg``)."""

    queryset: QuerySet[Any]
    transfer: str  # the annotation holding the claimed transfer's id


@dataclass(frozen=True)
class Reconciler:
    """How one app's rows explain the transfers of its kinds."""

    app: str
    kinds: dict[str, Any]  # transfer kind → what such a transfer is for (Chinese, lazy)
    legs: Callable[[Scope], Sequence[Legs]] | None = None
    check: Callable[[Scope], Iterable[Finding]] | None = None
    # False: the legs only check the transfers the rows name, without explaining their kinds
    # (a merchant's sale checks the coupon spend it names; the coupons app explains spends).
    claims: bool = True


_registry: dict[str, Reconciler] = {}


def register(reconciler: Reconciler) -> None:
    """Add (or replace, by app) a reconciler; two apps may not claim the same kind."""
    for other in _registry.values():
        shared = set(other.kinds) & set(reconciler.kinds)
        if other.app != reconciler.app and other.claims and reconciler.claims and shared:
            raise ImproperlyConfigured(f"transfer kinds {sorted(shared)} claimed twice")
    _registry[reconciler.app] = reconciler


def unregister(app: str) -> None:
    _registry.pop(app, None)


def registered() -> list[Reconciler]:
    return [_registry[app] for app in sorted(_registry)]


def kind_labels() -> dict[str, Any]:
    """What each registered transfer kind is for."""
    return {kind: label for r in registered() if r.claims for kind, label in r.kinds.items()}


def _expr(value: Ref | int) -> Any:
    if isinstance(value, str):
        return F(value)
    if isinstance(value, int):
        return Value(value, output_field=BigIntegerField())
    return value


def leg(
    queryset: QuerySet[Any],
    *,
    transfer: Ref,
    account_kind: str,
    currency: str,
    amount: Ref,
    resident: Ref | None = None,
    village: Ref | None = None,
    holder: Ref = "",
) -> Legs:
    """One leg of each row's transfer: on the ``resident``'s account, or on the account of
    kind ``account_kind`` of ``village`` held by ``holder`` (a constant, or an expression).
    ``transfer``, ``amount``, ``resident`` and ``village`` are field paths or expressions."""
    annotated = queryset.order_by().annotate(
        leg_transfer=_expr(transfer),
        leg_kind=Value(account_kind, output_field=CharField()),
        leg_currency=Value(currency, output_field=CharField()),
        leg_village=_expr(0 if village is None else village),
        leg_resident=_expr(0 if resident is None else resident),
        leg_holder=Value(holder, output_field=CharField()) if isinstance(holder, str) else holder,
        leg_amount=_expr(amount),
    )
    return Legs(annotated.values_list(*_COLUMNS), "leg_transfer")


# --- the comparison ------------------------------------------------------------------------------


def reconcile(scope: Scope) -> Iterator[Finding]:
    """Every finding of every reconciler, and the transfers of kinds nobody registered."""
    labels = kind_labels()
    strays = Transfer.objects.exclude(kind__in=list(labels))
    if scope is not None:
        strays = strays.filter(village_id__in=scope)
    for pk, village_id, kind in strays.order_by("pk").values_list("pk", "village_id", "kind"):
        # No app says what this kind is for: the kind itself is all the ledger can name.
        yield Finding(UNEXPLAINED, kind, village_id=village_id, transfer_id=pk)
    for reconciler in registered():
        if reconciler.legs is not None:
            yield from _compare(reconciler, scope)
        if reconciler.check is not None:
            yield from reconciler.check(scope)


def _differences(
    legs: Sequence[Legs], reconciler: Reconciler, scope: Scope
) -> list[tuple[Any, ...]]:
    """Legs that the rows claim and the ledger lacks (count > 0) or the reverse (count < 0), in
    one pass: both sides as one multiset, grouped, keeping what does not cancel out (so a leg
    claimed twice shows too). The ledger's side is every transfer of the reconciler's kinds,
    or, when it does not claim them, the transfers its rows name."""
    columns = ", ".join(_COLUMNS)
    claimed: list[str] = []
    claimed_params: list[Any] = []
    for i, part in enumerate(legs):
        sql, part_params = part.queryset.query.sql_with_params()
        claimed.append(f"SELECT {columns}, 1 AS side FROM ({sql}) AS claimed{i}")  # noqa: S608
        claimed_params += list(part_params)
    if reconciler.claims:
        kinds = list(reconciler.kinds)
        where = "t.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")"
        params: list[Any] = kinds
    else:
        named = " UNION ".join(
            f"SELECT leg_transfer FROM ({c}) AS n{i}"  # noqa: S608 - our own queries
            for i, c in enumerate(claimed)
        )
        where = f"t.id IN ({named})"
        params = list(claimed_params)
    if scope is not None:
        where += " AND t.village_id IN (" + ", ".join(["%s"] * len(scope)) + ")"
        params += scope
    actual = (
        "SELECT e.transfer_id AS leg_transfer, a.kind AS leg_kind, a.currency AS leg_currency, "
        "CASE WHEN a.resident_id IS NULL THEN a.village_id ELSE 0 END AS leg_village, "
        "COALESCE(a.resident_id, 0) AS leg_resident, a.holder AS leg_holder, "
        "e.amount AS leg_amount, -1 AS side "
        "FROM ledger_entry e JOIN ledger_transfer t ON t.id = e.transfer_id "
        "JOIN ledger_account a ON a.id = e.account_id WHERE " + where
    )
    sql = (
        f"SELECT {columns}, SUM(side) FROM ("  # noqa: S608 - column names and placeholders only
        + " UNION ALL ".join([actual, *claimed])
        + f") AS legs GROUP BY {columns} HAVING SUM(side) <> 0"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + claimed_params)
        return list(cursor.fetchall())


def _claimed(legs: Sequence[Legs], ids: list[int]) -> set[int]:
    found: set[int] = set()
    for part in legs:
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i : i + _CHUNK]
            found.update(
                part.queryset.filter(**{f"{part.transfer}__in": chunk}).values_list(
                    part.transfer, flat=True
                )
            )
    return found


def _posted(kinds: Sequence[str], ids: list[int]) -> set[int]:
    found: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        found.update(
            Transfer.objects.filter(pk__in=ids[i : i + _CHUNK], kind__in=kinds).values_list(
                "pk", flat=True
            )
        )
    return found


def _compare(reconciler: Reconciler, scope: Scope) -> Iterator[Finding]:
    assert reconciler.legs is not None
    legs = reconciler.legs(scope)
    kinds = list(reconciler.kinds)
    rows = _differences(legs, reconciler, scope)
    if not rows:
        return
    by_transfer: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_transfer[int(row[0])].append(row)
    ids = sorted(by_transfer)
    claimed = _claimed(legs, ids)
    posted = _posted(kinds, ids)
    villages = dict(Transfer.objects.filter(pk__in=ids).values_list("pk", "village_id"))
    for transfer_id in ids:
        diff = by_transfer[transfer_id]
        resident = next((int(r[4]) for r in diff if r[4]), None)
        if transfer_id not in claimed:
            problem, what = UNEXPLAINED, ""
        elif reconciler.claims and transfer_id not in posted:
            problem, what = MISSING, ""
        else:
            problem, what = AMOUNT, _legs_text(diff)
        yield Finding(
            problem,
            what,
            village_id=villages.get(transfer_id),
            transfer_id=transfer_id,
            resident_id=resident,
        )


def _legs_text(diff: list[tuple[Any, ...]]) -> str:
    """The legs that differ, per account: what the rows claim and what was posted."""
    kinds = dict(AccountKind.choices)
    currencies = dict(Currency.choices)
    accounts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    for _t, kind, currency, village, resident, holder, amount, count in diff:
        slot = accounts[(kind, currency, village, resident, holder)]
        slot[0 if count > 0 else 1] += int(amount) * abs(int(count))
    parts = []
    for (kind, currency, _v, _r, holder), (claimed, posted) in sorted(accounts.items()):
        owner = f"{kinds.get(kind, kind)}{'(' + holder + ')' if holder else ''}"
        parts.append(
            _("%(account)s%(currency)s 应为 %(claimed)+d，实为 %(posted)+d")
            % {
                "account": owner,
                "currency": currencies.get(currency, currency),
                "claimed": claimed,
                "posted": posted,
            }
        )
    return "；".join(parts)
