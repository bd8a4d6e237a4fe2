"""The append-only guard holds against the application's own database role.

On PostgreSQL the test sets up the production roles of DEVELOPERS.md ("Production database
roles"): an application role that owns no tables and may SELECT, INSERT, UPDATE and DELETE
rows, nothing more. Connected as that role, every way to change or empty the ledger is refused,
lifting the guard with the session setting included. On SQLite, where there are no roles, a
connection that is not the application's (the ``sqlite3`` shell) is refused likewise.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from cunxin.conftest import World, running_on_postgres
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Entry, Transfer
from cunxin.ledger.tests.helpers import effective

ATTEMPTS = [
    "UPDATE ledger_entry SET amount = amount * 100",
    "UPDATE ledger_transfer SET memo = 'edited'",
    "DELETE FROM ledger_entry",
    "DELETE FROM ledger_transfer",
]
POSTGRES_ONLY = [
    "TRUNCATE ledger_entry, ledger_transfer CASCADE",
    "SET cunxin.allow_ledger_wipe = 'on'; DELETE FROM ledger_entry",
    "SET cunxin.allow_ledger_wipe = 'on'; TRUNCATE ledger_entry, ledger_transfer CASCADE",
    "SET cunxin.allow_ledger_rekey = 'on'; UPDATE ledger_transfer SET hash = prev_hash",
    "ALTER TABLE ledger_entry DISABLE TRIGGER ALL",
    "DROP TRIGGER ledger_entry_append_only ON ledger_entry",
    "SET session_replication_role = replica",
    "CREATE OR REPLACE FUNCTION cunxin_ledger_guard() RETURNS trigger AS $$ BEGIN RETURN OLD; END; "
    "$$ LANGUAGE plpgsql",
]


@pytest.fixture
def app_role(policy_world: World) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A connection as a least-privileged application role (made for this test, then dropped)."""
    role = f"cunxin_app_test_{os.getpid()}"
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP ROLE IF EXISTS "{role}"')
        cursor.execute(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'app' NOSUPERUSER NOCREATEDB")
        cursor.execute(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
        cursor.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        cursor.execute(
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'
        )
        cursor.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    params = connection.get_connection_params()
    app = psycopg.connect(
        host=params.get("host") or "127.0.0.1",
        port=params.get("port") or 5432,
        dbname=database,
        user=role,
        password="app",
    )
    try:
        yield app
    finally:
        app.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


def _run(conn: psycopg.Connection[tuple[object, ...]], sql: str) -> None:
    with conn.cursor() as cursor:
        for statement in sql.split("; "):
            cursor.execute(statement)  # type: ignore[call-overload]  # constants of this file


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_application_role_cannot_change_empty_or_unguard_the_ledger(
    policy_world: World, app_role: psycopg.Connection[tuple[object, ...]]
) -> None:
    effective(policy_world)
    before = (Transfer.objects.count(), Entry.objects.count())
    assert before[0] > 0
    with app_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ledger_entry")  # it reads, as the app must
        assert cursor.fetchone() == (before[1],)
        cursor.execute("UPDATE ledger_account SET balance = balance WHERE false")  # and writes
    app_role.commit()
    for sql in ATTEMPTS + POSTGRES_ONLY:
        with pytest.raises(psycopg.Error):
            _run(app_role, sql)
        app_role.rollback()
    assert (Transfer.objects.count(), Entry.objects.count()) == before
    assert check_ledger() == []


@pytest.mark.skipif(running_on_postgres(), reason="the SQLite file's own guard")
@pytest.mark.django_db(transaction=True)
def test_a_connection_from_outside_the_application_cannot_change_the_ledger(
    policy_world: World,
) -> None:
    effective(policy_world)
    before = (Transfer.objects.count(), Entry.objects.count())
    name = str(connection.settings_dict["NAME"])
    outside = sqlite3.connect(name, uri=name.startswith("file:"))
    try:
        for sql in ATTEMPTS:
            with pytest.raises(sqlite3.DatabaseError):
                outside.execute(sql)
            outside.rollback()
    finally:
        outside.close()
    assert (Transfer.objects.count(), Entry.objects.count()) == before
    assert check_ledger() == []
