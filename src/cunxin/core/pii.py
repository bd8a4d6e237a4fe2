"""Personal data at rest: encryption with rotating keys, and a keyed hash to find a value.

An ID number is stored encrypted (Fernet: AES with an HMAC); the first key in
``settings.PII_KEYS`` encrypts, every listed key decrypts, so keys can be rotated.
Lookups use an HMAC-SHA256 of the normalised value under ``settings.PII_HASH_KEY``, so the
database can find a person by ID number without holding it in the clear.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    """The value encrypted under the current key."""
    return _fernet(tuple(settings.PII_KEYS)).encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear value; a token no configured key opens is a configuration error."""
    try:
        return _fernet(tuple(settings.PII_KEYS)).decrypt(token.encode()).decode()
    except InvalidToken as exc:  # pragma: no cover - only with a wrong key configuration
        raise RuntimeError("PII token cannot be decrypted with the configured keys") from exc


def keyed_hash(value: str) -> str:
    """A stable, keyed fingerprint of the value, for equality lookups."""
    key = settings.PII_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
