"""Working time: how fast deadlines are computed for a worklist, against plain date arithmetic.

An appeals worklist shows thousands of rows, each with deadlines in working time (accept,
first contact, complete) that pauses and extensions move. ``core.workdays`` computes them in
memory from one calendar loaded once (``workdays.selectors.calendar_for``); this suite measures
that, on 10^5 appeals (fixed seed) spread over 2024–2026 on China's official calendar, which it
installs through the real action into the province of the benchmark county.

Each appeal has a start (any moment of the three years, evenings and holidays included), a
limit (1–15 working days for four in five, 1–8 working hours for the rest), an approved
extension for one in ten and one or two pauses (挂起, an hour to two weeks) for one in five.

Figure:

* ``workday_deadlines``: deadlines/s of ``core.workdays.deadline`` over the 10^5 appeals.

The baseline is ``start + timedelta(days=n)`` (plain calendar days, hours as hours) over the
very same rows in the same process: what a deadline costs when holidays, office hours and
pauses are ignored. ``ratio`` is deadlines/s ÷ baseline/s. The calendar is loaded before the
clock starts (once, as a worklist page does); every deadline is checked to be no earlier than
its start and no earlier than its pause-free deadline. Best of ``--repeat`` runs (default 3).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    Figure,
    Options,
    admin_user,
    gc_paused,
    profiled,
    region_path,
    say,
    timed,
)

if TYPE_CHECKING:
    from cunxin.core.workdays import Pause, TimeLimit, WorkCalendar

FIGURES = ("workday_deadlines",)
SEED = 2026
APPEALS = 100_000
REPEAT = 3


@dataclass(frozen=True)
class Appeal:
    start: dt.datetime
    limit: TimeLimit
    extensions: tuple[TimeLimit, ...]
    pauses: tuple[Pause, ...]


def _appeals(count: int) -> list[Appeal]:
    from cunxin.core.workdays import SHANGHAI, TimeLimit, Unit

    rng = random.Random(SEED)  # noqa: S311 - the same appeals each run, not a secret
    first = dt.datetime(2024, 1, 1, tzinfo=SHANGHAI)
    span = int((dt.datetime(2026, 12, 1, tzinfo=SHANGHAI) - first).total_seconds())
    appeals = []
    for _ in range(count):
        start = first + dt.timedelta(seconds=rng.randrange(span))
        if rng.random() < 0.8:
            limit = TimeLimit(rng.randint(1, 15), Unit.WORKING_DAYS)
        else:
            limit = TimeLimit(rng.randint(1, 8), Unit.WORKING_HOURS)
        extensions = (TimeLimit(rng.randint(1, 10)),) if rng.random() < 0.1 else ()
        pauses: list[Pause] = []
        if rng.random() < 0.2:
            for _p in range(rng.randint(1, 2)):
                begin = start + dt.timedelta(minutes=rng.randrange(60, 20 * 24 * 60))
                pauses.append(
                    (begin, begin + dt.timedelta(minutes=rng.randrange(60, 14 * 24 * 60)))
                )
        appeals.append(Appeal(start, limit, extensions, tuple(pauses)))
    return appeals


def _calendar() -> WorkCalendar:
    """The benchmark county's calendar, with the official years installed at its province."""
    from cunxin.regions.models import Region
    from cunxin.workdays.actions import do_install_official_calendars
    from cunxin.workdays.models import CalendarYear
    from cunxin.workdays.selectors import calendar_for

    county = region_path(COUNTY)
    province = Region.objects.get(code=COUNTY[0][0])
    if not CalendarYear.objects.filter(region=province).exists():
        do_install_official_calendars(province, acting_user=admin_user(), reason="benchmark")
    return calendar_for(county.code)


def compute(cal: WorkCalendar, appeals: list[Appeal]) -> list[dt.datetime | None]:
    from cunxin.core.workdays import deadline

    return [
        deadline(cal, a.start, a.limit, extensions=a.extensions, pauses=a.pauses) for a in appeals
    ]


def baseline(appeals: list[Appeal]) -> list[dt.datetime]:
    """Calendar days and clock hours: the deadline if no holiday, office hour or pause mattered."""
    from cunxin.core.workdays import Unit

    out = []
    for a in appeals:
        due = a.start
        for limit in (a.limit, *a.extensions):
            if limit.unit == Unit.WORKING_DAYS:
                due = due + dt.timedelta(days=limit.amount)
            else:
                due = due + dt.timedelta(hours=limit.amount)
        out.append(due)
    return out


def check(cal: WorkCalendar, appeals: list[Appeal], dues: list[dt.datetime | None]) -> None:
    from cunxin.core.workdays import deadline

    for a, due in zip(appeals, dues, strict=True):
        plain = deadline(cal, a.start, a.limit, extensions=a.extensions)
        if due is None or plain is None or due < plain or plain < a.start:
            raise BenchFailed(f"deadline of {a} is {due}, before its start or pause-free {plain}")


def run(options: Options, only: set[str]) -> list[Figure]:
    count = max(1000, int(APPEALS * options.scale))
    cal = _calendar()
    appeals = _appeals(count)
    compute(cal, appeals[:1000])  # warm: builds each year's index of working days
    samples, base = [], []
    with gc_paused():
        for _ in range(options.repeat):
            if options.profile:
                seconds, dues = timed(profiled, "workday deadlines", compute, cal, appeals)
            else:
                seconds, dues = timed(compute, cal, appeals)
            samples.append(seconds)
            base.append(timed(baseline, appeals)[0])
    check(cal, appeals, dues)
    best, best_base = min(samples), min(base)
    rate, base_rate = count / best, count / best_base
    say(
        f"workday_deadlines: {count} deadlines in {best:.3f} s (runs: "
        f"{', '.join(f'{s:.3f}' for s in samples)} s); baseline {best_base:.4f} s"
    )
    return [
        Figure(
            "workday_deadlines",
            rate,
            "deadlines/s",
            base_rate,
            f"start+timedelta:{base_rate:.0f}/s",
            f"start + timedelta(days=n) over the same {count} appeals: {base_rate:,.0f}/s",
            f"{count} appeals over 2024–2026 (1–15 working days or 1–8 hours; 10% extended, "
            f"20% paused); calendar loaded once; best of {options.repeat}",
            digits=0,
        )
    ]
