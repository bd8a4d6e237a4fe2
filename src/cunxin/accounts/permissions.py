"""Roles and what each may do, as data: one table read by the one scoping mechanism.

A user holds a role within a region. For every permission a role grants, the table says how far
it reaches: the whole region the role is held in (``REGION``), or only the user's own resident
record (``SELF``, for villagers). Changing who may do what is an edit of this table.
"""

from __future__ import annotations

from enum import Enum, StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The roles of DOMAIN.md."""

    ADMIN = "admin", _("平台管理员")
    CENTRE = "centre", _("信用中心工作人员")
    COMMITTEE = "committee", _("评审会成员")
    COLLECTOR = "collector", _("信息采集员")
    KEEPER = "keeper", _("信用超市店主/商家")
    VILLAGER = "villager", _("村民")


class Perm(StrEnum):
    """Every permission the platform checks."""

    VIEW_REGIONS = "regions.view"
    MANAGE_REGIONS = "regions.manage"
    VIEW_PEOPLE = "people.view"
    EDIT_PEOPLE = "people.edit"
    REVEAL_ID = "people.reveal_id"
    IMPORT_ROSTER = "people.import"
    EXPORT_ROSTER = "people.export"
    VIEW_POLICY = "policy.view"
    EDIT_POLICY = "policy.edit"
    VIEW_USERS = "accounts.view"
    MANAGE_USERS = "accounts.manage"
    VIEW_AUDIT = "audit.view"
    VIEW_RECORDS = "records.view"
    COLLECT_RECORDS = "records.collect"
    REVIEW_RECORDS = "records.review"
    PUBLISH_NOTICES = "records.publish"
    OBJECT = "records.object"
    RULE_OBJECTIONS = "records.rule"
    REVERSE_RECORDS = "records.reverse"
    MANAGE_BLACKLIST = "records.blacklist"
    APPLY_REPAIR = "records.apply_repair"
    CARRY_OVER = "records.carry_over"
    VIEW_VOLUNTEERING = "volunteering.view"
    MANAGE_ACTIVITIES = "volunteering.manage"
    MANAGE_TEAMS = "volunteering.teams"
    SIGN_UP = "volunteering.sign_up"
    CHECK_IN = "volunteering.check_in"
    VIEW_HONOURS = "honours.view"
    CHOOSE_HONOURS = "honours.choose"
    VIEW_SHOP = "shop.view"
    MANAGE_SHOP = "shop.manage"
    REDEEM = "shop.redeem"
    USE_POINTS = "coupons.use"
    VIEW_COUPONS = "coupons.view"
    MANAGE_CARDS = "cards.manage"
    VIEW_FUND = "fund.view"
    MANAGE_FUND = "fund.manage"
    VIEW_MERCHANTS = "merchants.view"
    MANAGE_MERCHANTS = "merchants.manage"
    SELL = "merchants.sell"
    VIEW_CALENDAR = "workdays.view"
    MANAGE_CALENDAR = "workdays.manage"


class Reach(Enum):
    """How far a granted permission reaches."""

    REGION = "region"
    SELF = "self"


R, S = Reach.REGION, Reach.SELF
_STAFF_READ = {
    Perm.VIEW_REGIONS: R,
    Perm.VIEW_PEOPLE: R,
    Perm.VIEW_POLICY: R,
    Perm.VIEW_RECORDS: R,
    Perm.VIEW_VOLUNTEERING: R,
    Perm.VIEW_HONOURS: R,
    Perm.VIEW_CALENDAR: R,
}

ROLE_PERMISSIONS: dict[Role, dict[Perm, Reach]] = {
    Role.ADMIN: dict.fromkeys(Perm, R),
    Role.CENTRE: {
        **_STAFF_READ,
        Perm.EDIT_PEOPLE: R,
        Perm.REVEAL_ID: R,
        Perm.IMPORT_ROSTER: R,
        Perm.EXPORT_ROSTER: R,
        Perm.EDIT_POLICY: R,
        Perm.VIEW_USERS: R,
        Perm.MANAGE_USERS: R,
        Perm.VIEW_AUDIT: R,
        Perm.COLLECT_RECORDS: R,
        Perm.REVERSE_RECORDS: R,
        Perm.CARRY_OVER: R,
        # A town's credit centre runs town-wide activities and teams.
        Perm.MANAGE_ACTIVITIES: R,
        Perm.MANAGE_TEAMS: R,
        Perm.SIGN_UP: R,
        Perm.CHECK_IN: R,
        # The credit centre keeps the fund and watches shops and coupons in its villages.
        Perm.VIEW_SHOP: R,
        Perm.MANAGE_SHOP: R,
        Perm.VIEW_COUPONS: R,
        Perm.MANAGE_CARDS: R,
        Perm.VIEW_FUND: R,
        Perm.MANAGE_FUND: R,
        Perm.VIEW_MERCHANTS: R,
        Perm.MANAGE_MERCHANTS: R,
        # Holiday tables sit at county level or above: a county's centre keeps its county's.
        Perm.MANAGE_CALENDAR: R,
    },
    # The village review committee (村信用评审会): reviews, runs notices, rules, blacklists.
    Role.COMMITTEE: {
        **_STAFF_READ,
        Perm.VIEW_USERS: R,
        Perm.VIEW_AUDIT: R,
        Perm.COLLECT_RECORDS: R,
        Perm.REVIEW_RECORDS: R,
        Perm.PUBLISH_NOTICES: R,
        Perm.RULE_OBJECTIONS: R,
        Perm.REVERSE_RECORDS: R,
        Perm.MANAGE_BLACKLIST: R,
        Perm.MANAGE_ACTIVITIES: R,
        Perm.MANAGE_TEAMS: R,
        Perm.SIGN_UP: R,
        Perm.CHECK_IN: R,
        Perm.CHOOSE_HONOURS: R,
        Perm.VIEW_SHOP: R,
        Perm.MANAGE_SHOP: R,
        Perm.VIEW_COUPONS: R,
        Perm.MANAGE_CARDS: R,
        Perm.VIEW_FUND: R,
        Perm.VIEW_MERCHANTS: R,
    },
    # A collector signs up and checks in the villagers who have no phone.
    Role.COLLECTOR: {**_STAFF_READ, Perm.COLLECT_RECORDS: R, Perm.SIGN_UP: R, Perm.CHECK_IN: R},
    # A keeper learns a customer from the code they show, not from lists, and works only the
    # shops they keep (the shop app checks that).
    Role.KEEPER: {
        Perm.VIEW_REGIONS: R,
        Perm.VIEW_POLICY: R,
        Perm.VIEW_SHOP: R,
        Perm.REDEEM: R,
        Perm.VIEW_MERCHANTS: R,
        Perm.SELL: R,
    },
    # The catalogue is public to the village (step 2 of seed 000: publicity); people are not.
    # A villager objects to lines of their village's notice, and sees their own records.
    Role.VILLAGER: {
        Perm.VIEW_REGIONS: R,
        Perm.VIEW_POLICY: R,
        Perm.VIEW_PEOPLE: S,
        Perm.VIEW_RECORDS: S,
        Perm.OBJECT: R,
        Perm.APPLY_REPAIR: S,
        # The village's activities and honours are public to it; a villager signs up and
        # checks in themselves only.
        Perm.VIEW_VOLUNTEERING: R,
        Perm.VIEW_HONOURS: R,
        Perm.SIGN_UP: S,
        # Their own code, coupons and gifts.
        Perm.USE_POINTS: S,
        Perm.VIEW_COUPONS: S,
        # Where coupons are taken and what discount each grade gets.
        Perm.VIEW_MERCHANTS: R,
    },
}

# Which roles a holder of each role may hand out (always inside their own scope).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.CENTRE: frozenset({Role.COMMITTEE, Role.COLLECTOR, Role.KEEPER, Role.VILLAGER}),
}

# The region level (regions.Level values) a role is held at; None means any level.
ROLE_LEVELS: dict[Role, frozenset[int] | None] = {
    Role.ADMIN: None,
    Role.CENTRE: frozenset({3, 4}),  # a county's or a town's credit centre
    Role.COMMITTEE: frozenset({5}),
    Role.COLLECTOR: frozenset({5}),
    Role.KEEPER: frozenset({5}),
    Role.VILLAGER: frozenset({5}),
}
