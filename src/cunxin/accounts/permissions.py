"""Roles and what each may do, as data: one table read by the one scoping mechanism.

A user holds a role in a region or in a unit (``ROLE_LEVELS`` and ``ROLE_UNIT_KINDS`` say
where each role is held; the database refuses an assignment on the wrong axis). For every
permission a role grants, the table says how far it reaches: the whole region the role is held
in (``REGION``), the unit it is held in and its descendants (``UNIT``), that unit alone
(``UNIT_ONLY``), or only the user's own resident record (``SELF``, for villagers). A reach on
the other axis than the role's gives nothing (a test keeps the table free of such entries).
Changing who may do what is an edit of this table.
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
    # Held in units.
    SHOP_KEEPER = "shop_keeper", _("店主")
    CASHIER = "cashier", _("商家收银员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("单位负责人")


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
    VIEW_UNITS = "units.view"
    MANAGE_UNITS = "units.manage"
    APPLY_MERCHANT = "merchants.apply"


class Reach(Enum):
    """How far a granted permission reaches."""

    REGION = "region"
    UNIT = "unit"
    UNIT_ONLY = "unit_only"
    SELF = "self"


R, S, U, U1 = Reach.REGION, Reach.SELF, Reach.UNIT, Reach.UNIT_ONLY
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
        # A county's centre keeps its county's units (units.actions: at county level).
        Perm.VIEW_UNITS: R,
        Perm.MANAGE_UNITS: R,
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
    # The village account of a shop keeper or a merchant's people: it reads the village's policy
    # and the merchants serving it, and may apply for a merchant there. Work at a counter comes
    # from a role in the shop's or merchant's unit, which needs this role in the area first.
    Role.KEEPER: {
        Perm.VIEW_REGIONS: R,
        Perm.VIEW_POLICY: R,
        Perm.VIEW_MERCHANTS: R,
        Perm.APPLY_MERCHANT: R,
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
    # A keeper learns a customer from the code they show, not from lists, and works only the
    # shops they keep.
    Role.SHOP_KEEPER: {Perm.VIEW_SHOP: U, Perm.REDEEM: U},
    Role.CASHIER: {Perm.VIEW_MERCHANTS: U, Perm.SELL: U},
    # A handler works their own unit's cases; a leader signs off for the unit and its sub-units.
    # (The appeals permissions come with the appeals.)
    Role.HANDLER: {Perm.VIEW_UNITS: U1},
    Role.LEADER: {Perm.VIEW_UNITS: U},
}

# Which roles a holder of each role may hand out (always inside their own scope).
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(Role),
    Role.CENTRE: frozenset(
        {
            Role.COMMITTEE,
            Role.COLLECTOR,
            Role.KEEPER,
            Role.VILLAGER,
            Role.SHOP_KEEPER,
            Role.CASHIER,
            Role.HANDLER,
            Role.LEADER,
        }
    ),
}

# Roles held in regions: the region level (regions.Level values) each is held at; None means any
# level. The platform admin may also hold its role in neither a region nor a unit: everything.
ROLE_LEVELS: dict[Role, frozenset[int] | None] = {
    Role.ADMIN: None,
    Role.CENTRE: frozenset({3, 4}),  # a county's or a town's credit centre
    Role.COMMITTEE: frozenset({5}),
    Role.COLLECTOR: frozenset({5}),
    Role.KEEPER: frozenset({5}),
    Role.VILLAGER: frozenset({5}),
}

_ORGANISATIONS = frozenset({"department", "zone", "town_gov", "outside", "centre", "hall"})

# Roles held in units: the unit kinds (units.UnitKind values) each is held in.
ROLE_UNIT_KINDS: dict[Role, frozenset[str]] = {
    Role.SHOP_KEEPER: frozenset({"shop"}),
    Role.CASHIER: frozenset({"merchant"}),
    Role.HANDLER: _ORGANISATIONS,
    Role.LEADER: _ORGANISATIONS,
}

# A unit role that needs a region role in the unit's area: a shop keeper or a merchant's cashier
# holds the keeper role in a village inside the shop's or merchant's region. Granting checks it;
# ending the region role ends the unit roles it carried.
ROLE_NEEDS: dict[Role, Role] = {Role.SHOP_KEEPER: Role.KEEPER, Role.CASHIER: Role.KEEPER}
