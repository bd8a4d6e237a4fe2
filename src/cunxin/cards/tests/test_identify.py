"""The contract the shop relies on: who is paying, by pay code or by card and PIN."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from cunxin.cards.identify import CODE_VALID, consume, identify, issue_code, sign_code
from cunxin.cards.models import MAX_PIN_TRIES, Card, UsedCode
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry


def refused(error: str, **kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as info:
        identify(**kwargs)  # type: ignore[arg-type]
    assert info.value.code == error
    return info.value


# --- pay codes ---------------------------------------------------------------------------------


def test_a_fresh_code_identifies_the_villager(world: World) -> None:
    code, expires = issue_code(world.resident("张三"))
    assert code.isdigit()
    assert expires - timezone.now() <= CODE_VALID
    customer = identify(code=code, acting_user=world.keeper_a)
    assert customer.resident == world.resident("张三")
    assert customer.via == "code"
    assert customer.nonce


def test_a_typed_code_with_spaces_is_accepted(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    typed = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    assert identify(code=typed, acting_user=world.keeper_a).resident.name == "张三"


def test_it_refuses_a_code_with_a_changed_digit(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    # Claim to be 李秀英 with 张三's signature: time and nonce (9 digits), id, signature (8).
    forged = code[:9] + str(world.resident("李秀英").pk) + code[-8:]
    assert forged != code
    err = refused("code_forged", code=forged, acting_user=world.keeper_a)
    assert "付款码无效" in str(err)
    tampered = code[:-1] + str((int(code[-1]) + 1) % 10)
    refused("code_forged", code=tampered, acting_user=world.keeper_a)


def test_it_refuses_a_code_signed_with_another_salt(world: World) -> None:
    code = sign_code(world.resident("张三").pk, timezone.now(), 1234, salt="another.salt")
    refused("code_forged", code=code, acting_user=world.keeper_a)


@pytest.mark.parametrize("garbage", ["abc", "0123", "9" * 40, "１２３４", "<script>"])
def test_it_refuses_garbage_as_forged(world: World, garbage: str) -> None:
    refused("code_forged", code=garbage, acting_user=world.keeper_a)


def test_it_refuses_an_expired_code(world: World) -> None:
    code, expires = issue_code(world.resident("张三"))
    later = expires + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        err = refused("code_expired", code=code, acting_user=world.keeper_a)
    assert "已过期" in str(err)


def test_a_code_a_whole_wrap_around_later_does_not_pass_for_a_fresh_one(world: World) -> None:
    # The digits show the time modulo 100,000 s; the signature covers the full time.
    code, _ = issue_code(world.resident("张三"))
    later = timezone.now() + datetime.timedelta(seconds=100_000)
    with mock.patch("django.utils.timezone.now", return_value=later):
        refused("code_forged", code=code, acting_user=world.keeper_a)


def test_a_code_is_eighteen_digits_for_a_small_village(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    assert len(code) == 17 + len(str(world.resident("张三").pk))


def test_a_code_is_still_good_just_before_it_expires(world: World) -> None:
    code, expires = issue_code(world.resident("张三"))
    with mock.patch("django.utils.timezone.now", return_value=expires):
        assert identify(code=code, acting_user=world.keeper_a).via == "code"


def test_a_consumed_code_is_refused_and_cannot_be_consumed_twice(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    customer = identify(code=code, acting_user=world.keeper_a)
    with transaction.atomic():
        consume(customer)
    refused("code_used", code=code, acting_user=world.keeper_a)
    # Two keepers who both identified the code before either paid: the second one loses.
    with pytest.raises(Conflict) as info, transaction.atomic():
        consume(customer)
    assert info.value.code == "code_used"
    assert UsedCode.objects.count() == 1


def test_a_rolled_back_payment_leaves_the_code_usable(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    customer = identify(code=code, acting_user=world.keeper_a)

    def failed_payment() -> None:
        with transaction.atomic():
            consume(customer)
            raise RuntimeError("the payment failed after the code was spent")

    with pytest.raises(RuntimeError):
        failed_payment()
    assert identify(code=code, acting_user=world.keeper_a).resident.name == "张三"


def test_identify_does_not_use_the_code_up(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    identify(code=code, acting_user=world.keeper_a)
    identify(code=code, acting_user=world.keeper_a)
    assert not UsedCode.objects.exists()


def test_a_keeper_of_village_a_cannot_take_a_code_of_village_b(world: World) -> None:
    code, _ = issue_code(world.resident("庄德胜"))
    with pytest.raises(Forbidden) as info:
        identify(code=code, acting_user=world.keeper_a)
    assert info.value.code == "customer_elsewhere"


@pytest.mark.parametrize("persona", ["villager_a", "collector_a", "committee_a"])
def test_only_those_who_redeem_here_may_identify(world: World, persona: str) -> None:
    code, _ = issue_code(world.resident("张三"))
    with pytest.raises(Forbidden) as refusal:
        identify(code=code, acting_user=getattr(world, persona))
    assert refusal.value.code == "customer_elsewhere"


def test_nothing_given_is_a_clear_error(world: World) -> None:
    refused("customer_missing", acting_user=world.keeper_a)


# --- cards -------------------------------------------------------------------------------------


def test_a_card_and_its_pin_identify_the_villager(world: World) -> None:
    bind(world)
    customer = identify(card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    assert customer.resident.name == "张三"
    assert customer.via == "card"
    assert customer.nonce == ""
    consume(customer)  # nothing to spend for a card


def test_an_unknown_card_is_refused(world: World) -> None:
    refused("card_unknown", card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)


def test_a_wrong_pin_says_how_many_tries_are_left(world: World) -> None:
    bind(world)
    err = refused("pin_wrong", card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    assert f"还可以再试{MAX_PIN_TRIES - 1}次" in str(err)


def test_a_right_pin_starts_the_count_afresh(world: World) -> None:
    card = bind(world)
    refused("pin_wrong", card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    identify(card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    card.refresh_from_db()
    assert card.failed_pins == 0
    err = refused("pin_wrong", card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    assert f"还可以再试{MAX_PIN_TRIES - 1}次" in str(err)


def paying_with_wrong_pin(world: World) -> None:
    """A payment refused on its PIN: checked first, so the payment's transaction never starts."""
    customer = identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    with transaction.atomic():
        raise AssertionError(f"the payment went on for {customer}")


def test_five_wrong_pins_lock_the_card_even_when_no_payment_happens(world: World) -> None:
    card = bind(world)
    for attempt in range(1, MAX_PIN_TRIES + 1):
        with pytest.raises(DomainError) as info:
            paying_with_wrong_pin(world)
        expected = "card_locked" if attempt == MAX_PIN_TRIES else "pin_wrong"
        assert info.value.code == expected
    # Even the right PIN is refused now.
    refused("card_locked", card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    card.refresh_from_db()
    assert card.locked
    assert card.failed_pins == MAX_PIN_TRIES
    assert (
        AuditEntry.objects.filter(action="cards.card_locked", object_id=str(card.pk)).count() == 1
    )


def test_a_pin_is_never_checked_inside_the_payments_transaction(world: World) -> None:
    # A count written there would roll back with the payment: check first, then pay.
    card = bind(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    card.refresh_from_db()
    assert card.failed_pins == 0


def test_wrong_pins_outside_any_payment_are_written_at_once(world: World) -> None:
    card = bind(world)
    refused("pin_wrong", card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
    card.refresh_from_db()
    assert card.failed_pins == 1


def test_a_keeper_elsewhere_cannot_use_up_a_villagers_pin_tries(world: World) -> None:
    card = bind(world)
    with pytest.raises(Forbidden) as refusal:
        identify(card_number=NUMBER, pin="999999", acting_user=world.clerk2)
    assert refusal.value.code == "customer_elsewhere"
    card.refresh_from_db()
    assert card.failed_pins == 0


def test_a_cancelled_card_is_unknown(world: World) -> None:
    from cunxin.cards.actions import do_cancel_card

    card = bind(world)
    do_cancel_card(card, reason="卡丢了", acting_user=world.committee_a)
    refused("card_unknown", card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    assert Card.objects.count() == 1


def test_old_used_codes_are_purged_and_stay_refused(world: World) -> None:
    from cunxin.cards.jobs import USED_CODES_KEPT, purge_used_codes
    from cunxin.core.jobs import REGISTRY

    assert "cards.purge_used_codes" in REGISTRY
    code, _ = issue_code(world.resident("张三"))
    with transaction.atomic():
        consume(identify(code=code, acting_user=world.keeper_a))
    assert purge_used_codes() == 0
    later = timezone.now() + USED_CODES_KEPT + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert purge_used_codes() == 1
        # Gone from the table, the code is still no good: it is long expired.
        with pytest.raises(DomainError) as refusal:
            identify(code=code, acting_user=world.keeper_a)
        assert refusal.value.code == "code_forged"
