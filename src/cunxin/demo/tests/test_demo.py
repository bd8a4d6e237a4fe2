from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.core import pii
from cunxin.demo.activity import DEMO_PASSWORD
from cunxin.demo.build import VILLAGES, build
from cunxin.demo.people import roster_rows
from cunxin.people import idnumber
from cunxin.people.models import Household, Resident
from cunxin.policy.models import CatalogueItem
from cunxin.regions.models import Level, Region


def test_the_same_seed_gives_the_same_county() -> None:
    villages = [(name, n, surnames) for _c, name, n, surnames in VILLAGES]
    first = list(roster_rows(villages, seed=7))
    assert first == list(roster_rows(villages, seed=7))
    assert first != list(roster_rows(villages, seed=8))


def test_generated_people_are_plausible() -> None:
    rows = list(roster_rows([("前双村", 120, ["张", "王"])], seed=1))
    ids = [row[5] for row in rows]
    assert len(set(ids)) == len(ids)
    for row in rows:
        parsed = idnumber.parse(row[5])
        assert 2 <= len(row[3]) <= 4
        if row[4] in ("儿子", "孙子"):
            assert parsed.gender == "M"
    phones = [row[6] for row in rows if row[6]]
    assert len(set(phones)) == len(phones)
    assert Counter(row[4] for row in rows)["户主"] == 120


@pytest.mark.django_db
def test_the_demo_county_is_big_enough_and_everyone_can_log_in() -> None:
    logins = build(seed=2026, weeks=5)
    assert Region.objects.filter(level=Level.TOWN).count() == 1
    assert Region.objects.filter(level=Level.VILLAGE).count() >= 3
    assert Household.objects.count() >= 300
    assert Resident.objects.count() >= 900
    assert CatalogueItem.objects.filter(direction="reward").count() == 92
    sample = Resident.objects.order_by("?")[:20]
    for resident in sample:
        assert idnumber.parse(pii.decrypt(resident.id_cipher)).birth_date == resident.birth_date
    roles = {role for user in User.objects.all() for role in user.roles()}
    assert roles == set(Role)
    assert {login.role for login in logins} == {str(r.label) for r in Role}
    from cunxin.ledger.checks import check_ledger
    from cunxin.records.models import Record, Status

    assert set(Record.objects.values_list("status", flat=True)) == set(Status.values)
    assert check_ledger() == []
    for login in logins:
        client = Client(HTTP_HOST="127.0.0.1")
        assert (
            client.post(
                "/accounts/login/", {"phone": login.phone, "password": DEMO_PASSWORD}
            ).status_code
            == 302
        )


@pytest.mark.django_db
def test_the_demo_command_will_not_overwrite_data_without_reset() -> None:
    call_command("demo", seed=3, weeks=0)
    with pytest.raises(CommandError) as info:
        call_command("demo", seed=3, weeks=0)
    assert "--reset" in str(info.value)
