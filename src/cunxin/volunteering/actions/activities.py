"""Activities: create and edit (with their positions), publish, cancel.

Everyone signed up (or waiting) is told when a published activity changes or is cancelled.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.scoping import may, require
from cunxin.notifications.actions import Note, notify
from cunxin.regions.models import Region
from cunxin.volunteering import workflow
from cunxin.volunteering.actions.signups import lock, promote_waiting
from cunxin.volunteering.hourly import hourly_items
from cunxin.volunteering.models import (
    LIVE_SIGN_UPS,
    Activity,
    ActivityStatus,
    Position,
    SignUp,
    SignUpStatus,
    Team,
)
from cunxin.volunteering.workflow import ACTIVITIES

TITLE_MAX = 80
PLACE_MAX = 120
DESCRIPTION_MAX = 2000
POSITION_NAME_MAX = 40
QUOTA_MAX = 999
POSITIONS_MAX = 20
# An activity is one stretch of work: its hours become one record dated on its day.
LONGEST = datetime.timedelta(hours=24)
HALF = Decimal("0.5")


@dataclass(frozen=True)
class PositionData:
    """A position as the organiser typed it; ``id`` names an existing one being edited."""

    name: str
    quota: int | str
    planned_hours: Decimal | int | str
    id: int | None = None


@dataclass(frozen=True)
class ActivityData:
    """What an organiser fills in for an activity."""

    region: Region
    title: str
    place: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    sign_up_deadline: datetime.datetime
    item_code: str
    positions: Sequence[PositionData]
    description: str = ""
    team: Team | None = None


@dataclass(frozen=True)
class _Position:
    name: str
    quota: int
    planned_hours: Decimal
    id: int | None


def _text(value: str, limit: int, field: str, label: str, *, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise DomainError(f"{field}_required", _("请填写%s。") % label, field=field)
    if len(value) > limit:
        raise DomainError(
            f"{field}_too_long",
            _("%(label)s不超过%(n)d个字。") % {"label": label, "n": limit},
            field=field,
        )
    return value


def _quota(raw: int | str, name: str) -> int:
    try:
        quota = int(str(raw).strip())
    except ValueError:
        raise DomainError(
            "quota_invalid", _("岗位“%s”的人数应为整数。") % name, field="positions"
        ) from None
    if not 1 <= quota <= QUOTA_MAX:
        raise DomainError(
            "quota_invalid",
            _("岗位“%(name)s”的人数应在1到%(max)d之间。") % {"name": name, "max": QUOTA_MAX},
            field="positions",
        )
    return quota


def _hours(raw: Decimal | int | str, name: str, longest: Decimal) -> Decimal:
    try:
        hours = Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(
            "hours_invalid", _("岗位“%s”的计划工时应为数字。") % name, field="positions"
        ) from None
    if hours <= 0 or hours % HALF != 0:
        raise DomainError(
            "hours_invalid",
            _("岗位“%s”的计划工时应大于0，以半小时为单位（如 4 或 2.5）。") % name,
            field="positions",
        )
    if hours > longest:
        raise DomainError(
            "hours_too_long",
            _("岗位“%(name)s”的计划工时（%(hours)s小时）超过了活动时长（%(longest)s小时）。")
            % {"name": name, "hours": hours.normalize(), "longest": longest.normalize()},
            field="positions",
        )
    return hours


def _positions(rows: Sequence[PositionData], longest: Decimal) -> list[_Position]:
    cleaned: list[_Position] = []
    for row in rows:
        name = " ".join(row.name.split())
        if not name and row.id is None:
            continue  # a blank row of the form
        if not name:
            raise DomainError("position_name", _("请填写岗位名称。"), field="positions")
        if len(name) > POSITION_NAME_MAX:
            raise DomainError(
                "position_name",
                _("岗位名称不超过%d个字。") % POSITION_NAME_MAX,
                field="positions",
            )
        if any(p.name == name for p in cleaned):
            raise DomainError("position_repeated", _("岗位“%s”重复了。") % name, field="positions")
        cleaned.append(
            _Position(
                name, _quota(row.quota, name), _hours(row.planned_hours, name, longest), row.id
            )
        )
    if not cleaned:
        raise DomainError("positions_required", _("请至少设置一个岗位。"), field="positions")
    if len(cleaned) > POSITIONS_MAX:
        raise DomainError(
            "positions_too_many", _("岗位最多%d个。") % POSITIONS_MAX, field="positions"
        )
    return cleaned


def _check(data: ActivityData, acting_user: Any) -> tuple[dict[str, Any], list[_Position]]:
    """Everything the organiser typed, checked; the activity's fields and its positions."""
    region = data.region
    require(acting_user, Perm.MANAGE_ACTIVITIES, region.code)
    if not (region.is_village or region.is_town):
        raise DomainError("region_level", _("活动须由一个村或一个镇（街道）组织。"), field="region")
    values: dict[str, Any] = {
        "region": region,
        "title": _text(data.title, TITLE_MAX, "title", _("活动名称")),
        "place": _text(data.place, PLACE_MAX, "place", _("地点")),
        "description": _text(
            data.description, DESCRIPTION_MAX, "description", _("活动内容"), required=False
        ),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "sign_up_deadline": data.sign_up_deadline,
        "team": data.team,
    }
    if data.ends_at <= data.starts_at:
        raise DomainError("ends_before_start", _("结束时间应晚于开始时间。"), field="ends_at")
    if data.ends_at - data.starts_at > LONGEST:
        raise DomainError(
            "too_long", _("一次活动不超过24小时；多日活动请分次发布。"), field="ends_at"
        )
    if data.sign_up_deadline > data.starts_at:
        raise DomainError(
            "deadline_after_start",
            _("报名截止时间不能晚于活动开始时间。"),
            field="sign_up_deadline",
        )
    team = data.team
    if team is not None and (not team.active or not team.village.code.startswith(region.prefix)):
        raise DomainError("team_elsewhere", _("所选志愿服务队不属于组织单位。"), field="team")
    day = timezone.localtime(data.starts_at).date()
    code = data.item_code.strip().upper()
    if code not in {i.code for i in hourly_items(region, day)}:
        raise DomainError(
            "item_not_hourly",
            _("“%s”不是按小时计分的加分行为，不能用于志愿服务工时。") % (code or "—"),
            field="item_code",
        )
    values["item_code"] = code
    seconds = Decimal((data.ends_at - data.starts_at).total_seconds())
    return values, _positions(data.positions, seconds / 3600)


def _live_counts(activity: Activity) -> dict[int, dict[str, int]]:
    """For each position: how many hold a place and how many wait."""
    rows = (
        SignUp.objects.filter(activity=activity, status__in=LIVE_SIGN_UPS)
        .values("position_id")
        .annotate(
            taken=Count("pk", filter=Q(status=SignUpStatus.SIGNED_UP)),
            waiting=Count("pk", filter=Q(status=SignUpStatus.WAITLISTED)),
        )
    )
    return {r["position_id"]: {"taken": r["taken"], "waiting": r["waiting"]} for r in rows}


@transaction.atomic
def do_create_activity(data: ActivityData, *, acting_user: Any) -> Activity:
    """Draft an activity with its positions; nobody sees it until it is published."""
    values, positions = _check(data, acting_user)
    activity = Activity(created_by=acting_user, **values)
    ACTIVITIES.apply(activity, ActivityStatus.DRAFT, actor=acting_user)
    for order, p in enumerate(positions):
        Position.objects.create(
            activity=activity,
            name=p.name,
            quota=p.quota,
            planned_hours=p.planned_hours,
            order=order,
        )
    audit.record(
        acting_user,
        "volunteering.create_activity",
        activity,
        region_code=activity.region.code,
        after={
            **audit.snapshot(activity),
            "positions": [[p.name, p.quota, p.planned_hours] for p in positions],
        },
    )
    return activity


def _tell_everyone(activity: Activity, kind: str, text: str) -> None:
    """A message for everyone signed up or waiting."""
    link = reverse("volunteering:activity", args=[activity.pk])
    residents = SignUp.objects.filter(activity=activity, status__in=LIVE_SIGN_UPS).values_list(
        "resident_id", flat=True
    )
    notify(Note(kind=kind, resident_id=r, text=text, link=link) for r in residents)


def may_edit_activity(user: Any, activity: Activity) -> bool:
    """Whether the user may change the activity: an organiser of its region, while it is open."""
    return activity.status in workflow.OPEN and may(
        user, Perm.MANAGE_ACTIVITIES, region=activity.region.code
    )


@transaction.atomic
def do_edit_activity(activity: Activity, data: ActivityData, *, acting_user: Any) -> Activity:
    """Change a draft or published activity and its positions; once published, everyone
    signed up or waiting is told. A position keeps the people it has: its quota cannot drop
    below them, and a position with people cannot be removed."""
    activity = lock(activity)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    workflow.check_open(activity)
    values, positions = _check(data, acting_user)
    if activity.status != ActivityStatus.DRAFT and values["region"].pk != activity.region_id:
        raise Conflict("region_fixed", _("活动发布后不能更改组织单位。"), field="region")
    before = audit.snapshot(activity)
    before_positions = [
        [p.name, p.quota, p.planned_hours] for p in activity.positions.order_by("order", "pk")
    ]
    existing = {p.pk: p for p in activity.positions.all()}
    counts = _live_counts(activity)
    kept = {p.id for p in positions if p.id is not None}
    unknown = kept - set(existing)
    if unknown:
        raise DomainError("position_unknown", _("岗位已被删除，请刷新页面。"), field="positions")
    for pk, position in existing.items():
        if pk not in kept and counts.get(pk):
            raise Conflict(
                "position_has_people",
                _("岗位“%s”已有人报名，不能删除；可以把他们调到其他岗位后再删除。") % position.name,
                field="positions",
            )
    for p in positions:
        taken = counts.get(p.id or 0, {}).get("taken", 0)
        if p.quota < taken:
            raise Conflict(
                "quota_below_taken",
                _("岗位“%(name)s”已有%(n)d人报名，人数不能少于%(n)d。")
                % {"name": p.name, "n": taken},
                field="positions",
            )
    for field, value in values.items():
        setattr(activity, field, value)
    activity.save()
    # Removed first, then renamed, so two positions may swap names.
    Position.objects.filter(pk__in=set(existing) - kept).delete()
    for p in positions:
        if p.id is not None and existing[p.id].name != p.name:
            existing[p.id].name = uuid.uuid4().hex  # a placeholder no typed name clashes with
            existing[p.id].save(update_fields=["name"])
    grown: list[Position] = []
    for order, p in enumerate(positions):
        if p.id is None:
            Position.objects.create(
                activity=activity,
                name=p.name,
                quota=p.quota,
                planned_hours=p.planned_hours,
                order=order,
            )
            continue
        position = existing[p.id]
        if p.quota > position.quota:
            grown.append(position)
        position.name, position.quota, position.planned_hours, position.order = (
            p.name,
            p.quota,
            p.planned_hours,
            order,
        )
        position.save(update_fields=["name", "quota", "planned_hours", "order"])
    after_positions = [[p.name, p.quota, p.planned_hours] for p in positions]
    old, new = audit.changed(before, audit.snapshot(activity))
    if before_positions != after_positions:
        old["positions"], new["positions"] = before_positions, after_positions
    audit.record(
        acting_user,
        "volunteering.edit_activity",
        activity,
        region_code=activity.region.code,
        before=old,
        after=new,
    )
    for position in grown:
        promote_waiting(activity, position, acting_user)
    if activity.status == ActivityStatus.PUBLISHED and new:
        _tell_everyone(
            activity,
            "activity_changed",
            _("您报名的活动“%(title)s”有变动：%(when)s，%(place)s。请查看详情。")
            % {"title": activity.title, "when": activity.when, "place": activity.place},
        )
    return activity


def may_publish_activity(user: Any, activity: Activity) -> bool:
    """Whether the user may open the drafted activity for sign-up now."""
    return ACTIVITIES.may(user, activity, ActivityStatus.PUBLISHED)


def may_cancel_activity(user: Any, activity: Activity) -> bool:
    """Whether the user may call the activity off (it is not over yet)."""
    return ACTIVITIES.may(user, activity, ActivityStatus.CANCELLED)


@transaction.atomic
def do_publish_activity(activity: Activity, *, acting_user: Any) -> Activity:
    """Open a drafted activity for sign-up."""
    activity = lock(activity)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    activity.published_at = timezone.now()
    ACTIVITIES.apply(
        activity,
        ActivityStatus.PUBLISHED,
        actor=acting_user,
        fields=["published_at", "updated_at"],
    )
    audit.record(
        acting_user,
        "volunteering.publish_activity",
        activity,
        region_code=activity.region.code,
        after={"status": activity.status},
    )
    return activity


@transaction.atomic
def do_cancel_activity(activity: Activity, *, reason: str, acting_user: Any) -> Activity:
    """Call an activity off, with a reason everyone signed up or waiting is told."""
    reason = ACTIVITIES.clean_reason(reason, to=ActivityStatus.CANCELLED)
    activity = lock(activity)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    ACTIVITIES.check(activity, ActivityStatus.CANCELLED, actor=acting_user)
    if SignUp.objects.filter(activity=activity, check_in_at__isnull=False).exists():
        raise Conflict(
            "already_attended",
            _("已有人签到，活动不能取消；请在活动结束后点“结束活动”。"),
        )
    activity.cancelled_at = timezone.now()
    activity.cancel_reason = reason
    ACTIVITIES.apply(
        activity,
        ActivityStatus.CANCELLED,
        actor=acting_user,
        reason=reason,
        fields=["cancelled_at", "cancel_reason", "updated_at"],
    )
    audit.record(
        acting_user,
        "volunteering.cancel_activity",
        activity,
        region_code=activity.region.code,
        after={"status": activity.status},
        reason=reason,
    )
    _tell_everyone(
        activity,
        "activity_cancelled",
        _("您报名的活动“%(title)s”（%(when)s）已取消：%(reason)s")
        % {"title": activity.title, "when": activity.when, "reason": reason},
    )
    return activity
