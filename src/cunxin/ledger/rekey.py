"""Signing chains written before the ledger was keyed (``cunxin rekey-ledger``).

After upgrading, links already written carry the key id "" and a plain SHA-256 (``chain.py``).
A village's chain is re-keyed in one transaction, under its chain head's lock (so no posting
interleaves): it is first recomputed as it stands, and refused if any link fails, since signing
a chain that was already edited would launder the edit; then every link is signed anew with the
current key, in order, each keeping the hash it had (``former_hash``, covered by the new
signature), so heads printed before on notices and fund reports still verify. Keyed links after
the unkeyed ones are signed again too (their previous hash changes) and keep theirs likewise.

Only the table owner may rewrite link columns (``guard.ledger_rekey_allowed``): run it as the
role that runs migrations, once per install. A village whose links are all keyed is skipped,
so running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from cunxin.core import bulk
from cunxin.ledger.chain import LEGACY, keyring
from cunxin.ledger.guard import ledger_rekey_allowed
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.ledger.walk import links, recompute, walk
from cunxin.regions.models import Region


@dataclass(frozen=True)
class Rekeyed:
    """What re-keying did to one village's chain (``refused``: a break found first)."""

    village: Region
    links: int
    refused: str = ""


def villages_to_rekey() -> list[int]:
    return sorted(set(Transfer.objects.filter(key_id=LEGACY).values_list("village_id", flat=True)))


def rekey_village(village: Region) -> Rekeyed:
    """Sign every link of the village's chain with the current key (see the module)."""
    with transaction.atomic(), ledger_rekey_allowed():
        ChainHead.objects.select_for_update().get(village=village)
        chain = walk([village.pk]).get(village.pk)
        if chain is None:
            return Rekeyed(village, 0)
        if chain.broken is not None:
            return Rekeyed(village, 0, refused=f"第 {chain.broken.seq} 条")
        if not chain.unkeyed_until:
            return Rekeyed(village, 0)  # keyed already (run twice, or by another process)
        ring = keyring()
        secret = ring.secrets[ring.signing_id]
        prev = "0" * 64
        rows = []
        for link in links([village.pk]):
            former = link.former_hash or link.hash
            digest = recompute(
                link,
                village.code,
                secret,
                key_id=ring.signing_id,
                prev_hash=prev,
                former_hash=former,
            )
            rows.append((link.pk, digest, prev, ring.signing_id, former))
            prev = digest
        bulk.update_rows(Transfer, ("hash", "prev_hash", "key_id", "former_hash"), rows)
        ChainHead.objects.filter(village=village).update(hash=prev)
        return Rekeyed(village, len(rows))
