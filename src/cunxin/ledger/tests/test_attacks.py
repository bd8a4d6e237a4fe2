"""The ledger attacked the way the independent review did, and each attack caught.

Every test starts from real business (records collected, approved, published and in effect),
makes one attack with database access only (or as a superuser), and asserts that
``check-ledger`` reports it, naming the village, the transfer and the villager where it can.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.utils import timezone

from cunxin.conftest import World, login
from cunxin.ledger.chain import keyring, link_digest
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import Account, ChainHead, Currency, Entry, Transfer
from cunxin.ledger.tests.helpers import effective, execute, rehash, triggers_off
from cunxin.ledger.walk import links
from cunxin.records.models import Record

VILLAGE_A = "前双村（370811009201）"


def _checks(problems: list[object]) -> set[str]:
    return {p.check for p in problems}  # type: ignore[attr-defined]


def _forge_tip(w: World, secret: bytes | None, key_id: str) -> Transfer:
    """Append +5,000 points for 张三 to village A's chain: balanced, hashed with the project's
    own function, balances and head adjusted: everything but the key."""
    zhang = w.resident("张三")
    head = ChainHead.objects.get(village=w.village_a)
    mine = {a.currency: a for a in Account.objects.filter(resident=zhang)}
    pool = {
        a.currency: a
        for a in Account.objects.filter(village=w.village_a, kind="issuance", resident=None)
    }
    legs = []
    for currency in (Currency.SCORE, Currency.SPENDABLE):
        legs += [(mine[currency].pk, 5000), (pool[currency].pk, -5000)]
    now = timezone.now()
    key = "record:999999:effect"
    digest = link_digest(
        secret,
        key_id=key_id,
        prev_hash=head.hash,
        village_code=w.village_a.code,
        seq=head.seq + 1,
        key=key,
        kind="record.effect",
        memo="record:999999",
        reverses_key="",
        created_at=now,
        entries=legs,
    )
    forged = Transfer.objects.create(
        key=key,
        kind="record.effect",
        memo="record:999999",
        village=w.village_a,
        seq=head.seq + 1,
        prev_hash=head.hash,
        hash=digest,
        key_id=key_id,
        created_at=now,
    )
    Entry.objects.bulk_create(Entry(transfer=forged, account_id=a, amount=m) for a, m in legs)
    for account_id, amount in legs:
        Account.objects.filter(pk=account_id).update(balance=F("balance") + amount)
    ChainHead.objects.filter(village=w.village_a).update(seq=forged.seq, hash=digest)
    return forged


@pytest.mark.parametrize(
    ("secret", "key_id"),
    [
        (None, ""),  # the review's forgery: the unkeyed hash the chain used to have
        (b"a guess at the key, long enough to look real", "dev"),  # the key id, a wrong secret
    ],
)
def test_a_forged_tip_is_caught_by_the_chain_the_verify_page_and_the_records(
    policy_world: World, secret: bytes | None, key_id: str
) -> None:
    w = policy_world
    effective(w)
    assert check_ledger() == []
    forged = _forge_tip(w, secret, key_id or keyring().signing_id)
    problems = check_ledger()
    assert {"chain", "reconcile_unexplained"} <= _checks(problems)
    chain = next(p for p in problems if p.check == "chain")
    assert f"第 {forged.seq} 条" in chain.detail
    assert VILLAGE_A in chain.detail
    unexplained = next(p for p in problems if p.check == "reconcile_unexplained")
    assert "record:999999:effect（信用记录生效" in unexplained.detail
    assert "张三" in unexplained.detail
    page = login(None).get(
        "/public/verify/",
        {"village": w.village_a.code, "seq": forged.seq, "hash": forged.hash},
    )
    assert "不一致" in page.content.decode()
    with pytest.raises(CommandError, match="处问题"):
        call_command("check_ledger", stderr=io.StringIO())


def test_a_superuser_rewrite_rehashed_without_the_key_is_caught(policy_world: World) -> None:
    w = policy_world
    effective(w)
    effective(w, [("李秀英", "PW-R01", "1")])
    first = Transfer.objects.filter(village=w.village_a).order_by("seq").first()
    assert first is not None
    with triggers_off():
        Entry.objects.filter(transfer=first, amount__gt=0).update(amount=F("amount") * 100)
        Entry.objects.filter(transfer=first, amount__lt=0).update(amount=F("amount") * 100)
    # Re-hash the whole chain with the project's own function and a guessed key.
    rehash(w.village_a, b"not the key, but forty-odd characters of trying", key_id="dev")
    problems = check_ledger()
    chain = [p for p in problems if p.check == "chain"]
    assert chain
    assert "第 1 条" in chain[0].detail
    assert "改动" in chain[0].detail
    assert "reconcile_amount" in _checks(problems)


def test_a_full_rewrite_even_with_the_key_is_caught_by_the_published_heads(
    policy_world: World,
) -> None:
    """Someone who had the key too (the application server taken over) rewrites a link and
    re-signs the rest: the chain holds, but the heads the notices printed no longer do."""
    w = policy_world
    effective(w)
    effective(w, [("李秀英", "PW-R01", "1")])  # its notice printed head 2
    first = Transfer.objects.get(village=w.village_a, seq=1)
    with triggers_off():
        Transfer.objects.filter(pk=first.pk).update(memo="nothing happened")
    ring = keyring()
    rehash(w.village_a, ring.secrets[ring.signing_id], key_id=ring.signing_id)
    problems = check_ledger()
    assert "chain" not in _checks(problems)  # signed with the real key: the chain holds
    witnessed = [p for p in problems if p.check == "witness"]
    assert witnessed
    assert "第2期公示记下的链头（第 2 条）" in witnessed[0].detail
    assert VILLAGE_A in witnessed[0].detail


def test_an_entry_moved_to_another_villager_is_caught(policy_world: World) -> None:
    w = policy_world
    effective(w)
    zhang = Record.objects.get(resident=w.resident("张三"))
    li = w.resident("李秀英")
    effective(w, [("李秀英", "PW-R01", "1")])
    li_score = Account.objects.get(resident=li, currency=Currency.SCORE)
    with triggers_off():
        Entry.objects.filter(
            transfer_id=zhang.transfer_id,
            account__resident=zhang.resident,
            account__currency=Currency.SCORE,
        ).update(account=li_score)
    Account.objects.filter(resident=zhang.resident, currency=Currency.SCORE).update(balance=0)
    Account.objects.filter(pk=li_score.pk).update(balance=F("balance") + zhang.points)
    problems = check_ledger()
    assert {"chain", "reconcile_amount"} <= _checks(problems)
    amount = next(p for p in problems if p.check == "reconcile_amount")
    assert zhang.transfer.key in amount.detail  # type: ignore[union-attr]


def test_an_entry_moved_to_another_transfer_is_caught(policy_world: World) -> None:
    w = policy_world
    effective(w)
    one, two = Transfer.objects.filter(village=w.village_a).order_by("seq")[:2]
    with triggers_off():
        execute(
            "UPDATE ledger_entry SET transfer_id = %s WHERE id = %s",
            [two.pk, Entry.objects.filter(transfer=one).order_by("pk").values("pk")[:1][0]["pk"]],
        )
    problems = check_ledger()
    assert {"chain", "transfer_balance"} <= _checks(problems)


def test_a_stored_balance_edit_is_caught_even_when_the_books_still_balance(
    policy_world: World,
) -> None:
    w = policy_world
    effective(w)
    zhang = Account.objects.get(resident=w.resident("张三"), currency=Currency.SPENDABLE)
    pool = Account.objects.get(village=w.village_a, kind="issuance", currency=Currency.SPENDABLE)
    Account.objects.filter(pk=zhang.pk).update(balance=F("balance") + 5000)
    Account.objects.filter(pk=pool.pk).update(balance=F("balance") - 5000)
    problems = check_ledger()
    assert _checks(problems) == {"balance"}
    assert any("张三" in p.detail and VILLAGE_A in p.detail for p in problems)


def test_a_chain_written_before_keys_is_reported_until_it_is_rekeyed(
    policy_world: World,
) -> None:
    w = policy_world
    notice = effective(w)
    second = effective(w, [("李秀英", "PW-R01", "1")])
    rehash(w.village_a, None)  # the chain as an install before this change left it
    execute(
        "UPDATE records_notice SET chain_hash = %s WHERE id = %s",
        [Transfer.objects.get(village=w.village_a, seq=second.chain_seq).hash, second.pk],
    )
    old_head = Transfer.objects.get(village=w.village_a, seq=2).hash
    assert _checks(check_ledger()) == {"chain_unkeyed"}
    page = login(None).get(
        "/public/verify/", {"village": w.village_a.code, "seq": 2, "hash": old_head}
    )
    assert "无法确认" in page.content.decode()
    call_command("rekey_ledger", stdout=io.StringIO())
    assert check_ledger() == []
    assert Transfer.objects.get(village=w.village_a, seq=2).hash != old_head
    page = login(None).get(
        "/public/verify/", {"village": w.village_a.code, "seq": 2, "hash": old_head}
    )
    assert "一致：这个链头与本村账本一致。" in page.content.decode()  # the paper still verifies
    assert notice.chain_seq == 0


def test_rekey_refuses_a_chain_that_was_already_edited(policy_world: World) -> None:
    w = policy_world
    effective(w)
    rehash(w.village_a, None)
    with triggers_off():
        Transfer.objects.filter(village=w.village_a, seq=1).update(memo="edited")
    with pytest.raises(CommandError):
        call_command("rekey_ledger", stdout=io.StringIO(), stderr=io.StringIO())
    assert "chain" in _checks(check_ledger())


def test_an_unkeyed_tail_after_keyed_links_is_a_break(policy_world: World) -> None:
    """Writing the newest link as if from before the keys (a plain SHA-256) does not pass."""
    w = policy_world
    effective(w)
    link = next(link for link in links([w.village_a.pk]) if link.seq == 2)
    digest = link_digest(
        None,
        key_id="",
        prev_hash=link.prev_hash,
        village_code=w.village_a.code,
        seq=2,
        key=link.key,
        kind=link.kind,
        memo=link.memo,
        reverses_key=link.reverses_key,
        created_at=link.created_at,
        entries=link.legs,
    )
    with triggers_off():
        Transfer.objects.filter(pk=link.pk).update(hash=digest, key_id="")
    ChainHead.objects.filter(village=w.village_a).update(hash=digest)
    problems = check_ledger()
    assert any(p.check == "chain" and "第 2 条" in p.detail for p in problems)
