"""Carry-over (结转) at the end of a period, as the village's policy says.

A villager's score is the base plus their score points (the balance of their score account);
their spendable points are a separate balance. At a period end, with the policy in force on
that day:

- ``keep``: the score points stay; nothing moves and no record is closed.
- ``fraction``: ``carry_over_percent`` of the score points stay, the rest go back to the
  village's issuance account.
- ``reset``: every score point goes back; the score is the base again.

Rounding (points are integers): the fraction applies to the size of the balance and whole
points are kept, fractions of a point dropped, for rewards and penalties alike:
``kept = sign(p) × floor(|p| × percent / 100)``. So 105 points at 50% keep 52, and −105 points
keep −52: the carried balance never exceeds the policy's share of what was earned or lost.

Points whose validity has already ended (an effective record past its ``expires_on`` that the
expiry job has not posted yet) are not carried: they go back in full, as the job would have
sent them. With ``fraction`` or ``reset`` every effective record of the village whose points
still count is then closed (``score_closed_at``), so the expiry job never posts it again: the
score is exactly base + kept points. Corrections of closed records undo only their spendable
points (``effect.py``), as for expired ones.

If ``unspent_points_expire``: a positive spendable balance goes back to the issuance account
(0 after); a negative one (penalties beyond what was earned) stays, as a debt is not forgiven.

Each resident's movement is one ledger transfer keyed ``carry:<village code>:<period end>:<resident>``;
the run is kept as a ``CarryOverRun``, unique per village and period end: running it again
changes nothing and says so. ``plan_carry_over`` is the dry run: the same computation, read only.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import require
from cunxin.ledger import actions as ledger
from cunxin.ledger.models import POINTS, Account, AccountKind, Currency
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident
from cunxin.policy.models import CarryOver, CreditPolicy
from cunxin.policy.selectors import policy_in_force
from cunxin.records.models import CarryOverRun, Record, Status
from cunxin.records.standing import PolicyCache, grade_text, record_grade_changes
from cunxin.regions.models import Region

CHUNK = 900


def kept_points(points: int, mode: str, percent: int) -> int:
    """The score points a balance keeps (see the module docstring for the rounding)."""
    if mode == CarryOver.KEEP:
        return points
    if mode == CarryOver.RESET:
        return 0
    size = abs(points) * percent // 100
    return size if points >= 0 else -size


@dataclass(frozen=True)
class CarryLine:
    """One resident before and after the carry-over."""

    resident_id: int
    name: str
    score_before: int
    score_after: int
    spendable_before: int
    spendable_after: int
    # Score points whose validity had already ended (returned in full, not carried).
    lapsed_points: int = 0

    @property
    def score_returned(self) -> int:
        return self.score_before - self.score_after

    @property
    def spendable_returned(self) -> int:
        return self.spendable_before - self.spendable_after

    @property
    def changed(self) -> bool:
        return bool(self.score_returned or self.spendable_returned)


@dataclass
class CarryOverPlan:
    """What a carry-over does (a dry run shows exactly this before the real run)."""

    village: Region
    period_end: datetime.date
    policy: CreditPolicy
    lines: list[CarryLine]
    records_to_close: int
    done: CarryOverRun | None = None
    base: int = field(init=False)

    def __post_init__(self) -> None:
        self.base = self.policy.base_score

    @property
    def mode(self) -> str:
        return self.policy.carry_over

    @property
    def mode_label(self) -> str:
        return str(CarryOver(self.policy.carry_over).label)

    @property
    def percent(self) -> int:
        return self.policy.carry_over_percent

    @property
    def closes_records(self) -> bool:
        return self.policy.carry_over != CarryOver.KEEP

    @property
    def changed(self) -> list[CarryLine]:
        return [line for line in self.lines if line.changed]

    @property
    def score_returned(self) -> int:
        return sum(line.score_returned for line in self.lines)

    @property
    def spendable_returned(self) -> int:
        return sum(line.spendable_returned for line in self.lines)


def _policy(village: Region, period_end: datetime.date) -> CreditPolicy:
    policy = policy_in_force(village, period_end)
    if policy is None:
        raise DomainError("no_policy", _("本村在该日期还没有信用管理办法，不能结转。"))
    return policy


def _open_records(village: Region) -> Any:
    # Corrections are left out: they never count in the score themselves (they close the
    # record they correct), so there is nothing of theirs to close.
    return Record.objects.filter(
        village=village,
        status=Status.EFFECTIVE,
        score_closed_at__isnull=True,
        reverses__isnull=True,
    )


def _lapsed(
    records: list[tuple[int, int, int, datetime.date | None]], today: datetime.date
) -> dict[int, int]:
    """Per resident, the points of open records whose validity has already ended."""
    found: dict[int, int] = {}
    for _pk, resident_id, points, expires_on in records:
        if expires_on is not None and expires_on <= today:
            found[resident_id] = found.get(resident_id, 0) + points
    return found


def _compute(
    village: Region,
    period_end: datetime.date,
    policy: CreditPolicy,
    balances: dict[tuple[int, str], int],
    records: list[tuple[int, int, int, datetime.date | None]],
) -> CarryOverPlan:
    today = timezone.localdate()
    lapsed = _lapsed(records, today) if policy.carry_over != CarryOver.KEEP else {}
    resident_ids = sorted({r for r, _c in balances})
    names = dict(
        Resident.objects.filter(pk__in=resident_ids).values_list("pk", "name")
        if len(resident_ids) <= CHUNK
        else Resident.objects.filter(village=village).values_list("pk", "name")
    )
    base = policy.base_score
    lines = []
    for resident_id in resident_ids:
        points = balances.get((resident_id, Currency.SCORE), 0)
        spendable = balances.get((resident_id, Currency.SPENDABLE), 0)
        gone = lapsed.get(resident_id, 0)
        kept = kept_points(points - gone, policy.carry_over, policy.carry_over_percent)
        after_spendable = 0 if policy.unspent_points_expire and spendable > 0 else spendable
        lines.append(
            CarryLine(
                resident_id=resident_id,
                name=names.get(resident_id, ""),
                score_before=base + points,
                score_after=base + kept,
                spendable_before=spendable,
                spendable_after=after_spendable,
                lapsed_points=gone,
            )
        )
    lines.sort(key=lambda line: (not line.changed, line.name, line.resident_id))
    return CarryOverPlan(
        village=village,
        period_end=period_end,
        policy=policy,
        lines=lines,
        records_to_close=len(records) if policy.carry_over != CarryOver.KEEP else 0,
    )


def _balances(accounts: list[Account]) -> dict[tuple[int, str], int]:
    return {(a.resident_id, a.currency): a.balance for a in accounts if a.resident_id is not None}


def _record_rows(queryset: Any) -> list[tuple[int, int, int, datetime.date | None]]:
    return list(queryset.values_list("pk", "resident_id", "points", "expires_on").order_by("pk"))


def plan_carry_over(village: Region, period_end: datetime.date) -> CarryOverPlan:
    """The dry run: per resident, score and spendable points before and after (nothing written).

    The caller checks the user may see the village (``Perm.CARRY_OVER``).
    """
    policy = _policy(village, period_end)
    accounts = list(
        Account.objects.filter(kind=AccountKind.RESIDENT, village=village, currency__in=POINTS)
    )
    plan = _compute(
        village, period_end, policy, _balances(accounts), _record_rows(_open_records(village))
    )
    plan.done = CarryOverRun.objects.filter(village=village, period_end=period_end).first()
    return plan


@dataclass(frozen=True)
class CarryOverResult:
    """The run, whether this call made it (False: it had been done before), and the plan."""

    run: CarryOverRun
    created: bool
    plan: CarryOverPlan | None


def carry_key(village: Region, period_end: datetime.date, resident_id: int) -> str:
    return f"carry:{village.code}:{period_end.isoformat()}:{resident_id}"


@transaction.atomic
def do_carry_over(
    village: Region, period_end: datetime.date, *, acting_user: Any
) -> CarryOverResult:
    """Carry the village's points over at the period end, as its policy says (idempotent)."""
    require(acting_user, Perm.CARRY_OVER, village.code)
    if period_end > timezone.localdate():
        raise DomainError("period_end_future", _("结转截止日不能晚于今天。"), field="period_end")
    # One carry-over of a village at a time; the run row is then the idempotency record.
    village = Region.objects.select_for_update().get(pk=village.pk)
    done = CarryOverRun.objects.filter(village=village, period_end=period_end).first()
    if done is not None:
        return CarryOverResult(run=done, created=False, plan=None)
    later = CarryOverRun.objects.filter(village=village, period_end__gt=period_end).first()
    if later is not None:
        raise Conflict(
            "carry_over_order",
            _("本村已结转到%s，不能再结转更早的期间。") % later.period_end.isoformat(),
            field="period_end",
        )
    policy = _policy(village, period_end)
    closes = policy.carry_over != CarryOver.KEEP
    # Locks in the order the effect and expiry jobs take them (records, then accounts), so
    # neither can deadlock with a carry-over.
    records: list[tuple[int, int, int, datetime.date | None]] = []
    if closes:
        records = _record_rows(_open_records(village).select_for_update(of=("self",)))
    accounts = list(
        Account.objects.select_for_update()
        .filter(kind=AccountKind.RESIDENT, village=village, currency__in=POINTS)
        .order_by("pk")
    )
    if closes and _open_records(village).count() != len(records):
        # A record took effect between the two locks (the locked ones cannot leave the set):
        # its points are in the balance but it would not be closed. Nothing is written;
        # running again picks it up.
        raise Conflict("carry_over_busy", _("有记录刚刚生效，请再执行一次结转。"))
    plan = _compute(village, period_end, policy, _balances(accounts), records)
    by_resident = {(a.resident_id, a.currency): a for a in accounts}
    issuance = ledger.issuance_accounts([village.pk])
    specs = []
    for line in plan.changed:
        legs: list[tuple[int, int]] = []
        for currency, amount in (
            (Currency.SCORE, line.score_returned),
            (Currency.SPENDABLE, line.spendable_returned),
        ):
            if amount:
                legs.append((by_resident[(line.resident_id, currency)].pk, -amount))
                legs.append((issuance[(village.pk, currency)].pk, amount))
        specs.append(
            ledger.TransferSpec(
                key=carry_key(village, period_end, line.resident_id),
                kind="carry_over",
                village_id=village.pk,
                legs=tuple(legs),
                memo=f"carry-over {period_end.isoformat()} {policy.carry_over}",
            )
        )
    transfers = ledger.post_many(specs)
    now = timezone.now()
    ids = [r[0] for r in records]
    for i in range(0, len(ids), CHUNK):
        Record.objects.filter(pk__in=ids[i : i + CHUNK]).update(score_closed_at=now)
    changes = record_grade_changes(
        (
            (
                line.resident_id,
                village.pk,
                line.score_before - plan.base,
                line.score_after - plan.base,
                _("%s 结转") % period_end.isoformat(),
                transfer.pk,
            )
            for line, transfer in zip(plan.changed, transfers, strict=True)
            if line.score_returned
        ),
        PolicyCache(period_end),
    )
    run = CarryOverRun.objects.create(
        village=village,
        period_end=period_end,
        policy=policy,
        mode=policy.carry_over,
        percent=policy.carry_over_percent,
        spendable_expired=policy.unspent_points_expire,
        residents_changed=len(plan.changed),
        score_returned=plan.score_returned,
        spendable_returned=plan.spendable_returned,
        records_closed=len(ids),
        run_by=acting_user,
    )
    audit.record(
        acting_user,
        "records.carry_over",
        run,
        region_code=village.code,
        after={
            "period_end": period_end,
            "mode": policy.carry_over,
            "percent": policy.carry_over_percent,
            "unspent_points_expire": policy.unspent_points_expire,
            "residents_changed": run.residents_changed,
            "score_returned": run.score_returned,
            "spendable_returned": run.spendable_returned,
            "records_closed": run.records_closed,
        },
    )
    notes = [
        Note(
            kind="carried_over",
            resident_id=line.resident_id,
            text=_("%(day)s 积分结转：信用分 %(s1)d → %(s2)d，可用积分 %(p1)d → %(p2)d。")
            % {
                "day": period_end.isoformat(),
                "s1": line.score_before,
                "s2": line.score_after,
                "p1": line.spendable_before,
                "p2": line.spendable_after,
            },
            link=reverse("people:statement"),
        )
        for line in plan.changed
    ]
    notes += [
        Note(
            kind="grade_changed",
            resident_id=c.resident_id,
            text=grade_text(c),
            link=reverse("people:statement"),
        )
        for c in changes
    ]
    notify(notes)
    return CarryOverResult(run=run, created=True, plan=plan)
