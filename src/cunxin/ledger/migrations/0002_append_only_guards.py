"""Database triggers that refuse UPDATE and DELETE of transfers and entries.

The SQL is frozen here, as it was when this migration was written: a migration must do the same
thing whenever it runs. Later changes of the guard are later migrations (0005).
"""

from typing import Any

from django.db import migrations

TABLES = ("ledger_transfer", "ledger_entry")

SQLITE_FORWARD = [
    sql
    for table in TABLES
    for sql in (
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {table} cannot be updated'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"WHEN NOT cunxin_ledger_wipe_allowed() "
        f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only: {table} cannot be deleted'); END;",
    )
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {table}_{op};" for table in TABLES for op in ("no_update", "no_delete")
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
        for table in TABLES
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
        for table in TABLES
        for name in ("append_only", "no_truncate")
    ],
    "DROP FUNCTION IF EXISTS cunxin_ledger_guard();",
]


def _run(statements: dict[str, list[str]], schema_editor: Any) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forward(apps: Any, schema_editor: Any) -> None:
    _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}, schema_editor)


def backward(apps: Any, schema_editor: Any) -> None:
    _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
