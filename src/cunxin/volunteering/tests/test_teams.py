"""Teams: the common ones offered, members of the village only, a leader among members."""

from __future__ import annotations

import pytest

from cunxin.conftest import World, login
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.notifications.models import Message
from cunxin.volunteering.actions.teams import (
    do_add_member,
    do_create_team,
    do_remove_member,
    do_set_leader,
)
from cunxin.volunteering.models import Team, TeamMember


def test_the_committee_sets_up_a_common_team_with_members_and_a_leader(policy_world: World) -> None:
    w = policy_world
    committee = login(w.committee_a)
    page = committee.get("/volunteering/teams/new/").content.decode()
    for name in ("党员先锋队", "巾帼服务队", "治安联防队", "青年志愿者"):
        assert f"建立{name}" in page
    response = committee.post(
        "/volunteering/teams/new/", {"village": w.village_a.pk, "name": "党员先锋队"}
    )
    team = Team.objects.get()
    assert response["Location"] == f"/volunteering/teams/{team.pk}/"
    # Offered no more once it exists.
    assert "建立党员先锋队" not in committee.get("/volunteering/teams/new/").content.decode()
    found = committee.get(f"/volunteering/teams/{team.pk}/?q=zs").content.decode()
    assert "张三" in found
    zhang = w.resident("张三")
    committee.post(f"/volunteering/teams/{team.pk}/members/", {"resident": zhang.pk})
    committee.post(f"/volunteering/teams/{team.pk}/leader/", {"resident": zhang.pk})
    team.refresh_from_db()
    assert team.leader == zhang
    page = committee.get(f"/volunteering/teams/{team.pk}/").content.decode()
    assert "张三" in page
    assert "队长" in page
    told = Message.objects.filter(resident=zhang).values_list("text", flat=True)
    assert "您已加入志愿服务队“党员先锋队”。" in told
    assert "您已担任志愿服务队“党员先锋队”队长。" in told


def test_a_team_name_is_unique_in_its_village(policy_world: World) -> None:
    w = policy_world
    do_create_team(w.village_a, name="巾帼服务队", acting_user=w.committee_a)
    with pytest.raises(Conflict) as refusal:
        do_create_team(w.village_a, name=" 巾帼服务队 ", acting_user=w.committee_a)
    assert refusal.value.code == "team_exists"
    # Another village may have its own.
    do_create_team(w.village_b, name="巾帼服务队", acting_user=w.clerk)


def test_only_villagers_of_the_teams_village_may_join(policy_world: World) -> None:
    w = policy_world
    team = do_create_team(w.village_a, name="青年志愿者", acting_user=w.clerk)
    with pytest.raises(DomainError) as refused:
        do_add_member(team, w.resident("庄德胜"), acting_user=w.clerk)
    assert refused.value.code == "member_other_village"
    do_add_member(team, w.resident("张小明"), acting_user=w.clerk)
    with pytest.raises(Conflict) as refusal:
        do_add_member(team, w.resident("张小明"), acting_user=w.clerk)
    assert refusal.value.code == "already_member"
    # The committee of village A manages only village A's teams; a collector none.
    team_b = do_create_team(w.village_b, name="治安联防队", acting_user=w.clerk)
    with pytest.raises(Forbidden) as refusal:
        do_add_member(team_b, w.resident("庄德胜"), acting_user=w.committee_a)
    assert refusal.value.code == "forbidden"
    with pytest.raises(Forbidden) as refusal:
        do_create_team(w.village_a, name="护河队", acting_user=w.collector_a)
    assert refusal.value.code == "forbidden"


def test_the_leader_is_a_member_and_leaving_the_team_ends_the_leadership(
    policy_world: World,
) -> None:
    w = policy_world
    team = do_create_team(w.village_a, name="治安联防队", acting_user=w.committee_a)
    wang = w.resident("王建国")
    with pytest.raises(DomainError) as not_member:
        do_set_leader(team, wang, acting_user=w.committee_a)
    assert not_member.value.code == "leader_not_member"
    member = do_add_member(team, wang, acting_user=w.committee_a)
    do_set_leader(team, wang, acting_user=w.committee_a)
    do_remove_member(member, acting_user=w.committee_a)
    team.refresh_from_db()
    assert team.leader is None
    member.refresh_from_db()
    assert member.left_on is not None  # the history stays
    # They may join again later.
    do_add_member(team, wang, acting_user=w.committee_a)
    assert TeamMember.objects.filter(team=team, resident=wang).count() == 2


def test_other_villages_do_not_see_the_team(policy_world: World) -> None:
    w = policy_world
    team = do_create_team(w.village_a, name="党员先锋队", acting_user=w.committee_a)
    assert login(w.collector_b).get(f"/volunteering/teams/{team.pk}/").status_code == 404
    assert "党员先锋队" not in login(w.collector_b).get("/volunteering/teams/").content.decode()
    assert login(w.villager_a).get("/volunteering/teams/").status_code == 403
