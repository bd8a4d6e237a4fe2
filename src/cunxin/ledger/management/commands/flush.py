"""``flush`` that may also empty the append-only ledger (the demo's --reset and test teardown).

Emptying a whole database is not editing history; the ledger's triggers still refuse any
UPDATE or DELETE of single rows everywhere else.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from cunxin.ledger.guard import ledger_wipe_allowed


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with ledger_wipe_allowed():
            super().handle(**options)
