"""The keyed hash that links a village's transfers: each covers the previous hash and its content.

A link is an HMAC-SHA256 under a secret that lives in the environment (``settings.LEDGER_KEYS``,
``id:secret`` pairs), never in the database: someone who can only write to the database cannot
compute a link, so they can neither append a forged transfer nor rewrite one and re-hash the rest.
Each link stores the id of the key that signed it; the first configured key signs new links and
every configured key verifies the links it signed, so a key is rotated by putting a new one
first and keeping the old one listed.

Links written before the chain was keyed carry the key id ``""`` and a plain SHA-256 of the same
fields. ``cunxin rekey-ledger`` signs them with the current key, keeping each one's former hash
inside the signed link, so heads printed before stay verifiable; until then ``check-ledger``
reports them, since anyone with database access could recompute them.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

GENESIS = "0" * 64
LEGACY = ""  # the key id of a link written before the chain was keyed
_SEP = "\x1f"
_KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,16}$")
MIN_SECRET = 32


@dataclass(frozen=True)
class Keyring:
    """The configured link keys: which one signs, and the secret of each id."""

    signing_id: str
    secrets: dict[str, bytes]


@cache
def _keyring(raw: tuple[str, ...]) -> Keyring:
    secrets: dict[str, bytes] = {}
    for item in raw:
        key_id, sep, secret = item.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise ImproperlyConfigured(
                "CUNXIN_LEDGER_KEYS: each key is id:secret, the id 1-16 letters, digits, . _ -"
            )
        if len(secret) < MIN_SECRET:
            raise ImproperlyConfigured(
                f"CUNXIN_LEDGER_KEYS: the secret of key {key_id!r} is shorter than {MIN_SECRET}"
            )
        if key_id in secrets:
            raise ImproperlyConfigured(f"CUNXIN_LEDGER_KEYS: key id {key_id!r} appears twice")
        secrets[key_id] = secret.encode()
    if not secrets:
        raise ImproperlyConfigured("CUNXIN_LEDGER_KEYS must name at least one key")
    return Keyring(signing_id=next(iter(secrets)), secrets=secrets)


def keyring() -> Keyring:
    return _keyring(tuple(settings.LEDGER_KEYS))


def current_key_id() -> str:
    """The id of the key that signs new links (also the model default of ``Transfer.key_id``)."""
    return keyring().signing_id


def link_digest(
    secret: bytes | None,
    *,
    key_id: str,
    prev_hash: str,
    village_code: str,
    seq: int,
    key: str,
    kind: str,
    memo: str,
    reverses_key: str,
    created_at: datetime.datetime,
    entries: Iterable[tuple[int, int]],
    former_hash: str = "",
) -> str:
    """The link over the previous hash and every field of the transfer and its entries: an
    HMAC under ``secret``, or (``secret`` None) the unkeyed SHA-256 of a legacy link."""
    stamp = created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    legs = ";".join(f"{account}:{amount}" for account, amount in sorted(entries))
    fields = [prev_hash, village_code, str(seq), key, kind, memo, reverses_key, stamp, legs]
    if secret is None:
        return hashlib.sha256(_SEP.join(fields).encode()).hexdigest()
    mac = _keyed(secret).copy()
    mac.update(_SEP.join([*fields, key_id, former_hash]).encode())
    return mac.hexdigest()


@cache
def _keyed(secret: bytes) -> hmac.HMAC:
    """The HMAC state after the key, made once per key: a chain walk signs a link per row,
    and setting the key up again for each cost a third of the hashing."""
    return hmac.new(secret, digestmod=hashlib.sha256)


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
    key_id: str | None = None,
    former_hash: str = "",
) -> str:
    """The link under the configured key ``key_id`` (the signing key when None; ``LEGACY`` for
    the unkeyed hash). A key id that is not configured raises ``KeyError``."""
    ring = keyring()
    key_id = ring.signing_id if key_id is None else key_id
    secret = None if key_id == LEGACY else ring.secrets[key_id]
    return link_digest(
        secret,
        key_id=key_id,
        prev_hash=prev_hash,
        village_code=village_code,
        seq=seq,
        key=key,
        kind=kind,
        memo=memo,
        reverses_key=reverses_key,
        created_at=created_at,
        entries=entries,
        former_hash=former_hash,
    )
