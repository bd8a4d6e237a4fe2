"""The hash that links a village's transfers: each covers the previous hash and its content."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

GENESIS = "0" * 64
_SEP = "\x1f"


def link_hash(
    *,
    prev_hash: str,
    village_code: str,
    seq: int,
    key: str,
    kind: str,
    memo: str,
    reverses_key: str,
    created_at: datetime.datetime,
    entries: Iterable[tuple[int, int]],
) -> str:
    """SHA-256 over the previous hash and every field of the transfer and its entries."""
    stamp = created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    legs = ";".join(f"{account}:{amount}" for account, amount in sorted(entries))
    payload = _SEP.join(
        [prev_hash, village_code, str(seq), key, kind, memo, reverses_key, stamp, legs]
    )
    return hashlib.sha256(payload.encode()).hexdigest()
