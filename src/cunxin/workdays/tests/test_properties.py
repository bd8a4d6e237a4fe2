"""Properties of working-time arithmetic that must hold for any moment and any amount, on the
real 2024–2026 calendar and the weekend-only years around it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from cunxin.core import workdays as w
from cunxin.core.workdays import SHANGHAI, TimeLimit, Unit, Urgency
from cunxin.workdays.official import official_calendar

CAL = official_calendar()
for _year in range(2022, 2029):  # index the years up front, so no example pays for it
    CAL.working_ordinals(_year)
# Speed is the benchmark's business: no per-example deadline on a shared, busy machine.
untimed = settings(deadline=None)
ZONES = st.sampled_from([SHANGHAI, dt.UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")])
moments = st.datetimes(
    min_value=dt.datetime(2023, 10, 1),
    max_value=dt.datetime(2027, 3, 1),
    timezones=ZONES,
    allow_imaginary=False,
)
amounts = st.integers(min_value=0, max_value=400 * 60).map(lambda m: dt.timedelta(minutes=m))
limits = st.builds(TimeLimit, st.integers(min_value=0, max_value=40), st.sampled_from(list(Unit)))


@st.composite
def pause_lists(draw: st.DrawFn, start: dt.datetime) -> list[w.Pause]:
    pauses: list[w.Pause] = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        begin = start + dt.timedelta(minutes=draw(st.integers(min_value=-3000, max_value=60000)))
        length = dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=20000)))
        pauses.append((begin, begin + length))
    return pauses


@untimed
@given(moments, amounts)
def test_adding_working_time_then_measuring_gives_it_back(
    start: dt.datetime, amount: dt.timedelta
) -> None:
    end = w.add_working_time(CAL, start, amount)
    assert end >= start
    assert w.working_time_between(CAL, start, end) == amount
    assert w.working_time_between(CAL, end, start) == -amount


@untimed
@given(moments, amounts)
def test_subtracting_working_time_is_the_earliest_moment_with_that_much_left(
    end: dt.datetime, amount: dt.timedelta
) -> None:
    begin = w.subtract_working_time(CAL, end, amount)
    assert begin <= end
    assert w.working_time_between(CAL, begin, end) == amount
    # A moment earlier has more working time left (no earlier moment would do).
    assert w.working_time_between(CAL, begin - dt.timedelta(microseconds=1), end) > amount


@untimed
@given(moments, st.integers(min_value=1, max_value=300))
def test_adding_working_days_then_counting_gives_n(start: dt.datetime, n: int) -> None:
    due = w.add_working_days(CAL, start, n)
    local = start.astimezone(SHANGHAI)
    assert due > start
    assert w.working_days_between(CAL, local.date(), due.date()) == n
    assert w.is_working_day(CAL, due.date())
    assert due == w.close_of(CAL, due.date())
    assert w.nth_working_day_before(CAL, due.date(), n) <= local.date()


@untimed
@given(moments, moments, moments)
def test_working_time_adds_up_over_consecutive_spans(
    a: dt.datetime, b: dt.datetime, c: dt.datetime
) -> None:
    total = w.working_time_between(CAL, a, b) + w.working_time_between(CAL, b, c)
    assert total == w.working_time_between(CAL, a, c)


@settings(max_examples=200, deadline=None)
@given(st.data(), moments, limits, st.lists(limits, max_size=2))
def test_a_deadline_is_never_before_its_start_and_pauses_only_push_it_later(
    data: st.DataObject, start: dt.datetime, limit: TimeLimit, extensions: list[TimeLimit]
) -> None:
    plain = w.deadline(CAL, start, limit, extensions=extensions)
    assert plain is not None
    assert plain >= start
    pauses = data.draw(pause_lists(start))
    paused = w.deadline(CAL, start, limit, extensions=extensions, pauses=pauses)
    assert paused is not None
    assert paused >= plain
    # One more pause never makes it earlier either.
    more = data.draw(pause_lists(start))
    assert (
        w.deadline(CAL, start, limit, extensions=extensions, pauses=pauses + more) or paused
    ) >= paused
    # The working time outside the pauses up to the deadline is the limit's budget.
    budget = w.working_time_between(CAL, start, plain)
    inside = sum(
        (
            w.working_time_between(CAL, max(b, start), min(e, paused))
            for b, e in _union(pauses)
            if e is not None and min(e, paused) > max(b, start)
        ),
        dt.timedelta(0),
    )
    assert w.working_time_between(CAL, start, paused) - inside == budget


def _union(pauses: list[w.Pause]) -> list[w.Pause]:
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for begin, end in sorted(pauses, key=lambda p: p[0]):
        assert end is not None
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return list(merged)


@untimed
@given(moments, moments, st.integers(min_value=0, max_value=30 * 60))
def test_amber_from_is_exactly_when_the_worklist_turns_amber(
    now: dt.datetime, due: dt.datetime, minutes: int
) -> None:
    threshold = dt.timedelta(minutes=minutes)
    colour = w.urgency(CAL, now, due, amber=threshold)
    assert (colour is Urgency.RED) == (now > due)
    assert (colour is not Urgency.NORMAL) == (now >= w.amber_from(CAL, due, threshold))
