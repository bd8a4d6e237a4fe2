"""Random walks through the record lifecycle keep the books and the records in agreement.

A hypothesis state machine collects, approves, rejects, publishes, objects, upholds, dismisses,
takes effect, corrects (request only, or all the way), expires and carries over, in any order,
in two villages, and after every step checks (``helpers.Books``): the books balance, stored
balances equal their entries, no posting changed, no record posted twice, score = base +
counted points and spendable = effective points recomputed from the Record table, every status
change is one ``workflow.RECORDS`` allows, notices, objections and grade changes agree; and
that every record is in the status this machine's own model of the rules expects.

Time: the walk has a clock of its own. ``django.utils.timezone.now`` reads it (so notices are
published, objected to and ruled on in walk time), the jobs are passed it
(``take_effect_due(now=...)``) and each "take effect" step moves it on by 0–30 days; the expiry
job is run with a ``today`` one to six years ahead.

The world (people, policy, catalogue) is built once per test; each example runs in a savepoint
that is rolled back, so every example starts with no records and an empty ledger, then makes a
short random history (``history``) before the random steps.
"""

from __future__ import annotations

import datetime
import importlib
import os
import uuid
from decimal import Decimal
from types import ModuleType
from typing import Any
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.ledger.models import Currency, Transfer
from cunxin.policy.actions import do_save_policy
from cunxin.policy.models import CarryOver, Scoring
from cunxin.policy.selectors import policy_in_force
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.actions.notices import (
    close_finished_notices,
    do_object,
    do_publish_notice,
    do_rule_objection,
)
from cunxin.records.actions.review import do_approve, do_reject, do_request_reversal
from cunxin.records.models import Objection, ObjectionStatus, Record, Status
from cunxin.records.standing import balances
from cunxin.records.tests.helpers import PHOTO, Books, Cast, build_cast


def _carryover() -> ModuleType | None:
    """records/actions/carryover.py was written in parallel: its rule runs when it exists."""
    try:
        return importlib.import_module("cunxin.records.actions.carryover")
    except ModuleNotFoundError:
        return None


CARRYOVER = _carryover()

# Set by the test before hypothesis builds machines (it builds them without arguments).
CAST: Cast | None = None

# CI: 30 walks of 25 steps. A longer hunt, e.g.:
#   CUNXIN_WALK_EXAMPLES=500 CUNXIN_WALK_STEPS=50 pytest -k random_lifecycles
EXAMPLES = int(os.environ.get("CUNXIN_WALK_EXAMPLES", "30"))
STEPS = int(os.environ.get("CUNXIN_WALK_STEPS", "25"))


def _numbers(resident_ids: list[int]) -> dict[tuple[int, str], int]:
    """The residents' non-zero balances."""
    return {k: v for k, v in balances(resident_ids).items() if v}


class RecordLifecycles(RuleBasedStateMachine):
    """The machine's own model: the expected status of every record, the notice end of every
    record in notice, and the open objections; the database must agree after every step."""

    def __init__(self) -> None:
        super().__init__()
        assert CAST is not None
        self.cast = CAST
        # The walk's clock: every action reads it (publishing, objecting, entry windows, …),
        # and the jobs are passed it (take_effect_due(now=...)); taking effect moves it on.
        self.now = timezone.now()
        self._clock = mock.patch("django.utils.timezone.now", side_effect=lambda: self.now)
        self._clock.start()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.status: dict[int, str] = {}
        self.side_of: dict[int, int] = {}
        self.collector_of: dict[int, int] = {}
        self.reverses: dict[int, int | None] = {}
        self.notice_ends: dict[int, datetime.datetime] = {}
        self.open_objections: dict[int, tuple[int, int]] = {}  # objection → (record, objector)
        self.objected: set[tuple[int, int]] = set()  # (record, objector), ever
        self.books = Books(self.cast.policy)
        self.carried_to: dict[int, datetime.date] = {}  # village side → last period end

    def teardown(self) -> None:
        try:
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)
        finally:
            self._clock.stop()

    @property
    def today(self) -> datetime.date:
        return timezone.localdate(self.now)

    # --- the model ---------------------------------------------------------------------------

    def _in(self, *statuses: str) -> list[int]:
        return sorted(pk for pk, s in self.status.items() if s in statuses)

    def _remember(self, record: Record, side: int, status: str = Status.COLLECTED) -> None:
        self.status[record.pk] = status
        self.side_of[record.pk] = side
        self.collector_of[record.pk] = record.collected_by_id
        self.reverses[record.pk] = record.reverses_id

    def _objectable(self) -> list[int]:
        # Objections are taken while the notice runs.
        return [
            pk
            for pk in self._in(Status.IN_NOTICE, Status.DISPUTED)
            if self.notice_ends[pk] > self.now
        ]

    def _reversible(self) -> list[int]:
        live = {
            self.reverses[pk]
            for pk, s in self.status.items()
            if self.reverses[pk] is not None and s not in (Status.REJECTED, Status.CANCELLED)
        }
        return [
            pk for pk in self._in(Status.EFFECTIVE) if self.reverses[pk] is None and pk not in live
        ]

    def _one_village(self, data: Any, pool: list[int], label: str) -> tuple[int, list[int]]:
        side = data.draw(st.sampled_from(sorted({self.side_of[pk] for pk in pool})), label="side")
        mine = [pk for pk in pool if self.side_of[pk] == side]
        chosen = data.draw(
            st.lists(st.sampled_from(mine), min_size=1, max_size=3, unique=True), label=label
        )
        return side, chosen

    # --- steps shared by several rules -------------------------------------------------------

    def _approve(self, ids: list[int], reviewer: Any) -> None:
        if any(self.collector_of[pk] == reviewer.pk for pk in ids):
            with pytest.raises(Forbidden) as refusal:
                do_approve(ids, acting_user=reviewer)
            assert refusal.value.code == "review_own_record"
            return
        do_approve(ids, acting_user=reviewer)
        for pk in ids:
            self.status[pk] = Status.APPROVED

    def _publish(self, side: int, by: Any) -> None:
        village = self.cast.sides[side].village
        waiting = [pk for pk in self._in(Status.APPROVED) if self.side_of[pk] == side]
        if not waiting:
            with pytest.raises(DomainError) as refused:
                do_publish_notice(village, acting_user=by)
            assert refused.value.code == "notice_empty"
            return
        notice = do_publish_notice(village, acting_user=by)
        assert sorted(notice.records.values_list("pk", flat=True)) == waiting
        for pk in waiting:
            self.status[pk] = Status.IN_NOTICE
            self.notice_ends[pk] = notice.ends_at

    def _take_effect(self, days: int, batch: int = 1000, again: bool = False) -> None:
        self.now += datetime.timedelta(days=days)
        due = [pk for pk in self._in(Status.IN_NOTICE) if self.notice_ends[pk] <= self.now]
        assert take_effect_due(now=self.now, batch=batch) == len(due)
        close_finished_notices(self.now)
        for pk in due:
            self.status[pk] = Status.EFFECTIVE
        if again:  # the job runs twice: nothing more happens
            assert take_effect_due(now=self.now, batch=batch) == 0

    def _request_reversal(self, original: int, requester: Any) -> int:
        reversal = do_request_reversal(
            Record.objects.get(pk=original), reason="重复录入，予以更正", acting_user=requester
        )
        assert reversal.reverses_id == original
        assert reversal.points == -Record.objects.get(pk=original).points
        self._remember(reversal, self.side_of[original])
        with pytest.raises(Conflict) as refusal:  # one correction at a time
            do_request_reversal(
                Record.objects.get(pk=original), reason="再更正一次", acting_user=requester
            )
        assert refusal.value.code == "already_reversing"
        return reversal.pk

    def _rule(self, data: Any, *, upheld: bool) -> None:
        # Objections on lines that others object to as well come first: the interesting case.
        per_record: dict[int, int] = {}
        for rec, _o in self.open_objections.values():
            per_record[rec] = per_record.get(rec, 0) + 1
        choices = sorted(
            self.open_objections, key=lambda o: (-per_record[self.open_objections[o][0]], o)
        )
        objection_id = data.draw(st.sampled_from(choices), label="objection")
        record_id, _objector = self.open_objections[objection_id]
        ruler = data.draw(
            st.sampled_from(self.cast.sides[self.side_of[record_id]].committee), label="ruler"
        )
        do_rule_objection(
            Objection.objects.get(pk=objection_id),
            upheld=upheld,
            ruling="经核实属实" if upheld else "有照片为证",
            acting_user=ruler,
        )
        if upheld:
            for pk, (rec, _o) in list(self.open_objections.items()):
                if rec == record_id:
                    del self.open_objections[pk]
            self.status[record_id] = Status.CANCELLED
        else:
            del self.open_objections[objection_id]
            if not any(rec == record_id for rec, _o in self.open_objections.values()):
                self.status[record_id] = Status.IN_NOTICE

    def _settle(self, *, wait: bool = True) -> None:
        """The committee's routine: approve what was collected (each record by a member who did
        not collect it), publish every village's notice, and (``wait``) let the period pass."""
        for side_no, side in enumerate(self.cast.sides):
            waiting = [pk for pk in self._in(Status.COLLECTED) if self.side_of[pk] == side_no]
            for n, member in enumerate(side.committee):
                other = side.committee[1 - n]
                # the first member takes what they did not collect; the second, the rest
                mine = [
                    pk
                    for pk in waiting
                    if self.collector_of[pk] != member.pk
                    and (n == 0 or self.collector_of[pk] == other.pk)
                ]
                if mine:
                    self._approve(mine, member)
            if any(self.side_of[pk] == side_no for pk in self._in(Status.APPROVED)):
                self._publish(side_no, side.committee[0])
        if wait and self._in(Status.IN_NOTICE):
            self._take_effect(self.cast.policy.notice_days + 1)

    # --- rules -------------------------------------------------------------------------------

    @initialize(data=st.data())
    def history(self, data: Any) -> None:
        """Each walk starts from a history of its own: a few records, most of them in effect."""
        for _ in range(data.draw(st.integers(0, 4), label="records in the history")):
            self.collect(data)
        self._settle()

    @precondition(lambda self: self._in(Status.COLLECTED, Status.APPROVED))
    @rule(wait=st.booleans())
    def settle(self, wait: bool) -> None:
        self._settle(wait=wait)

    @rule(data=st.data())
    def collect(self, data: Any) -> None:
        side_no = data.draw(st.integers(0, len(self.cast.sides) - 1), label="side")
        side = self.cast.sides[side_no]
        resident = data.draw(st.sampled_from(side.residents), label="resident")
        item = data.draw(st.sampled_from(self.cast.items), label="item")
        if item.scoring == Scoring.FIXED:
            qty = data.draw(st.sampled_from(["1", "1", "1", "2"]), label="quantity")
        else:
            qty = data.draw(st.sampled_from(["0.5", "1", "2", "3.5", "8"]), label="quantity")
        days_ago = data.draw(st.integers(0, self.cast.policy.entry_window_days - 1), label="ago")
        by = data.draw(st.sampled_from(side.collectors), label="collector")
        kwargs: dict[str, Any] = dict(
            client_id=uuid.uuid4(),
            resident=resident,
            item_code=item.code,
            quantity=Decimal(qty),
            behaviour_date=self.today - datetime.timedelta(days=days_ago),
            note="随机采集",
            photos=[PHOTO] if item.evidence_required else [],
            acting_user=by,
        )
        count = Record.objects.count()
        if item.scoring == Scoring.FIXED and qty != "1":
            with pytest.raises(DomainError) as refused:
                do_collect(**kwargs)
            assert refused.value.code == "quantity_fixed"
            assert Record.objects.count() == count
            return
        try:
            record = do_collect(**kwargs)
        except DomainError as error:
            refusal = error.code  # a monthly cap reached, or too small a quantity for a point
        else:
            refusal = None
        if refusal is not None:
            assert refusal in {"monthly_cap", "quantity_small"}, refusal
            assert Record.objects.count() == count
            return
        assert record.points != 0
        self._remember(record, side_no)
        if data.draw(st.booleans(), label="resend"):  # the phone sends it again
            assert do_collect(**kwargs).pk == record.pk
        assert Record.objects.count() == count + 1

    @precondition(lambda self: self._in(Status.COLLECTED))
    @rule(data=st.data())
    def approve(self, data: Any) -> None:
        side, ids = self._one_village(data, self._in(Status.COLLECTED), "records")
        reviewer = data.draw(st.sampled_from(self.cast.sides[side].committee), label="reviewer")
        self._approve(ids, reviewer)

    @precondition(lambda self: self._in(Status.COLLECTED))
    @rule(data=st.data())
    def reject(self, data: Any) -> None:
        side, ids = self._one_village(data, self._in(Status.COLLECTED), "records")
        reviewer = data.draw(st.sampled_from(self.cast.sides[side].committee), label="reviewer")
        reason = data.draw(st.sampled_from(["照片看不清", "不属实", " "]), label="reason")
        if not reason.strip():
            with pytest.raises(DomainError) as refused:
                do_reject(ids, reason=reason, acting_user=reviewer)
            assert refused.value.code == "reason_required"
            return
        if any(self.collector_of[pk] == reviewer.pk for pk in ids):
            with pytest.raises(Forbidden) as refusal:
                do_reject(ids, reason=reason, acting_user=reviewer)
            assert refusal.value.code == "review_own_record"
            return
        do_reject(ids, reason=reason, acting_user=reviewer)
        for pk in ids:
            self.status[pk] = Status.REJECTED

    @precondition(lambda self: self._in(Status.APPROVED))
    @rule(data=st.data(), by=st.integers(0, 1))
    def publish(self, data: Any, by: int) -> None:
        sides = sorted({self.side_of[pk] for pk in self._in(Status.APPROVED)})
        side = data.draw(st.sampled_from(sides), label="side")
        self._publish(side, self.cast.sides[side].committee[by])

    @precondition(lambda self: self._objectable())
    @rule(data=st.data())
    def object_to_a_line(self, data: Any) -> None:
        record_id = data.draw(st.sampled_from(self._objectable()), label="record")
        villagers = self.cast.sides[self.side_of[record_id]].villagers
        objectors = data.draw(
            st.lists(st.sampled_from(villagers), min_size=1, max_size=2), label="objectors"
        )
        for objector in objectors:
            record = Record.objects.get(pk=record_id)
            if (record_id, objector.pk) in self.objected:
                # One objection per villager and line, open or already ruled on.
                with pytest.raises(Conflict) as refusal:
                    do_object(record, reason="那天他不在村里", acting_user=objector)
                still_open = (record_id, objector.pk) in self.open_objections.values()
                assert refusal.value.code == ("objection_open" if still_open else "objection_ruled")
                continue
            objection = do_object(record, reason="那天他不在村里", acting_user=objector)
            assert objection.status == ObjectionStatus.OPEN
            self.open_objections[objection.pk] = (record_id, objector.pk)
            self.objected.add((record_id, objector.pk))
            self.status[record_id] = Status.DISPUTED

    @precondition(lambda self: self.open_objections)
    @rule(data=st.data())
    def uphold(self, data: Any) -> None:
        self._rule(data, upheld=True)

    @precondition(lambda self: self.open_objections)
    @rule(data=st.data())
    def dismiss(self, data: Any) -> None:
        self._rule(data, upheld=False)

    @precondition(lambda self: self._in(Status.IN_NOTICE))
    @rule(
        days=st.sampled_from([0, 1, 3, 7, 8, 30]),
        batch=st.sampled_from([1, 2, 1000]),
        again=st.booleans(),
    )
    def take_effect(self, days: int, batch: int, again: bool) -> None:
        self._take_effect(days, batch, again)

    @precondition(lambda self: self._reversible())
    @rule(data=st.data())
    def request_reversal(self, data: Any) -> None:
        """Only the request: the correction then meets the other rules like any record."""
        original = data.draw(st.sampled_from(self._reversible()), label="original")
        side = self.cast.sides[self.side_of[original]]
        requester = data.draw(
            st.sampled_from([*side.committee, self.cast.clerk]), label="requester"
        )
        self._request_reversal(original, requester)

    @precondition(lambda self: self._reversible())
    @rule(data=st.data())
    def reverse(self, data: Any) -> None:
        """A correction all the way: request, approval by a second member, notice, effect."""
        original = data.draw(st.sampled_from(self._reversible()), label="original")
        side_no = self.side_of[original]
        first, second = self.cast.sides[side_no].committee
        reversal = self._request_reversal(original, first)
        self._approve([reversal], second)
        self._publish(side_no, second)
        self._take_effect(self.cast.policy.notice_days + 1)
        assert self.status[reversal] == Status.EFFECTIVE

    @precondition(lambda self: self._in(Status.EFFECTIVE))
    @rule(years=st.sampled_from([1, 2, 3, 6]))
    def expire(self, years: int) -> None:
        today = self.today + datetime.timedelta(days=366 * years)
        due = Record.objects.filter(
            status=Status.EFFECTIVE, score_closed_at__isnull=True, expires_on__lte=today
        ).count()
        assert expire_due(today) == due
        assert expire_due(today) == 0

    @precondition(lambda self: CARRYOVER is not None and self._in(Status.EFFECTIVE))
    @rule(
        side=st.integers(0, 1),
        mode=st.sampled_from(["keep", "fraction", "reset"]),
        percent=st.sampled_from([0, 50, 67, 100]),
        unspent_expire=st.booleans(),
        again=st.booleans(),
    )
    def carry_over(
        self, side: int, mode: str, percent: int, unspent_expire: bool, again: bool
    ) -> None:
        """Set the village's carry-over rule, carry over, check every villager's new numbers
        (computed here from the balances before: kept = sign × floor(|points| × percent / 100),
        points past their validity not carried, unspent points expiring if the policy says).

        Never chosen while records/actions/carryover.py does not exist. Period ends go forward
        (20 and 10 days ago, then today); the village's first own policy version may start in
        the past, later versions apply from today, so only the first run or a run on today
        follows the rule drawn here; the expectation reads the policy in force on the day.
        """
        assert CARRYOVER is not None
        village = self.cast.sides[side].village
        clerk = self.cast.clerk
        last = self.carried_to.get(side)
        period_end = next(
            (
                day
                for day in (self.today - datetime.timedelta(days=d) for d in (20, 10, 0))
                if last is None or day > last
            ),
            self.today,
        )
        values = {"carry_over": mode, "carry_over_percent": percent}
        values["unspent_points_expire"] = unspent_expire
        if last is None:
            do_save_policy(
                village, values=values, effective_from=datetime.date(2025, 1, 1), acting_user=clerk
            )
        elif period_end == self.today and period_end != last:
            do_save_policy(
                village, values=values, effective_from=self.today, acting_user=clerk, reason="调整"
            )
        policy = policy_in_force(village, period_end)
        assert policy is not None
        residents = [r.pk for r in self.cast.sides[side].residents]
        before = _numbers(residents)
        # Points past their validity that the expiry job has not posted yet go back in full.
        lapsed: dict[int, int] = dict.fromkeys(residents, 0)
        for resident_id, points in Record.objects.filter(
            village=village,
            status=Status.EFFECTIVE,
            score_closed_at__isnull=True,
            expires_on__lte=self.today,
        ).values_list("resident_id", "points"):
            lapsed[resident_id] += points
        count = Transfer.objects.count()
        result = CARRYOVER.do_carry_over(village, period_end, acting_user=clerk)
        after = _numbers(residents)
        if period_end == last:  # done before: nothing changes
            assert not result.created
            assert (after, Transfer.objects.count()) == (before, count)
            return
        assert result.created
        self.carried_to[side] = period_end
        for pk in residents:
            points = before.get((pk, Currency.SCORE), 0)
            spendable = before.get((pk, Currency.SPENDABLE), 0)
            if policy.carry_over != CarryOver.KEEP:
                points -= lapsed[pk]
            size = abs(points) * policy.carry_over_percent // 100
            kept = {
                CarryOver.KEEP: points,
                CarryOver.RESET: 0,
                CarryOver.FRACTION: size if points >= 0 else -size,
            }[CarryOver(policy.carry_over)]
            if policy.unspent_points_expire and spendable > 0:
                spendable = 0
            assert (after.get((pk, Currency.SCORE), 0), after.get((pk, Currency.SPENDABLE), 0)) == (
                kept,
                spendable,
            ), (policy.carry_over, policy.carry_over_percent, points)
        if again:  # the real run is idempotent
            assert not CARRYOVER.do_carry_over(village, period_end, acting_user=clerk).created
            assert (_numbers(residents), Transfer.objects.count()) == (
                after,
                count + len(result.plan.changed),
            )

    # --- after every step --------------------------------------------------------------------

    @invariant()
    def books_and_records_agree(self) -> None:
        problems = self.books.problems(self.cast.residents)
        db = dict(Record.objects.values_list("pk", "status"))
        if db != self.status:
            problems += [
                f"record {pk}: database says {db.get(pk)}, the rules say {self.status.get(pk)}"
                for pk in sorted(set(db) | set(self.status))
                if db.get(pk) != self.status.get(pk)
            ]
        open_now = set(
            Objection.objects.filter(status=ObjectionStatus.OPEN).values_list("pk", flat=True)
        )
        if open_now != set(self.open_objections):
            problems.append(f"open objections {open_now} != {set(self.open_objections)}")
        assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_random_lifecycles_keep_the_books_and_the_records_in_agreement(
    policy_world: World, settings: Any, tmp_path: Any
) -> None:
    global CAST
    settings.MEDIA_ROOT = str(tmp_path)  # evidence photos of the walk
    CAST = build_cast(policy_world)
    try:
        run_state_machine_as_test(
            RecordLifecycles,
            settings=settings_for_the_walk,
        )
    finally:
        CAST = None


settings_for_the_walk = hypothesis_settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
