from django.db import transaction

from cunxin.conftest import World
from cunxin.ledger import actions
from cunxin.ledger.models import Currency
from cunxin.people.models import Resident
from cunxin.records.standing import history


def _post(resident: Resident, key: str, score: int, spendable: int) -> int:
    accounts = actions.resident_account_ids([(resident.pk, resident.village_id)])
    issuance = actions.issuance_account_ids([resident.village_id])
    legs = []
    for currency, points in ((Currency.SCORE, score), (Currency.SPENDABLE, spendable)):
        if points:
            legs += [
                (issuance[(resident.village_id, currency)], -points),
                (accounts[(resident.pk, currency)], points),
            ]
    spec = actions.TransferSpec(
        key=key, kind="test", village_id=resident.village_id, legs=tuple(legs)
    )
    with transaction.atomic():
        return actions.post(spec).pk


def test_history_lists_the_newest_postings_first_with_both_numbers(world: World) -> None:
    zhang = world.resident("张三")
    first = _post(zhang, "h1", 5, 5)
    spent = _post(zhang, "h2", 0, -3)  # spendable only, as a redemption moves it
    expired = _post(zhang, "h3", -5, 0)  # score only, as an expiry moves it
    _post(world.resident("王建国"), "other", 7, 7)
    lines = history(zhang)
    assert [line.transfer.pk for line in lines] == [expired, spent, first]
    assert [(line.score, line.spendable) for line in lines] == [(-5, 0), (0, -3), (5, 5)]
    assert lines[0].transfer.key == "h3"


def test_history_turns_pages_without_gaps_or_repeats(world: World) -> None:
    zhang = world.resident("张三")
    posted = [_post(zhang, f"p{i}", i + 1, i + 1 if i % 3 else 0) for i in range(7)]
    seen: list[int] = []
    before = None
    while True:
        page = history(zhang, limit=3, before=before)
        if not page:
            break
        assert len(page) <= 3
        seen += [line.transfer.pk for line in page]
        before = page[-1].cursor
    assert seen == list(reversed(posted))


def test_history_of_someone_never_posted_to_is_empty(world: World) -> None:
    assert history(world.resident("李秀英")) == []
