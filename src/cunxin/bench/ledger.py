"""The ledger: a county's month taking effect, a villager reading their standing, the audit.

The world is one town of 20 villages with ~1,000 villagers each (``demo.people.roster_rows``,
fixed seed, imported through ``do_import_roster``), a committee member and a collector per
village, the town's policy and the default catalogue, all made through the actions. Sizes
below are at ``--scale 1``; ``--scale`` multiplies every one of them.

Figures:

* ``take_effect``: records/s of ``records.actions.effect.take_effect_due(now=...)`` taking
  effect 100,000 records of the villages' notices (about five per villager, in the random order
  collectors enter them). The records are a fixture, made fast with ``Record.objects
  .bulk_create``: in IN_NOTICE, reviewed, in a ``Notice`` per village whose period ended a day
  ago and which holds the village's chain head at publication — the state ``do_collect`` →
  ``do_approve`` → ``do_publish_notice`` leave — without the ``RecordEvent``, ``Approval`` and
  evidence rows of those steps, which taking effect never reads. Each is a random item of the
  default catalogue (85% rewards) worth its points × a quantity of 1–3 for per-hour items,
  signed, as ``scoring.score`` gives them below any monthly cap. Every villager has their two
  accounts already, as after an earlier month (the first month also opens them). Everything
  the job does is timed: claiming, the postings, statuses and events, expiry dates, grade
  changes, messages and the texts sent after each batch commits (to the log backend, with
  logging at WARNING). Checked: every record effective; the books are checked at the end.
  Baseline: the same postings as a plain insert. The transfers and entries the job wrote are
  read back and turned into equal rows under fresh keys that continue each village's chain
  (hashes computed before the clock starts); ``Transfer.objects.bulk_create`` +
  ``Entry.objects.bulk_create`` of them, 2,000 rows a statement, in one transaction, is timed.
  Afterwards (untimed) the balances and chain heads are brought up to date, so the books stay
  sound and the copies count toward the 10^6 entries of the next figures. ``ratio`` = job
  records/s ÷ insert records/s; goal ≥ 0.5.
* ``score_read``: milliseconds, at the 99th percentile, to read one villager's score, grade,
  spendable points and latest statement page (``records.standing.standing`` and
  ``records.standing.statement``, 20 lines with their transfers and records, after loading the
  resident: what ``/people/me/statement/`` reads),
  with 10^5 entries in the ledger and with 10^6. The villagers read are 1,000 with 25 postings
  each at 10^5 entries, so both sizes read full pages: only the ledger around them grows. At
  10^5 entries the database is copied (SQLite's backup API; PostgreSQL ``CREATE DATABASE …
  TEMPLATE``, after ANALYZE); at 10^6 (ANALYZEd on PostgreSQL, as autovacuum would have) the
  two take 30 turns each, 100 timed reads of random villagers a turn after 10 untimed ones on
  a fresh connection, so a change in a shared machine's load meets both sizes alike. p50 and
  p99 are over the 3,000 timed reads of each size. Python's cyclic collector is paused during
  timed reads (the bench's own heap is not what is measured). ``ratio`` = p99 at 10^6 ÷ p99 at
  10^5 (goal ≤ 1.2); the p50s are printed and kept in the docs.
* ``check_ledger``: seconds of ``ledger.checks.check_ledger()`` (what ``cunxin check-ledger``
  runs) over 10^6 entries; it must find no problem. Baseline: one ``SELECT count(*),
  sum(amount) FROM ledger_entry`` over the same table in the same run (best of three, warm);
  ``ratio`` = check seconds ÷ scan seconds.

The ledger grows between the figures through ``ledger.actions.post_many`` (reward-shaped
transfers of 2 × 2 legs, 5,000 a transaction), which keeps every invariant by construction:
first 25 transfers for each of the 1,000 villagers read (exactly 10^5 entries), then take effect
(4 × 10^5) and its baseline copies (4 × 10^5), then random villagers up to 10^6. Without
``take_effect`` (``--only``), the growth makes up the difference. ``--profile`` runs a tenth
of the records through the job again under cProfile, profiles 200 reads and a second check.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import random
import secrets
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING
from unittest import mock

from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    Figure,
    Options,
    admin_user,
    copy_database,
    gc_paused,
    percentile,
    profiled,
    region_path,
    say,
    switched_to,
    timed,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.ledger.models import Entry, Transfer
    from cunxin.regions.models import Region

FIGURES = ("take_effect", "score_read", "check_ledger")
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
    """Post one reward-shaped transfer per (resident, village) given, in order, through
    ``post_many`` (5,000 a transaction)."""
    from django.db import transaction

    from cunxin.ledger import actions as ledger
    from cunxin.ledger.models import POINTS

    rng = world.rng
    for start in range(0, len(residents), GROW_BATCH):
        chunk = residents[start : start + GROW_BATCH]
        with transaction.atomic():
            accounts = ledger.resident_account_ids(sorted(set(chunk)))
            issuance = ledger.issuance_account_ids([v for _r, v in chunk])
            specs = []
            currencies = POINTS
            for resident_id, village_id in chunk:
                points = rng.choice((1, 2, 2, 3, 5, 5, 10, -2, -5))
                legs: list[tuple[int, int]] = []
                for currency in currencies:
                    legs.append((issuance[(village_id, currency)], -points))
                    legs.append((accounts[(resident_id, currency)], points))
                world.grown += 1
                specs.append(
                    ledger.TransferSpec(
                        key=f"bench:grow:{world.grown}",
                        kind="bench.grow",
                        village_id=village_id,
                        legs=tuple(legs),
                        memo="benchmark history",
                    )
                )
            ledger.post_many(specs)


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


# --- take_effect ----------------------------------------------------------------------------------


def records_in_notice(world: World, count: int, now: datetime.datetime) -> int:
    """``count`` records in the villages' notices, whose period ended a day before ``now``."""
    from cunxin.ledger.chain import GENESIS
    from cunxin.ledger.models import ChainHead
    from cunxin.policy.models import CatalogueItem, CreditPolicy, Direction, Scoring
    from cunxin.records.models import Notice, Record, Status

    rng = world.rng
    policy = CreditPolicy.objects.get(region=world.town)
    items = list(CatalogueItem.objects.filter(region=world.town, active=True).order_by("code"))
    by_direction = {
        d: [i for i in items if i.direction == d] for d in (Direction.REWARD, Direction.PENALTY)
    }
    heads = {h.village_id: h for h in ChainHead.objects.all()}
    published = now - datetime.timedelta(days=policy.notice_days + 1)
    notices = {}
    for village in world.villages:
        head = heads.get(village.pk)
        number = Notice.objects.filter(village=village).count() + 1
        notices[village.pk] = Notice.objects.create(
            village=village,
            number=number,
            published_at=published,
            ends_at=published + datetime.timedelta(days=policy.notice_days),
            published_by=world.committee[village.pk],
            chain_seq=head.seq if head else 0,
            chain_hash=head.hash if head else GENESIS,
        )
    day = datetime.date.today() - datetime.timedelta(days=policy.notice_days + 3)
    records = []
    for _ in range(count):
        resident_id, village_id = rng.choice(world.adults)
        direction = Direction.REWARD if rng.random() < ITEM_WEIGHTS["reward"] else Direction.PENALTY
        item = rng.choice(by_direction[direction])
        quantity = Decimal(1) if item.scoring == Scoring.FIXED else Decimal(rng.randint(1, 3))
        base = int(item.points * quantity)
        points = base if direction == Direction.REWARD else -base
        records.append(
            Record(
                client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                village_id=village_id,
                resident_id=resident_id,
                item=item,
                policy=policy,
                quantity=quantity,
                behaviour_date=day - datetime.timedelta(days=rng.randrange(28)),
                points=points,
                base_points=base,
                status=Status.IN_NOTICE,
                collected_by=world.collectors[village_id],
                reviewed_at=published - datetime.timedelta(hours=2),
                notice=notices[village_id],
            )
        )
    Record.objects.bulk_create(records, batch_size=INSERT_BATCH)
    return len(records)


def open_accounts(world: World) -> None:
    """Every adult villager's two accounts, as earlier months leave them (made on first use,
    through the ledger's own function)."""
    from django.db import transaction

    from cunxin.ledger import actions as ledger

    with transaction.atomic():
        ledger.resident_account_ids(world.adults)


def run_take_effect(now: datetime.datetime) -> int:
    from cunxin.records.actions.effect import take_effect_due

    return take_effect_due(now=now)


@dataclass
class Copies:
    """Rows equal to the job's postings, under fresh keys that continue each village's chain."""

    transfers: list[Transfer]
    entries: list[Entry]
    balances: dict[int, int]  # account → what the copies add to it
    heads: dict[int, tuple[int, str]]  # village → (seq, hash) after the copies


def copies_of(since_transfer: int) -> Copies:
    """The transfers (and entries) with pk above ``since_transfer``, as unsaved copies."""
    from cunxin.ledger.chain import link_hash
    from cunxin.ledger.models import ChainHead, Entry, Transfer
    from cunxin.regions.models import Region

    legs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for transfer_id, account_id, amount in (
        Entry.objects.filter(transfer_id__gt=since_transfer)
        .order_by("pk")
        .values_list("transfer_id", "account_id", "amount")
        .iterator(chunk_size=10_000)
    ):
        legs[transfer_id].append((account_id, amount))
    heads = {h.village_id: (h.seq, h.hash) for h in ChainHead.objects.all()}
    codes = dict(Region.objects.filter(pk__in=heads).values_list("pk", "code"))
    transfers: list[Transfer] = []
    entries: list[Entry] = []
    balances: dict[int, int] = defaultdict(int)
    for pk, key, kind, memo, village_id, created_at in (
        Transfer.objects.filter(pk__gt=since_transfer)
        .order_by("pk")
        .values_list("pk", "key", "kind", "memo", "village_id", "created_at")
        .iterator(chunk_size=10_000)
    ):
        seq, prev = heads[village_id]
        copy_key = f"bench:copy:{key}"
        digest = link_hash(
            prev_hash=prev,
            village_code=codes[village_id],
            seq=seq + 1,
            key=copy_key,
            kind=kind,
            memo=memo,
            reverses_key="",
            created_at=created_at,
            entries=legs[pk],
        )
        heads[village_id] = (seq + 1, digest)
        transfer = Transfer(
            key=copy_key,
            kind=kind,
            memo=memo,
            village_id=village_id,
            seq=seq + 1,
            prev_hash=prev,
            hash=digest,
            created_at=created_at,
        )
        transfers.append(transfer)
        for account_id, amount in legs[pk]:
            entries.append(Entry(transfer=transfer, account_id=account_id, amount=amount))
            balances[account_id] += amount
    return Copies(transfers=transfers, entries=entries, balances=balances, heads=heads)


def bulk_insert(copies: Copies) -> None:
    """The baseline: a plain insert of the rows, in one transaction."""
    from django.db import transaction

    from cunxin.ledger.models import Entry, Transfer

    with transaction.atomic():
        Transfer.objects.bulk_create(copies.transfers, batch_size=INSERT_BATCH)
        Entry.objects.bulk_create(copies.entries, batch_size=INSERT_BATCH)


def settle_copies(copies: Copies) -> None:
    """Balances and chain heads as the copies leave them (untimed), so the books stay sound."""
    from django.db import connection, transaction

    from cunxin.ledger.models import ChainHead

    items = sorted(copies.balances.items())
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH v(id, delta) AS (VALUES {values}) "  # noqa: S608 - placeholders only
                "UPDATE ledger_account SET balance = balance + v.delta FROM v "
                "WHERE ledger_account.id = v.id",
                [x for pair in chunk for x in pair],
            )
        for village_id, (seq, digest) in copies.heads.items():
            ChainHead.objects.filter(pk=village_id).update(seq=seq, hash=digest)


def measure_take_effect(world: World, sizes: Sizes, options: Options) -> Figure:
    from django.db.models import Max

    from cunxin.ledger.models import Transfer
    from cunxin.records.models import Record, Status

    now = datetime.datetime.now(datetime.UTC)
    open_accounts(world)
    seconds, count = timed(records_in_notice, world, sizes.records, now)
    say(f"take_effect: {count} records in notice made in {seconds:.1f} s")
    since = Transfer.objects.aggregate(n=Max("pk"))["n"] or 0
    job_s, done = timed(run_take_effect, now)
    if done != count or Record.objects.filter(status=Status.IN_NOTICE).exists():
        raise BenchFailed(f"take_effect_due took effect {done} of {count} records")
    say(f"take_effect: the job took {job_s:.1f} s ({done / job_s:.0f} records/s)")
    copies = copies_of(since)
    if len(copies.transfers) != count:
        raise BenchFailed(f"{len(copies.transfers)} transfers posted for {count} records")
    insert_s, _none = timed(bulk_insert, copies)
    settle_copies(copies)
    say(
        f"take_effect: bulk insert of the same {len(copies.transfers)} transfers and "
        f"{len(copies.entries)} entries took {insert_s:.1f} s"
    )
    del copies
    if options.profile:
        extra = max(100, sizes.records // 10)
        records_in_notice(world, extra, now)
        profiled(f"take_effect_due over {extra} records", run_take_effect, now)
    rate = count / job_s
    insert_rate = count / insert_s
    return Figure(
        "take_effect",
        rate,
        "records/s",
        insert_rate,
        f"bulk_create_same_postings:{insert_rate:.1f}records/s",
        f"bulk_create of the same transfers and entries: {insert_rate:.1f} records/s "
        f"({insert_s:.1f} s; the job {job_s:.1f} s)",
        f"{count} records of {len(world.villages)} villages, {len(world.adults)} adult villagers",
    )


# --- score_read -----------------------------------------------------------------------------------


def read_standing(resident_id: int) -> int:
    """What a villager's statement page reads: their standing and latest statement page."""
    from cunxin.people.models import Resident
    from cunxin.records.standing import standing, statement

    resident = Resident.objects.select_related("village").get(pk=resident_id)
    standing(resident)
    return len(statement(resident, limit=PAGE))


@dataclass
class Reads:
    entries: int
    samples: list[float] = field(default_factory=list)  # milliseconds

    @property
    def p50_ms(self) -> float:
        return percentile(self.samples, 0.5)

    @property
    def p99_ms(self) -> float:
        return percentile(self.samples, 0.99)


def measure_reads(world: World, options: Options, small_copy: str, small_entries: int) -> Figure:
    """Rounds of reads, alternating between the copy kept at 10^5 entries and the ledger at
    10^6, so a change in the machine's load meets both sizes alike."""
    analyze()
    small, large = Reads(small_entries), Reads(entry_count())
    rng = random.Random(SEED)  # noqa: S311 - the same villagers in the same order each time
    per_round = READS // ROUNDS
    warm = WARMUP_READS // ROUNDS
    for n in range(ROUNDS):
        for reads in (small, large) if n % 2 == 0 else (large, small):
            people = [rng.choice(world.read_group) for _ in range(warm + per_round)]
            where = switched_to(small_copy) if reads is small else contextlib.nullcontext()
            with where:
                for resident_id in people[:warm]:  # untimed: a fresh connection, cold caches
                    if read_standing(resident_id) != PAGE:
                        raise BenchFailed(f"villager {resident_id} has no full history page")
                times = []
                with gc_paused():
                    for resident_id in people[warm:]:
                        seconds, _lines = timed(read_standing, resident_id)
                        times.append(seconds * 1000)
            reads.samples += times
    for reads in (small, large):
        say(
            f"score_read at {reads.entries} entries: p50 {reads.p50_ms:.3f} ms, "
            f"p99 {reads.p99_ms:.3f} ms, max {max(reads.samples):.3f} ms over "
            f"{len(reads.samples)} reads in {ROUNDS} turns"
        )
    if options.profile:
        people = [rng.choice(world.read_group) for _ in range(WARMUP_READS)]

        def some_reads() -> None:
            for resident_id in people:
                read_standing(resident_id)

        profiled(f"{WARMUP_READS} standing reads at {large.entries} entries", some_reads)
    return Figure(
        "score_read",
        large.p99_ms,
        "ms_p99",
        small.p99_ms,
        f"p99_at_{small.entries}_entries:{small.p99_ms:.3f}ms",
        f"p99 at {small.entries} entries: {small.p99_ms:.3f} ms (p50 {small.p50_ms:.3f} ms); "
        f"at {large.entries}: p50 {large.p50_ms:.3f} ms",
        f"{READS} reads at each size of {len(world.read_group)} villagers, {PAGE}-line pages",
        digits=3,
    )


def verify_books() -> None:
    """The books are sound after everything the suite did (``check_ledger`` checks it when
    measured)."""
    from cunxin.ledger.checks import check_ledger

    problems = check_ledger()
    if problems:
        raise BenchFailed(f"the books do not check: {problems[:3]}")


# --- check_ledger ---------------------------------------------------------------------------------


def scan() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), sum(amount) FROM ledger_entry")
        count, total = cursor.fetchone()
    return count, total


def measure_check(options: Options) -> Figure:
    from cunxin.ledger.checks import check_ledger

    analyze()
    scan()  # warm
    scan_s = min(timed(scan)[0] for _ in range(3))
    entries, _total = scan()
    check_s, problems = timed(check_ledger)
    if problems:
        raise BenchFailed(f"check_ledger found problems: {problems[:3]}")
    say(f"check_ledger over {entries} entries: {check_s:.2f} s; the scan {scan_s * 1000:.1f} ms")
    if options.profile:
        profiled(f"check_ledger over {entries} entries", check_ledger)
    return Figure(
        "check_ledger",
        check_s,
        "s",
        scan_s,
        f"select_count_sum_scan:{scan_s:.4f}s",
        f"one count(*), sum(amount) scan of ledger_entry: {scan_s:.4f} s",
        f"{entries} entries",
        digits=2,
    )


# --- the suite ----------------------------------------------------------------------------------


def run(options: Options, only: set[str]) -> list[Figure]:
    """Build the town, then measure the figures asked for as the ledger grows."""
    sizes = Sizes.at(options.scale)
    seconds, world = timed(build_world, sizes)
    say(
        f"ledger: {len(world.villages)} villages, {len(world.adults)} adult villagers, "
        f"built in {seconds:.1f} s; seed {SEED}"
    )
    figures: list[Figure] = []
    small_copy: tuple[str, int] | None = None
    if "score_read" in only:
        give_history(world, sizes.small)
        analyze()
        small_copy = copy_database(), entry_count()
    if "take_effect" in only:
        figures.append(measure_take_effect(world, sizes, options))
    if "score_read" in only or "check_ledger" in only:
        grow_to(world, sizes.large)
    if small_copy is not None:
        figures.append(measure_reads(world, options, *small_copy))
    if "check_ledger" in only:
        figures.append(measure_check(options))
    else:
        verify_books()
    return sorted(figures, key=lambda f: FIGURES.index(f.name))
