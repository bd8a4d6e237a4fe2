"""The append-only guard can be lifted only by the tables' owner (see ledger.guard).

Before, any role could ``SET cunxin.allow_ledger_wipe = 'on'`` and delete. Now, on PostgreSQL,
the trigger function also asks whether the current role is (a member of) the table's owner, so
an application role that owns no tables cannot lift it; the owner may lift it for a wipe
(``flush``) or, on transfers only, for ``rekey-ledger``, which may change nothing but the link
columns. On SQLite the triggers ask functions that only this application's connections define.

The SQL is frozen here; a later change of the guard is a later migration.
"""

from typing import Any

from django.db import migrations

TABLES = ("ledger_transfer", "ledger_entry")
# The columns a re-key may not change (it rewrites hash, prev_hash, key_id, former_hash only).
FIXED = ("id", "key", "kind", "memo", "village_id", "seq", "reverses_id", "created_at")

_SQLITE_REFUSE = "SELECT RAISE(ABORT, 'ledger rows are append-only: {table} cannot be {verb}');"
SQLITE_FORWARD = [
    "DROP TRIGGER IF EXISTS ledger_transfer_no_update;",
    "DROP TRIGGER IF EXISTS ledger_entry_no_update;",
    "DROP TRIGGER IF EXISTS ledger_transfer_no_delete;",
    "DROP TRIGGER IF EXISTS ledger_entry_no_delete;",
    "CREATE TRIGGER ledger_transfer_no_update BEFORE UPDATE ON ledger_transfer "
    "WHEN NOT cunxin_ledger_rekey_allowed() "
    + "".join(f"OR NEW.{c} IS NOT OLD.{c} " for c in FIXED)
    + "BEGIN "
    + _SQLITE_REFUSE.format(table="ledger_transfer", verb="updated")
    + " END;",
    "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON ledger_entry BEGIN "
    + _SQLITE_REFUSE.format(table="ledger_entry", verb="updated")
    + " END;",
    *[
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "WHEN NOT cunxin_ledger_wipe_allowed() BEGIN "
        + _SQLITE_REFUSE.format(table=table, verb="deleted")
        + " END;"
        for table in TABLES
    ],
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS ledger_transfer_no_update;",
    "CREATE TRIGGER ledger_transfer_no_update BEFORE UPDATE ON ledger_transfer BEGIN "
    + _SQLITE_REFUSE.format(table="ledger_transfer", verb="updated")
    + " END;",
]
_UNCHANGED = ", ".join(f"NEW.{c}" for c in FIXED), ", ".join(f"OLD.{c}" for c in FIXED)
POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION cunxin_ledger_guard() RETURNS trigger AS $$
    DECLARE
        by_owner boolean := pg_has_role(
            current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER');
    BEGIN
        IF by_owner AND TG_OP IN ('DELETE', 'TRUNCATE')
           AND coalesce(current_setting('cunxin.allow_ledger_wipe', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        IF by_owner AND TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ledger_transfer'
           AND coalesce(current_setting('cunxin.allow_ledger_rekey', true), '') = 'on' THEN
            IF (%s) IS NOT DISTINCT FROM (%s) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'ledger rows are append-only: %%%% on %%%% refused', TG_OP, TG_TABLE_NAME;
    END;
    $$ LANGUAGE plpgsql;
    """
    % _UNCHANGED,
]
POSTGRES_BACKWARD = [
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
]


def _run(statements: dict[str, list[str]], schema_editor: Any) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forward(apps: Any, schema_editor: Any) -> None:
    _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}, schema_editor)


def backward(apps: Any, schema_editor: Any) -> None:
    _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_chain_keys")]

    operations = [migrations.RunPython(forward, backward)]
