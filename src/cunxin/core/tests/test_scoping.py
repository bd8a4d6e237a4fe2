import pytest
from django.contrib.auth.models import AnonymousUser

from cunxin.accounts.permissions import Perm
from cunxin.conftest import World
from cunxin.core.errors import Forbidden
from cunxin.core.models import AuditEntry
from cunxin.core.scoping import Scope, ancestor_codes, require, scope_of, scope_q
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


# --- the Scope itself --------------------------------------------------------------------------

TOWN_1 = "370811009"  # 李营街道's prefix
VILLAGE_A = "370811009201"  # 前双村
VILLAGE_B = "370811009202"  # 庄头村, same town
VILLAGE_C = "370811010201"  # 唐口村, the other town


def test_a_resident_is_covered_by_their_id_or_by_their_village() -> None:
    own = Scope(resident_ids=frozenset({7}))
    assert own.covers(resident=7, region=VILLAGE_C)
    assert not own.covers(resident=8, region=VILLAGE_A)
    town = Scope(region_prefixes=frozenset({TOWN_1}))
    assert town.covers(resident=8, region=VILLAGE_A)
    assert not town.covers(resident=8, region=VILLAGE_C)


def test_a_scope_of_ones_own_records_covers_no_region() -> None:
    own = Scope(resident_ids=frozenset({7}))
    assert not own.empty
    assert not own.covers(region=VILLAGE_A)


def test_the_union_of_two_scopes_keeps_both_reaches() -> None:
    town = Scope(region_prefixes=frozenset({TOWN_1}))
    own = Scope(resident_ids=frozenset({7}))
    both = town.union(own)
    assert both.region_prefixes == {TOWN_1}
    assert both.resident_ids == {7}
    assert both.covers(region=VILLAGE_B)
    assert both.covers(resident=7, region=VILLAGE_C)
    assert town.union(Scope(everything=True)).everything
    assert Scope().union(Scope()).empty


# --- require: may this user do this (here)? -------------------------------------------------------


def _refused(user: object, perm: Perm, region_code: str | None = None) -> bool:
    """Whether ``require`` refuses, with the refusal every page and API turns into 403."""
    try:
        require(user, perm, region_code)
    except Forbidden as exc:
        code = exc.code
    else:
        return False
    assert code == "forbidden"
    return True


def test_require_refuses_a_region_outside_the_users_reach(world: World) -> None:
    assert not _refused(world.collector_a, Perm.COLLECT_RECORDS, VILLAGE_A)
    assert _refused(world.collector_a, Perm.COLLECT_RECORDS, VILLAGE_B)
    assert _refused(world.collector_a, Perm.COLLECT_RECORDS, VILLAGE_C)
    assert not _refused(world.clerk, Perm.MANAGE_FUND, "370811009000")
    assert not _refused(world.clerk, Perm.VIEW_PEOPLE, VILLAGE_B)
    assert _refused(world.clerk, Perm.MANAGE_FUND, "370811010000")
    assert _refused(world.clerk2, Perm.VIEW_PEOPLE, VILLAGE_A)
    assert not _refused(world.admin, Perm.MANAGE_FUND, "370811010000")


def test_require_refuses_the_region_above_the_users_own(world: World) -> None:
    # A village's collector reaches the village, not its town (the town's rows are not theirs).
    assert _refused(world.collector_a, Perm.COLLECT_RECORDS, "370811009000")


def test_require_refuses_a_permission_the_user_does_not_hold(world: World) -> None:
    assert _refused(world.collector_a, Perm.REVIEW_RECORDS, VILLAGE_A)
    assert _refused(world.collector_a, Perm.REVIEW_RECORDS)
    assert _refused(world.keeper_a, Perm.COLLECT_RECORDS)


def test_require_without_a_region_asks_only_whether_the_user_holds_it_somewhere(
    world: World,
) -> None:
    assert not _refused(world.collector_b, Perm.COLLECT_RECORDS)
    assert not _refused(world.villager_a, Perm.VIEW_RECORDS)  # their own records


def test_a_villagers_own_reach_does_not_pass_for_their_village(world: World) -> None:
    assert _refused(world.villager_a, Perm.VIEW_RECORDS, VILLAGE_A)
    assert not _refused(world.villager_a, Perm.VIEW_HONOURS, VILLAGE_A)  # honours: the village's
    assert _refused(world.villager_a, Perm.VIEW_HONOURS, VILLAGE_B)


def test_require_refuses_anonymous_and_inactive_users(world: World) -> None:
    assert _refused(None, Perm.VIEW_REGIONS)
    assert _refused(AnonymousUser(), Perm.VIEW_REGIONS, VILLAGE_A)
    world.collector_a.is_active = False
    assert _refused(world.collector_a, Perm.COLLECT_RECORDS, VILLAGE_A)


def test_require_lets_through_what_the_users_scope_reaches(world: World) -> None:
    require(world.clerk, Perm.VIEW_PEOPLE, VILLAGE_A)  # no refusal: the village is in the town
    assert scope_of(world.clerk, Perm.VIEW_PEOPLE) == Scope(region_prefixes=frozenset({TOWN_1}))


# --- scope_q and restrict: the rows inside a scope ------------------------------------------------


def _people(scope: Scope) -> set[str]:
    return set(Resident.objects.filter(scope_q(Resident, scope)).values_list("name", flat=True))


def test_scope_q_keeps_the_rows_of_every_prefix_and_every_resident(world: World) -> None:
    zhuang = Resident.objects.get(name="庄德胜")
    assert _people(Scope(region_prefixes=frozenset({VILLAGE_C}))) == {"孔繁荣"}
    assert _people(Scope(region_prefixes=frozenset({VILLAGE_C, VILLAGE_B}))) == {
        "孔繁荣",
        "庄德胜",
        "庄桂兰",
    }
    assert _people(Scope(resident_ids=frozenset({zhuang.pk}))) == {"庄德胜"}
    assert _people(
        Scope(region_prefixes=frozenset({VILLAGE_C}), resident_ids=frozenset({zhuang.pk}))
    ) == {"孔繁荣", "庄德胜"}


def test_scope_q_of_nested_prefixes_is_the_wider_one(world: World) -> None:
    assert _people(Scope(region_prefixes=frozenset({TOWN_1, VILLAGE_A}))) == _people(
        Scope(region_prefixes=frozenset({TOWN_1}))
    )
    assert len(_people(Scope(region_prefixes=frozenset({TOWN_1})))) == 7


def test_scope_q_of_an_empty_scope_keeps_nothing_and_of_everything_keeps_all(
    world: World,
) -> None:
    assert _people(Scope()) == set()
    assert _people(Scope(everything=True)) == set(Resident.objects.values_list("name", flat=True))


def test_scope_q_ignores_residents_for_a_model_without_a_resident_path(
    policy_world: World,
) -> None:
    zhang = Resident.objects.get(name="张三")
    assert not CreditPolicy.objects.filter(
        scope_q(CreditPolicy, Scope(resident_ids=frozenset({zhang.pk})))
    ).exists()


def test_scope_q_adds_the_ancestors_only_for_models_that_ask(policy_world: World) -> None:
    village = Scope(region_prefixes=frozenset({VILLAGE_A}))
    # The town's policy is read by its villages (scope_include_ancestors) ...
    assert CreditPolicy.objects.filter(scope_q(CreditPolicy, village)).count() == 1
    assert not CreditPolicy.objects.filter(
        scope_q(CreditPolicy, Scope(region_prefixes=frozenset({VILLAGE_C})))
    ).exists()
    # ... while the town's own audit trail (its policy was saved there) is not the village's.
    town_code = policy_world.town.code
    assert AuditEntry.objects.filter(region_code=town_code).exists()
    assert not AuditEntry.objects.filter(
        scope_q(AuditEntry, village), region_code=town_code
    ).exists()


def test_restrict_is_scope_q_of_the_users_scope(world: World) -> None:
    for persona in ("admin", "clerk", "clerk2", "collector_b", "villager_a", "keeper_a"):
        user = world.users[persona]
        restricted = set(
            Resident.objects.restrict(user, Perm.VIEW_PEOPLE).values_list("pk", flat=True)
        )
        by_scope = set(
            Resident.objects.filter(
                scope_q(Resident, scope_of(user, Perm.VIEW_PEOPLE))
            ).values_list("pk", flat=True)
        )
        assert restricted == by_scope, persona
