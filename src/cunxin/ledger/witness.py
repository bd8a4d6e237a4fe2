"""Witnessed heads: chain heads recorded outside the ledger tables, checked against the chain.

A notice prints its village's chain head, and so does a fund's public report; the apps keep
each printed head on their own rows (the notice, the fund's report heads) and register a
``Witness`` that lists them. ``check-ledger`` compares every recorded head with the chain as
it is now: someone who rewrote a whole chain, even with the key, would have to find and rewrite
every one of those rows too (and could not reach the paper).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from cunxin.ledger.chain import GENESIS, LEGACY

Scope = list[int] | None
_PAIRS = 400  # (village, seq) pairs per query


@dataclass(frozen=True)
class Head:
    """A head recorded somewhere: the village's chain at ``seq`` had ``hash`` (``where`` says
    where it was published, in words)."""

    village_id: int
    seq: int
    hash: str
    where: str


@dataclass(frozen=True)
class Witness:
    """Where one app records the heads it publishes."""

    app: str
    heads: Callable[[Scope], Iterable[Head]]


@dataclass(frozen=True)
class Mismatch:
    """A recorded head the chain no longer has."""

    head: Head
    link_exists: bool


_registry: dict[str, Witness] = {}


def register(witness: Witness) -> None:
    """Add (or replace, by app) where heads are recorded."""
    _registry[witness.app] = witness


def unregister(app: str) -> None:
    _registry.pop(app, None)


def recorded_heads(scope: Scope) -> Iterator[Head]:
    for app in sorted(_registry):
        yield from _registry[app].heads(scope)


def mismatches(scope: Scope) -> Iterator[Mismatch]:
    """Every recorded head whose link is gone or hashes otherwise now. A link re-keyed by
    ``rekey-ledger`` also answers to its former hash, which its signed link vouches for."""
    heads = [h for h in recorded_heads(scope)]
    for head in heads:
        if head.seq == 0 and head.hash != GENESIS:
            yield Mismatch(head, link_exists=True)
    wanted = sorted({(h.village_id, h.seq) for h in heads if h.seq > 0})
    links: dict[tuple[int, int], tuple[str, str]] = {}
    for i in range(0, len(wanted), _PAIRS):
        links.update(_links(wanted[i : i + _PAIRS]))
    for head in heads:
        if head.seq == 0:
            continue
        link = links.get((head.village_id, head.seq))
        if link is None:
            yield Mismatch(head, link_exists=False)
        elif head.hash not in link:
            yield Mismatch(head, link_exists=True)


def _links(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[str, str]]:
    values = ", ".join(["(%s, %s)"] * len(pairs))
    params: list[Any] = [x for pair in pairs for x in pair]
    sql = (
        "SELECT village_id, seq, hash, former_hash, key_id FROM ledger_transfer "  # noqa: S608
        f"WHERE (village_id, seq) IN (VALUES {values})"
    )
    found: dict[tuple[int, int], tuple[str, str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for village_id, seq, digest, former, key_id in cursor.fetchall():
            found[(village_id, seq)] = (digest, former if key_id != LEGACY and former else digest)
    return found
