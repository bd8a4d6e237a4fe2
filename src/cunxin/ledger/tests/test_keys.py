"""The chain's key: configured outside the database, rotated by key id, required in production."""

from __future__ import annotations

import ast
import importlib
import os
import pathlib
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from cunxin.conftest import World
from cunxin.ledger.chain import _keyring, keyring
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Transfer
from cunxin.ledger.tests.helpers import effective

OLD = "old:" + "o" * 40
NEW = "new:" + "n" * 40


def test_a_rotated_key_signs_new_links_and_the_old_one_still_verifies(
    policy_world: World,
) -> None:
    w = policy_world
    with override_settings(LEDGER_KEYS=[OLD]):
        effective(w)
        assert set(Transfer.objects.values_list("key_id", flat=True)) == {"old"}
    with override_settings(LEDGER_KEYS=[NEW, OLD]):
        effective(w, [("李秀英", "PW-R01", "1")])
        assert set(Transfer.objects.values_list("key_id", flat=True)) == {"old", "new"}
        assert check_ledger() == []
    with override_settings(LEDGER_KEYS=[NEW]):
        problems = check_ledger()
        assert [p.check for p in problems] == ["chain"]
        assert "用密钥“old”签名，但配置里没有这个密钥" in problems[0].detail


@pytest.mark.parametrize(
    ("keys", "says"),
    [
        (["nocolon" + "x" * 40], "id:secret"),
        (["k1:short"], "shorter than"),
        ([OLD, OLD], "appears twice"),
        (["bad id!:" + "x" * 40], "id:secret"),
        ([], "at least one key"),
    ],
)
def test_a_wrong_key_configuration_is_refused(keys: list[str], says: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=says):
        _keyring(tuple(keys))


def test_development_generates_a_key_and_keeps_it_out_of_the_database() -> None:
    ring = keyring()
    assert ring.signing_id == "dev"
    assert len(ring.secrets["dev"]) >= 32


def test_a_wrong_key_configuration_fails_the_system_check() -> None:
    from cunxin.ledger.apps import check_keys

    with override_settings(LEDGER_KEYS=["k1:short"]):
        [error] = check_keys(None)
    assert error.id == "ledger.E001"
    assert check_keys(None) == []


def test_production_refuses_to_start_without_the_ledger_key(tmp_path: pathlib.Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CUNXIN_LEDGER_KEYS"}
    env.update(
        {
            "CUNXIN_MODE": "production",
            "CUNXIN_DATA_DIR": str(tmp_path),
            "SECRET_KEY": "x" * 50,
            "CUNXIN_PII_KEYS": "n2bJ3YqzM2ZqVQ0m0WQZ8Y7tC2x1Wc3lq8m7b2k4v9E=",
            "CUNXIN_PII_HASH_KEY": "a-long-random-hash-key-for-id-numbers",
        }
    )
    result = subprocess.run(
        [sys.executable, "-m", "cunxin", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CUNXIN_LEDGER_KEYS must be set in production" in result.stderr


def test_migrations_carry_their_own_trigger_sql() -> None:
    """A migration runs the SQL it was written with: none imports the live guard module, so
    editing ``guard.py`` cannot change what an old migration does."""
    folder = pathlib.Path(__file__).resolve().parents[1] / "migrations"
    for path in sorted(folder.glob("0*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any("guard" in n for n in names), (path.name, names)
    for name in ("0002_append_only_guards", "0005_owner_only_guards"):
        module = importlib.import_module(f"cunxin.ledger.migrations.{name}")
        assert module.POSTGRES_FORWARD
        assert module.SQLITE_FORWARD
