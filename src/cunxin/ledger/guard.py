"""The database refuses to change the ledger: triggers on transfers and entries.

The triggers themselves are installed by migrations (``0002``, and ``0005`` for the owner
check), whose SQL is frozen inside them; this module is what the running application needs.

UPDATE and DELETE (and TRUNCATE on PostgreSQL) are refused. Two things lift the guard, and
only for the tables' owner:

- ``ledger_wipe_allowed()``: DELETE/TRUNCATE, for ``cunxin flush`` (emptying a whole database
  for the demo or between tests is not editing history);
- ``ledger_rekey_allowed()``: UPDATE of a transfer's link columns (hash, previous hash, key id,
  former hash) and nothing else, for ``cunxin rekey-ledger``.

On PostgreSQL each is a session setting that the trigger function honours only when the current
role is (a member of) the table's owner: the application's role in production owns no tables
(DEVELOPERS.md, "Production database roles"), so setting it changes nothing, and a role that
cannot own the table cannot disable its triggers either. On SQLite there are no roles: whoever
can open the file owns it and can drop a trigger. There the triggers ask functions that only
this application's connections define, so the guard holds against the application's own code
and against a slip in the ``sqlite3`` shell, not against someone who sets out to edit the file;
that is what the keyed chain and ``check-ledger`` are for.
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


def _allowed(name: str) -> Any:
    def check() -> int:
        return 1 if getattr(_state, name, False) else 0

    return check


def _register(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        raw = connection.connection
        raw.create_function("cunxin_ledger_wipe_allowed", 0, _allowed("wipe"))
        raw.create_function("cunxin_ledger_rekey_allowed", 0, _allowed("rekey"))


def connect() -> None:
    """Give every new SQLite connection the functions the triggers ask."""
    connection_created.connect(_register, dispatch_uid="cunxin.ledger.guard")


@contextmanager
def _lifted(name: str, setting: str) -> Iterator[None]:
    setattr(_state, name, True)
    postgres = [c for c in connections.all() if c.vendor == "postgresql"]
    try:
        for conn in postgres:
            with conn.cursor() as cursor:
                cursor.execute(f"SET {setting} = 'on'")
        yield
    finally:
        setattr(_state, name, False)
        for conn in postgres:
            if conn.connection is not None:
                with conn.cursor() as cursor:
                    cursor.execute(f"RESET {setting}")


@contextmanager
def ledger_wipe_allowed() -> Iterator[None]:
    """Let the ledger tables be emptied (by ``flush`` only; as the tables' owner)."""
    with _lifted("wipe", "cunxin.allow_ledger_wipe"):
        yield


@contextmanager
def ledger_rekey_allowed() -> Iterator[None]:
    """Let the link columns of transfers be rewritten (by ``rekey-ledger`` only; as the owner)."""
    with _lifted("rekey", "cunxin.allow_ledger_rekey"):
        yield
