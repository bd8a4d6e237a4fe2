"""Volunteer teams (志愿服务队): a village's teams, their members (villagers of that village
only) and a leader chosen among the members."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.cleaning import check_text
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident, ResidentStatus
from cunxin.regions.models import Region
from cunxin.volunteering.models import Team, TeamMember

NAME_MAX = 40
DESCRIPTION_MAX = 200


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("name_required", _("请填写队名。"), field="name")
    if len(name) > NAME_MAX:
        raise DomainError("name_too_long", _("队名不超过%d个字。") % NAME_MAX, field="name")
    return name


def _check_unique(village: Region, name: str, exclude: int | None = None) -> None:
    others = Team.objects.filter(village=village, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise Conflict("team_exists", _("本村已有“%s”。") % name, field="name")


def _description(text: str) -> str:
    return check_text(
        text.strip(), field="description", max_length=DESCRIPTION_MAX, label=_("简介")
    )


@transaction.atomic
def do_create_team(village: Region, *, name: str, description: str = "", acting_user: Any) -> Team:
    """Set up a team of a village; names are unique within the village."""
    require(acting_user, Perm.MANAGE_TEAMS, village.code)
    if not village.is_village:
        raise DomainError("not_village", _("志愿服务队须属于一个村。"), field="village")
    name = _name(name)
    _check_unique(village, name)
    team = Team(village=village, name=name, description=_description(description))
    try:
        with transaction.atomic():
            team.save()
    except IntegrityError:  # the same name saved at the same moment by someone else
        raise Conflict("team_exists", _("本村已有“%s”。") % name, field="name") from None
    audit.record(
        acting_user,
        "volunteering.create_team",
        team,
        region_code=village.code,
        after=audit.snapshot(team),
    )
    return team


def _lock_team(team: Team) -> Team:
    """The team, locked: one change of its members or leader at a time."""
    locked: Team = (
        Team.objects.select_for_update(of=("self",)).select_related("village").get(pk=team.pk)
    )
    return locked


@transaction.atomic
def do_edit_team(
    team: Team, *, name: str, description: str, active: bool, acting_user: Any
) -> Team:
    """Rename a team, describe it, or take it off the list (``active``); members stay."""
    team = _lock_team(team)
    require(acting_user, Perm.MANAGE_TEAMS, team.village.code)
    before = audit.snapshot(team)
    team.name = _name(name)
    _check_unique(team.village, team.name, exclude=team.pk)
    team.description = _description(description)
    team.active = active
    team.save(update_fields=["name", "description", "active"])
    old, new = audit.changed(before, audit.snapshot(team))
    audit.record(
        acting_user,
        "volunteering.edit_team",
        team,
        region_code=team.village.code,
        before=old,
        after=new,
    )
    return team


@transaction.atomic
def do_add_member(
    team: Team,
    resident: Resident,
    *,
    joined_on: datetime.date | None = None,
    acting_user: Any,
) -> TeamMember:
    """Add a villager of the team's own village (an active one) as a member."""
    team = _lock_team(team)
    require(acting_user, Perm.MANAGE_TEAMS, team.village.code)
    if resident.village_id != team.village_id:
        raise DomainError(
            "member_other_village",
            _("%(name)s 不是%(village)s的村民，不能加入本村的志愿服务队。")
            % {"name": resident.name, "village": team.village.name},
            field="resident",
        )
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("resident_inactive", _("%s 已不在册。") % resident.name, field="resident")
    if TeamMember.objects.filter(team=team, resident=resident, left_on__isnull=True).exists():
        raise Conflict("already_member", _("%s 已是本队队员。") % resident.name, field="resident")
    member = TeamMember.objects.create(
        team=team, resident=resident, joined_on=joined_on or timezone.localdate()
    )
    audit.record(
        acting_user,
        "volunteering.add_member",
        member,
        region_code=team.village.code,
        after={"team": team.pk, "resident": resident.pk, "joined_on": member.joined_on},
    )
    notify(
        [
            Note(
                kind="team_joined",
                resident_id=resident.pk,
                text=_("您已加入志愿服务队“%s”。") % team.name,
                link=reverse("volunteering:mine"),
            )
        ]
    )
    return member


@transaction.atomic
def do_remove_member(member: TeamMember, *, acting_user: Any) -> TeamMember:
    """A member leaves the team (the row stays, with the day they left); a leader who leaves
    leaves the team without a leader."""
    team = _lock_team(member.team)
    require(acting_user, Perm.MANAGE_TEAMS, team.village.code)
    member = TeamMember.objects.select_for_update().select_related("resident").get(pk=member.pk)
    if member.left_on is not None:
        raise Conflict("not_member", _("%s 已离队。") % member.resident.name)
    member.left_on = timezone.localdate()
    member.save(update_fields=["left_on"])
    if team.leader_id == member.resident_id:
        team.leader = None
        team.save(update_fields=["leader"])
    audit.record(
        acting_user,
        "volunteering.remove_member",
        member,
        region_code=team.village.code,
        after={"team": team.pk, "resident": member.resident_id, "left_on": member.left_on},
    )
    return member


@transaction.atomic
def do_set_leader(team: Team, resident: Resident | None, *, acting_user: Any) -> Team:
    """Choose the leader among the team's current members (None: no leader)."""
    team = _lock_team(team)
    require(acting_user, Perm.MANAGE_TEAMS, team.village.code)
    if (
        resident is not None
        and not TeamMember.objects.filter(
            team=team, resident=resident, left_on__isnull=True
        ).exists()
    ):
        raise DomainError(
            "leader_not_member",
            _("队长须是本队队员：请先把%s加入本队。") % resident.name,
            field="resident",
        )
    before = team.leader_id
    team.leader = resident
    team.save(update_fields=["leader"])
    audit.record(
        acting_user,
        "volunteering.set_leader",
        team,
        region_code=team.village.code,
        before={"leader": before},
        after={"leader": team.leader_id},
    )
    if resident is not None and before != resident.pk:
        notify(
            [
                Note(
                    kind="team_leader",
                    resident_id=resident.pk,
                    text=_("您已担任志愿服务队“%s”队长。") % team.name,
                    link=reverse("volunteering:mine"),
                )
            ]
        )
    return team
