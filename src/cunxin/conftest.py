"""Test personas and a small world built through the actions, as a user would build it.

Two towns; town 1 has villages A (前双村) and B (庄头村), town 2 has village C. Personas:
admin (platform), clerk (credit centre of town 1), clerk2 (town 2), committee_a, collector_a,
collector_b, keeper_a, villager_a (a resident of A with a login), and anonymous visitors.

Units (the second axis of scope): village A's shop 前双村信用超市, kept by keeper_a (the shop
keeper role in its unit); the merchant 老王面馆 serving town 1, applied for by keeper_a (its
cashier) and approved by the clerk, where cashier_a (a keeper of village A) sells too; the
county's departments 住建局 (with its sub-unit 开发办) and 综合行政执法局, whose handlers are
handler_a and handler_b.
"""

from __future__ import annotations

import copy
import datetime
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation

from cunxin.accounts.actions import do_create_platform_admin, do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.ledger.fixtures import explain_fixture_grants
from cunxin.merchants.actions.merchants import (
    do_add_staff,
    do_apply_merchant,
    do_approve_merchant,
    do_set_discounts,
)
from cunxin.people.actions import do_import_roster
from cunxin.people.models import Resident
from cunxin.people.spreadsheets import write_csv
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.regions.actions import do_create_region
from cunxin.regions.models import Level, Region
from cunxin.shop.actions.catalogue import do_add_keeper, do_create_shop
from cunxin.tests.postgres_proof import on_postgres, register
from cunxin.units.actions import do_create_unit
from cunxin.units.models import Unit, UnitKind
from cunxin.web.tests.browser import (  # noqa: F401  (one Chromium for every app's tests)
    browser,
    csp_violations_fail_the_test,
)

PASSWORD = "test-pass-2026"
SHOP = "前双村信用超市"
NOODLES = "老王面馆"
NOODLES_LICENCE = "91110000802100433B"  # a real code with a correct check character
NOODLES_DISCOUNTS = {"AAA": 10, "AA": 5, "A": 0}
HOUSING = "住建局"
HOUSING_OFFICE = "开发办"
ENFORCEMENT = "综合行政执法局"
# The personas' display names: names a person could have (the rule of residents' names holds
# for logins too), none of them a resident's, so a page that leaks one is caught.
PERSONA_NAMES = {
    "clerk": "周中心",
    "clerk2": "唐中心",
    "committee_a": "前双评审",
    "collector_a": "前双采集",
    "keeper_a": "前双店主",
    "collector_b": "庄头采集",
    "villager_a": "村民甲",
    "cashier_a": "面馆收银",
    "handler_a": "住建承办",
    "handler_b": "执法承办",
}

# The shop's and coupons' test helpers give points with fixture grants of this kind.
explain_fixture_grants("test.grant")
ROSTER_HEADERS = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")


def make_id(birth: str, seq: int, county: str = "370811") -> str:
    """A valid ID number for a birth date (YYYYMMDD) and a 3-digit sequence."""
    from cunxin.people.idnumber import check_digit

    first17 = f"{county}{birth}{seq:03d}"
    return first17 + check_digit(first17)


# (village, 户号, 户主, 姓名, 关系, 身份证号, 电话)
ROSTER_A = [
    ("前双村", "0001", "张三", "张三", "户主", make_id("19650312", 11), "13905371001"),
    ("前双村", "0001", "张三", "李秀英", "配偶", make_id("19670815", 22), ""),
    ("前双村", "0001", "张三", "张小明", "儿子", make_id("19920101", 33), "13905371002"),
    ("前双村", "0002", "王建国", "王建国", "户主", make_id("19580920", 41), "13905371003"),
    ("前双村", "0002", "王建国", "王丽", "女儿", make_id("19881205", 52), "13905371004"),
]
ROSTER_B = [
    ("庄头村", "0001", "庄德胜", "庄德胜", "户主", make_id("19500606", 61), "13905372001"),
    ("庄头村", "0001", "庄德胜", "庄桂兰", "配偶", make_id("19520707", 72), ""),
]
ROSTER_C = [
    ("唐口村", "0001", "孔繁荣", "孔繁荣", "户主", make_id("19700101", 81), "13905373001"),
]


def roster_csv(
    rows: Sequence[Sequence[object]], headers: tuple[str, ...] = ROSTER_HEADERS
) -> bytes:
    return write_csv(headers, rows)


@dataclass
class World:
    town: Region
    town2: Region
    village_a: Region
    village_b: Region
    village_c: Region
    users: dict[str, User] = field(default_factory=dict)

    def resident(self, name: str) -> Resident:
        return Resident.objects.get(name=name)

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


@pytest.fixture(autouse=True)
def _default_language() -> Any:
    # A request in English leaves English active in the thread; every test starts in Chinese.
    translation.activate("zh-hans")
    yield
    translation.activate("zh-hans")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Evidence photos written by tests go to a throwaway folder, not the developer's var/media.
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


# Argon2 is the production hasher (asserted in test_settings); tests need speed.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


def build_world() -> World:
    admin = do_create_platform_admin(phone="13800000000", name="管理员", password=PASSWORD)
    province = do_create_region(
        code="370000000000", name="山东省", level=Level.PROVINCE, parent=None, acting_user=admin
    )
    city = do_create_region(
        code="370800000000", name="济宁市", level=Level.CITY, parent=province, acting_user=admin
    )
    county = do_create_region(
        code="370811000000", name="任城区", level=Level.COUNTY, parent=city, acting_user=admin
    )
    town = do_create_region(
        code="370811009000", name="李营街道", level=Level.TOWN, parent=county, acting_user=admin
    )
    town2 = do_create_region(
        code="370811010000", name="唐口街道", level=Level.TOWN, parent=county, acting_user=admin
    )
    village_a = do_create_region(
        code="370811009201", name="前双村", level=Level.VILLAGE, parent=town, acting_user=admin
    )
    village_b = do_create_region(
        code="370811009202", name="庄头村", level=Level.VILLAGE, parent=town, acting_user=admin
    )
    village_c = do_create_region(
        code="370811010201", name="唐口村", level=Level.VILLAGE, parent=town2, acting_user=admin
    )
    world = World(
        town=town, town2=town2, village_a=village_a, village_b=village_b, village_c=village_c
    )
    world.users["admin"] = admin

    def user(
        key: str,
        phone: str,
        role: Role,
        region: Region | None,
        acting: User,
        resident: Resident | None = None,
        unit: Unit | None = None,
    ) -> None:
        created = do_create_user(
            phone=phone,
            name=PERSONA_NAMES[key],
            password=PASSWORD,
            role=role,
            region=region,
            unit=unit,
            resident=resident,
            acting_user=acting,
        )
        world.users[key] = created

    user("clerk", "13800000001", Role.CENTRE, town, admin)
    user("clerk2", "13800000009", Role.CENTRE, town2, admin)
    clerk = world.users["clerk"]
    do_import_roster(roster_csv(ROSTER_A + ROSTER_B), "roster.csv", acting_user=clerk)
    do_import_roster(roster_csv(ROSTER_C), "roster.csv", acting_user=world.users["clerk2"])
    user("committee_a", "13800000002", Role.COMMITTEE, village_a, clerk)
    user("collector_a", "13800000003", Role.COLLECTOR, village_a, clerk)
    user("keeper_a", "13800000004", Role.KEEPER, village_a, clerk)
    user("collector_b", "13800000005", Role.COLLECTOR, village_b, clerk)
    user(
        "villager_a",
        "13905371001",
        Role.VILLAGER,
        village_a,
        clerk,
        resident=Resident.objects.get(name="张三"),
    )
    _build_units(world, county)
    User.objects.update(must_change_password=False)
    for u in world.users.values():
        u.refresh_from_db()
    return world


def _build_units(world: World, county: Region) -> None:
    """The shop, the merchant and two county departments, with their people (module doc)."""
    users = world.users
    shop = do_create_shop(
        world.village_a, name=SHOP, address="村委会东侧", acting_user=users["committee_a"]
    )
    do_add_keeper(shop, users["keeper_a"], acting_user=users["committee_a"])
    merchant = do_apply_merchant(
        world.town,
        name=NOODLES,
        address="前双村村口",
        licence_no=NOODLES_LICENCE,
        phone="05371234567",
        acting_user=users["keeper_a"],
    )
    merchant = do_approve_merchant(merchant, acting_user=users["clerk"])
    do_set_discounts(merchant, NOODLES_DISCOUNTS, acting_user=users["keeper_a"])
    users["cashier_a"] = do_create_user(
        phone="13800000013",
        name=PERSONA_NAMES["cashier_a"],
        password=PASSWORD,
        role=Role.KEEPER,
        region=world.village_a,
        acting_user=users["clerk"],
    )
    do_add_staff(merchant, users["cashier_a"], acting_user=users["clerk"])
    admin = users["admin"]
    housing = do_create_unit(
        name=HOUSING, kind=UnitKind.DEPARTMENT, region=county, acting_user=admin
    )
    do_create_unit(name=HOUSING_OFFICE, kind=UnitKind.DEPARTMENT, parent=housing, acting_user=admin)
    enforcement = do_create_unit(
        name=ENFORCEMENT, kind=UnitKind.DEPARTMENT, region=county, acting_user=admin
    )
    for key, phone, unit in (
        ("handler_a", "13800000011", housing),
        ("handler_b", "13800000012", enforcement),
    ):
        users[key] = do_create_user(
            phone=phone,
            name=PERSONA_NAMES[key],
            password=PASSWORD,
            role=Role.HANDLER,
            region=None,
            unit=unit,
            acting_user=admin,
        )


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def add_policy(world: World) -> World:
    """The town's policy and the default catalogue, in force since 2025."""
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    return world


@pytest.fixture
def policy_world(world: World) -> World:
    """The world with the town's policy and the default catalogue in force since 2025."""
    return add_policy(world)


@pytest.fixture(scope="module")
def policy_world_once(
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    """The policy world built once for a whole test module (Django's ``setUpTestData``).

    It is written inside a transaction that stays open while the module's tests run and is
    rolled back after the last one; each test runs in a savepoint inside it (pytest-django's
    ``db``), so what a test writes is gone before the next, on SQLite and PostgreSQL alike.
    Rolling back, not deleting, is the only way: the ledger's rows are append-only. A module
    using it gives its tests a copy (:func:`copy_of`), never this object, and must not mix in
    tests that need a committed database (``transactional_db``, a live server).
    """
    fast = override_settings(
        PASSWORD_HASHERS=FAST_HASHERS, MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))
    )
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        # Counts as the test case's block, so that an action's durable block inside a test
        # still sees a test case around it (as in Django's TestCase).
        outer._from_testcase = True  # type: ignore[attr-defined]
        outer.__enter__()
        try:
            with fast:
                world = add_policy(build_world())
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield world
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def copy_of(world: World) -> World:
    """A test's own copy of a shared world: what a test caches on it or changes in its users'
    instances stays with that test."""
    return copy.deepcopy(world)


def login(user: User | None) -> Client:
    """A client logged in as the user (None: an anonymous visitor)."""
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def as_user() -> Any:
    return login


def running_on_postgres() -> bool:
    return on_postgres()


# What does not depend on the database runs in one pass of CI only: the browser tests (they
# drive pages, whose data layer the rest of the suite checks on both databases) and the API
# fuzzing. `.ci/run` sets this for its PostgreSQL pass; the items are deselected, not skipped.
ONE_DATABASE_MARKERS = ("browser", "fuzz")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``CUNXIN_SECOND_PASS=1`` leaves out the tests marked with ``ONE_DATABASE_MARKERS``;
    ``CUNXIN_FUZZ=off`` leaves out only the fuzzing."""
    markers: tuple[str, ...] = ()
    if os.environ.get("CUNXIN_SECOND_PASS", "") == "1":
        markers = ONE_DATABASE_MARKERS
    elif os.environ.get("CUNXIN_FUZZ", "").lower() in ("off", "0", "no"):
        markers = ("fuzz",)
    if not markers:
        return
    left_out = [i for i in items if any(i.get_closest_marker(m) for m in markers)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [i for i in items if not any(i.get_closest_marker(m) for m in markers)]


def pytest_configure(config: pytest.Config) -> None:
    register(config)  # the PostgreSQL pass proves it ran the PostgreSQL-only tests
