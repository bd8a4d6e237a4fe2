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
  runs) over 10^6 entries; it must find no problem. Besides the books, balances, reversals
  and the keyed chains, it reconciles every transfer with its record (each transfer here is
  an effective record's, see ``grow`` and ``settle_copies``), so the records' legs are
  compared with the entries, one aggregate query for the records' kinds. Baseline: one
  ``SELECT count(*), sum(amount) FROM ledger_entry`` over the same table in the same run
  (best of three, warm); ``ratio`` = check seconds ÷ scan seconds.

The ledger grows between the figures through ``ledger.actions.post_many`` (effective records'
transfers of 2 × 2 legs, 5,000 a transaction), which keeps every invariant by construction:
first 25 transfers for each of the 1,000 villagers read (exactly 10^5 entries), then take effect
(4 × 10^5) and its baseline copies (4 × 10^5), then random villagers up to 10^6. Without
``take_effect`` (``--only``), the growth makes up the difference. ``--profile`` runs a tenth
of the records through the job again under cProfile, profiles 200 reads and a second check.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cunxin.bench.common import (
    BenchFailed,
    Figure,
    Options,
    copy_database,
    gc_paused,
    percentile,
    profiled,
    say,
    switched_to,
    timed,
)

if TYPE_CHECKING:
    from cunxin.ledger.models import Entry, Transfer

from cunxin.bench.ledger_world import (
    INSERT_BATCH,
    ITEM_WEIGHTS,
    PAGE,
    READS,
    ROUNDS,
    SEED,
    WARMUP_READS,
    Sizes,
    World,
    analyze,
    build_world,
    entry_count,
    give_history,
    grow_to,
)

FIGURES = ("take_effect", "score_read", "check_ledger")

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
    of: dict[int, Transfer] = field(default_factory=dict)  # original transfer id → its copy


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
    of: dict[int, Transfer] = {}
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
        of[pk] = transfer
        for account_id, amount in legs[pk]:
            entries.append(Entry(transfer=transfer, account_id=account_id, amount=amount))
            balances[account_id] += amount
    return Copies(transfers=transfers, entries=entries, balances=balances, heads=heads, of=of)


def bulk_insert(copies: Copies) -> None:
    """The baseline: a plain insert of the rows, in one transaction."""
    from django.db import transaction

    from cunxin.ledger.models import Entry, Transfer

    with transaction.atomic():
        Transfer.objects.bulk_create(copies.transfers, batch_size=INSERT_BATCH)
        Entry.objects.bulk_create(copies.entries, batch_size=INSERT_BATCH)


def settle_copies(copies: Copies) -> None:
    """Balances and chain heads as the copies leave them (untimed), so the books stay sound,
    and a copy of each record for its copied transfer, so that every copy is explained."""
    import uuid

    from django.db import connection, transaction

    from cunxin.ledger.models import ChainHead
    from cunxin.records.models import Record

    copied = []
    for record in Record.objects.filter(transfer_id__gte=min(copies.of, default=0)).iterator(
        chunk_size=10_000
    ):
        copy = copies.of.get(record.transfer_id or 0)
        if copy is None:
            continue
        record.pk = None
        record.client_id = uuid.uuid4()
        record.transfer_id = copy.pk
        copied.append(record)
    Record.objects.bulk_create(copied, batch_size=INSERT_BATCH)

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
    from cunxin.ledger import reconcile
    from cunxin.ledger.checks import check_ledger
    from cunxin.ledger.walk import walk

    analyze()
    scan()  # warm
    scan_s = min(timed(scan)[0] for _ in range(3))
    entries, _total = scan()
    check_s, problems = timed(check_ledger)
    if problems:
        raise BenchFailed(f"check_ledger found problems: {problems[:3]}")
    say(f"check_ledger over {entries} entries: {check_s:.2f} s; the scan {scan_s * 1000:.1f} ms")
    # What the parts cost, measured again one by one (not part of the figure).
    walk_s, _walks = timed(walk, None)
    reconcile_s, _found = timed(lambda: list(reconcile.reconcile(None)))
    say(f"check_ledger parts: chain walk {walk_s:.2f} s, reconciliation {reconcile_s:.2f} s")
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
