"""The database refuses to change the ledger: triggers on transfers and entries.

UPDATE is always refused. DELETE (and TRUNCATE on PostgreSQL) is refused too, except inside
``ledger_wipe_allowed()``, which only ``cunxin flush`` uses (emptying a whole database for the
demo or between tests is not editing history). On SQLite the triggers ask a function that only
this application's connections define, so a connection from outside (the sqlite3 shell) cannot
delete either; on PostgreSQL they read a session setting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created

GUARDED_TABLES = ("ledger_transfer", "ledger_entry")
_state = threading.local()

SQLITE_FORWARD = [
    sql
    for table in GUARDED_TABLES
    for sql in (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {table} cannot be updated'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"WHEN NOT cunxin_ledger_wipe_allowed() "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {table} cannot be deleted'); END;",
    )
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_{op};"
    for table in GUARDED_TABLES
    for op in ("no_update", "no_delete")
]
POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION cunxin_ledger_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'TRUNCATE')
           AND coalesce(current_setting('cunxin.allow_ledger_wipe', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'ledger rows are append-only: %% on %% refused', TG_OP, TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql;
    """,
    *[
        sql
        for table in GUARDED_TABLES
        for sql in (
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION cunxin_ledger_guard();",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION cunxin_ledger_guard();",
        )
    ],
]
POSTGRES_BACKWARD = [
    *[
        f"DROP TRIGGER IF EXISTS {table}_{name} ON {table};"
        for table in GUARDED_TABLES
        for name in ("append_only", "no_truncate")
    ],
    "DROP FUNCTION IF EXISTS cunxin_ledger_guard();",
]


def _wipe_allowed() -> int:
    return 1 if getattr(_state, "wipe", False) else 0


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("cunxin_ledger_wipe_allowed", 0, _wipe_allowed)


def connect() -> None:
    """Give every new SQLite connection the function the triggers ask."""
    connection_created.connect(_register, dispatch_uid="cunxin.ledger.guard")


@contextmanager
def ledger_wipe_allowed() -> Iterator[None]:
    """Let the ledger tables be emptied (by ``flush`` only)."""
    _state.wipe = True
    postgres = [c for c in connections.all() if c.vendor == "postgresql"]
    try:
        for conn in postgres:
            with conn.cursor() as cursor:
                cursor.execute("SET cunxin.allow_ledger_wipe = 'on'")
        yield
    finally:
        _state.wipe = False
        for conn in postgres:
            if conn.connection is not None:
                with conn.cursor() as cursor:
                    cursor.execute("RESET cunxin.allow_ledger_wipe")


def forward(apps: Any, schema_editor: Any) -> None:
    """Migration step: install the triggers for this database."""
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps: Any, schema_editor: Any) -> None:
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql)
