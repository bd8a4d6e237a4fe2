import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from cunxin.conftest import World
from cunxin.ledger import actions
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import POINTS, Account, AccountKind, Currency, Entry, Transfer
from cunxin.ledger.tests.helpers import triggers_off
from cunxin.people.models import Resident


def _reward(world: World, resident: Resident, points: int, key: str) -> Transfer:
    accounts = actions.resident_accounts([(resident.pk, resident.village_id)])
    issuance = actions.issuance_accounts([resident.village_id])
    legs = []
    for currency in POINTS:
        legs += [
            (issuance[(resident.village_id, currency)].pk, -points),
            (accounts[(resident.pk, currency)].pk, points),
        ]
    spec = actions.TransferSpec(
        key=key, kind="test.grant", village_id=resident.village_id, legs=tuple(legs)
    )
    with transaction.atomic():
        return actions.post(spec)


def _balance(resident: Resident, currency: str = Currency.SCORE) -> int:
    return Account.objects.get(resident=resident, currency=currency).balance


def test_a_transfer_moves_points_and_keeps_the_books_balanced(world: World) -> None:
    zhang = world.resident("张三")
    _reward(world, zhang, 5, "t1")
    _reward(world, zhang, 3, "t2")
    assert _balance(zhang) == 8
    assert _balance(zhang, Currency.SPENDABLE) == 8
    assert check_ledger() == []


def test_the_same_key_posts_once(world: World) -> None:
    zhang = world.resident("张三")
    first = _reward(world, zhang, 5, "same")
    again = _reward(world, zhang, 5, "same")
    assert again.pk == first.pk
    assert _balance(zhang) == 5
    assert Transfer.objects.count() == 1


def test_an_unbalanced_transfer_is_refused_and_nothing_is_written(world: World) -> None:
    zhang = world.resident("张三")
    accounts = actions.resident_accounts([(zhang.pk, zhang.village_id)])
    issuance = actions.issuance_accounts([zhang.village_id])
    spec = actions.TransferSpec(
        key="bad",
        kind="test",
        village_id=zhang.village_id,
        legs=(
            (issuance[(zhang.village_id, "score")].pk, -5),
            (accounts[(zhang.pk, "score")].pk, 6),
        ),
    )
    with pytest.raises(actions.LedgerError) as info, transaction.atomic():
        actions.post(spec)
    assert info.value.code == "ledger_unbalanced"
    cross = actions.TransferSpec(
        key="cross",
        kind="test",
        village_id=zhang.village_id,
        legs=(
            (issuance[(zhang.village_id, "score")].pk, -5),
            (accounts[(zhang.pk, "spendable")].pk, 5),
        ),
    )
    with pytest.raises(actions.LedgerError) as refusal, transaction.atomic():
        actions.post(cross)  # score points cannot turn into spendable points
    assert refusal.value.code == "ledger_unbalanced"
    assert Transfer.objects.count() == 0


def test_a_reversal_undoes_a_transfer_once(world: World) -> None:
    zhang = world.resident("张三")
    original = _reward(world, zhang, 5, "r1")
    with transaction.atomic():
        actions.post(actions.reversal_spec(original, key="r1:undo", kind="test.grant"))
    assert _balance(zhang) == 0
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            key="r1:undo-again",
            kind="x",
            village_id=original.village_id,
            seq=99,
            prev_hash="0" * 64,
            hash="0" * 64,
            reverses=original,
            created_at=original.created_at,
        )
    assert check_ledger() == []


def test_the_database_refuses_to_edit_or_delete_entries(world: World) -> None:
    zhang = world.resident("张三")
    _reward(world, zhang, 5, "g1")
    entry = Entry.objects.first()
    assert entry is not None
    for attempt in (
        lambda: Entry.objects.filter(pk=entry.pk).update(amount=500),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Transfer.objects.update(memo="changed"),
        lambda: Transfer.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_entry SET amount = amount * 100")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_transfer")
    assert Entry.objects.get(pk=entry.pk).amount == entry.amount


def test_the_database_refuses_a_duplicate_idempotency_key(world: World) -> None:
    zhang = world.resident("张三")
    first = _reward(world, zhang, 5, "dup")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            key="dup",
            kind="x",
            village_id=first.village_id,
            seq=first.seq + 1,
            prev_hash=first.hash,
            hash="0" * 64,
            created_at=first.created_at,
        )


def test_check_ledger_finds_a_tampered_balance_and_a_broken_chain(world: World) -> None:
    zhang = world.resident("张三")
    for i in range(3):
        _reward(world, zhang, 2, f"c{i}")
    assert check_ledger() == []
    Account.objects.filter(resident=zhang, currency="score").update(balance=1000)
    problems = {p.check for p in check_ledger()}
    assert {"balance", "books"} <= problems
    Account.objects.filter(resident=zhang, currency="score").update(balance=6)
    # Someone with database access bypasses the triggers and edits a memo: the chain shows it.
    with triggers_off():
        Transfer.objects.filter(seq=2).update(memo="forged")
    problems = check_ledger()
    assert [p.check for p in problems] == ["chain"]
    assert "第 2 条 c1" in problems[0].detail


def test_spending_cannot_take_spendable_points_below_zero(world: World) -> None:
    """A penalty may push spendable points under zero; a transfer marked ``must_cover`` (a
    purchase, a coupon) is refused instead, and nothing is written."""
    zhang = world.resident("张三")
    _reward(world, zhang, 5, "earned")
    spendable = actions.resident_accounts([(zhang.pk, zhang.village_id)])[
        (zhang.pk, Currency.SPENDABLE)
    ]
    with transaction.atomic():
        shop = actions.holder_account(
            AccountKind.SHOP, Currency.SPENDABLE, zhang.village_id, "shop:1"
        )

    def spend(points: int, key: str) -> Transfer:
        spec = actions.TransferSpec(
            key=key,
            kind="test.purchase",
            village_id=zhang.village_id,
            legs=((spendable.pk, -points), (shop.pk, points)),
            must_cover=(spendable.pk,),
        )
        with transaction.atomic():
            return actions.post(spec)

    with pytest.raises(actions.LedgerError) as info:
        spend(6, "too-much")
    assert info.value.code == "ledger_insufficient"
    assert _balance(zhang, Currency.SPENDABLE) == 5
    spend(5, "all-of-it")
    assert _balance(zhang, Currency.SPENDABLE) == 0
    assert Account.objects.get(pk=shop.pk).balance == 5
    # The books hold; only the purchases, which no shop row explains, are reported.
    assert {p.check for p in check_ledger()} == {"reconcile_unexplained"}


def test_holder_accounts_are_one_per_holder_and_a_fund_cannot_go_negative(world: World) -> None:
    village_id = world.resident("张三").village_id
    with transaction.atomic():
        fund = actions.holder_account(AccountKind.FUND, Currency.MONEY, village_id, "fund")
        again = actions.holder_account(AccountKind.FUND, Currency.MONEY, village_id, "fund")
        donors = actions.holder_account(
            AccountKind.OUTSIDE, Currency.MONEY, village_id, "donors", allow_negative=True
        )
    assert again.pk == fund.pk
    pay_out = actions.TransferSpec(
        key="pay-before-any-donation",
        kind="test.payment",
        village_id=village_id,
        legs=((fund.pk, -100), (donors.pk, 100)),
    )
    with pytest.raises(actions.LedgerError) as refusal, transaction.atomic():
        actions.post(pay_out)
    assert refusal.value.code == "ledger_insufficient"
    with pytest.raises(ValueError, match="holder accounts"), transaction.atomic():
        actions.holder_account(AccountKind.RESIDENT, Currency.MONEY, village_id, "x")
    assert Transfer.objects.count() == 0
