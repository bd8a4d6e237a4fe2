import pytest
from django.core.management import call_command
from django.db import transaction

from cunxin.conftest import build_world
from cunxin.ledger import actions
from cunxin.ledger.models import Currency, Transfer


@pytest.mark.django_db(transaction=True)
def test_flush_may_empty_the_ledger_but_nothing_else_may() -> None:
    world = build_world()
    zhang = world.resident("张三")
    accounts = actions.resident_accounts([(zhang.pk, zhang.village_id)])
    issuance = actions.issuance_accounts([zhang.village_id])
    with transaction.atomic():
        actions.post(
            actions.TransferSpec(
                key="f1",
                kind="test",
                village_id=zhang.village_id,
                legs=(
                    (issuance[(zhang.village_id, Currency.SCORE)].pk, -1),
                    (accounts[(zhang.pk, Currency.SCORE)].pk, 1),
                ),
            )
        )
    with pytest.raises(Exception):  # noqa: B017, PT011 - the database's own error type differs
        Transfer.objects.all().delete()
    call_command("flush", interactive=False, verbosity=0)
    assert Transfer.objects.count() == 0
