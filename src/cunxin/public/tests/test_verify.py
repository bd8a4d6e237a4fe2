import pytest
from django.core.cache import cache

from cunxin.conftest import World, login
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.ledger.tests.helpers import triggers_off
from cunxin.ledger.walk import Break, Walk
from cunxin.public import verification
from cunxin.public.tests.conftest import Publish, take_effect
from cunxin.public.verification import grouped, verify_head
from cunxin.records.models import Notice


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def two_notices(policy_world: World, publish: Publish) -> tuple[Notice, Notice]:
    """Notice 1 at the empty chain; its lines take effect; notice 2 prints head 2."""
    first = publish()
    take_effect()
    second = publish(("张小明", "PW-R01", "1"))
    return first, second


def _verify(w: World, seq: object, digest: str, code: str | None = None) -> str:
    response = login(None).get(
        "/public/verify/", {"village": code or w.village_a.code, "seq": seq, "hash": digest}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_a_printed_head_that_is_in_the_chain_is_consistent(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    w = policy_world
    first, second = two_notices
    page = _verify(w, second.chain_seq, second.chain_hash)
    assert "一致：这个链头与本村账本一致。" in page
    assert "不一致" not in page
    assert "这就是本村账本目前的最新链头" in page
    assert "第2期" in page  # the notice that printed it
    # The empty chain's head (notice 1) still holds, and so does everything after it.
    page = _verify(w, first.chain_seq, first.chain_hash)
    assert "一致：这个链头与本村账本一致。" in page
    assert "第 1 条至最新的第 2 条）也完整无缺" in page


def test_a_wrapped_or_upper_case_hash_is_read_as_printed(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    w = policy_world
    _, second = two_notices
    h = second.chain_hash.upper()
    wrapped = f"{h[:32]}\n {h[32:]}"
    assert "一致：这个链头与本村账本一致。" in _verify(w, second.chain_seq, wrapped)


def test_a_forged_hash_is_not_consistent(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    w = policy_world
    _, second = two_notices
    forged = ("f" if second.chain_hash[0] != "f" else "e") + second.chain_hash[1:]
    page = _verify(w, second.chain_seq, forged)
    assert "不一致：第 2 条的哈希与账本不符。" in page
    assert grouped(second.chain_hash) in page  # the ledger's own value, to compare


def test_a_head_beyond_the_chain_is_not_consistent(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    w = policy_world
    _, second = two_notices
    page = _verify(w, 3, second.chain_hash)
    assert "不一致：本村账本没有这一条。" in page
    assert "本村账本目前共 2 条，没有第 3 条" in page


def test_another_villages_head_is_not_consistent(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    w = policy_world
    _, second = two_notices
    page = _verify(w, second.chain_seq, second.chain_hash, code=w.village_b.code)
    assert "不一致" in page


def test_a_chain_broken_before_the_head_is_reported(
    policy_world: World, two_notices: tuple[Notice, Notice], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database refuses an edited posting (ledger tests show it), so the break is simulated
    # where the public page learns of it: the recomputed walk.
    _, second = two_notices
    monkeypatch.setattr(
        verification, "walk_chain", lambda village: Walk(village.pk, "", broken=Break(1, "altered"))
    )
    verdict = verify_head(policy_world.village_a, second.chain_seq, second.chain_hash)
    assert not verdict.consistent
    assert "已被改动" in verdict.summary
    assert "第 1 条" in verdict.details[0]


def test_a_chain_broken_after_the_head_is_reported_with_the_head_still_consistent(
    policy_world: World, two_notices: tuple[Notice, Notice], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert two_notices
    monkeypatch.setattr(
        verification,
        "walk_chain",
        lambda village: Walk(village.pk, "", seq=1, broken=Break(2, "altered")),
    )
    verdict = verify_head(policy_world.village_a, 1, Transfer.objects.get(seq=1).hash)
    assert verdict.consistent
    assert "第 2 条与数据不符" in verdict.details[1]


def test_a_deleted_posting_at_the_end_is_reported(
    policy_world: World, two_notices: tuple[Notice, Notice], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, second = two_notices
    assert ChainHead.objects.get(village=policy_world.village_a).seq == 2
    one = Transfer.objects.get(seq=1).hash
    monkeypatch.setattr(
        verification, "walk_chain", lambda village: Walk(village.pk, "", seq=1, hash=one)
    )
    verdict = verify_head(policy_world.village_a, 2, second.chain_hash)
    assert not verdict.consistent
    assert "缺少记账" in verdict.summary
    assert "缺失" in verify_head(policy_world.village_a, 1, one).details[1]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"village": "370811009201", "seq": "1", "hash": "abc"}, "现在是 3 位"),
        ({"village": "370811009201", "seq": "1", "hash": "g" * 64}, "只含数字"),
        ({"village": "999999999999", "seq": "1", "hash": "0" * 64}, "没有这个村"),
        ({"village": "370811009000", "seq": "1", "hash": "0" * 64}, "没有这个村"),
        ({"village": "370811009201", "seq": "-1", "hash": "0" * 64}, "0"),
        ({"village": "370811009201", "seq": "x", "hash": "0" * 64}, "整数"),
    ],
)
def test_a_malformed_question_gets_a_chinese_form_error(
    policy_world: World, params: dict[str, str], error: str
) -> None:
    response = login(None).get("/public/verify/", params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "cx-field-error" in page
    assert error in page
    assert 'id="verdict"' not in page


def test_the_empty_form_asks_without_answering(policy_world: World) -> None:
    page = login(None).get("/public/verify/").content.decode()
    assert "核验账本链头" in page
    assert 'id="verdict"' not in page
    assert "cx-field-error" not in page


def test_an_edit_in_the_middle_of_the_chain_shows_at_the_very_next_question(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    """The stored head does not change when a link in the middle is edited: an answer kept
    for that head would still say "一致". Every question walks the chain afresh."""
    w = policy_world
    _, second = two_notices
    assert "一致：这个链头与本村账本一致。" in _verify(w, second.chain_seq, second.chain_hash)
    with triggers_off():
        Transfer.objects.filter(village=w.village_a, seq=1).update(memo="edited")
    page = _verify(w, second.chain_seq, second.chain_hash)
    assert "不一致：本村账本在这个链头之前已被改动。" in page


def test_the_answer_is_never_stored_by_a_cache_in_front(
    policy_world: World, two_notices: tuple[Notice, Notice]
) -> None:
    _, second = two_notices
    response = login(None).get(
        "/public/verify/",
        {"village": policy_world.village_a.code, "seq": 2, "hash": second.chain_hash},
    )
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
