"""Completing an activity: each attendee's hours become a reward record through the records
app (the activity's per-hour item, quantity = hours, dated on the activity's day, collected by
the organiser), into the normal review → notice flow.

Idempotent: each attendee's record carries a client id derived from their sign-up, so
completing again (a double click, a retry after a refusal was fixed) returns the records made
the first time and makes only those that could not be made then.

Where the policy in force says volunteer hours need no review (``volunteer_hours_approved``),
the records are approved at once. The records app's review action cannot do that: it wants a
committee member, and never the one who collected the record (here the organiser). The honest
approver is the policy itself, so the record moves to "approved" through the records' own
transition table with no reviewer and a reason naming the policy, as the scheduled notice
publication does for its step; the audit entry says so too.
"""

from __future__ import annotations

import uuid
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
from cunxin.notifications.actions import Note, notify
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.review import approve_by_policy
from cunxin.records.models import Record, Status
from cunxin.volunteering.actions.signups import lock
from cunxin.volunteering.models import Activity, ActivityStatus, SignUp, SignUpStatus
from cunxin.volunteering.workflow import ACTIVITIES

RECORD_NAMESPACE = uuid.UUID("3b0e5f5c-7a0d-4a55-9f5e-8c3d2b1a6e10")


def record_client_id(sign_up: SignUp) -> uuid.UUID:
    """The client id of the record an attendee's hours make: the same every time."""
    return uuid.uuid5(RECORD_NAMESPACE, f"sign-up:{sign_up.pk}")


@dataclass
class Completion:
    """What completing made: new or existing records, and the attendees it could not score."""

    activity: Activity
    records: list[Record] = field(default_factory=list)
    approved: list[Record] = field(default_factory=list)
    refused: list[SignUp] = field(default_factory=list)


def _note(activity: Activity) -> str:
    return _("志愿服务：%(title)s（%(when)s，%(place)s）") % {
        "title": activity.title,
        "when": activity.when,
        "place": activity.place,
    }


def may_complete_activity(user: Any, activity: Activity) -> bool:
    """Whether the user may close the activity (again) and make the records of its hours."""
    return ACTIVITIES.may(user, activity, ActivityStatus.COMPLETED)


@transaction.atomic
def do_complete_activity(activity: Activity, *, acting_user: Any) -> Completion:
    """Close the activity and turn each attendee's hours into a reward record (once)."""
    activity = lock(activity)
    require(acting_user, Perm.MANAGE_ACTIVITIES, activity.region.code)
    ACTIVITIES.check(activity, ActivityStatus.COMPLETED, actor=acting_user)
    attendees = list(
        SignUp.objects.filter(activity=activity, check_in_at__isnull=False)
        .select_related("resident", "resident__village", "position")
        .order_by("pk")
    )
    still_in = [s.resident.name for s in attendees if s.check_out_at is None]
    if still_in:
        raise Conflict(
            "still_checked_in",
            _("还有%(n)d人签到后没有签退（%(names)s），请先在签到表中为他们签退。")
            % {"n": len(still_in), "names": "、".join(still_in[:10])},
        )
    if activity.status != ActivityStatus.COMPLETED:
        activity.completed_at = timezone.now()
        activity.completed_by = acting_user
        ACTIVITIES.apply(
            activity,
            ActivityStatus.COMPLETED,
            actor=acting_user,
            fields=["completed_at", "completed_by", "updated_at"],
        )
        audit.record(
            acting_user,
            "volunteering.complete_activity",
            activity,
            region_code=activity.region.code,
            after={"status": activity.status, "attendees": len(attendees)},
        )
    result = Completion(activity)
    made: list[tuple[SignUp, Record]] = []
    told_before = {s.pk: s.record_error for s in attendees}
    for sign_up in attendees:
        if sign_up.record_id is not None:
            continue
        if sign_up.status != SignUpStatus.SIGNED_UP or not sign_up.hours:
            sign_up.record_error = _("工时不足半小时，不计分。")
            sign_up.save(update_fields=["record_error"])
            result.refused.append(sign_up)
            continue
        try:
            record = do_collect(
                client_id=record_client_id(sign_up),
                resident=sign_up.resident,
                item_code=activity.item_code,
                quantity=sign_up.hours,
                behaviour_date=activity.day,
                note=_note(activity),
                acting_user=acting_user,
            )
        except DomainError as exc:
            # do_collect's own savepoint rolled back; the reason stays on the sign-up, shown to
            # the organiser, and the villager is told.
            sign_up.record_error = str(exc)[:200]
            sign_up.save(update_fields=["record_error"])
            result.refused.append(sign_up)
            continue
        sign_up.record = record
        sign_up.record_error = ""
        sign_up.save(update_fields=["record", "record_error"])
        made.append((sign_up, record))
        result.records.append(record)
    auto = [
        r for _s, r in made if r.policy.volunteer_hours_approved and r.status == Status.COLLECTED
    ]
    approve_by_policy(
        auto,
        reason=_("按信用管理办法，志愿服务工时直接通过审核"),
        region_code=activity.region.code,
        context={"activity": activity.pk, "completed_by": getattr(acting_user, "pk", None)},
    )
    result.approved = auto
    # A villager hears of a refusal once, not again at every retry that fails the same way.
    news = [s for s in result.refused if s.record_error != told_before[s.pk]]
    _tell(activity, made, news, {r.pk for r in auto})
    return result


def _tell(
    activity: Activity,
    made: list[tuple[SignUp, Record]],
    refused: list[SignUp],
    approved: set[int],
) -> None:
    notes = []
    for sign_up, record in made:
        text = (
            _(
                "您参加“%(title)s”志愿服务%(hours)s小时，计%(points)+d分，已通过审核，将在下一期公示。"
            )
            if record.pk in approved
            else _("您参加“%(title)s”志愿服务%(hours)s小时，计%(points)+d分，待评审会审核后公示。")
        )
        notes.append(
            Note(
                kind="volunteer_hours",
                resident_id=sign_up.resident_id,
                text=text
                % {
                    "title": activity.title,
                    "hours": f"{record.quantity.normalize():f}",
                    "points": record.points,
                },
                link=reverse("records:record", args=[record.pk]),
            )
        )
    for sign_up in refused:
        notes.append(
            Note(
                kind="volunteer_hours_refused",
                resident_id=sign_up.resident_id,
                text=_("您参加“%(title)s”志愿服务的工时未能计分：%(reason)s")
                % {"title": activity.title, "reason": sign_up.record_error},
                link=reverse("volunteering:mine"),
            )
        )
    notify(notes)
