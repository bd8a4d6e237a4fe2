"""What must hold across real transactions and connections: a wrong PIN counts although the
payment rolls back, and two keepers cannot both spend one code."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from cunxin.cards import pins
from cunxin.cards.identify import consume, identify, issue_code
from cunxin.cards.models import MAX_PIN_TRIES, Card, UsedCode
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


def failed_payment(world: World, pin: str = "999999") -> str:
    """A payment whose transaction rolls back on the refused PIN; the refusal's code."""
    try:
        with transaction.atomic():
            identify(card_number=NUMBER, pin=pin, acting_user=world.keeper_a)
    except DomainError as exc:
        return exc.code
    raise AssertionError("the PIN was accepted")


def test_five_rolled_back_payments_lock_the_card_for_good(world: World) -> None:
    card = bind(world)
    codes = [failed_payment(world) for _ in range(MAX_PIN_TRIES)]
    assert codes == ["pin_wrong"] * (MAX_PIN_TRIES - 1) + ["card_locked"]
    assert failed_payment(world, PIN) == "card_locked"
    # Whatever was still in memory is written by the next check outside a payment.
    with pytest.raises(DomainError) as refusal:
        identify(card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    assert refusal.value.code == "card_locked"
    card.refresh_from_db()
    assert card.locked
    assert card.failed_pins == MAX_PIN_TRIES
    assert pins.pending(card.pk) == 0


@pytest.mark.postgres
@postgres_only
def test_on_postgresql_each_wrong_pin_is_committed_at_once(world: World) -> None:
    card = bind(world)
    for attempt in range(1, MAX_PIN_TRIES + 1):
        failed_payment(world)
        card.refresh_from_db()
        assert card.failed_pins == attempt
        assert pins.pending(card.pk) == 0
    assert card.locked


@pytest.mark.postgres
@postgres_only
def test_two_keepers_spending_one_code_at_once_one_wins(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    customer = identify(code=code, acting_user=world.keeper_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def keeper() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                consume(customer)
            outcomes.append("paid")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=keeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["code_used", "paid"]
    assert UsedCode.objects.count() == 1
    assert Card.objects.count() == 0


@pytest.mark.postgres
@postgres_only
def test_a_caller_holding_the_cards_row_lock_does_not_hang_the_count(world: World) -> None:
    card = bind(world)
    with pytest.raises(DomainError) as info, transaction.atomic():  # noqa: PT012
        Card.objects.select_for_update().get(pk=card.pk)
        identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    assert info.value.code == "pin_wrong"
    # Counted in memory meanwhile, and written by the next check.
    assert pins.pending(card.pk) == 1
    with pytest.raises(DomainError) as again:
        identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    assert again.value.code == "pin_wrong"
    card.refresh_from_db()
    assert card.failed_pins == 2
    assert pins.pending(card.pk) == 0
