"""Attendance: check-in and check-out by scanning the activity's QR code, or by hand by the
organiser for people without a phone; the hours worked follow from the two times.

The QR code holds a link with a signed token (``django.core.signing``, its own salt) naming
the activity and its code version. A token is good for ``QR_MAX_AGE`` seconds, so a photo of
the code sent home is soon worthless; the organiser's page shows a fresh one every few minutes,
and raising the activity's ``qr_version`` voids every code shown so far. Scanning is accepted
only from an hour before the activity starts to an hour after it ends.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import require
from cunxin.people.models import Resident
from cunxin.volunteering import workflow
from cunxin.volunteering.actions.signups import check_acts_for, lock, open_to
from cunxin.volunteering.models import (
    Activity,
    ActivityStatus,
    Position,
    SignUp,
    SignUpStatus,
)

SALT = "cunxin.volunteering.attendance"
QR_MAX_AGE = 10 * 60  # seconds a code shown on the organiser's phone is good for
QR_REFRESH = 4 * 60  # the organiser's page shows a new code this often
MARGIN = datetime.timedelta(hours=1)  # scanning opens before the start and closes after the end
# A second scan this soon after checking in is a double tap, not a check-out.
REPEAT_GUARD = datetime.timedelta(minutes=10)
HALF = Decimal("0.5")
# A hand-entered time may run ahead of the server's clock by this much.
CLOCK_SLACK = datetime.timedelta(minutes=2)


def attendance_token(activity: Activity) -> str:
    """A fresh code for the activity (a timestamped signature: it expires after QR_MAX_AGE)."""
    return signing.dumps({"a": activity.pk, "v": activity.qr_version}, salt=SALT)


def read_token(token: str) -> Activity:
    """The activity a scanned code names, if the code is genuine, current and not expired."""
    try:
        data = signing.loads(token, salt=SALT, max_age=QR_MAX_AGE)
    except signing.SignatureExpired:
        raise DomainError(
            "qr_expired", _("二维码已过期，请扫描组织者手机上显示的最新二维码。")
        ) from None
    except signing.BadSignature:
        raise DomainError("qr_invalid", _("二维码无效，不是本平台的签到码。")) from None
    activity_id = data.get("a") if isinstance(data, dict) else None
    activity = (
        Activity.objects.select_related("region").filter(pk=activity_id).first()
        if isinstance(activity_id, int)
        else None
    )
    if activity is None:
        raise DomainError("qr_invalid", _("二维码无效，不是本平台的签到码。"))
    if data.get("v") != activity.qr_version:
        raise DomainError("qr_replaced", _("二维码已更换，请扫描组织者手机上显示的最新二维码。"))
    return activity


def window(activity: Activity) -> tuple[datetime.datetime, datetime.datetime]:
    """From when to when scanning the activity's code is accepted."""
    return activity.starts_at - MARGIN, activity.ends_at + MARGIN


def compute_hours(
    check_in: datetime.datetime,
    check_out: datetime.datetime,
    activity: Activity,
    position: Position,
) -> Decimal:
    """Hours worked: check-out − check-in, within the activity's time, at most the position's
    planned hours, rounded down to half hours."""
    start = max(check_in, activity.starts_at)
    end = min(check_out, activity.ends_at)
    seconds = max(int((end - start).total_seconds()), 0)
    hours = min(Decimal(seconds) / 3600, position.planned_hours)
    return (hours / HALF).to_integral_value(rounding=ROUND_DOWN) * HALF


@dataclass(frozen=True)
class Scan:
    """What a scan did: checked the villager in, or out (with the hours)."""

    sign_up: SignUp
    checked_out: bool


def _locked_sign_up(activity: Activity, resident: Resident) -> SignUp:
    sign_up = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("position", "resident", "resident__village")
        .filter(activity=activity, resident=resident)
        .exclude(status=SignUpStatus.WITHDRAWN)
        .first()
    )
    if sign_up is None:
        raise DomainError(
            "not_signed_up",
            _("%(name)s 没有报名活动“%(title)s”，不能签到。")
            % {"name": resident.name, "title": activity.title},
        )
    return sign_up


def _check_active(activity: Activity) -> None:
    if activity.status != ActivityStatus.PUBLISHED:
        workflow.check_open(activity)
        raise Conflict("not_published", _("活动尚未发布。"))


def _check_holds_place(sign_up: SignUp) -> None:
    if sign_up.status != SignUpStatus.SIGNED_UP:
        raise DomainError(
            "waitlisted",
            _("%s 还在候补名单中，请组织者先安排岗位再签到。") % sign_up.resident.name,
        )


def _save_check_in(sign_up: SignUp, at: datetime.datetime, acting_user: Any, how: str) -> None:
    if sign_up.check_in_at is not None:
        raise Conflict(
            "already_checked_in",
            _("%(name)s 已于%(at)s签到。")
            % {"name": sign_up.resident.name, "at": _hm(sign_up.check_in_at)},
        )
    _check_holds_place(sign_up)
    sign_up.check_in_at = at
    sign_up.checked_by = acting_user
    sign_up.save(update_fields=["check_in_at", "checked_by"])
    audit.record(
        acting_user,
        "volunteering.check_in",
        sign_up,
        region_code=sign_up.resident.village.code,
        after={"check_in_at": at, "how": how},
    )


def _check_can_check_out(sign_up: SignUp) -> None:
    if sign_up.check_in_at is None:
        raise Conflict("not_checked_in", _("%s 还没有签到，不能签退。") % sign_up.resident.name)
    if sign_up.check_out_at is not None:
        raise Conflict(
            "already_checked_out",
            _("%(name)s 已于%(at)s签退。")
            % {"name": sign_up.resident.name, "at": _hm(sign_up.check_out_at)},
        )


def _save_check_out(
    activity: Activity, sign_up: SignUp, at: datetime.datetime, acting_user: Any, how: str
) -> None:
    _check_can_check_out(sign_up)
    assert sign_up.check_in_at is not None
    if at < sign_up.check_in_at:
        raise DomainError("check_out_before_check_in", _("签退时间不能早于签到时间。"), field="at")
    sign_up.check_out_at = at
    sign_up.hours = compute_hours(sign_up.check_in_at, at, activity, sign_up.position)
    sign_up.checked_by = acting_user
    sign_up.save(update_fields=["check_out_at", "hours", "checked_by"])
    audit.record(
        acting_user,
        "volunteering.check_out",
        sign_up,
        region_code=sign_up.resident.village.code,
        after={"check_out_at": at, "hours": sign_up.hours, "how": how},
    )


def _hm(at: datetime.datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


@transaction.atomic
def do_scan(token: str, *, acting_user: Any) -> Scan:
    """A villager scans the activity's code: the first scan checks them in, the next one (after
    a few minutes) checks them out."""
    activity = read_token(token)
    resident: Resident | None = getattr(acting_user, "resident", None)
    if resident is None:
        raise DomainError("no_resident", _("您的账号没有对应的村民，不能扫码签到；请用手工签到。"))
    check_acts_for(acting_user, Perm.SIGN_UP, resident)
    activity = lock(activity)
    _check_active(activity)
    if not open_to(activity, resident):
        raise Forbidden(
            "other_village",
            _("本活动只面向%s的村民。") % activity.region.name,
        )
    now = timezone.now()
    opens, closes = window(activity)
    if not opens <= now <= closes:
        raise DomainError(
            "outside_window",
            _("只能在%(opens)s至%(closes)s之间扫码签到、签退。")
            % {
                "opens": timezone.localtime(opens).strftime("%m-%d %H:%M"),
                "closes": timezone.localtime(closes).strftime("%m-%d %H:%M"),
            },
        )
    sign_up = _locked_sign_up(activity, resident)
    if sign_up.check_in_at is None:
        _save_check_in(sign_up, now, acting_user, "scan")
        return Scan(sign_up, checked_out=False)
    if sign_up.check_out_at is None and now - sign_up.check_in_at < REPEAT_GUARD:
        raise Conflict(
            "already_checked_in",
            _("您已于%s签到，活动结束时再扫码签退。") % _hm(sign_up.check_in_at),
        )
    _save_check_out(activity, sign_up, now, acting_user, "scan")
    return Scan(sign_up, checked_out=True)


def _by_hand(sign_up: SignUp, acting_user: Any) -> tuple[Activity, SignUp]:
    activity = lock(sign_up.activity)
    locked: SignUp = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("position", "resident", "resident__village")
        .get(pk=sign_up.pk)
    )
    require(acting_user, Perm.CHECK_IN, locked.resident.village.code)
    _check_active(activity)
    if locked.status == SignUpStatus.WITHDRAWN:
        raise Conflict("already_withdrawn", _("%s 已退出本活动。") % locked.resident.name)
    return activity, locked


def _hand_time(activity: Activity, at: datetime.datetime | None) -> datetime.datetime:
    """A time entered by hand (default now): not in the future, not outside the activity."""
    now = timezone.now()
    at = at or now
    opens, closes = window(activity)
    if at > now + CLOCK_SLACK:
        raise DomainError("time_future", _("时间不能晚于现在。"), field="at")
    if not opens <= at <= closes:
        raise DomainError(
            "outside_window",
            _("时间应在活动时间（%s）前后一小时之内。") % activity.when,
            field="at",
        )
    return min(at, now)


@transaction.atomic
def do_check_in(
    sign_up: SignUp, *, at: datetime.datetime | None = None, acting_user: Any
) -> SignUp:
    """The organiser (or a collector) checks a villager in by hand, now or at the time given."""
    activity, sign_up = _by_hand(sign_up, acting_user)
    _save_check_in(sign_up, _hand_time(activity, at), acting_user, "hand")
    return sign_up


@transaction.atomic
def do_check_out(
    sign_up: SignUp, *, at: datetime.datetime | None = None, acting_user: Any
) -> SignUp:
    """The organiser (or a collector) checks a villager out by hand; the hours follow."""
    activity, sign_up = _by_hand(sign_up, acting_user)
    _check_can_check_out(sign_up)
    when = at or timezone.now()
    if at is None:
        # Checked out by hand after the activity: the end of the activity, not the late hour.
        when = min(when, activity.ends_at + MARGIN)
    _save_check_out(activity, sign_up, _hand_time(activity, when), acting_user, "hand")
    return sign_up


@transaction.atomic
def do_rotate_code(activity: Activity, *, acting_user: Any) -> Activity:
    """Void every check-in code shown so far (a photo of it went round the village)."""
    activity = lock(activity)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    Activity.objects.filter(pk=activity.pk).update(qr_version=F("qr_version") + 1)
    activity.refresh_from_db(fields=["qr_version"])
    audit.record(
        acting_user,
        "volunteering.rotate_code",
        activity,
        region_code=activity.region.code,
        after={"qr_version": activity.qr_version},
    )
    return activity
