"""The committee's card work: binding, PINs, locking, unlocking, cancelling."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from cunxin.cards.actions import do_bind_card, do_cancel_card, do_reset_card_pin, do_unlock_card
from cunxin.cards.identify import identify
from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.cards.numbers import luhn_ok, number_hash
from cunxin.cards.tests.helpers import NUMBER, OTHER_NUMBER, PIN, bind, card_number
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.models import AuditEntry


def bind_error(world: World, number: str, pin: str = PIN, again: str | None = None) -> DomainError:
    with pytest.raises(DomainError) as info:
        do_bind_card(
            world.resident("张三"),
            card_number=number,
            pin=pin,
            pin_again=pin if again is None else again,
            acting_user=world.committee_a,
        )
    return info.value


def lock(world: World) -> None:
    codes = []
    for _ in range(MAX_PIN_TRIES):
        with pytest.raises(DomainError) as refusal:
            identify(card_number=NUMBER, pin="999999", acting_user=world.keeper_a)
        codes.append(refusal.value.code)
    # Each wrong PIN says so (with the tries left); the last one locks the card.
    assert codes == ["pin_wrong"] * (MAX_PIN_TRIES - 1) + ["card_locked"]


def test_luhn() -> None:
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert luhn_ok(card_number("6217"))


def test_the_committee_binds_a_card_and_only_the_last_four_digits_are_kept(world: World) -> None:
    card = bind(world)
    assert card.last4 == NUMBER[-4:]
    row = Card.objects.filter(pk=card.pk).values()[0]
    stored = " ".join(str(v) for v in row.values())
    assert NUMBER not in stored
    assert NUMBER[:-4] not in stored
    assert card.number_hash == number_hash(NUMBER)
    assert PIN not in card.pin_hash
    entry = AuditEntry.objects.get(action="cards.bind")
    assert entry.actor == world.committee_a
    trail = str(entry.before) + str(entry.after) + entry.object_repr
    assert NUMBER not in trail
    assert card.number_hash not in trail
    assert card.pin_hash not in trail


def test_spaces_and_dashes_in_a_typed_number_are_fine(world: World) -> None:
    spaced = " ".join(NUMBER[i : i + 4] for i in range(0, len(NUMBER), 4))
    card = bind(world, number=spaced.replace(" ", "-", 1))
    assert card.number_hash == number_hash(NUMBER)


@pytest.mark.parametrize(
    ("number", "says"),
    [
        ("12345678901", "12到19位"),
        ("12345678901234567890", "12到19位"),
        ("6217abcd00001234", "12到19位"),
        ("", "12到19位"),
        (NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10), "校验位"),
    ],
)
def test_bad_card_numbers_are_refused_clearly(world: World, number: str, says: str) -> None:
    refused = bind_error(world, number)
    assert refused.code == "card_number_invalid"
    assert says in str(refused)
    assert not Card.objects.exists()


@pytest.mark.parametrize(
    ("pin", "again", "code", "says"),
    [
        ("12345", None, "pin_invalid", "6位数字"),
        ("12a456", None, "pin_invalid", "6位数字"),
        ("111111", None, "pin_invalid", "过于简单"),
        ("123456", None, "pin_invalid", "过于简单"),
        ("654321", None, "pin_invalid", "过于简单"),
        (PIN, "258037", "pin_mismatch", "不一致"),
    ],
)
def test_bad_pins_are_refused_clearly(
    world: World, pin: str, again: str | None, code: str, says: str
) -> None:
    refused = bind_error(world, NUMBER, pin, again)
    assert refused.code == code
    assert says in str(refused)


def test_one_active_card_per_villager(world: World) -> None:
    bind(world)
    with pytest.raises(Conflict) as info:
        bind(world, number=OTHER_NUMBER)
    assert info.value.code == "card_exists"


def test_a_card_number_belongs_to_one_villager_only(world: World) -> None:
    bind(world)
    with pytest.raises(Conflict) as info:
        bind(world, name="李秀英")
    assert info.value.code == "card_taken"
    # Even after it is cancelled, it cannot pass to somebody else.
    do_cancel_card(Card.objects.get(), reason="卡丢失", acting_user=world.committee_a)
    with pytest.raises(Conflict) as refusal:
        bind(world, name="李秀英")
    assert refusal.value.code == "card_taken"


def test_the_database_itself_refuses_a_second_active_card(world: World) -> None:
    card = bind(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.create(
            resident=card.resident, number_hash=number_hash(OTHER_NUMBER), last4="0000"
        )


def test_a_cancelled_card_can_be_replaced(world: World) -> None:
    card = bind(world)
    do_cancel_card(card, reason="换新卡", acting_user=world.committee_a)
    new = bind(world, number=OTHER_NUMBER)
    assert new.status == "active"
    assert identify(card_number=OTHER_NUMBER, pin=PIN, acting_user=world.keeper_a).via == "card"


def test_the_committee_of_another_village_cannot_bind(world: World) -> None:
    with pytest.raises(Forbidden) as refusal:
        do_bind_card(
            world.resident("庄德胜"),
            card_number=NUMBER,
            pin=PIN,
            pin_again=PIN,
            acting_user=world.committee_a,
        )
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        do_bind_card(
            world.resident("张三"),
            card_number=NUMBER,
            pin=PIN,
            pin_again=PIN,
            acting_user=world.clerk2,
        )
    assert refusal.value.code == "forbidden"


@pytest.mark.parametrize("persona", ["keeper_a", "collector_a", "villager_a"])
def test_lesser_roles_cannot_bind(world: World, persona: str) -> None:
    with pytest.raises(Forbidden) as refusal:
        do_bind_card(
            world.resident("张三"),
            card_number=NUMBER,
            pin=PIN,
            pin_again=PIN,
            acting_user=getattr(world, persona),
        )
    assert refusal.value.code == "forbidden"


def test_the_committee_unlocks_a_locked_card_with_a_reason(world: World) -> None:
    card = bind(world)
    lock(world)
    with pytest.raises(DomainError) as info:
        do_unlock_card(card, reason="  ", acting_user=world.committee_a)
    assert info.value.code == "reason_required"
    do_unlock_card(card, reason="本人到场核实", acting_user=world.committee_a)
    card.refresh_from_db()
    assert not card.locked
    assert card.failed_pins == 0
    assert identify(card_number=NUMBER, pin=PIN, acting_user=world.keeper_a).via == "card"
    entry = AuditEntry.objects.get(action="cards.unlock")
    assert entry.reason == "本人到场核实"
    assert entry.before == {"failed_pins": MAX_PIN_TRIES, "locked_at": entry.before["locked_at"]}


def test_a_keeper_cannot_unlock(world: World) -> None:
    card = bind(world)
    lock(world)
    with pytest.raises(Forbidden) as refusal:
        do_unlock_card(card, reason="帮忙", acting_user=world.keeper_a)
    assert refusal.value.code == "forbidden"


def test_resetting_the_pin_makes_the_new_one_work(world: World) -> None:
    card = bind(world)
    do_reset_card_pin(
        card, pin="470213", pin_again="470213", reason="忘记密码", acting_user=world.committee_a
    )
    with pytest.raises(DomainError) as info:
        identify(card_number=NUMBER, pin=PIN, acting_user=world.keeper_a)
    assert info.value.code == "pin_wrong"
    assert identify(card_number=NUMBER, pin="470213", acting_user=world.keeper_a).via == "card"
    assert AuditEntry.objects.filter(action="cards.reset_pin", reason="忘记密码").exists()


def test_a_reset_pin_does_not_unlock_a_locked_card(world: World) -> None:
    card = bind(world)
    lock(world)
    do_reset_card_pin(card, pin="470213", pin_again="470213", acting_user=world.committee_a)
    with pytest.raises(DomainError) as info:
        identify(card_number=NUMBER, pin="470213", acting_user=world.keeper_a)
    assert info.value.code == "card_locked"


def test_nothing_can_be_done_to_a_cancelled_card(world: World) -> None:
    card = bind(world)
    do_cancel_card(card, reason="卡丢失", acting_user=world.committee_a)
    for action in (
        lambda: do_unlock_card(card, reason="x", acting_user=world.committee_a),
        lambda: do_cancel_card(card, reason="x", acting_user=world.committee_a),
        lambda: do_reset_card_pin(
            card, pin="470213", pin_again="470213", acting_user=world.committee_a
        ),
    ):
        with pytest.raises(Conflict) as refusal:
            action()
        assert refusal.value.code == "card_cancelled"
