from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cunxin.core.env import database_from_url, env_bool, env_int


def test_an_unset_database_url_means_sqlite_in_wal_mode_with_immediate_transactions(
    tmp_path: Path,
) -> None:
    db = database_from_url("", tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "cunxin.sqlite3")
    options = db["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert "busy_timeout" in options["init_command"]


def test_a_postgres_url_is_split_into_django_settings(tmp_path: Path) -> None:
    db = database_from_url(
        "postgresql://cx:p%40ss@db.example:6543/cunxin?sslmode=require", tmp_path
    )
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "cunxin",
        "cx",
        "p@ss",
        "db.example",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


def test_an_unknown_database_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://root@localhost/cunxin", tmp_path)


def test_a_misspelt_boolean_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CX_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured):
        env_bool("CX_FLAG")
    monkeypatch.setenv("CX_FLAG", "Yes")
    assert env_bool("CX_FLAG") is True
    monkeypatch.setenv("CX_NUM", "12x")
    with pytest.raises(ImproperlyConfigured):
        env_int("CX_NUM", 1)
