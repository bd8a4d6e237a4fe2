"""Business made through the actions, and the moves of someone who can write to the database.

An attacker here is the review's: a role with INSERT/UPDATE rights (forged rows, edited balances
and heads), or a superuser who switches the append-only triggers off (on SQLite, whoever can
open the file drops them). They may call the project's own functions, but not read the key.
"""

from __future__ import annotations

import datetime
import importlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from cunxin.conftest import World
from cunxin.core.images import sample_image
from cunxin.ledger.chain import GENESIS, LEGACY, link_digest
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.ledger.walk import links
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve
from cunxin.records.models import Notice, Record
from cunxin.regions.models import Region

JPEG = sample_image()
STORY = (("张三", "PW-R01", "2"), ("王建国", "AP-P01", "1"))
_GUARDS = importlib.import_module("cunxin.ledger.migrations.0005_owner_only_guards")


def effective(w: World, lines: Sequence[tuple[str, str, str]] = STORY) -> Notice:
    """Lines of village A collected, approved, published in a notice and in effect."""
    ids = [
        do_collect(
            client_id=uuid.uuid4(),
            resident=w.resident(name),
            item_code=code,
            quantity=Decimal(qty),
            behaviour_date=timezone.localdate(),
            photos=[("p.jpg", JPEG)],
            acting_user=w.collector_a,
        ).pk
        for name, code, qty in lines
    ]
    do_approve(ids, acting_user=w.committee_a)
    notice = do_publish_notice(w.village_a, acting_user=w.committee_a)
    take_effect_due(timezone.now() + datetime.timedelta(days=8))
    assert Record.objects.filter(pk__in=ids, status="effective").count() == len(ids)
    return notice


@contextmanager
def triggers_off() -> Iterator[None]:
    """What a superuser does to edit ledger rows: PostgreSQL's replica mode skips triggers; on
    SQLite they are dropped (and put back afterwards, for the test's teardown)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            for table in ("ledger_transfer", "ledger_entry"):
                for name in ("no_update", "no_delete"):
                    cursor.execute(f"DROP TRIGGER {table}_{name}")
            yield
            for sql in _GUARDS.SQLITE_FORWARD:
                cursor.execute(sql)


def execute(sql: str, params: Sequence[object] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rehash(village: Region, secret: bytes | None, *, key_id: str | None = None) -> None:
    """Recompute every link of the village from its rows as they are now, with ``secret`` (None:
    the unkeyed SHA-256 the chain used before), and store the hashes and the head."""
    prev = GENESIS
    rows = list(links([village.pk]))
    with triggers_off():
        for link in rows:
            kid = link.key_id if key_id is None else key_id
            digest = link_digest(
                secret,
                key_id=kid,
                prev_hash=prev,
                village_code=village.code,
                seq=link.seq,
                key=link.key,
                kind=link.kind,
                memo=link.memo,
                reverses_key=link.reverses_key,
                created_at=link.created_at,
                entries=link.legs,
                former_hash=link.former_hash if secret is not None else "",
            )
            Transfer.objects.filter(pk=link.pk).update(
                hash=digest, prev_hash=prev, key_id=kid if secret is not None else LEGACY
            )
            prev = digest
        ChainHead.objects.filter(village=village).update(hash=prev)
