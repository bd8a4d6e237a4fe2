"""How many points a behaviour is worth: the policy and item of its day, caps and repeats."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Q, Sum
from django.db.models.functions import Abs
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.core.errors import DomainError
from cunxin.people.actions import age_on
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.models import CatalogueItem, CreditPolicy, Direction, Scoring
from cunxin.policy.selectors import item_in_force, policy_in_force
from cunxin.records.models import Record, Status

# Records whose points count toward a monthly cap or a repeat: everything not refused.
PENDING_OR_COUNTED = (
    Status.COLLECTED,
    Status.APPROVED,
    Status.IN_NOTICE,
    Status.DISPUTED,
    Status.EFFECTIVE,
)


@dataclass(frozen=True)
class Score:
    """Points of one record, signed, with the reasons they differ from the item's face value."""

    points: int
    base_points: int
    note: str
    policy: CreditPolicy
    item: CatalogueItem


def rules_for(
    resident: Resident, item_code: str, day: datetime.date
) -> tuple[CreditPolicy, CatalogueItem]:
    """The policy and the item version in force on the day of the behaviour."""
    policy = policy_in_force(resident.village, day)
    if policy is None:
        raise DomainError("no_policy", _("本村在该日期还没有信用管理办法，不能计分。"))
    item = item_in_force(resident.village, item_code.strip().upper(), day)
    if item is None or not item.active:
        raise DomainError(
            "item_unknown", _("行为“%s”在该日期不在本村的行为目录中。") % item_code, field="item"
        )
    return policy, item


def check_behaviour(
    resident: Resident, policy: CreditPolicy, day: datetime.date, today: datetime.date | None
) -> None:
    """The person can be scored for a behaviour on that day (and, at entry, entered today)."""
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError(
            "resident_inactive", _("%s 已不在册，不能计分。") % resident.name, field="resident"
        )
    if age_on(resident.birth_date, day) < policy.min_age:
        raise DomainError(
            "resident_too_young",
            _("%(name)s 未满%(age)d周岁，不参与评分。")
            % {"name": resident.name, "age": policy.min_age},
            field="resident",
        )
    if today is None:
        return
    if day > today:
        raise DomainError("date_future", _("行为日期不能晚于今天。"), field="behaviour_date")
    if (today - day).days > policy.entry_window_days:
        raise DomainError(
            "date_too_old",
            _("行为发生在%(n)d天前，超过了录入期限（%(limit)d天）。")
            % {"n": (today - day).days, "limit": policy.entry_window_days},
            field="behaviour_date",
        )


def score(
    resident: Resident,
    item_code: str,
    quantity: Decimal,
    day: datetime.date,
    *,
    exclude_record: int | None = None,
    counted_statuses: tuple[str, ...] = PENDING_OR_COUNTED,
    also_count: frozenset[int] = frozenset(),
    at_entry: bool = True,
) -> Score:
    """The signed points of a behaviour: face value × quantity, capped per month, doubled when a
    penalty repeats inside its validity window (where the policy says so)."""
    policy, item = rules_for(resident, item_code, day)
    # The entry window and "not in the future" are checked when a record is entered, not again
    # when the committee reviews it days later.
    check_behaviour(resident, policy, day, timezone.localdate() if at_entry else None)
    if quantity <= 0:
        raise DomainError("quantity", _("数量必须大于0。"), field="quantity")
    if item.scoring == Scoring.FIXED:
        if quantity != 1:
            raise DomainError(
                "quantity_fixed", _("“%s”按次计分，数量应为1。") % item.name, field="quantity"
            )
        base = item.points
    else:
        base = int((Decimal(item.points) * quantity).to_integral_value(rounding=ROUND_DOWN))
        if base < 1:
            raise DomainError("quantity_small", _("数量太少，不足1分。"), field="quantity")
    notes: list[str] = []
    same_item = Record.objects.filter(
        Q(status__in=counted_statuses) | Q(pk__in=also_count),
        resident=resident,
        item__code=item.code,
        reverses__isnull=True,
    ).exclude(reversals__status=Status.EFFECTIVE)
    if exclude_record is not None:
        same_item = same_item.exclude(pk=exclude_record)
    points = base
    if item.direction == Direction.PENALTY and policy.repeat_penalty_doubles:
        window_start = _years_before(day, item.validity_years or 1)
        if same_item.filter(behaviour_date__gte=window_start, behaviour_date__lte=day).exists():
            points *= 2
            notes.append(_("有效期内重复发生，扣分加倍"))
    if item.monthly_cap:
        month = same_item.filter(behaviour_date__year=day.year, behaviour_date__month=day.month)
        used = month.aggregate(total=Sum(Abs("points")))["total"] or 0
        room = max(item.monthly_cap - used, 0)
        if room == 0:
            raise DomainError(
                "monthly_cap",
                _("%(name)s 本月“%(item)s”已计%(used)d分，达到每月上限%(cap)d分。")
                % {"name": resident.name, "item": item.name, "used": used, "cap": item.monthly_cap},
                field="quantity",
            )
        if points > room:
            notes.append(
                _("本月已计%(used)d分，每月上限%(cap)d分，本次计%(room)d分")
                % {"used": used, "cap": item.monthly_cap, "room": room}
            )
            points = room
    signed = points if item.direction == Direction.REWARD else -points
    return Score(points=signed, base_points=base, note="；".join(notes), policy=policy, item=item)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def expiry_date(item: CatalogueItem, day: datetime.date) -> datetime.date | None:
    """The day an item's points stop counting (None: they count until carry-over)."""
    if not item.validity_years:
        return None
    try:
        return day.replace(year=day.year + item.validity_years)
    except ValueError:
        return day.replace(year=day.year + item.validity_years, day=28)
