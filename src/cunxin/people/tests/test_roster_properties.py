"""Properties of roster import that must hold for any roster, not just the examples."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunxin.conftest import World, build_world, roster_csv
from cunxin.core import pii
from cunxin.demo.people import roster_rows
from cunxin.people.actions import do_export_roster, do_import_roster
from cunxin.people.models import Household, Resident


def _state() -> set[tuple[object, ...]]:
    return set(
        Resident.objects.values_list(
            "name", "id_hash", "phone", "relation", "is_head", "household__number", "village_id"
        )
    )


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    households=st.integers(min_value=1, max_value=12),
    fmt=st.sampled_from(["xlsx", "csv"]),
)
def test_import_then_export_then_import_changes_nothing(
    seed: int, households: int, fmt: str
) -> None:
    # Each example runs in a savepoint that is rolled back, so examples do not see each other.
    with transaction.atomic():
        world: World = build_world()
        rows = list(
            roster_rows(
                [("前双村", households, ["张", "王"]), ("庄头村", households, ["庄"])], seed, 100
            )
        )
        first = do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
        assert first.residents_created == len(rows)
        state = _state()
        counts = (Household.objects.count(), Resident.objects.count())
        again = do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
        assert not again.changed
        exported = do_export_roster(
            [world.village_a, world.village_b], fmt=fmt, acting_user=world.clerk, reason="核对"
        )
        back = do_import_roster(exported, f"e.{fmt}", acting_user=world.clerk)
        assert not back.changed
        assert _state() == state
        assert (Household.objects.count(), Resident.objects.count()) == counts
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    households=st.integers(min_value=2, max_value=10),
)
def test_without_household_numbers_each_family_is_one_household_whatever_its_heads_name(
    seed: int, households: int
) -> None:
    # Every head is called 张伟: only the order of the rows says who lives with whom.
    with transaction.atomic():
        world: World = build_world()
        rows = list(roster_rows([("前双村", households, ["张"])], seed, 100))
        families: dict[str, set[str]] = {}
        sheet = []
        for village, number, _head, name, relation, id_number, phone in rows:
            if relation == "户主":
                name = "张伟"
            families.setdefault(number, set()).add(pii.keyed_hash(id_number))
            sheet.append((village, "张伟", name, relation, id_number, phone))
        headers = ("村", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
        result = do_import_roster(roster_csv(sheet, headers), "r.csv", acting_user=world.clerk)
        assert result.households_created == households
        by_household: dict[int, set[str]] = {}
        for household_id, id_hash in Resident.objects.filter(
            village=world.village_a, household__number__gte="0003"
        ).values_list("household_id", "id_hash"):
            by_household.setdefault(household_id, set()).add(id_hash)
        assert sorted(map(sorted, by_household.values())) == sorted(map(sorted, families.values()))
        again = do_import_roster(roster_csv(sheet, headers), "r.csv", acting_user=world.clerk)
        assert not again.changed
        transaction.set_rollback(True)
