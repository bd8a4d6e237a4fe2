"""Pages of honours (信用表彰).

Everyone who may view honours: a village's confirmed honours and their history. The committee
(``CHOOSE_HONOURS``): open a month or a year, see every candidate with their figures, swap a
pick or strike a household with a reason, confirm, reopen; set each honour's reward item.
A villager: their own honours (``/honours/mine/``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.honours import actions, ranking, selectors
from cunxin.honours.forms import (
    FlagForm,
    OpenForm,
    ReopenForm,
    RewardForm,
    StrikeForm,
    SwapForm,
)
from cunxin.honours.models import Conferral, FlagPick, Kind, Round
from cunxin.honours.workflow import can_confirm_from
from cunxin.people.models import Household, Resident
from cunxin.policy.masking import name_view
from cunxin.policy.models import Direction, Scoring
from cunxin.policy.selectors import catalogue_in_force
from cunxin.regions.models import Region
from cunxin.volunteering.models import Team


def _village(request: HttpRequest, pk: int | None = None) -> tuple[list[Region], Region | None]:
    villages = list(selectors.honour_villages(request.user))
    wanted = str(pk) if pk is not None else request.GET.get("village", "")
    chosen = next((v for v in villages if str(v.pk) == wanted), None)
    return villages, chosen or (villages[0] if villages else None)


def _index_page(
    request: HttpRequest, open_form: OpenForm | None = None, village_pk: int | None = None
) -> HttpResponse:
    villages, village = _village(request, village_pk)
    rounds = selectors.visible_rounds(request.user)
    rounds = rounds.filter(village=village) if village else rounds.none()
    today = timezone.localdate()
    return render(
        request,
        "honours/index.html",
        {
            "villages": villages,
            "village": village,
            "latest": selectors.board_honours(village, today) if village else None,
            "names": name_view(request.user, village) if village else None,
            "page_obj": paginate(request, rounds),
            "can_choose": village is not None and selectors.can_choose(request.user, village),
            "open_form": open_form or OpenForm(),
            "has_own": getattr(request.user, "resident_id", None) is not None,
            "query": query_without_page(request),
        },
    )


@requires(Perm.VIEW_HONOURS)
def index(request: HttpRequest) -> HttpResponse:
    """A village's honours: the latest confirmed, the history; the committee opens rounds."""
    return _index_page(request)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def open_round(request: HttpRequest) -> HttpResponse:
    villages = selectors.honour_villages(request.user, Perm.CHOOSE_HONOURS)
    raw = request.POST.get("village", "")
    if not parse_id(raw):
        raise Http404
    village = get_object_or_404(villages, pk=parse_id(raw))
    form = OpenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, r = run_action(
            form,
            lambda: actions.do_open_round(
                village, period=data["period"], day=data["day"], acting_user=request.user
            ),
        )
        if ok:
            return redirect("honours:round", pk=r.pk)
    return _index_page(request, open_form=form, village_pk=village.pk)


# --- a round ---------------------------------------------------------------------------------


def _candidates(r: Round) -> list[ranking.Candidate]:
    return ranking.round_candidates(r, timezone.localdate())


def _round_page(request: HttpRequest, r: Round, **forms: Any) -> HttpResponse:
    choosing = selectors.can_choose(request.user, r.village)
    stars = list(r.stars.select_related("resident", "replaced").order_by("rank"))
    flag = FlagPick.objects.select_related("team", "replaced").filter(round=r).first()
    households = list(r.households.select_related("household").order_by("household__number"))
    heads = _heads([h.household_id for h in households])
    names = name_view(request.user, r.village)
    context: dict[str, Any] = {
        "round": r,
        "names": names,
        "choosing": choosing,
        "editable": actions.may_edit(request.user, r),
        "reopenable": actions.may_reopen(request.user, r),
        "stars": stars,
        "flag": flag,
        "households": [
            (h, names.name(heads.get(h.household_id, ""), household_id=h.household_id))
            for h in households
        ],
        "events": r.events.select_related("actor").order_by("at", "pk"),
        "conferrals": r.conferrals.select_related("resident", "record").order_by(
            "kind", "rank", "pk"
        ),
        "confirm_from": can_confirm_from(r),
        "can_confirm_now": actions.may_confirm(request.user, r),
    }
    if choosing:
        candidates = _candidates(r)
        context["candidates"] = candidates
        context["swap_form"] = forms.get("swap_form") or _swap_form(r, candidates)
        context["reopen_form"] = forms.get("reopen_form") or ReopenForm()
        context["strike_form"] = forms.get("strike_form") or StrikeForm(
            households=[
                (h.household_id, f"{h.household.number} {heads.get(h.household_id, '')}")
                for h in households
                if not h.struck
            ]
        )
        if r.is_month:
            teams = ranking.rank_teams([r.village], r.starts_on, {r.village_id: r.policy})
            context["teams"] = teams.get(r.village_id, [])
            context["flag_form"] = forms.get("flag_form") or FlagForm(
                teams=[
                    (s.team.pk, f"{s.team.name}（{s.average}）")
                    for s in context["teams"]
                    if s.eligible and (flag is None or s.team.pk != flag.team_id)
                ]
            )
        else:
            context["household_scores"] = ranking.rank_households(
                r.village, r.year, timezone.localdate(), r.policy
            )
    return render(request, "honours/round.html", context)


def _heads(household_ids: list[int]) -> dict[int, str]:
    """Each household's head (or oldest member), to name it by."""
    heads: dict[int, str] = {}
    rows = (
        Resident.objects.filter(household_id__in=household_ids)
        .order_by("household_id", "-is_head", "birth_date", "pk")
        .values_list("household_id", "name")
    )
    for household_id, name in rows:
        heads.setdefault(household_id, name)
    return heads


def _swap_form(r: Round, candidates: list[ranking.Candidate], data: Any = None) -> SwapForm:
    """The swap form: a star's place, and the eligible candidates not yet stars. A posted
    resident of the village outside that list stays valid here, so the action says why they
    cannot be chosen."""
    stars = list(r.stars.select_related("resident").order_by("rank"))
    picked = {s.resident_id for s in stars}
    people = [
        (c.resident.pk, f"{c.resident.name}（{c.points}）")
        for c in candidates
        if c.eligible and c.resident.pk not in picked
    ]
    wanted = str((data or {}).get("resident", ""))
    wanted_id = parse_id(wanted)
    if wanted_id and wanted_id not in {p for p, _n in people}:
        found = Resident.objects.filter(pk=wanted_id, village=r.village).first()
        if found is not None:
            people.append((found.pk, found.name))
    return SwapForm(
        data,
        ranks=[(s.rank, f"{s.rank}. {s.resident.name}") for s in stars],
        people=people,
    )


def _visible(request: HttpRequest, pk: int) -> Round:
    return get_object_or_404(selectors.visible_rounds(request.user), pk=pk)


def _choosing(request: HttpRequest, pk: int) -> Round:
    return get_object_or_404(
        Round.objects.restrict(request.user, Perm.CHOOSE_HONOURS).select_related(
            "village", "policy"
        ),
        pk=pk,
    )


@requires(Perm.VIEW_HONOURS)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: its picks and, for the committee, every candidate and the forms."""
    return _round_page(request, _visible(request, pk))


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def swap(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    form = _swap_form(r, _candidates(r), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        resident = get_object_or_404(Resident, pk=data["resident"], village=r.village)
        ok, _pick = run_action(
            form,
            lambda: actions.do_swap_star(
                r,
                rank=data["rank"],
                resident=resident,
                reason=data["reason"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("已调整，理由已记录。"))
            return redirect("honours:round", pk=r.pk)
    return _round_page(request, r, swap_form=form)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def swap_flag(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    teams = Team.objects.filter(village=r.village)
    form = FlagForm(request.POST, teams=[(t.pk, t.name) for t in teams])
    if form.is_valid():
        team = teams.get(pk=form.cleaned_data["team"])
        ok, _flag = run_action(
            form,
            lambda: actions.do_swap_flag(
                r, team=team, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("流动红旗已调整，理由已记录。"))
            return redirect("honours:round", pk=r.pk)
    return _round_page(request, r, flag_form=form)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def strike(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    picks = r.households.filter(struck=False).select_related("household")
    form = StrikeForm(
        request.POST, households=[(p.household_id, p.household.number) for p in picks]
    )
    if form.is_valid():
        target = get_object_or_404(Household, pk=form.cleaned_data["household"], village=r.village)
        ok, _pick = run_action(
            form,
            lambda: actions.do_strike_household(
                r, household=target, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已不予评定，理由已记录。"))
            return redirect("honours:round", pk=r.pk)
    return _round_page(request, r, strike_form=form)


def _act(request: HttpRequest, step: Any, done: str) -> None:
    """Run an action with no form; its refusal is shown as a message."""
    try:
        step()
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def recompute(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    _act(
        request,
        lambda: actions.do_recompute_round(r, acting_user=request.user),
        _("已按规则重新计算。"),
    )
    return redirect("honours:round", pk=r.pk)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    _act(
        request,
        lambda: actions.do_confirm_round(r, acting_user=request.user),
        _("评选结果已确认，已通知获评村民。"),
    )
    return redirect("honours:round", pk=r.pk)


@require_POST
@requires(Perm.CHOOSE_HONOURS)
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    r = _choosing(request, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        ok, _r = run_action(
            form,
            lambda: actions.do_reopen_round(
                r, reason=form.cleaned_data["reason"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(request, _("已重新打开，调整后请再次确认。"))
            return redirect("honours:round", pk=r.pk)
    return _round_page(request, r, reopen_form=form)


# --- rewards and the villager's own honours ----------------------------------------------------


def reward_items(village: Region) -> list[tuple[str, str]]:
    """The fixed-points reward items of the village's catalogue today."""
    return [
        (item.code, f"{item.code} {item.name}（+{item.points}）")
        for item in catalogue_in_force(village, timezone.localdate()).values()
        if item.active and item.direction == Direction.REWARD and item.scoring == Scoring.FIXED
    ]


@requires(Perm.CHOOSE_HONOURS)
def rewards(request: HttpRequest, village: int) -> HttpResponse:
    """Which catalogue item each honour is rewarded with in the village."""
    place = get_object_or_404(
        selectors.honour_villages(request.user, Perm.CHOOSE_HONOURS), pk=village
    )
    items = reward_items(place)
    if request.method == "POST":
        form = RewardForm(request.POST, items=items)
        if form.is_valid():

            def save() -> None:
                for kind in Kind.values:
                    actions.do_set_reward(
                        place,
                        kind=kind,
                        item_code=form.cleaned_data[kind],
                        acting_user=request.user,
                    )

            ok, _none = run_action(form, save)
            if ok:
                messages.success(request, _("奖励设置已保存。"))
                return redirect(f"{reverse('honours:index')}?village={place.pk}")
    else:
        form = RewardForm(initial=selectors.reward_settings(place), items=items)
    return render(request, "honours/rewards.html", {"village": place, "form": form})


@requires(Perm.VIEW_HONOURS, regions=False)
def mine(request: HttpRequest) -> HttpResponse:
    """A villager's own honours, newest first."""
    conferrals: list[Conferral] = list(selectors.own_conferrals(request.user))
    return render(request, "honours/mine.html", {"conferrals": conferrals, "Kind": Kind})
