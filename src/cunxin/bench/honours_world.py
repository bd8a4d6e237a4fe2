"""The honours suite's county: a million residents, two months of records, teams and blacklisted villagers, written in bulk (see ``bench/honours.py``)."""

from __future__ import annotations

import datetime
import hashlib
import math
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    Options,
    admin_user,
    region_path,
    say,
    timed,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.policy.models import CatalogueItem, CreditPolicy
    from cunxin.regions.models import Region

SEED = 2028
VILLAGES = 1_000
RESIDENTS_PER_VILLAGE = 1_000
VILLAGES_PER_TOWN = 100
CHUNK_VILLAGES = 20  # villages written per fixture batch
POLICY_START = datetime.date(2025, 1, 1)
# Records a month per adult: 0..4 with these weights (mean 0.72).
RECORDS_PER_ADULT = (0.55, 0.27, 0.11, 0.05, 0.02)
PENALTY_SHARE = 0.12
HOURLY_SHARE = 1 / 3
BLACKLISTED_PER_VILLAGE = 2
TEAMS_PER_VILLAGE = 4
MEMBERS_PER_TEAM = 25
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华国庆玉兰春梅志强海燕"
TEAM_NAMES = ("党员先锋队", "巾帼服务队", "治安联防队", "青年志愿者")


@dataclass
class World:
    villages: list[Region]
    month: datetime.date  # first day of the measured month
    records: int
    residents: int
    rng: random.Random


# --- the world --------------------------------------------------------------------------------


def _towns(count: int) -> list[tuple[str, str]]:
    return [(f"370811{101 + t:03d}000", f"第{t + 1}镇") for t in range(count)]


def build_regions(villages: int) -> tuple[list[Region], list[Region], User]:
    """Towns and their villages, each town with its policy and catalogue, through the actions."""
    from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level

    admin = admin_user()
    towns = []
    made: list[Region] = []
    for t, (code, name) in enumerate(_towns(math.ceil(villages / VILLAGES_PER_TOWN))):
        town = region_path([*COUNTY, (code, name, "town")])
        towns.append(town)
        do_save_policy(
            town,
            values={"name": f"{name}村民信用积分管理办法"},
            effective_from=POLICY_START,
            acting_user=admin,
            reason="benchmark",
        )
        do_install_default_catalogue(town, acting_user=admin, effective_from=POLICY_START)
        here = min(VILLAGES_PER_TOWN, villages - t * VILLAGES_PER_TOWN)
        for v in range(here):
            made.append(
                do_create_region(
                    code=f"{code[:9]}{201 + v:03d}",
                    name=f"{name}{v + 1}村",
                    level=Level.VILLAGE,
                    parent=town,
                    acting_user=admin,
                )
            )
    return towns, made, admin


@dataclass
class _Items:
    rewards: list[CatalogueItem]
    hourly: list[CatalogueItem]
    penalties: list[CatalogueItem]


def _items(town: Region) -> _Items:
    from cunxin.policy.models import CatalogueItem, Direction, Scoring
    from cunxin.volunteering.hourly import HOUR_UNITS

    items = list(CatalogueItem.objects.filter(region=town, active=True).order_by("code"))
    hourly = [
        i
        for i in items
        if i.direction == Direction.REWARD
        and i.scoring == Scoring.PER_UNIT
        and i.unit in HOUR_UNITS
    ]
    rewards = [i for i in items if i.direction == Direction.REWARD and i.scoring == Scoring.FIXED]
    penalties = [
        i for i in items if i.direction == Direction.PENALTY and i.scoring == Scoring.FIXED
    ]
    return _Items(rewards, hourly, penalties)


def _birth(rng: random.Random, today: datetime.date) -> datetime.date:
    low, high = rng.choices(((0, 17), (18, 59), (60, 92)), (18, 55, 27))[0]
    age = rng.randint(low, high)
    return datetime.date(today.year - age - 1, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))


class _Table:
    """Rows of one model as plain lists in column order, converted to database form once per
    distinct value and inserted with ``core.bulk`` (COPY on PostgreSQL). The columns must be
    exactly the model's, so a change of schema fails here loudly instead of writing nonsense."""

    def __init__(self, model: Any, columns: tuple[str, ...]) -> None:
        from django.db import models

        self.model = model
        self.columns = columns
        fields = {f.column: f for f in model._meta.concrete_fields if not f.primary_key}
        if set(columns) != set(fields):
            raise BenchFailed(f"{model.__name__}: columns {sorted(set(fields) ^ set(columns))}")
        self.fields = [fields[c] for c in columns]
        # Values the drivers take as they are (``core.bulk`` treats the same types so).
        as_is = (
            models.CharField,
            models.TextField,
            models.IntegerField,
            models.BooleanField,
            models.ForeignKey,
        )
        self.plain = [isinstance(f, as_is) for f in self.fields]

    def insert(self, rows: list[list[Any]], *, ids: bool = False) -> list[int]:
        """Insert the rows; with ``ids``, their new primary keys in order."""
        from django.db import connection

        from cunxin.core import bulk

        cache: dict[tuple[int, Any], Any] = {}
        for row in rows:
            for n, (field, plain) in enumerate(zip(self.fields, self.plain, strict=True)):
                value = row[n]
                if plain or value is None:
                    continue
                key = (n, value)
                if key not in cache:
                    cache[key] = field.get_db_prep_save(value, connection)
                row[n] = cache[key]
        if not ids:
            bulk.insert_rows(self.model, self.columns, rows)
            return []
        if connection.vendor == "postgresql":
            new = bulk.next_ids(self.model, len(rows))
            bulk.copy_rows(
                self.model,
                [self.model._meta.pk.column, *self.columns],
                [[pk, *row] for pk, row in zip(new, rows, strict=True)],
            )
            return new
        returned = bulk.insert_rows(self.model, self.columns, rows, returning=("id",))
        return [r[0] for r in returned]


HOUSEHOLD_COLUMNS = ("village_id", "number", "address", "created_at")
RESIDENT_COLUMNS = (
    "household_id",
    "village_id",
    "name",
    "name_search",
    "id_cipher",
    "id_hash",
    "id_masked",
    "id_tail",
    "gender",
    "birth_date",
    "phone",
    "relation",
    "is_head",
    "status",
    "created_at",
    "updated_at",
)
TRANSFER_COLUMNS = (
    "key",
    "kind",
    "memo",
    "village_id",
    "seq",
    "prev_hash",
    "hash",
    "reverses_id",
    "created_at",
)
RECORD_COLUMNS = (
    "client_id",
    "village_id",
    "resident_id",
    "item_id",
    "policy_id",
    "quantity",
    "behaviour_date",
    "note",
    "points",
    "base_points",
    "scoring_note",
    "status",
    "collected_by_id",
    "created_at",
    "reviewed_at",
    "reject_reason",
    "notice_id",
    "effective_at",
    "transfer_id",
    "reverses_id",
    "expires_on",
    "score_closed_at",
)


@dataclass
class _Person:
    pk: int
    birth_date: datetime.date
    active: bool


def _people(
    village: Region, rng: random.Random, today: datetime.date, when: datetime.datetime
) -> list[_Person]:
    """The village's households and residents, inserted."""
    from cunxin.people.models import Household, Resident, ResidentStatus

    households: list[list[Any]] = []
    sizes: list[int] = []
    made = 0
    while made < RESIDENTS_PER_VILLAGE:
        size = min(RESIDENTS_PER_VILLAGE - made, rng.choice((1, 2, 2, 3, 3, 4, 4, 5, 6)))
        households.append([village.pk, f"{len(households) + 1:04d}", "", when])
        sizes.append(size)
        made += size
    household_ids = _Table(Household, HOUSEHOLD_COLUMNS).insert(households, ids=True)
    rows: list[list[Any]] = []
    for household_id, size in zip(household_ids, sizes, strict=True):
        surname = rng.choice(SURNAMES)
        for n in range(size):
            digest = hashlib.sha256(f"{village.code}-{len(rows)}".encode()).hexdigest()
            moved = rng.random() < 0.02
            rows.append(
                [
                    household_id,
                    village.pk,
                    surname + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
                    "",
                    "",
                    digest,
                    f"370811********{digest[:4]}",
                    digest[:4],
                    rng.choice("MF"),
                    _birth(rng, today),
                    "",
                    "户主" if n == 0 else "家庭成员",
                    n == 0,
                    ResidentStatus.MOVED_OUT if moved else ResidentStatus.ACTIVE,
                    when,
                    when,
                ]
            )
    births = [row[9] for row in rows]
    active = [row[13] == ResidentStatus.ACTIVE for row in rows]
    ids = _Table(Resident, RESIDENT_COLUMNS).insert(rows, ids=True)
    return [_Person(pk, b, a) for pk, b, a in zip(ids, births, active, strict=True)]


def _record(
    rng: random.Random,
    items: _Items,
    village: Region,
    policy: CreditPolicy,
    person: _Person,
    day: datetime.date,
    admin: User,
    when: datetime.datetime,
) -> list[Any]:
    from cunxin.policy.models import Scoring
    from cunxin.records.models import Status

    roll = rng.random()
    if roll < PENALTY_SHARE:
        item = rng.choice(items.penalties)
    elif roll < PENALTY_SHARE + (1 - PENALTY_SHARE) * HOURLY_SHARE:
        item = rng.choice(items.hourly)
    else:
        item = rng.choice(items.rewards)
    quantity = 1 if item.scoring == Scoring.FIXED else rng.randint(1, 4)
    return [
        uuid.UUID(int=rng.getrandbits(128), version=4),
        village.pk,
        person.pk,
        item.pk,
        policy.pk,
        Decimal(quantity),
        day,
        "",
        item.signed_points * quantity,
        item.points * quantity,
        "",
        Status.EFFECTIVE,
        admin.pk,
        when,
        when,
        "",
        None,
        when,
        None,  # the transfer, once inserted
        None,
        None,
        None,
    ]


def fill_village_chunk(
    villages: list[Region],
    month: datetime.date,
    items: dict[int, _Items],
    policies: dict[int, CreditPolicy],
    admin: User,
    rng: random.Random,
) -> tuple[int, int]:
    """People, two months of effective records, teams and blacklist cases of some villages."""
    from django.db import transaction

    from cunxin.blacklist.models import BlacklistCase, CaseStatus
    from cunxin.honours.ranking import month_bounds
    from cunxin.ledger.chain import GENESIS, link_hash
    from cunxin.ledger.models import ChainHead, Transfer
    from cunxin.records.models import Record
    from cunxin.volunteering.models import Team, TeamMember

    today = datetime.date.today()
    previous = (month - datetime.timedelta(days=1)).replace(day=1)
    when = datetime.datetime.combine(month, datetime.time(8), tzinfo=datetime.UTC)
    adult = today.replace(year=today.year - 18)
    residents = records = 0
    transfer_table = _Table(Transfer, TRANSFER_COLUMNS)
    record_table = _Table(Record, RECORD_COLUMNS)
    with transaction.atomic():
        for village in villages:
            people = _people(village, rng, today, when)
            residents += len(people)
            adults = [p for p in people if p.birth_date <= adult and p.active]
            rows = []
            for first in (previous, month):
                last = month_bounds(first)[1]
                for person in adults:
                    for _ in range(rng.choices(range(5), RECORDS_PER_ADULT)[0]):
                        day = first + datetime.timedelta(days=rng.randint(0, last.day - 1))
                        rows.append(
                            _record(
                                rng,
                                items[village.pk],
                                village,
                                policies[village.pk],
                                person,
                                day,
                                admin,
                                when,
                            )
                        )
            transfers, prev = [], GENESIS
            for seq in range(1, len(rows) + 1):
                key = f"bench:stars:{village.pk}:{seq}"
                digest = link_hash(
                    prev_hash=prev,
                    village_code=village.code,
                    seq=seq,
                    key=key,
                    kind="record.effect",
                    memo="",
                    reverses_key="",
                    created_at=when,
                    entries=[],
                )
                transfers.append(
                    [key, "record.effect", "", village.pk, seq, prev, digest, None, when]
                )
                prev = digest
            for row, transfer_id in zip(
                rows, transfer_table.insert(transfers, ids=True), strict=True
            ):
                row[RECORD_COLUMNS.index("transfer_id")] = transfer_id
            record_table.insert(rows)
            ChainHead.objects.create(village=village, seq=len(transfers), hash=prev)
            records += len(rows)
            listed = rng.sample(adults, BLACKLISTED_PER_VILLAGE)
            BlacklistCase.objects.bulk_create(
                BlacklistCase(
                    village=village,
                    resident_id=p.pk,
                    status=CaseStatus.LISTED,
                    basis="grade",
                    score=590,
                    grade="D",
                    reason="benchmark",
                    ends_on=today + datetime.timedelta(days=365),
                    repair_from=today + datetime.timedelta(days=180),
                    decided_by=admin,
                    decided_at=when,
                )
                for p in listed
            )
            teams = Team.objects.bulk_create(
                Team(village=village, name=name) for name in TEAM_NAMES[:TEAMS_PER_VILLAGE]
            )
            pool = rng.sample(adults, min(len(adults), TEAMS_PER_VILLAGE * MEMBERS_PER_TEAM))
            TeamMember.objects.bulk_create(
                TeamMember(team=teams[n % len(teams)], resident_id=p.pk, joined_on=POLICY_START)
                for n, p in enumerate(pool)
            )
    return residents, records


def build_world(options: Options) -> World:
    from cunxin.policy.models import CreditPolicy

    villages = max(2, round(VILLAGES * options.scale))
    rng = random.Random(SEED)  # noqa: S311 - a seeded fixture, not a secret
    seconds, (towns, made, admin) = timed(build_regions, villages)
    say(f"honours: {len(towns)} towns, {len(made)} villages made in {seconds:.1f} s")
    today = datetime.date.today()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    town_items = {t.code: _items(t) for t in towns}
    town_policies = {t.code: CreditPolicy.objects.get(region=t) for t in towns}
    items = {v.pk: town_items[v.town_code()] for v in made}
    policies = {v.pk: town_policies[v.town_code()] for v in made}
    residents = records = 0

    def fill() -> None:
        nonlocal residents, records
        for i in range(0, len(made), CHUNK_VILLAGES):
            r, n = fill_village_chunk(
                made[i : i + CHUNK_VILLAGES], month, items, policies, admin, rng
            )
            residents += r
            records += n

    seconds, _none = timed(fill)
    say(
        f"honours: {residents} residents and {records} effective records of two months "
        f"inserted in {seconds:.1f} s"
    )
    return World(villages=made, month=month, records=records, residents=residents, rng=rng)
