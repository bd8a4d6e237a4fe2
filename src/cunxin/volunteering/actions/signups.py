"""Sign-up: a villager signs up (or a collector for one without a phone); a full position puts
them on its waiting list; a withdrawal moves the first waiting person up; the organiser moves
people between positions.

Every change locks the activity row first, so two people taking the last place at once end up
one signed up and one waiting, never both signed up.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may, require
from cunxin.core.workflow import passes
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident, ResidentStatus
from cunxin.volunteering import workflow
from cunxin.volunteering.models import (
    LIVE_SIGN_UPS,
    Activity,
    ActivityStatus,
    Position,
    SignUp,
    SignUpStatus,
)


def lock(activity: Activity) -> Activity:
    """The activity, locked: its sign-ups, positions and status change one at a time."""
    locked: Activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("region", "team")
        .get(pk=activity.pk)
    )
    return locked


def open_to(activity: Activity, resident: Resident) -> bool:
    """A village's activity is open to its villagers; a town's to the villagers of its villages."""
    code = resident.village.code
    return activity.region.code == code or (
        activity.region.is_town and code.startswith(activity.region.prefix)
    )


def check_acts_for(user: Any, permission: str, resident: Resident) -> None:
    """The user may act for this villager: a villager for themselves, staff in their village."""
    if not may(user, permission, region=resident.village.code, resident=resident.pk):
        raise Forbidden("forbidden", _("您没有权限为%s办理。") % resident.name)


def _link(activity: Activity) -> str:
    return reverse("volunteering:activity", args=[activity.pk])


def _taken(position: Position) -> int:
    return SignUp.objects.filter(position=position, status=SignUpStatus.SIGNED_UP).count()


def waiting_rank(sign_up: SignUp) -> int:
    """Where a waiting villager stands in their position's queue (1 = next)."""
    return (
        SignUp.objects.filter(
            position_id=sign_up.position_id,
            status=SignUpStatus.WAITLISTED,
            queued_at__lte=sign_up.queued_at,
        )
        .exclude(queued_at=sign_up.queued_at, pk__gt=sign_up.pk)
        .count()
    )


def promote_waiting(
    activity: Activity, position: Position, acting_user: Any = None
) -> list[SignUp]:
    """Give a position's free places to its waiting list, first come first served; each person
    moved up is told. The caller holds the activity's lock."""
    free = position.quota - _taken(position)
    if free <= 0:
        return []
    moved = list(
        SignUp.objects.filter(position=position, status=SignUpStatus.WAITLISTED)
        .select_related("resident")
        .order_by("queued_at", "pk")[:free]
    )
    for sign_up in moved:
        sign_up.status = SignUpStatus.SIGNED_UP
        sign_up.save(update_fields=["status"])
        audit.record(
            acting_user,
            "volunteering.promote",
            sign_up,
            region_code=sign_up.resident.village.code,
            before={"status": SignUpStatus.WAITLISTED},
            after={"status": SignUpStatus.SIGNED_UP, "position": position.pk},
        )
    notify(
        Note(
            kind="sign_up_promoted",
            resident_id=s.resident_id,
            text=_("候补成功：您已转为活动“%(title)s”（%(position)s）的正式报名人员。")
            % {"title": activity.title, "position": position.name},
            link=_link(activity),
        )
        for s in moved
    )
    return moved


def _choose_position(activity: Activity, position: Position | None) -> Position:
    positions = list(activity.positions.order_by("order", "pk"))
    if position is not None:
        if position.activity_id != activity.pk:
            raise DomainError("position_unknown", _("请选择本活动的岗位。"), field="position")
        return position
    if not positions:
        raise DomainError("positions_required", _("活动还没有岗位。"), field="position")
    # Without a choice: the first position with a free place, else the first one's queue.
    return next((p for p in positions if _taken(p) < p.quota), positions[0])


def check_sign_up(user: Any, activity: Activity, resident: Resident) -> None:
    """Refuse a sign-up unless the user acts for the villager, the activity is published and
    open to their village, they are on the roll, the deadline (which an organiser may pass)
    has not passed, and they are not signed up already."""
    check_acts_for(user, Perm.SIGN_UP, resident)
    if activity.status == ActivityStatus.DRAFT:
        raise Conflict("not_published", _("活动尚未发布，还不能报名。"))
    workflow.check_open(activity)
    if not open_to(activity, resident):
        raise Forbidden(
            "other_village",
            _("本活动只面向%s的村民。") % activity.region.name,
        )
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("resident_inactive", _("%s 已不在册。") % resident.name)
    organiser = may(user, Perm.MANAGE_ACTIVITIES, region=activity.region.code)
    if timezone.now() > activity.sign_up_deadline and not organiser:
        raise DomainError(
            "deadline_passed",
            _("报名已于%s截止。")
            % timezone.localtime(activity.sign_up_deadline).strftime("%Y-%m-%d %H:%M"),
        )
    if SignUp.objects.filter(
        activity=activity, resident=resident, status__in=LIVE_SIGN_UPS
    ).exists():
        raise Conflict("already_signed_up", _("%s 已报名本活动。") % resident.name)


def may_sign_up(user: Any, activity: Activity, resident: Resident) -> bool:
    """Whether the user may sign the villager up for the activity now."""
    return passes(check_sign_up, user, activity, resident)


@transaction.atomic
def do_sign_up(
    activity: Activity,
    resident: Resident,
    *,
    position: Position | None = None,
    acting_user: Any,
) -> SignUp:
    """Sign a villager up for a position; when it is full they join its waiting list.

    A villager signs up themselves, a collector or the committee signs up a villager of their
    village. The sign-up deadline holds for them; the organiser may still add someone after it.
    """
    activity = lock(activity)
    check_sign_up(acting_user, activity, resident)
    now = timezone.now()
    chosen = _choose_position(activity, position)
    status = SignUpStatus.SIGNED_UP if _taken(chosen) < chosen.quota else SignUpStatus.WAITLISTED
    sign_up = SignUp.objects.create(
        activity=activity,
        position=chosen,
        resident=resident,
        status=status,
        signed_up_by=acting_user,
        queued_at=now,
    )
    audit.record(
        acting_user,
        "volunteering.sign_up",
        sign_up,
        region_code=resident.village.code,
        after={"activity": activity.pk, "position": chosen.pk, "status": status},
    )
    if status == SignUpStatus.SIGNED_UP:
        text = _("您已报名活动“%(title)s”（%(position)s），%(when)s，%(place)s。")
    else:
        text = _(
            "活动“%(title)s”的岗位“%(position)s”已满，您在候补名单第%(rank)d位；有人退出时会通知您。"
        )
    notify(
        [
            Note(
                kind="sign_up",
                resident_id=resident.pk,
                text=text
                % {
                    "title": activity.title,
                    "position": chosen.name,
                    "when": activity.when,
                    "place": activity.place,
                    "rank": waiting_rank(sign_up) if status == SignUpStatus.WAITLISTED else 0,
                },
                link=_link(activity),
            )
        ]
    )
    return sign_up


def _lock_sign_up(sign_up: SignUp) -> tuple[Activity, SignUp]:
    activity = lock(sign_up.activity)
    locked: SignUp = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("resident", "resident__village", "position")
        .get(pk=sign_up.pk)
    )
    return activity, locked


def check_withdraw(user: Any, activity: Activity, sign_up: SignUp) -> None:
    """Refuse to take a sign-up back unless the user acts for the villager, the activity is
    still open and has not started, and they have not checked in or withdrawn already."""
    check_acts_for(user, Perm.SIGN_UP, sign_up.resident)
    workflow.check_open(activity)
    if sign_up.status == SignUpStatus.WITHDRAWN:
        raise Conflict("already_withdrawn", _("已经退出了本活动。"))
    if sign_up.check_in_at is not None:
        raise Conflict("already_checked_in", _("已签到，不能退出。"))
    if timezone.now() >= activity.starts_at:
        raise DomainError("activity_started", _("活动已开始，不能再退出；请联系组织者。"))


def may_withdraw(user: Any, activity: Activity, sign_up: SignUp) -> bool:
    """Whether the user may take the sign-up back now."""
    return passes(check_withdraw, user, activity, sign_up)


@transaction.atomic
def do_withdraw(sign_up: SignUp, *, acting_user: Any) -> SignUp:
    """Take back a sign-up before the activity starts; the place goes to the first waiting."""
    activity, sign_up = _lock_sign_up(sign_up)
    check_withdraw(acting_user, activity, sign_up)
    held_place = sign_up.status == SignUpStatus.SIGNED_UP
    before = sign_up.status
    sign_up.status = SignUpStatus.WITHDRAWN
    sign_up.withdrawn_at = timezone.now()
    sign_up.save(update_fields=["status", "withdrawn_at"])
    audit.record(
        acting_user,
        "volunteering.withdraw",
        sign_up,
        region_code=sign_up.resident.village.code,
        before={"status": before},
        after={"status": sign_up.status},
    )
    if held_place:
        promote_waiting(activity, sign_up.position, acting_user)
    return sign_up


@transaction.atomic
def do_move_sign_up(sign_up: SignUp, position: Position, *, acting_user: Any) -> SignUp:
    """The organiser assigns a villager to another position (or from a waiting list to a free
    place); the place left behind goes to the first waiting there."""
    activity, sign_up = _lock_sign_up(sign_up)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    workflow.check_open(activity)
    if position.activity_id != activity.pk:
        raise DomainError("position_unknown", _("请选择本活动的岗位。"), field="position")
    if sign_up.status == SignUpStatus.WITHDRAWN:
        raise Conflict("already_withdrawn", _("%s 已退出本活动。") % sign_up.resident.name)
    old = sign_up.position
    room = _taken(position) < position.quota
    if old.pk == position.pk and (sign_up.status == SignUpStatus.SIGNED_UP or not room):
        raise Conflict("same_position", _("%s 已在这个岗位上。") % sign_up.resident.name)
    if not room and sign_up.status == SignUpStatus.SIGNED_UP:
        raise Conflict(
            "position_full",
            _("岗位“%s”已满；可先增加该岗位的人数。") % position.name,
            field="position",
        )
    before = {"position": old.pk, "status": sign_up.status}
    held_place = sign_up.status == SignUpStatus.SIGNED_UP
    sign_up.position = position
    if room:
        sign_up.status = SignUpStatus.SIGNED_UP
    elif old.pk != position.pk:
        sign_up.queued_at = timezone.now()  # the end of the new position's queue
    sign_up.save(update_fields=["position", "status", "queued_at"])
    audit.record(
        acting_user,
        "volunteering.move_sign_up",
        sign_up,
        region_code=sign_up.resident.village.code,
        before=before,
        after={"position": position.pk, "status": sign_up.status},
    )
    if held_place and old.pk != position.pk:
        promote_waiting(activity, old, acting_user)
    if sign_up.status == SignUpStatus.SIGNED_UP:
        text = _("组织者已把您安排到活动“%(title)s”的岗位“%(position)s”。")
    else:
        text = _("组织者已把您转到活动“%(title)s”岗位“%(position)s”的候补名单。")
    notify(
        [
            Note(
                kind="sign_up_moved",
                resident_id=sign_up.resident_id,
                text=text % {"title": activity.title, "position": position.name},
                link=_link(activity),
            )
        ]
    )
    return sign_up
