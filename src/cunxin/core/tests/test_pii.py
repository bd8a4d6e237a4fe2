from typing import Any

from cryptography.fernet import Fernet

from cunxin.core import pii


def test_values_are_encrypted_and_decrypted() -> None:
    token = pii.encrypt("370811196503120113")
    assert "370811196503120113" not in token
    assert pii.decrypt(token) == "370811196503120113"


def test_an_old_key_still_decrypts_after_rotation(settings: Any) -> None:
    old_key = Fernet.generate_key().decode()
    settings.PII_KEYS = [old_key]
    token = pii.encrypt("secret")
    settings.PII_KEYS = [Fernet.generate_key().decode(), old_key]
    assert pii.decrypt(token) == "secret"


def test_the_keyed_hash_is_stable_and_depends_on_the_key(settings: Any) -> None:
    first = pii.keyed_hash("370811196503120113")
    assert first == pii.keyed_hash("370811196503120113")
    settings.PII_HASH_KEY = "another-key"
    assert pii.keyed_hash("370811196503120113") != first
