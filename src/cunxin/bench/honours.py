"""Honours: choosing a county's monthly credit stars, compared with one bare aggregate.

At month end every village's star candidates are computed (``honours.jobs`` opens last month's
drafts in every village; a committee opening its own month runs the same code for one). This
suite measures ``honours.actions.open_months`` opening one month's drafts for 1,000 villages of
1,000 residents each (10^6 residents; ``--scale`` multiplies the number of villages): the
policies in force (one query), the stars of every village (``ranking.choose_stars``: one
aggregate of the month's effective records grouped by villager, the excluded filtered out and
each village's top ranked by a window function), the red flag of every village
(``ranking.rank_teams``: the teams' current members and their figures of the month), and the
writes — a round, its stars, its red flag, its history row and its audit entry per village.

The world (fixed seed): towns of 100 villages each, made through ``do_create_region``, each
town with its policy and the default catalogue through the policy actions. The rest is a
fixture, inserted fast with ``core.bulk``: households of one to six residents (about 18% under
18, 2% moved out; names, genders and birth dates plausible, ID fields placeholders with unique
hashes — no ciphertext or pinyin tokens: nothing here reads them, and the roster suite measures
making them); effective records of the month and of the month before (each adult has 0–4 a
month, 0.72 on average; 88% rewards, a third of them per-hour volunteer items of 1–4 hours,
12% penalties; points as ``scoring.score`` gives them below any cap); each record with the
transfer the schema demands of an effective record — an empty transfer (no entries), correctly
chained in its village, so the books stay sound: monthly stars read the records, not the
ledger, and posting cost is the ledger suite's figure; two residents a village on the
blacklist (a listed case in force); four teams a village of 25 current members each.

Figure:

* ``monthly_stars``: seconds of ``open_months`` over every village for the month (timed once,
  after the baseline has warmed the caches; PostgreSQL ANALYZEd first). Checked: every village
  has its draft, and for a sample of villages the stars equal the rule applied in Python
  (``ranking.month_candidates``) and the red flag the best team of ``ranking.rank_teams``.
  Baseline: one ``SELECT resident_id, sum(points) FROM records_record WHERE status =
  'effective' AND behaviour_date in the month GROUP BY resident_id``, every row fetched (best
  of three). ``ratio`` = job seconds ÷ aggregate seconds.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from cunxin.bench.common import (
    BenchFailed,
    Figure,
    Options,
    profiled,
    say,
    timed,
)

if TYPE_CHECKING:
    pass

from cunxin.bench.honours_world import (
    World,
    build_world,
)

FIGURES = ("monthly_stars",)
SAMPLE_CHECKS = 5
REPEAT = 3


# --- measuring ---------------------------------------------------------------------------------


def aggregate(first: datetime.date, last: datetime.date) -> int:
    """The baseline: the month's effective points per villager, every row fetched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, sum(points) FROM records_record "
            "WHERE status = %s AND behaviour_date >= %s AND behaviour_date <= %s "
            "GROUP BY resident_id",
            ["effective", first, last],
        )
        return len(cursor.fetchall())


def open_all(world: World) -> int:
    """What the scheduler does at month end, for the bench's villages."""
    from cunxin.honours.actions import open_months
    from cunxin.honours.jobs import CHUNK

    opened = 0
    for i in range(0, len(world.villages), CHUNK):
        opened += len(open_months(world.villages[i : i + CHUNK], world.month))
    return opened


def check(world: World) -> None:
    """Every village has its draft; a sample's picks follow the rule as Python applies it."""
    from cunxin.honours.models import FlagPick, Period, Round
    from cunxin.honours.ranking import choose_flag, month_candidates, rank_teams

    rounds = {
        r.village_id: r
        for r in Round.objects.filter(
            village__in=world.villages, period=Period.MONTH, starts_on=world.month
        ).select_related("village", "policy")
    }
    if len(rounds) != len(world.villages):
        raise BenchFailed(f"{len(rounds)} drafts for {len(world.villages)} villages")
    today = datetime.date.today()
    for village in world.rng.sample(world.villages, min(SAMPLE_CHECKS, len(world.villages))):
        r = rounds[village.pk]
        expected = [
            c.resident.pk
            for c in month_candidates(village, world.month, today, r.policy)
            if c.eligible
        ][: r.policy.stars_per_month]
        stars = list(r.stars.order_by("rank").values_list("resident_id", flat=True))
        if stars != expected:
            raise BenchFailed(f"village {village.code}: stars {stars}, the rule says {expected}")
        best = choose_flag(rank_teams([village], world.month, {village.pk: r.policy})[village.pk])
        flag = FlagPick.objects.filter(round=r).first()
        if (flag.team_id if flag else None) != (best.team.pk if best else None):
            raise BenchFailed(f"village {village.code}: red flag is not the best team")


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Undo(Exception):  # not an error: it carries a result out of a rollback
    """Leaves a trial's transaction, rolling its writes back."""


def trial(world: World) -> float:
    """Seconds of one ``open_all`` whose writes are then rolled back (the rollback untimed)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            seconds, opened = timed(open_all, world)
            raise _Undo(seconds, opened)
    except _Undo as undone:
        seconds, opened = undone.args
    if opened != len(world.villages):
        raise BenchFailed(f"open_months opened {opened} of {len(world.villages)} villages")
    return float(seconds)


def breakdown(world: World) -> str:
    """How the choice divides (untimed for the figure): stars, red flags."""
    from cunxin.honours import ranking

    last = ranking.month_bounds(world.month)[1]
    policies = ranking.policies_in_force(world.villages, last)
    today = datetime.date.today()
    stars_s, _stars = timed(ranking.choose_stars, world.villages, world.month, today, policies)
    teams_s, _teams = timed(ranking.rank_teams, world.villages, world.month, policies)
    return f"choose_stars {stars_s:.2f} s, rank_teams {teams_s:.2f} s"


def measure(world: World, options: Options) -> Figure:
    from cunxin.honours.ranking import month_bounds

    first, last = month_bounds(world.month)
    analyze()
    aggregate(first, last)  # warm
    runs = [timed(aggregate, first, last) for _ in range(REPEAT)]
    baseline_s = min(s for s, _n in runs)
    villagers = runs[0][1]
    say(f"monthly_stars: the aggregate grouped {villagers} villagers in {baseline_s:.3f} s")
    say(f"monthly_stars: of which {breakdown(world)}")
    # Trials rolled back, then the run that stays (its drafts are checked); the best counts.
    samples = [trial(world) for _ in range(REPEAT - 1)]
    if options.profile:
        final_s, opened = timed(profiled, "open_months over every village", open_all, world)
    else:
        final_s, opened = timed(open_all, world)
    if opened != len(world.villages):
        raise BenchFailed(f"open_months opened {opened} of {len(world.villages)} villages")
    samples.append(final_s)
    check(world)
    job_s = min(samples)
    say(
        f"monthly_stars: {opened} villages' stars and red flags chosen and written in "
        f"{job_s:.2f} s (runs: {', '.join(f'{s:.2f}' for s in samples)} s)"
    )
    return Figure(
        "monthly_stars",
        job_s,
        "s",
        baseline_s,
        f"group_by_resident_aggregate:{baseline_s:.4f}s",
        f"one SELECT resident_id, sum(points) … GROUP BY resident_id over the month's "
        f"effective records: {baseline_s:.4f} s",
        f"{len(world.villages)} villages, {world.residents} residents, {world.records} effective "
        f"records of two months; best of {REPEAT}",
        digits=2,
    )


def run(options: Options, only: set[str]) -> list[Figure]:
    world = build_world(options)
    return [measure(world, options)]
