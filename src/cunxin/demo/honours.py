"""Honours in the demo villages: each month's stars and red flag, opened by the scheduler's job
(from the 8th of the next month) and confirmed by the committee two days later, last month's
confirmed at the end even if the job has not run yet; the yearly round with its demonstration
households; and the current month left as a draft for the committee to look at.

The first village rewards its stars (``REWARD_ITEM``), so their reward records go through
review, notice and effect and appear in their history; there the committee also swaps one
star, with a reason, once.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone

from cunxin.demo.world import VillageStaff, clock_at
from cunxin.honours import ranking
from cunxin.honours.actions import do_confirm_round, do_open_round, do_set_reward, do_swap_star
from cunxin.honours.jobs import OPEN_DAY, open_due_months
from cunxin.honours.models import Kind, Period, Round, RoundStatus

# 获镇（街道）级荣誉表彰: a fixed reward that asks for evidence (the honour's QR certificate).
REWARD_ITEM = "CM-R15"
SWAP_REASON = "该村民本月带头参加防汛巡查和敬老院打扫，群众推荐，经评审会讨论调整为信用之星"
# A month the platform ran for less than this is not honoured (the job would open an empty draft).
MIN_DAYS = datetime.timedelta(days=14)
CONFIRM_AFTER = datetime.timedelta(days=2, hours=6)


@dataclass
class Honours:
    """The honours of every demo village across the simulated weeks."""

    staff: list[VillageStaff]
    start: datetime.datetime
    end: datetime.datetime
    swapped: bool = False
    years: set[int] = field(default_factory=set)

    def set_rewards(self, moment: datetime.datetime) -> None:
        """The first village's committee rewards its monthly stars."""
        chair = self.staff[0].chair
        with clock_at(moment):
            do_set_reward(
                self.staff[0].village, kind=Kind.STAR, item_code=REWARD_ITEM, acting_user=chair
            )

    def _staff_of(self, r: Round) -> VillageStaff:
        return next(s for s in self.staff if s.village.pk == r.village_id)

    def scheduler(self, moment: datetime.datetime) -> None:
        """The job's run of the day (from the 8th: last month's drafts); the committee confirms
        two days later; after December, the year's round follows."""
        today = timezone.localtime(moment).date()
        if today.day < OPEN_DAY:
            return
        month = _last_month(today)
        if not self._ran_in(month):
            return
        with clock_at(moment):
            opened = open_due_months(today)
        if not opened:
            return
        at = moment + CONFIRM_AFTER
        if at > self.end:
            return  # the committee has not met yet: see ``finish``
        self._confirm(opened, at)
        # A year the platform ran for at least half of is honoured in January.
        half = datetime.date(month.year, 7, 1)
        later = at + datetime.timedelta(hours=1)
        if (
            month.month == 12
            and timezone.localtime(self.start).date() <= half
            and later + datetime.timedelta(hours=2) <= self.end
        ):
            self.year(month.year, later)

    def _ran_in(self, month: datetime.date) -> bool:
        """Whether the platform ran long enough in the month for its honours."""
        return ranking.month_bounds(month)[1] >= timezone.localtime(self.start + MIN_DAYS).date()

    def _confirm(self, rounds: list[Round], at: datetime.datetime) -> None:
        """Each village's committee confirms its round (in the first village, once, after
        swapping a star)."""
        for r in sorted(rounds, key=lambda r: r.village_id):
            s = self._staff_of(r)
            with clock_at(at):
                if s is self.staff[0] and not self.swapped and r.is_month:
                    self.swapped = self._swap(r, s)
                do_confirm_round(r, acting_user=s.chair)

    def _swap(self, r: Round, s: VillageStaff) -> bool:
        """The committee puts the best eligible non-star in the last star's place."""
        stars = list(r.stars.order_by("rank"))
        if len(stars) < r.policy.stars_per_month:
            return False
        chosen = {p.resident_id for p in stars}
        today = timezone.localdate()
        other = next(
            (
                c
                for c in ranking.round_candidates(r, today)
                if c.eligible and c.resident.pk not in chosen
            ),
            None,
        )
        if other is None:
            return False
        do_swap_star(
            r, rank=stars[-1].rank, resident=other.resident, reason=SWAP_REASON, acting_user=s.chair
        )
        return True

    def year(self, year: int, moment: datetime.datetime) -> None:
        """Each village's round of the year: demonstration households and yearly stars."""
        for s in self.staff:
            with clock_at(moment):
                r = do_open_round(
                    s.village,
                    period=Period.YEAR,
                    day=datetime.date(year, 1, 1),
                    acting_user=s.chair,
                )
            with clock_at(moment + datetime.timedelta(hours=2)):
                do_confirm_round(r, acting_user=s.chair)
        self.years.add(year)

    def finish(self) -> None:
        """At the end: last month's round confirmed (the committee opens it itself when the
        job has not yet), the year's round if it is due (in December, or never held in the
        simulated months: then the last full year's), and this month's draft."""
        end = self.end
        today = timezone.localtime(end).date()
        last = _last_month(today)
        if self._ran_in(last):
            rounds = []
            for s in self.staff:
                with clock_at(end - datetime.timedelta(hours=4)):
                    r = do_open_round(s.village, period=Period.MONTH, day=last, acting_user=s.chair)
                if r.status == RoundStatus.DRAFT:
                    rounds.append(r)
            self._confirm(rounds, end - datetime.timedelta(hours=3))
        moment = end - datetime.timedelta(hours=2)  # confirmed two hours later: at the end
        if today.month == 12 and today.year not in self.years:
            self.year(today.year, moment)
        elif not self.years:
            self.year(today.year - 1, moment)
        for s in self.staff:
            with clock_at(end):
                do_open_round(s.village, period=Period.MONTH, day=today, acting_user=s.chair)


def _last_month(today: datetime.date) -> datetime.date:
    """The first day of the month before the day's."""
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
