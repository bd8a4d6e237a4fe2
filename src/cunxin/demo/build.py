"""The demo county: regions, rosters, policy and catalogue, and one login per role.

Everything goes through the same actions the pages use, so the demo is also a smoke test.
"""

from __future__ import annotations

import datetime
from contextlib import ExitStack
from dataclasses import dataclass
from unittest import mock

from django.apps import apps
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.test.utils import override_settings
from django.utils import timezone

from cunxin.accounts.actions import do_create_platform_admin, do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.demo.activity import DEMO_PASSWORD, simulate
from cunxin.demo.people import roster_rows
from cunxin.demo.world import VillageStaff
from cunxin.ledger.checks import check_ledger
from cunxin.merchants.actions.merchants import do_add_staff, do_apply_merchant, do_approve_merchant
from cunxin.people.actions import do_import_roster
from cunxin.people.models import Resident
from cunxin.people.spreadsheets import write_csv
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.regions.actions import do_create_region
from cunxin.regions.models import Level, Region
from cunxin.shop.selectors import kept_shops
from cunxin.units.actions import do_create_unit
from cunxin.units.models import UnitKind
from cunxin.workdays.actions import do_install_official_calendars

POLICY_START = datetime.date(2025, 1, 1)

REGIONS = [
    ("370000000000", "山东省", Level.PROVINCE),
    ("370800000000", "济宁市", Level.CITY),
    ("370811000000", "任城区", Level.COUNTY),
    ("370811009000", "李营街道", Level.TOWN),
]
# (code, name, households, main surnames): villages are often two or three big families.
VILLAGES = [
    ("370811009201", "前双村", 95, ["张", "王", "范", "李"]),
    ("370811009202", "庄头村", 85, ["庄", "李", "孔"]),
    ("370811009203", "后双村", 80, ["王", "郝", "刘"]),
    ("370811009204", "李营村", 75, ["李", "马", "赵", "颜"]),
]


@dataclass
class Login:
    role: str
    name: str
    phone: str
    where: str


def build(seed: int = 2026, weeks: int = 52) -> list[Login]:
    """Create the demo county with ``weeks`` weeks of activity; returns one login per role."""
    # Every demo login has the same password: hash it once (Argon2 is slow on purpose) and
    # give all of them that hash, instead of paying ~0.2 s for each of dozens of users.
    hashed = make_password(DEMO_PASSWORD)
    # In development DEBUG is on, and Django's debug cursor logs every query and, on SQLite,
    # runs a second one to quote its parameters: a fifth of the build's time, for a log nobody
    # reads.
    with (
        mock.patch.object(
            User, "set_password", lambda user, raw: setattr(user, "password", hashed)
        ),
        override_settings(DEBUG=False),
        mock.patch("cunxin.cards.actions.make_password", _demo_pin_hash),
        ExitStack() as stack,
    ):
        _follow_clock(stack)
        return _build(seed, weeks)


class _DemoPinHasher(Argon2PasswordHasher):
    """Argon2 at a low cost, for the demo cards' PINs only."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


def _demo_pin_hash(pin: str) -> str:
    """A demo card's PIN hash: still Argon2 (the hash carries its own cost, so the card pages
    check it as any other), but cheap, since the demo binds a dozen cards and the keepers check
    their PINs at every visit, ~0.2 s each at the real cost."""
    hasher = _DemoPinHasher()
    return hasher.encode(pin, hasher.salt())


def _follow_clock(stack: ExitStack) -> None:
    """Fields whose default is ``timezone.now`` hold the function itself, which the demo's clock
    (a patch of ``django.utils.timezone.now``) does not reach: while the demo is built they look
    it up at each call, so a redemption made on a simulated Saturday is dated that Saturday."""
    real = timezone.now
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.default is real:
                stack.enter_context(
                    mock.patch.dict(f.__dict__, {"_get_default": lambda: timezone.now()})
                )


def _build(seed: int, weeks: int) -> list[Login]:
    admin = do_create_platform_admin(
        phone="13800000000", name="平台管理员", password=DEMO_PASSWORD, reason="demo"
    )
    parent: Region | None = None
    for code, name, level in REGIONS:
        parent = do_create_region(
            code=code, name=name, level=level, parent=parent, acting_user=admin
        )
    town = parent
    assert town is not None
    # China's holiday arrangements for the whole province: every county in it counts by them.
    province = Region.objects.get(code=REGIONS[0][0])
    do_install_official_calendars(province, acting_user=admin, reason="demo")
    villages = [
        do_create_region(code=code, name=name, level=Level.VILLAGE, parent=town, acting_user=admin)
        for code, name, _n, _s in VILLAGES
    ]
    clerk = do_create_user(
        phone="13800000001",
        name="周信用",
        password=DEMO_PASSWORD,
        role=Role.CENTRE,
        region=town,
        acting_user=admin,
    )
    for user in (admin, clerk):
        User.objects.filter(pk=user.pk).update(must_change_password=False)
    do_save_policy(
        town,
        values={"name": "李营街道村民信用积分管理办法"},
        effective_from=POLICY_START,
        acting_user=clerk,
        reason="首次制定",
    )
    do_install_default_catalogue(town, acting_user=clerk, effective_from=POLICY_START)
    # 前双村 adjusts the town's policy: a listed villager may apply for repair after 2 months.
    do_save_policy(
        villages[0],
        values={"repair_min_months": 2},
        effective_from=POLICY_START,
        acting_user=clerk,
        reason="村民代表会议决定：列入黑名单满2个月可申请信用修复",
    )
    rows = roster_rows([(name, n, surnames) for _c, name, n, surnames in VILLAGES], seed)
    headers = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
    do_import_roster(write_csv(headers, rows), "demo-roster.csv", acting_user=clerk, reason="demo")

    first = villages[0]
    logins = [
        Login(str(Role.ADMIN.label), admin.name, admin.phone, "全部"),
        Login(str(Role.CENTRE.label), clerk.name, clerk.phone, town.name),
    ]
    staff = [
        (Role.COMMITTEE, "13800000002", "范爱均"),
        (Role.COLLECTOR, "13800000003", "张采集"),
        (Role.KEEPER, "13800000004", "王店主"),
    ]
    for role, phone, name in staff:
        user = do_create_user(
            phone=phone,
            name=name,
            password=DEMO_PASSWORD,
            role=role,
            region=first,
            acting_user=clerk,
        )
        logins.append(Login(str(role.label), user.name, user.phone, first.name))
    other = do_create_user(
        phone="13800000005",
        name="李评审",
        password=DEMO_PASSWORD,
        role=Role.COMMITTEE,
        region=villages[1],
        acting_user=clerk,
    )
    logins.append(Login(str(Role.COMMITTEE.label), other.name, other.phone, villages[1].name))
    villager = (
        Resident.objects.filter(village=first, is_head=True)
        .exclude(phone="")
        .order_by("household__number")
        .first()
    )
    assert villager is not None
    user = do_create_user(
        phone=villager.phone,
        name=villager.name,
        password=DEMO_PASSWORD,
        role=Role.VILLAGER,
        region=first,
        resident=villager,
        acting_user=clerk,
    )
    logins.append(Login(str(Role.VILLAGER.label), user.name, user.phone, first.name))
    logins += _units(admin, clerk, town)
    if weeks:
        village_staff = _village_staff(villages, clerk, known={first.pk: user})
        simulate(village_staff, weeks=weeks, seed=seed, end=timezone.now())
        problems = check_ledger()
        if problems:
            raise RuntimeError(f"demo ledger does not check: {problems[:3]}")
        keeper = User.objects.get(phone="13800000004")
        for shop in kept_shops(keeper).order_by("pk")[:1]:
            logins.append(Login(str(Role.SHOP_KEEPER.label), keeper.name, keeper.phone, shop.name))
    # Demo logins skip the forced password change so the tour starts at once.
    User.objects.update(must_change_password=False)
    return logins


def _units(admin: User, clerk: User, town: Region) -> list[Login]:
    """A partner merchant whose cashier is the village's keeper, and the county's housing
    bureau (住建局) with a sub-unit, a case handler and a leader (the appeals' units)."""
    keeper = User.objects.get(phone="13800000004")
    merchant = do_apply_merchant(
        town,
        name="李营老街面馆",
        address="李营老街12号",
        licence_no="91110000802100433B",
        phone="05372345678",
        acting_user=clerk,
    )
    merchant = do_approve_merchant(merchant, acting_user=clerk)
    do_add_staff(merchant, keeper, acting_user=clerk)
    logins = [Login(str(Role.CASHIER.label), keeper.name, keeper.phone, merchant.name)]
    county = town.parent
    housing = do_create_unit(
        name="住房和城乡建设局", kind=UnitKind.DEPARTMENT, region=county, acting_user=admin
    )
    do_create_unit(name="开发办", kind=UnitKind.DEPARTMENT, parent=housing, acting_user=admin)
    for role, phone, name in (
        (Role.HANDLER, "13800000006", "赵承办"),
        (Role.LEADER, "13800000007", "钱主任"),
    ):
        user = do_create_user(
            phone=phone,
            name=name,
            password=DEMO_PASSWORD,
            role=role,
            region=None,
            unit=housing,
            acting_user=admin,
        )
        logins.append(Login(str(role.label), user.name, user.phone, housing.name))
    return logins


# The other staff of each village, for the simulated months (phones 1380001vvrr: village, role).
def _village_staff(
    villages: list[Region], clerk: User, known: dict[int, User]
) -> list[VillageStaff]:
    staff = []
    for index, village in enumerate(villages):

        def make(
            role: Role,
            slot: int,
            name: str,
            resident: Resident | None = None,
            index: int = index,
            village: Region = village,
        ) -> User:
            phone = resident.phone if resident else f"1380001{index:02d}{slot:02d}"
            existing = User.objects.filter(phone=phone).first()
            if existing is not None:
                return existing
            return do_create_user(
                phone=phone,
                name=resident.name if resident else name,
                password=DEMO_PASSWORD,
                role=role,
                region=village,
                resident=resident,
                acting_user=clerk,
            )

        collector = User.objects.filter(phone="13800000003").first() if index == 0 else None
        committee = [User.objects.get(phone="13800000002")] if index == 0 else []
        if index == 1:
            committee = [User.objects.get(phone="13800000005")]
        collector = collector or make(Role.COLLECTOR, 1, f"{village.name[:1]}采集")
        if not committee:
            committee = [make(Role.COMMITTEE, 2, f"{village.name[:1]}评审")]
        committee.append(make(Role.COMMITTEE, 3, f"{village.name[:1]}评审二"))
        heads = (
            Resident.objects.filter(village=village, is_head=True)
            .exclude(phone="")
            .order_by("household__number")
        )
        villagers = [known[village.pk]] if village.pk in known else []
        for resident in heads[1:4]:
            if not User.objects.filter(resident=resident).exists():
                villagers.append(make(Role.VILLAGER, 0, "", resident=resident))
        staff.append(
            VillageStaff(
                village=village, collector=collector, committee=committee, villagers=villagers
            )
        )
    return staff
