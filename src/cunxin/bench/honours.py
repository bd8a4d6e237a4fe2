"""Honours: choosing a county's monthly credit stars, compared with one bare aggregate.

At month end every village's star candidates are computed (``honours.jobs`` opens last month's
drafts in every village; a committee opening its own month runs the same code for one). This
suite measures ``honours.actions.open_months`` opening one month's drafts for 1,000 villages of
1,000 residents each (10^6 residents; ``--scale`` multiplies the number of villages): the
policies in force (one query), the stars of every village (``ranking.choose_stars``: one
aggregate of the month's effective records grouped by villager, the excluded filtered out and
each village's top ranked by a window function), the red flag of every village
(``ranking.rank_teams``: the teams' current members and their figures of the month), and the
writes — a round, its stars, its red flag, its history row and its audit entry per village.

The world (fixed seed): towns of 100 villages each, made through ``do_create_region``, each
town with its policy and the default catalogue through the policy actions. The rest is a
fixture, inserted fast with ``core.bulk``: households of one to six residents (about 18% under
18, 2% moved out; names, genders and birth dates plausible, ID fields placeholders with unique
hashes — no ciphertext or pinyin tokens: nothing here reads them, and the roster suite measures
making them); effective records of the month and of the month before (each adult has 0–4 a
month, 0.72 on average; 88% rewards, a third of them per-hour volunteer items of 1–4 hours,
12% penalties; points as ``scoring.score`` gives them below any cap); each record with the
transfer the schema demands of an effective record — an empty transfer (no entries), correctly
chained in its village, so the books stay sound: monthly stars read the records, not the
ledger, and posting cost is the ledger suite's figure; two residents a village on the
blacklist (a listed case in force); four teams a village of 25 current members each.

Figure:

* ``monthly_stars``: seconds of ``open_months`` over every village for the month (timed once,
  after the baseline has warmed the caches; PostgreSQL ANALYZEd first). Checked: every village
  has its draft, and for a sample of villages the stars equal the rule applied in Python
  (``ranking.month_candidates``) and the red flag the best team of ``ranking.rank_teams``.
  Baseline: one ``SELECT resident_id, sum(points) FROM records_record WHERE status =
  'effective' AND behaviour_date in the month GROUP BY resident_id``, every row fetched (best
  of three). ``ratio`` = job seconds ÷ aggregate seconds.
"""

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
    Figure,
    Options,
    admin_user,
    profiled,
    region_path,
    say,
    timed,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.policy.models import CatalogueItem, CreditPolicy
    from cunxin.regions.models import Region

FIGURES = ("monthly_stars",)
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
SAMPLE_CHECKS = 5
REPEAT = 3
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


# --- measuring ---------------------------------------------------------------------------------


def aggregate(first: datetime.date, last: datetime.date) -> int:
    """The baseline: the month's effective points per villager, every row fetched."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT resident_id, sum(points) FROM records_record "
            "WHERE status = %s AND behaviour_date >= %s AND behaviour_date <= %s "
            "GROUP BY resident_id",
            ["effective", first, last],
        )
        return len(cursor.fetchall())


def open_all(world: World) -> int:
    """What the scheduler does at month end, for the bench's villages."""
    from cunxin.honours.actions import open_months
    from cunxin.honours.jobs import CHUNK

    opened = 0
    for i in range(0, len(world.villages), CHUNK):
        opened += len(open_months(world.villages[i : i + CHUNK], world.month))
    return opened


def check(world: World) -> None:
    """Every village has its draft; a sample's picks follow the rule as Python applies it."""
    from cunxin.honours.models import FlagPick, Period, Round
    from cunxin.honours.ranking import choose_flag, month_candidates, rank_teams

    rounds = {
        r.village_id: r
        for r in Round.objects.filter(
            village__in=world.villages, period=Period.MONTH, starts_on=world.month
        ).select_related("village", "policy")
    }
    if len(rounds) != len(world.villages):
        raise BenchFailed(f"{len(rounds)} drafts for {len(world.villages)} villages")
    today = datetime.date.today()
    for village in world.rng.sample(world.villages, min(SAMPLE_CHECKS, len(world.villages))):
        r = rounds[village.pk]
        expected = [
            c.resident.pk
            for c in month_candidates(village, world.month, today, r.policy)
            if c.eligible
        ][: r.policy.stars_per_month]
        stars = list(r.stars.order_by("rank").values_list("resident_id", flat=True))
        if stars != expected:
            raise BenchFailed(f"village {village.code}: stars {stars}, the rule says {expected}")
        best = choose_flag(rank_teams([village], world.month, {village.pk: r.policy})[village.pk])
        flag = FlagPick.objects.filter(round=r).first()
        if (flag.team_id if flag else None) != (best.team.pk if best else None):
            raise BenchFailed(f"village {village.code}: red flag is not the best team")


def analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class _Undo(Exception):  # not an error: it carries a result out of a rollback
    """Leaves a trial's transaction, rolling its writes back."""


def trial(world: World) -> float:
    """Seconds of one ``open_all`` whose writes are then rolled back (the rollback untimed)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            seconds, opened = timed(open_all, world)
            raise _Undo(seconds, opened)
    except _Undo as undone:
        seconds, opened = undone.args
    if opened != len(world.villages):
        raise BenchFailed(f"open_months opened {opened} of {len(world.villages)} villages")
    return float(seconds)


def breakdown(world: World) -> str:
    """How the choice divides (untimed for the figure): stars, red flags."""
    from cunxin.honours import ranking

    last = ranking.month_bounds(world.month)[1]
    policies = ranking.policies_in_force(world.villages, last)
    today = datetime.date.today()
    stars_s, _stars = timed(ranking.choose_stars, world.villages, world.month, today, policies)
    teams_s, _teams = timed(ranking.rank_teams, world.villages, world.month, policies)
    return f"choose_stars {stars_s:.2f} s, rank_teams {teams_s:.2f} s"


def measure(world: World, options: Options) -> Figure:
    from cunxin.honours.ranking import month_bounds

    first, last = month_bounds(world.month)
    analyze()
    aggregate(first, last)  # warm
    runs = [timed(aggregate, first, last) for _ in range(REPEAT)]
    baseline_s = min(s for s, _n in runs)
    villagers = runs[0][1]
    say(f"monthly_stars: the aggregate grouped {villagers} villagers in {baseline_s:.3f} s")
    say(f"monthly_stars: of which {breakdown(world)}")
    # Trials rolled back, then the run that stays (its drafts are checked); the best counts.
    samples = [trial(world) for _ in range(REPEAT - 1)]
    if options.profile:
        final_s, opened = timed(profiled, "open_months over every village", open_all, world)
    else:
        final_s, opened = timed(open_all, world)
    if opened != len(world.villages):
        raise BenchFailed(f"open_months opened {opened} of {len(world.villages)} villages")
    samples.append(final_s)
    check(world)
    job_s = min(samples)
    say(
        f"monthly_stars: {opened} villages' stars and red flags chosen and written in "
        f"{job_s:.2f} s (runs: {', '.join(f'{s:.2f}' for s in samples)} s)"
    )
    return Figure(
        "monthly_stars",
        job_s,
        "s",
        baseline_s,
        f"group_by_resident_aggregate:{baseline_s:.4f}s",
        f"one SELECT resident_id, sum(points) … GROUP BY resident_id over the month's "
        f"effective records: {baseline_s:.4f} s",
        f"{len(world.villages)} villages, {world.residents} residents, {world.records} effective "
        f"records of two months; best of {REPEAT}",
        digits=2,
    )


def run(options: Options, only: set[str]) -> list[Figure]:
    world = build_world(options)
    return [measure(world, options)]
