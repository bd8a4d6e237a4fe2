import pytest

from cunxin.accounts.permissions import Perm
from cunxin.conftest import World
from cunxin.core.scoping import Scope, ancestor_codes, scope_of
from cunxin.people.models import Resident
from cunxin.policy.models import CreditPolicy
from cunxin.regions.models import Region


def test_division_codes_give_every_ancestor() -> None:
    assert ancestor_codes("370811009201") == [
        "370000000000",
        "370800000000",
        "370811000000",
        "370811009000",
    ]
    assert ancestor_codes("370811009") == ["370000000000", "370800000000", "370811000000"]


def test_a_scope_covers_regions_by_prefix() -> None:
    scope = Scope(region_prefixes=frozenset({"370811009"}))
    assert scope.covers(region="370811009201")
    assert not scope.covers(region="370811010201")
    assert Scope(everything=True).covers(region="110000000000")
    assert not Scope().covers(region="370811009201")


def _names(user: object) -> set[str]:
    return set(Resident.objects.restrict(user, Perm.VIEW_PEOPLE).values_list("name", flat=True))


def test_each_persona_sees_exactly_their_peoples(world: World) -> None:
    everyone = set(Resident.objects.values_list("name", flat=True))
    town1 = everyone - {"孔繁荣"}
    village_a = {"张三", "李秀英", "张小明", "王建国", "王丽"}
    assert _names(world.admin) == everyone
    assert _names(world.clerk) == town1
    assert _names(world.clerk2) == {"孔繁荣"}
    assert _names(world.collector_a) == village_a
    assert _names(world.committee_a) == village_a
    assert _names(world.collector_b) == {"庄德胜", "庄桂兰"}
    assert _names(world.villager_a) == {"张三"}
    assert _names(world.keeper_a) == set()
    assert _names(None) == set()


def test_an_inactive_user_reaches_nothing(world: World) -> None:
    world.collector_a.is_active = False
    assert scope_of(world.collector_a, Perm.VIEW_PEOPLE).empty
    assert _names(world.collector_a) == set()


def test_rows_owned_by_an_ancestor_are_visible_to_its_villages(policy_world: World) -> None:
    w = policy_world
    assert CreditPolicy.objects.restrict(w.collector_a, Perm.VIEW_POLICY).count() == 1
    assert CreditPolicy.objects.restrict(w.villager_a, Perm.VIEW_POLICY).count() == 1
    assert CreditPolicy.objects.restrict(w.clerk2, Perm.VIEW_POLICY).count() == 0
    towns = Region.objects.restrict(w.collector_a, Perm.VIEW_REGIONS).values_list("name", flat=True)
    assert "李营街道" in towns
    assert "唐口街道" not in towns
    assert "庄头村" not in towns


@pytest.mark.parametrize("perm", list(Perm))
def test_anonymous_visitors_have_no_scope_for_any_permission(perm: Perm) -> None:
    assert scope_of(None, perm).empty
