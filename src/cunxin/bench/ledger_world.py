"""The ledger suite's county: its villages and villagers, and how the ledger is grown
between the figures (see ``bench/ledger.py``)."""

from __future__ import annotations

import datetime
import math
import random
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from unittest import mock

from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    admin_user,
    region_path,
    say,
    timed,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.regions.models import Region

SEED = 2027
RESIDENTS_PER_VILLAGE = 1_000
RECORDS = 100_000
SMALL_LEDGER = 100_000
LARGE_LEDGER = 1_000_000
LONG_HISTORY = 25  # postings of each villager whose standing is read (more than a page)
PAGE = 20
READS = 3_000
ROUNDS = 30  # the two sizes take turns, READS / ROUNDS reads at a time
WARMUP_READS = 300  # 10 untimed a turn
GROW_BATCH = 5_000
INSERT_BATCH = 2_000
ENTRIES_PER_TRANSFER = 4  # issuance → villager, in score and in spendable points
ROWS_PER_HOUSEHOLD = 3.6
POLICY_START = datetime.date(2025, 1, 1)
TOWN = ("370811010000", "唐口街道", "town")
# (code, name, main surnames): the town's villages.
VILLAGES = (
    ("370811010201", "前屯村", ["张", "王", "李"]),
    ("370811010202", "后屯村", ["王", "刘", "陈"]),
    ("370811010203", "东关村", ["刘", "杨", "赵"]),
    ("370811010204", "西关村", ["赵", "黄", "周"]),
    ("370811010205", "南营村", ["孙", "马", "朱"]),
    ("370811010206", "北营村", ["马", "胡", "郭"]),
    ("370811010207", "王庄村", ["王", "林", "何"]),
    ("370811010208", "李庄村", ["李", "高", "罗"]),
    ("370811010209", "张楼村", ["张", "郑", "梁"]),
    ("370811010210", "刘楼村", ["刘", "谢", "宋"]),
    ("370811010211", "孙集村", ["孙", "唐", "许"]),
    ("370811010212", "赵集村", ["赵", "韩", "冯"]),
    ("370811010213", "马坊村", ["马", "邓", "曹"]),
    ("370811010214", "杨屯村", ["杨", "彭", "曾"]),
    ("370811010215", "徐庄村", ["徐", "肖", "田"]),
    ("370811010216", "高庙村", ["高", "董", "袁"]),
    ("370811010217", "郭家村", ["郭", "潘", "于"]),
    ("370811010218", "何家村", ["何", "蒋", "蔡"]),
    ("370811010219", "罗家村", ["罗", "余", "杜"]),
    ("370811010220", "宋庄村", ["宋", "叶", "程"]),
)
# Items of the default catalogue a month's records use, with how often (rewards mostly).
ITEM_WEIGHTS = {"reward": 0.85, "penalty": 0.15}


@dataclass(frozen=True)
class Sizes:
    residents_per_village: int
    records: int
    small: int
    large: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            residents_per_village=max(20, round(RESIDENTS_PER_VILLAGE * scale)),
            records=max(100, round(RECORDS * scale)),
            small=max(1_000, round(SMALL_LEDGER * scale)),
            large=max(10_000, round(LARGE_LEDGER * scale)),
        )


@dataclass
class World:
    town: Region
    villages: list[Region]
    clerk: User
    collectors: dict[int, User]
    committee: dict[int, User]
    # Adults (resident id, village id): the people records are about.
    adults: list[tuple[int, int]]
    rng: random.Random
    grown: int = 0  # transfers posted by ``grow`` so far (their keys count up)
    read_group: list[int] = field(default_factory=list)


# --- the world --------------------------------------------------------------------------------


@contextmanager
def _quick_passwords() -> Iterator[None]:
    """Every bench login gets one precomputed hash (Argon2 on purpose costs ~0.2 s each)."""
    from django.contrib.auth.hashers import make_password

    from cunxin.accounts.models import User

    hashed = make_password(secrets.token_urlsafe(16))  # nobody logs in
    with mock.patch.object(
        User, "set_password", lambda user, raw: setattr(user, "password", hashed)
    ):
        yield


def build_world(sizes: Sizes) -> World:
    """The town, its villages, staff, policy, catalogue and roster, through the actions."""
    from cunxin.accounts.actions import do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.demo.people import roster_rows
    from cunxin.people.actions import do_import_roster
    from cunxin.people.models import Resident
    from cunxin.people.spreadsheets import write_csv
    from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level

    admin = admin_user()
    town = region_path([*COUNTY, TOWN])
    villages = [
        do_create_region(code=code, name=name, level=Level.VILLAGE, parent=town, acting_user=admin)
        for code, name, _s in VILLAGES
    ]
    password = secrets.token_urlsafe(16)  # nobody logs in
    with _quick_passwords():
        clerk = do_create_user(
            phone="13800000011",
            name="唐信用",
            password=password,
            role=Role.CENTRE,
            region=town,
            acting_user=admin,
        )
        collectors, committee = {}, {}
        for index, village in enumerate(villages):
            collectors[village.pk] = do_create_user(
                phone=f"138000201{index:02d}",
                name=f"{village.name[:1]}采集",
                password=password,
                role=Role.COLLECTOR,
                region=village,
                acting_user=clerk,
            )
            committee[village.pk] = do_create_user(
                phone=f"138000202{index:02d}",
                name=f"{village.name[:1]}评审",
                password=password,
                role=Role.COMMITTEE,
                region=village,
                acting_user=clerk,
            )
    do_save_policy(
        town,
        values={"name": "唐口街道村民信用积分管理办法"},
        effective_from=POLICY_START,
        acting_user=clerk,
        reason="benchmark",
    )
    do_install_default_catalogue(town, acting_user=clerk, effective_from=POLICY_START)
    households = max(1, round(sizes.residents_per_village / ROWS_PER_HOUSEHOLD))
    rows = roster_rows([(name, households, surnames) for _c, name, surnames in VILLAGES], SEED)
    headers = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
    result = do_import_roster(
        write_csv(headers, rows), "唐口街道花名册.csv", acting_user=clerk, reason="benchmark"
    )
    if result.errors:
        raise BenchFailed(f"roster import failed: {result.errors[:3]}")
    today = datetime.date.today()
    adult_born = today.replace(year=today.year - 18)
    adults = list(
        Resident.objects.filter(village__in=villages, birth_date__lte=adult_born)
        .order_by("pk")
        .values_list("pk", "village_id")
    )
    return World(
        town=town,
        villages=villages,
        clerk=clerk,
        collectors=collectors,
        committee=committee,
        adults=adults,
        rng=random.Random(SEED),  # noqa: S311 - a seeded fixture, not a secret
    )


# --- growing the ledger -------------------------------------------------------------------------


def entry_count() -> int:
    from cunxin.ledger.models import Entry

    return Entry.objects.count()


def grow(world: World, residents: Sequence[tuple[int, int]]) -> None:
    """One effective reward or penalty record per (resident, village) given, in order, with its
    transfer posted through ``post_many`` (5,000 a transaction), so that ``check_ledger``
    reconciles every transfer of the grown ledger with its record.

    The records are a fixture, as in ``records_in_notice``: made with ``bulk_create`` in the
    state taking effect leaves them (effective, their transfer keyed ``record:<pk>:effect``),
    without the events and notices of the steps before, which neither reading a standing nor
    checking the ledger looks at.
    """
    import uuid

    from django.db import connection, transaction
    from django.utils import timezone

    from cunxin.core import bulk
    from cunxin.ledger import actions as ledger
    from cunxin.ledger.models import POINTS
    from cunxin.policy.models import CatalogueItem, CreditPolicy
    from cunxin.records.models import Record, Status

    rng = world.rng
    policy = CreditPolicy.objects.get(region=world.town)
    item = CatalogueItem.objects.filter(region=world.town, active=True).order_by("code").first()
    assert item is not None
    day = datetime.date.today() - datetime.timedelta(days=40)
    effective_at = Record._meta.get_field("effective_at")
    for start in range(0, len(residents), GROW_BATCH):
        chunk = residents[start : start + GROW_BATCH]
        with transaction.atomic():
            records = []
            for resident_id, village_id in chunk:
                points = rng.choice((1, 2, 2, 3, 5, 5, 10, -2, -5))
                records.append(
                    Record(
                        client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        village_id=village_id,
                        resident_id=resident_id,
                        item=item,
                        policy=policy,
                        behaviour_date=day,
                        points=points,
                        base_points=abs(points),
                        status=Status.APPROVED,
                        collected_by=world.collectors[village_id],
                    )
                )
            Record.objects.bulk_create(records, batch_size=INSERT_BATCH)
            accounts = ledger.resident_account_ids(sorted(set(chunk)))
            issuance = ledger.issuance_account_ids([v for _r, v in chunk])
            specs = []
            for record in records:
                legs: list[tuple[int, int]] = []
                for currency in POINTS:
                    legs.append((issuance[(record.village_id, currency)], -record.points))
                    legs.append((accounts[(record.resident_id, currency)], record.points))
                world.grown += 1
                specs.append(
                    ledger.TransferSpec(
                        key=f"record:{record.pk}:effect",
                        kind="record.effect",
                        village_id=record.village_id,
                        legs=tuple(legs),
                        memo=f"record:{record.pk}",
                    )
                )
            transfers = ledger.post_many(specs)
            bulk.update_rows(
                Record,
                ("transfer_id",),
                [(r.pk, t.pk) for r, t in zip(records, transfers, strict=True)],
                constants={
                    "status": Status.EFFECTIVE,
                    "effective_at": effective_at.get_db_prep_save(timezone.now(), connection),
                },
            )


def grow_to(world: World, entries: int) -> None:
    """Random villagers get postings until the ledger holds about ``entries`` entries."""
    missing = entries - entry_count()
    if missing <= 0:
        return
    transfers = math.ceil(missing / ENTRIES_PER_TRANSFER)
    seconds, _none = timed(grow, world, [world.rng.choice(world.adults) for _ in range(transfers)])
    say(
        f"grew the ledger by {transfers} transfers in {seconds:.1f} s ({transfers / seconds:.0f}/s)"
    )


def give_history(world: World, entries: int) -> None:
    """The villagers whose standing is read get ``LONG_HISTORY`` postings each (in random
    order), ``entries`` entries in all."""
    people = max(1, entries // (ENTRIES_PER_TRANSFER * LONG_HISTORY))
    chosen = world.rng.sample(world.adults, min(people, len(world.adults)))
    world.read_group = [r for r, _v in chosen]
    order = [pair for pair in chosen for _ in range(LONG_HISTORY)]
    world.rng.shuffle(order)
    seconds, _none = timed(grow, world, order)
    say(
        f"gave {len(chosen)} villagers {LONG_HISTORY} postings each: {len(order)} transfers "
        f"in {seconds:.1f} s ({len(order) / seconds:.0f}/s)"
    )


def analyze() -> None:
    """On PostgreSQL, refresh the planner's statistics (autovacuum would have by now)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
