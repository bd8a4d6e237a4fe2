"""Template context shared by every page: the navigation the user's roles allow, and the status
enums, so a template compares a status with a member (``CaseStatus.LISTED``), never a bare
string."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.blacklist.models import CaseStatus, RepairStatus
from cunxin.cards.models import CardStatus
from cunxin.core.scoping import may
from cunxin.coupons.models import CouponStatus, GiftStatus
from cunxin.fund.models import PaymentStatus
from cunxin.honours.models import RoundStatus
from cunxin.merchants.models import MerchantStatus
from cunxin.notifications.selectors import unread_count
from cunxin.people.models import ResidentStatus
from cunxin.records.models import NoticeStatus, ObjectionStatus
from cunxin.records.models import Status as RecordStatus
from cunxin.shop.models import RedemptionStatus
from cunxin.volunteering.models import ActivityStatus, SignUpStatus

# (url name, label, permission, whether it must reach a region or unit as the view's gate demands)
NAV: list[tuple[str, Any, Perm, bool]] = [
    ("records:village_notice", _("本村公示"), Perm.OBJECT, True),
    ("records:collect", _("采集"), Perm.COLLECT_RECORDS, True),
    ("records:review", _("审核"), Perm.REVIEW_RECORDS, True),
    ("records:notices", pgettext_lazy("menu", "公示"), Perm.VIEW_RECORDS, True),
    ("records:objections", _("异议"), Perm.RULE_OBJECTIONS, True),
    ("records:list", _("信用记录"), Perm.VIEW_RECORDS, True),
    ("regions:villages", _("村庄"), Perm.VIEW_PEOPLE, True),
    ("people:residents", pgettext_lazy("menu", "村民"), Perm.VIEW_PEOPLE, True),
    ("policy:policy", _("信用办法"), Perm.VIEW_POLICY, False),
    ("policy:catalogue", _("行为目录"), Perm.VIEW_POLICY, False),
    ("blacklist:index", _("黑名单"), Perm.MANAGE_BLACKLIST, True),
    ("volunteering:index", _("志愿服务"), Perm.VIEW_VOLUNTEERING, False),
    ("honours:index", _("表彰"), Perm.VIEW_HONOURS, True),
    ("shop:index", _("信用超市"), Perm.VIEW_SHOP, True),
    ("carryover:index", _("结转"), Perm.CARRY_OVER, True),
    ("coupons:mine", _("信用券"), Perm.USE_POINTS, False),
    ("coupons:figures", _("信用券统计"), Perm.VIEW_COUPONS, True),
    ("fund:index", _("信用基金"), Perm.VIEW_FUND, True),
    ("merchants:index", _("合作商家"), Perm.VIEW_MERCHANTS, True),
    ("merchants:figures", _("商家消费统计"), Perm.VIEW_COUPONS, True),
    ("cards:my_code", _("付款码"), Perm.USE_POINTS, False),
    ("cards:cards", _("诚信卡"), Perm.MANAGE_CARDS, True),
    ("workdays:index", _("工作日历"), Perm.VIEW_CALENDAR, True),
    ("units:index", _("办理单位"), Perm.VIEW_UNITS, True),
    ("accounts:users", _("账号"), Perm.VIEW_USERS, True),
    ("web:audit", _("操作记录"), Perm.VIEW_AUDIT, True),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items: list[dict[str, Any]] = []
    if getattr(user, "resident_id", None):
        items.append({"url": reverse("people:me"), "label": _("我的")})
    for name, label, perm, regions in NAV:
        if may(user, perm, beyond_self=regions):
            items.append({"url": reverse(name), "label": label})
    unread = unread_count(user)
    label = _("消息（%d）") % unread if unread else _("消息")
    items.append({"url": reverse("notifications:inbox"), "label": label})
    # The longest menu address the page lies under is the current one (/records/ holds
    # /records/review/ too).
    path = request.path
    matches = [str(i["url"]) for i in items if path.startswith(str(i["url"]))]
    current = max(matches, key=len) if matches else None
    for item in items:
        item["active"] = item["url"] == current
    return {"nav": items, "unread_messages": unread}


# Every status enum a template may compare with, by the name templates use. Django does not
# call a ``Choices`` class in a template, so ``{{ CaseStatus.LISTED }}`` is the member.
STATUSES: dict[str, type[models.TextChoices]] = {
    "ActivityStatus": ActivityStatus,
    "CardStatus": CardStatus,
    "CaseStatus": CaseStatus,
    "CouponStatus": CouponStatus,
    "GiftStatus": GiftStatus,
    "MerchantStatus": MerchantStatus,
    "NoticeStatus": NoticeStatus,
    "ObjectionStatus": ObjectionStatus,
    "PaymentStatus": PaymentStatus,
    "RecordStatus": RecordStatus,
    "RedemptionStatus": RedemptionStatus,
    "RepairStatus": RepairStatus,
    "ResidentStatus": ResidentStatus,
    "RoundStatus": RoundStatus,
    "SignUpStatus": SignUpStatus,
}


def statuses(request: HttpRequest) -> dict[str, Any]:
    """The status enums, for every template."""
    return STATUSES
