"""The one table of allowed activity status changes, and the one function that checks it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from cunxin.core.errors import Conflict
from cunxin.volunteering.models import Activity, ActivityStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    ActivityStatus.DRAFT: frozenset({ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED}),
    ActivityStatus.PUBLISHED: frozenset({ActivityStatus.CANCELLED, ActivityStatus.COMPLETED}),
    # Completing again only makes the records that could not be made the first time.
    ActivityStatus.COMPLETED: frozenset({ActivityStatus.COMPLETED}),
    ActivityStatus.CANCELLED: frozenset(),
}

# While an activity is in one of these, its people may still change (sign-up, attendance).
OPEN = (ActivityStatus.DRAFT, ActivityStatus.PUBLISHED)


def check(activity: Activity, to: str) -> None:
    """Refuse a status change the table does not allow (e.g. a second click after it happened)."""
    if to not in TRANSITIONS[activity.status]:
        raise Conflict(
            "activity_status",
            _("活动当前为“%(status)s”，不能改为“%(to)s”。")
            % {"status": activity.get_status_display(), "to": ActivityStatus(to).label},
        )


def check_open(activity: Activity) -> None:
    """Refuse changes to the people of an activity that was cancelled or completed."""
    if activity.status not in OPEN:
        raise Conflict(
            "activity_closed",
            _("活动“%(title)s”%(status)s，不能再更改。")
            % {"title": activity.title, "status": activity.get_status_display()},
        )
