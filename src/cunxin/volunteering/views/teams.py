"""Team pages: a village's teams, a team with its members and leader."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.http import requires, run_action
from cunxin.people.models import Resident
from cunxin.volunteering import selectors
from cunxin.volunteering.actions.teams import (
    do_add_member,
    do_create_team,
    do_edit_team,
    do_remove_member,
    do_set_leader,
)
from cunxin.volunteering.forms import TeamEditForm, TeamForm
from cunxin.volunteering.models import COMMON_TEAMS, Team, TeamMember
from cunxin.volunteering.views.common import act, tabs


@requires(Perm.CHECK_IN)
def teams(request: HttpRequest) -> HttpResponse:
    """The teams of the villages the user runs volunteering in."""
    return render(
        request,
        "volunteering/teams.html",
        {
            "teams": selectors.teams_for(request.user),
            "can_manage": selectors.team_villages(request.user).exists(),
            **tabs(request),
        },
    )


@requires(Perm.MANAGE_TEAMS)
def team_new(request: HttpRequest) -> HttpResponse:
    """Set up a team: the common ones are offered, any other name may be typed."""
    villages = selectors.team_villages(request.user)
    form = TeamForm(request.POST or None, initial={"village": villages.first()})
    form.fields["village"].queryset = villages  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, team = run_action(
            form,
            lambda: do_create_team(
                data["village"],
                name=data["name"],
                description=data["description"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已建立“%s”，请添加队员。") % team.name)
            return redirect("volunteering:team", pk=team.pk)
    existing = set(Team.objects.filter(village__in=villages).values_list("village_id", "name"))
    return render(
        request,
        "volunteering/team_new.html",
        {
            "form": form,
            "common": [str(n) for n in COMMON_TEAMS],
            "offers": [
                (v, [str(n) for n in COMMON_TEAMS if (v.pk, str(n)) not in existing])
                for v in villages
            ],
        },
    )


def _team(request: HttpRequest, pk: int) -> Team:
    team: Team = get_object_or_404(selectors.teams_for(request.user), pk=pk)
    return team


def _team_page(request: HttpRequest, team: Team, form: TeamEditForm | None = None) -> HttpResponse:
    can_manage = selectors.covers(request.user, Perm.MANAGE_TEAMS, team.village)
    query = request.GET.get("q", "")
    return render(
        request,
        "volunteering/team.html",
        {
            "team": team,
            "members": selectors.current_members(team),
            "form": form
            or TeamEditForm(
                initial={"name": team.name, "description": team.description, "active": team.active}
            ),
            "can_manage": can_manage,
            "q": query,
            "candidates": selectors.member_candidates(request.user, team, query)[:20]
            if query.strip() and can_manage
            else [],
            "activities": team.activities.order_by("-starts_at")[:10],
        },
    )


@requires(Perm.CHECK_IN)
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team: its members and leader; who may manage teams edits it here."""
    return _team_page(request, _team(request, pk))


@require_POST
@requires(Perm.MANAGE_TEAMS)
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    form = TeamEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _saved = run_action(
            form,
            lambda: do_edit_team(
                team,
                name=data["name"],
                description=data["description"],
                active=data["active"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已保存。"))
            return redirect("volunteering:team", pk=team.pk)
    return _team_page(request, team, form)


@require_POST
@requires(Perm.MANAGE_TEAMS)
def add_member(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    # Any resident the user may manage teams for; the action refuses one of another village.
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.MANAGE_TEAMS).select_related("village"),
        pk=parse_id(request.POST.get("resident")) or 0,
    )
    return act(
        request,
        lambda: do_add_member(team, resident, acting_user=request.user),
        _("已把%s加入本队。") % resident.name,
        reverse("volunteering:team", args=[pk]),
    )


@require_POST
@requires(Perm.MANAGE_TEAMS)
def remove_member(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    team = _team(request, pk)
    member = get_object_or_404(
        TeamMember.objects.select_related("resident"), pk=member_id, team=team
    )
    return act(
        request,
        lambda: do_remove_member(member, acting_user=request.user),
        _("%s 已离队。") % member.resident.name,
        reverse("volunteering:team", args=[pk]),
    )


@require_POST
@requires(Perm.MANAGE_TEAMS)
def leader(request: HttpRequest, pk: int) -> HttpResponse:
    team = _team(request, pk)
    raw = request.POST.get("resident", "")
    resident = (
        get_object_or_404(Resident.objects.filter(village=team.village), pk=parse_id(raw) or 0)
        if raw
        else None
    )
    return act(
        request,
        lambda: do_set_leader(team, resident, acting_user=request.user),
        _("已设置队长。") if resident else _("已取消队长。"),
        reverse("volunteering:team", args=[pk]),
    )
