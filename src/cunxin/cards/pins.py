"""Counting wrong PINs durably, outside the caller's transaction.

A payment that fails on a wrong PIN rolls back, but the wrong PIN must still count, or anyone
could try PINs for ever. So the count is never written in the caller's transaction:

- no caller's transaction open (the recommended call, or a test's own wrapper): it is written
  in a durable transaction of its own, right away;
- a caller's transaction open on PostgreSQL: a worker thread writes it on a connection of its
  own and commits, while the caller's transaction goes on (and may roll back); should the
  caller hold the card's row lock, the worker gives up after two seconds and the count is
  kept as below;
- a caller's transaction open on SQLite: SQLite has one writer and the caller already holds the
  write lock (BEGIN IMMEDIATE), so nothing else can commit now. The count is kept in this
  process and written as soon as no caller's transaction is open — after the caller commits, or
  at the next card check. The lock decision always adds the counts not yet written, so a card
  locks after the fifth wrong PIN either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.core import audit

_lock = threading.Lock()
# card id -> wrong PINs counted but not yet written to the database
_pending: dict[int, int] = {}


def pending(card_id: int) -> int:
    """Wrong PINs of this card counted in this process but not yet written."""
    with _lock:
        return _pending.get(card_id, 0)


def forget(card_id: int) -> None:
    """Drop unwritten counts of a card (the committee unlocked it or reset its PIN)."""
    with _lock:
        _pending.pop(card_id, None)


def failures(card: Card) -> int:
    """The wrong PINs in a row that count against this card now."""
    return min(MAX_PIN_TRIES, card.failed_pins + pending(card.pk))


def count_wrong_pin(card: Card, *, acting_user: Any) -> None:
    """Count one wrong PIN for the card, durably and outside the caller's transaction."""
    with _lock:
        _pending[card.pk] = _pending.get(card.pk, 0) + 1
    flush(acting_user=acting_user)


def _write(card_id: int, n: int, actor: Any) -> int:
    """Add n wrong PINs to the card and lock it at the limit; the rows updated (0 or 1)."""
    now = timezone.now()
    updated = Card.objects.filter(pk=card_id).update(
        failed_pins=Case(
            When(failed_pins__gte=MAX_PIN_TRIES - n, then=MAX_PIN_TRIES),
            default=F("failed_pins") + n,
        ),
        locked_at=Case(
            When(locked_at__isnull=True, failed_pins__gte=MAX_PIN_TRIES - n, then=now),
            default=F("locked_at"),
        ),
    )
    if updated:
        card = Card.objects.select_related("resident__village").get(pk=card_id)
        if card.locked_at == now:
            audit.record(
                actor,
                "cards.card_locked",
                card,
                region_code=card.resident.village.code,
                after={"failed_pins": card.failed_pins, "locked_at": now},
                reason="连续输错密码",
            )
    return updated


def _durably(work: Callable[[], None]) -> bool:
    """Run work in a transaction of its own; False when a caller's transaction is open."""
    entered = False
    try:
        with transaction.atomic(durable=True):
            entered = True
            work()
    except RuntimeError:
        # Django refuses a durable block nested in another one: the caller's transaction.
        if entered:
            raise
        return False
    return True


def _in_own_connection(work: Callable[[], None]) -> bool:
    """Run work in a transaction on a fresh connection of a worker thread, and wait for it.

    False if the work could not be done now (a lock held by the caller's own transaction: the
    worker gives up after a short wait instead of waiting for a caller who waits for it).
    """
    errors: list[BaseException] = []
    done: list[bool] = []

    def run() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                work()
            done.append(True)
        except DatabaseError:
            pass
        except BaseException as exc:  # handed back to the caller's thread
            errors.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=run, name="cards-pin-count")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
    return bool(done)


def flush(*, acting_user: Any = None) -> None:
    """Write the counted wrong PINs wherever a transaction of our own can commit them now."""
    with _lock:
        batch = dict(_pending)
        _pending.clear()
    if not batch:
        return
    unwritten: dict[int, int] = {}

    def work() -> None:
        unwritten.clear()
        for card_id, n in sorted(batch.items()):
            if not _write(card_id, n, acting_user):
                # Not visible to this transaction (the card is not committed yet): keep it.
                unwritten[card_id] = n

    if not _durably(work):
        written = connection.vendor == "postgresql" and _in_own_connection(work)
        if not written:
            unwritten = dict(batch)
            transaction.on_commit(lambda: flush(acting_user=acting_user))
    with _lock:
        for card_id, n in unwritten.items():
            _pending[card_id] = _pending.get(card_id, 0) + n


def clear_failures(card: Card) -> None:
    """A right PIN ends the run of wrong ones (written only when there was one)."""
    if not card.failed_pins and not pending(card.pk):
        return
    forget(card.pk)

    def work() -> None:
        Card.objects.filter(pk=card.pk, locked_at__isnull=True).update(failed_pins=0)

    if not _durably(work):
        # Inside the caller's transaction: reset with it (a rollback keeps the old count,
        # which errs on the safe side).
        work()
    card.failed_pins = 0
