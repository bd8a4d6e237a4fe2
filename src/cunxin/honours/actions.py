"""State changes of honours: open a round (one village, or every village at once), recompute a
draft, swap a pick or strike a household with a reason, confirm, reopen with a reason, and the
reward item of each kind of honour. Each is atomic and audited; confirming tells the honoured
(``honours.conferral``).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.cleaning import check_text
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.core.workflow import REASON_MIN
from cunxin.honours import conferral, ranking
from cunxin.honours.models import (
    FlagPick,
    HouseholdPick,
    How,
    Kind,
    Period,
    RewardSetting,
    Round,
    RoundStatus,
    StarPick,
)
from cunxin.honours.workflow import ROUNDS
from cunxin.people.models import Household, Resident
from cunxin.policy.models import Direction, Scoring
from cunxin.policy.selectors import item_in_force
from cunxin.regions.models import Region
from cunxin.volunteering.models import Team

# A pick's reason: as long as its column holds (a status change's reason follows ROUNDS).
REASON_MAX = 400


def _reason(reason: str) -> str:
    reason = check_text(" ".join(reason.split()), field="reason", max_length=REASON_MAX)
    if len(reason) < REASON_MIN:
        raise DomainError(
            "reason_required", _("请写明理由（至少%d个字）。") % REASON_MIN, field="reason"
        )
    return reason


def period_start(period: str, day: datetime.date) -> datetime.date:
    """The first day of the month or year the day lies in."""
    return day.replace(day=1) if period == Period.MONTH else datetime.date(day.year, 1, 1)


def period_end(period: str, starts_on: datetime.date) -> datetime.date:
    """The last day of the month or year that starts on the day."""
    if period == Period.MONTH:
        return ranking.month_bounds(starts_on)[1]
    return datetime.date(starts_on.year, 12, 31)


def _check_started(starts_on: datetime.date, today: datetime.date) -> None:
    if starts_on > today:
        raise DomainError("period_future", _("这个月份（年度）还没有开始。"), field="period")


# --- computing picks ---------------------------------------------------------------------------


def _month_picks(
    rounds: Sequence[Round], today: datetime.date
) -> tuple[list[StarPick], list[FlagPick]]:
    """The stars and red flags of months' rounds by rule, all villages at once."""
    if not rounds:
        return [], []
    month = rounds[0].starts_on
    assert all(r.starts_on == month for r in rounds), "one month at a time"
    villages = [r.village for r in rounds]
    policies = {r.village_id: r.policy for r in rounds}
    stars = ranking.choose_stars(villages, month, today, dict(policies))
    teams = ranking.rank_teams(villages, month, dict(policies))
    star_rows: list[StarPick] = []
    flag_rows: list[FlagPick] = []
    for r in rounds:
        for rank, found in enumerate(stars[r.village_id], start=1):
            star_rows.append(
                StarPick(
                    round=r,
                    rank=rank,
                    resident_id=found.resident_id,
                    points=found.points,
                    penalties=found.penalties,
                    hours=found.hours,
                )
            )
        best = ranking.choose_flag(teams.get(r.village_id, []))
        if best is not None:
            flag_rows.append(
                FlagPick(
                    round=r,
                    team=best.team,
                    points=best.points,
                    members=best.members,
                    hours=best.hours,
                )
            )
    return star_rows, flag_rows


def _year_picks(r: Round, today: datetime.date) -> tuple[list[StarPick], list[HouseholdPick]]:
    households = [
        HouseholdPick(
            round=r, household=h.household, members=h.members, lowest_score=h.lowest_score
        )
        for h in ranking.rank_households(r.village, r.year, today, r.policy)
        if h.eligible
    ]
    eligible = [
        c for c in ranking.year_candidates(r.village, r.year, today, r.policy) if c.eligible
    ]
    stars = [
        StarPick(
            round=r,
            rank=rank,
            resident=c.resident,
            points=c.points,
            penalties=c.penalties,
            hours=c.hours,
            months=c.months,
        )
        for rank, c in enumerate(eligible[: r.policy.stars_per_month], start=1)
    ]
    return stars, households


def _fill(rounds: Sequence[Round], today: datetime.date) -> None:
    """Write the picks of freshly opened (or emptied) rounds."""
    months = [r for r in rounds if r.is_month]
    stars, flags = _month_picks(months, today)
    households: list[HouseholdPick] = []
    for r in rounds:
        if not r.is_month:
            year_stars, year_households = _year_picks(r, today)
            stars += year_stars
            households += year_households
    StarPick.objects.bulk_create(stars, batch_size=1000)
    FlagPick.objects.bulk_create(flags, batch_size=1000)
    HouseholdPick.objects.bulk_create(households, batch_size=1000)


def _summary(r: Round) -> dict[str, Any]:
    """What the audit keeps of a round's picks."""
    flag = FlagPick.objects.filter(round=r).first()
    return {
        "stars": list(r.stars.order_by("rank").values_list("resident_id", flat=True)),
        "flag": flag.team_id if flag else None,
        "households": list(
            r.households.filter(struck=False)
            .order_by("household_id")
            .values_list("household_id", flat=True)
        ),
    }


# --- opening ---------------------------------------------------------------------------------


def open_months(
    villages: Sequence[Region], month: datetime.date, *, acting_user: Any = None
) -> list[Round]:
    """Open the month's draft in every given village that has a policy and no round for the
    month yet (a draft the committee works on, or a confirmed round, is left alone); the picks
    of all of them are computed together, set-based. ``acting_user`` None is the scheduler."""
    today = timezone.localdate()
    starts_on = month.replace(day=1)
    _check_started(starts_on, today)
    if acting_user is not None:
        for village in villages:
            require(acting_user, Perm.CHOOSE_HONOURS, village.code)
    with transaction.atomic():
        taken = set(
            Round.objects.filter(
                village__in=[v.pk for v in villages], period=Period.MONTH, starts_on=starts_on
            ).values_list("village_id", flat=True)
        )
        policies = ranking.policies_in_force(villages, period_end(Period.MONTH, starts_on))
        now = timezone.now()
        rounds = [
            Round(
                village=v,
                period=Period.MONTH,
                starts_on=starts_on,
                policy=policy,
                computed_at=now,
                opened_by=acting_user,
            )
            for v in villages
            if v.pk not in taken and (policy := policies.get(v.pk)) is not None
        ]
        ROUNDS.apply_many(
            rounds,
            RoundStatus.DRAFT,
            actor=acting_user,
            write=lambda new: Round.objects.bulk_create(new, batch_size=1000),
        )
        _fill(rounds, today)
        for r in rounds:
            audit.record(
                acting_user,
                "honours.open",
                r,
                region_code=r.village.code,
                after={"period": r.period, "starts_on": r.starts_on},
            )
    return rounds


@transaction.atomic
def do_open_round(village: Region, *, period: str, day: datetime.date, acting_user: Any) -> Round:
    """Open the village's round for the month (or year) the day lies in; if it is open already,
    that round is returned unchanged."""
    require(acting_user, Perm.CHOOSE_HONOURS, village.code)
    if period not in Period.values:
        raise DomainError("period_unknown", _("请选择月度或年度。"), field="period")
    today = timezone.localdate()
    starts_on = period_start(period, day)
    _check_started(starts_on, today)
    existing = Round.objects.filter(village=village, period=period, starts_on=starts_on).first()
    if existing is not None:
        return existing
    policy = ranking.policies_in_force([village], period_end(period, starts_on))[village.pk]
    if policy is None:
        raise DomainError("no_policy", _("本村在该期间还没有信用管理办法，不能评选。"))
    r = Round(
        village=village,
        period=period,
        starts_on=starts_on,
        policy=policy,
        computed_at=timezone.now(),
        opened_by=acting_user,
    )
    ROUNDS.apply(r, RoundStatus.DRAFT, actor=acting_user)
    _fill([r], today)
    audit.record(
        acting_user,
        "honours.open",
        r,
        region_code=village.code,
        after={"period": period, "starts_on": starts_on, **_summary(r)},
    )
    return r


def _lock(r: Round) -> Round:
    return Round.objects.select_for_update().select_related("village", "policy").get(pk=r.pk)


def _draft(r: Round, acting_user: Any) -> Round:
    r = _lock(r)
    require(acting_user, Perm.CHOOSE_HONOURS, r.village.code)
    if r.status != RoundStatus.DRAFT:
        raise Conflict("round_confirmed", _("%s的评选已确认，如需更正请先重新打开。") % r.label)
    return r


@transaction.atomic
def do_recompute_round(r: Round, *, acting_user: Any) -> Round:
    """Compute a draft's picks again by rule, with the records as they stand now (the
    committee's swaps and strikes are dropped: the audit keeps them)."""
    r = _draft(r, acting_user)
    before = _summary(r)
    today = timezone.localdate()
    policy = ranking.policies_in_force([r.village], r.ends_on)[r.village_id]
    if policy is not None:
        r.policy = policy
    StarPick.objects.filter(round=r).delete()
    FlagPick.objects.filter(round=r).delete()
    HouseholdPick.objects.filter(round=r).delete()
    r.computed_at = timezone.now()
    ROUNDS.apply(
        r,
        RoundStatus.DRAFT,
        actor=acting_user,
        reason=_("按规则重新计算"),
        fields=["policy", "computed_at"],
    )
    _fill([r], today)
    audit.record(
        acting_user,
        "honours.recompute",
        r,
        region_code=r.village.code,
        before=before,
        after=_summary(r),
    )
    return r


# --- the committee's changes to a draft --------------------------------------------------------


def _eligible_candidate(r: Round, resident: Resident, today: datetime.date) -> ranking.Candidate:
    found = ranking.round_candidates(r, today)
    candidate = next((c for c in found if c.resident.pk == resident.pk), None)
    if candidate is None:
        raise DomainError(
            "not_candidate",
            _("%(name)s 不是%(period)s的候选人。") % {"name": resident.name, "period": r.label},
            field="resident",
        )
    if not candidate.eligible:
        raise DomainError(
            "not_eligible",
            _("%(name)s 不能当选：%(why)s。")
            % {"name": resident.name, "why": candidate.excluded_label},
            field="resident",
        )
    return candidate


@transaction.atomic
def do_swap_star(
    r: Round, *, rank: int, resident: Resident, reason: str, acting_user: Any
) -> StarPick:
    """Put another eligible candidate in a star's place; the reason is kept and shown."""
    r = _draft(r, acting_user)
    reason = _reason(reason)
    pick = StarPick.objects.select_for_update().filter(round=r, rank=rank).first()
    if pick is None:
        raise DomainError("rank_unknown", _("没有第%d名。") % rank, field="rank")
    if resident.village_id != r.village_id:
        raise DomainError("not_candidate", _("只能从本村村民中调整。"), field="resident")
    if StarPick.objects.filter(round=r, resident=resident).exists():
        raise Conflict(
            "already_star", _("%s 已在信用之星名单中。") % resident.name, field="resident"
        )
    candidate = _eligible_candidate(r, resident, timezone.localdate())
    before = {"resident": pick.resident_id, "how": pick.how}
    pick.replaced_id = pick.replaced_id or pick.resident_id
    pick.resident = resident
    pick.points = candidate.points
    pick.penalties = candidate.penalties
    pick.hours = candidate.hours
    pick.months = candidate.months
    pick.how = How.SWAP
    pick.reason = reason
    pick.save()
    audit.record(
        acting_user,
        "honours.swap_star",
        r,
        region_code=r.village.code,
        before=before,
        after={"rank": rank, "resident": resident.pk},
        reason=reason,
    )
    return pick


@transaction.atomic
def do_swap_flag(r: Round, *, team: Team, reason: str, acting_user: Any) -> FlagPick:
    """Give the month's red flag to another team with a positive average, with a reason."""
    r = _draft(r, acting_user)
    reason = _reason(reason)
    if not r.is_month:
        raise DomainError("not_month", _("流动红旗按月评选。"))
    ranked = ranking.rank_teams([r.village], r.starts_on, {r.village_id: r.policy})
    score = next((s for s in ranked.get(r.village_id, []) if s.team.pk == team.pk), None)
    if score is None or not score.eligible:
        raise DomainError(
            "team_not_eligible",
            _("“%s”本月没有参与评分的队员得分，不能获得流动红旗。") % team.name,
            field="team",
        )
    flag = FlagPick.objects.select_for_update().filter(round=r).first()
    before = {"team": flag.team_id if flag else None}
    if flag is not None and flag.team_id == team.pk:
        raise Conflict("already_flag", _("流动红旗已是“%s”。") % team.name, field="team")
    if flag is None:
        flag = FlagPick(round=r)
    else:
        flag.replaced_id = flag.replaced_id or flag.team_id
    flag.team = team
    flag.points = score.points
    flag.members = score.members
    flag.hours = score.hours
    flag.how = How.SWAP
    flag.reason = reason
    flag.save()
    audit.record(
        acting_user,
        "honours.swap_flag",
        r,
        region_code=r.village.code,
        before=before,
        after={"team": team.pk},
        reason=reason,
    )
    return flag


@transaction.atomic
def do_strike_household(
    r: Round, *, household: Household, reason: str, acting_user: Any
) -> HouseholdPick:
    """Take a household off the year's demonstration list, with a reason."""
    r = _draft(r, acting_user)
    reason = _reason(reason)
    pick = HouseholdPick.objects.select_for_update().filter(round=r, household=household).first()
    if pick is None:
        raise DomainError(
            "household_unknown", _("该户不在本年度信用示范户名单中。"), field="household"
        )
    if pick.struck:
        raise Conflict("already_struck", _("该户已不予评定。"))
    pick.struck = True
    pick.reason = reason
    pick.save(update_fields=["struck", "reason"])
    audit.record(
        acting_user,
        "honours.strike_household",
        r,
        region_code=r.village.code,
        after={"household": household.pk},
        reason=reason,
    )
    return pick


# --- confirming and reopening ------------------------------------------------------------------


def may_edit(user: Any, r: Round) -> bool:
    """Whether the user may change the draft's picks or recompute it."""
    return r.status == RoundStatus.DRAFT and ROUNDS.may(user, r, RoundStatus.DRAFT)


def may_confirm(user: Any, r: Round) -> bool:
    """Whether the user may confirm the round today."""
    return ROUNDS.may(user, r, RoundStatus.CONFIRMED)


def may_reopen(user: Any, r: Round) -> bool:
    """Whether the user may reopen the confirmed round for a correction."""
    return r.status == RoundStatus.CONFIRMED and ROUNDS.may(user, r, RoundStatus.DRAFT)


@transaction.atomic
def do_confirm_round(r: Round, *, acting_user: Any) -> Round:
    """Confirm the round: its honours are conferred, told and rewarded. Confirming a confirmed
    round (a second click) changes nothing and tells nobody again."""
    r = _lock(r)
    require(acting_user, Perm.CHOOSE_HONOURS, r.village.code)
    if r.status == RoundStatus.CONFIRMED:
        return r
    r.confirmed_at = timezone.now()
    r.confirmed_by = acting_user
    ROUNDS.apply(
        r, RoundStatus.CONFIRMED, actor=acting_user, fields=["confirmed_at", "confirmed_by"]
    )
    result = conferral.confer(r, acting_user=acting_user)
    audit.record(
        acting_user,
        "honours.confirm",
        r,
        region_code=r.village.code,
        after={
            **_summary(r),
            "conferred": len(result.new),
            "withdrawn": len(result.withdrawn),
            "rewards": len(result.rewarded),
        },
    )
    return r


@transaction.atomic
def do_reopen_round(r: Round, *, reason: str, acting_user: Any) -> Round:
    """Reopen a confirmed round for a correction; the reason is kept in its history. The board
    shows the previous confirmed round until it is confirmed again."""
    r = _lock(r)
    require(acting_user, Perm.CHOOSE_HONOURS, r.village.code)
    reason = ROUNDS.clean_reason(reason, to=RoundStatus.DRAFT, source=RoundStatus.CONFIRMED)
    if r.status != RoundStatus.CONFIRMED:
        raise Conflict("round_draft", _("%s的评选尚未确认，无需重新打开。") % r.label)
    r.confirmed_at = None
    r.confirmed_by = None
    ROUNDS.apply(
        r,
        RoundStatus.DRAFT,
        actor=acting_user,
        reason=reason,
        fields=["confirmed_at", "confirmed_by"],
    )
    audit.record(acting_user, "honours.reopen", r, region_code=r.village.code, reason=reason)
    return r


# --- rewards ---------------------------------------------------------------------------------


@transaction.atomic
def do_set_reward(village: Region, *, kind: str, item_code: str, acting_user: Any) -> RewardSetting:
    """Set the catalogue item an honour of this kind is rewarded with (blank: no points). It
    must be a fixed-points reward item of the village's catalogue in force today."""
    require(acting_user, Perm.CHOOSE_HONOURS, village.code)
    if kind not in Kind.values:
        raise DomainError("kind_unknown", _("没有这种荣誉。"), field="kind")
    code = item_code.strip().upper()
    if code:
        item = item_in_force(village, code, timezone.localdate())
        if item is None or not item.active:
            raise DomainError(
                "item_unknown", _("行为“%s”不在本村的行为目录中。") % code, field="item_code"
            )
        if item.direction != Direction.REWARD or item.scoring != Scoring.FIXED:
            raise DomainError(
                "item_not_reward",
                _("奖励须是按固定分值计分的加分行为。"),
                field="item_code",
            )
    setting = RewardSetting.objects.select_for_update().filter(village=village, kind=kind).first()
    before = setting.item_code if setting else ""
    if setting is None:
        setting = RewardSetting(village=village, kind=kind, updated_by=acting_user)
    setting.item_code = code
    setting.updated_by = acting_user
    setting.save()
    audit.record(
        acting_user,
        "honours.set_reward",
        setting,
        region_code=village.code,
        before={"kind": kind, "item_code": before},
        after={"kind": kind, "item_code": code},
    )
    return setting
