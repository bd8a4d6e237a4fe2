"""A volunteer activity's statuses: the one table of their changes and who may make each
(``core.workflow`` checks and applies it), and while which of them its people may change."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.workflow import NEW, Reason, Workflow
from cunxin.core.workflow import Transition as T
from cunxin.volunteering.models import Activity, ActivityEvent
from cunxin.volunteering.models import ActivityStatus as S

# While an activity is in one of these, its people may still change (sign-up, attendance).
OPEN = (S.DRAFT, S.PUBLISHED)


def has_positions(activity: Activity) -> None:
    """Published only with a position to sign up for."""
    if not activity.positions.exists():
        raise DomainError("positions_required", _("请至少设置一个岗位。"), field="positions")


def started(activity: Activity) -> None:
    """Completed only once it has begun."""
    if timezone.now() < activity.starts_at:
        raise DomainError("not_started", _("活动还没有开始，不能结束。"))


ACTIVITIES: Workflow[Activity] = Workflow(
    Activity,
    S,
    [
        T(NEW, S.DRAFT, who=Perm.MANAGE_ACTIVITIES),
        T(S.DRAFT, S.PUBLISHED, who=Perm.MANAGE_ACTIVITIES, guard=has_positions),
        T(OPEN, S.CANCELLED, who=Perm.MANAGE_ACTIVITIES, reason=Reason()),
        T(S.PUBLISHED, S.COMPLETED, who=Perm.MANAGE_ACTIVITIES, guard=started),
        # Completing again only makes the records that could not be made the first time.
        T(S.COMPLETED, S.COMPLETED, who=Perm.MANAGE_ACTIVITIES, guard=started),
    ],
    code="activity_status",
    noun=pgettext_lazy("workflow", "活动"),
    event=ActivityEvent,
    where=lambda activity: activity.region.code,
)


def check_open(activity: Activity) -> None:
    """Refuse changes to the people of an activity that was cancelled or completed."""
    if activity.status not in OPEN:
        raise Conflict(
            "activity_closed",
            _("活动“%(title)s”%(status)s，不能再更改。")
            % {"title": activity.title, "status": activity.get_status_display()},
        )
