"""Shared by the invariant tests of records and the ledger.

- ``build_cast``: the test world's personas plus what a random walk needs (two committee members
  and two villager logins in each of villages A and B).
- ``Books``: every invariant that ties the ledger to the records, recomputed from the rows
  (never from the code under test): books balance, stored balances, nothing posted twice,
  score and spendable per resident, legal status histories, notices, objections, grades, and no
  posting ever changed since the previous look.
- ``fill_notices`` / ``effect_worker`` / ``child_env``: many records in notice, and the effect
  job run in another OS process against the same database.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.core.images import sample_image
from cunxin.ledger.checks import check_ledger
from cunxin.ledger.models import POINTS, Account, AccountKind, Currency, Entry, Transfer
from cunxin.people.actions import age_on
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.models import CarryOver, CatalogueItem, CreditPolicy
from cunxin.policy.selectors import catalogue_in_force, policy_in_force
from cunxin.records.models import (
    CarryOverRun,
    GradeChange,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Record,
    RecordEvent,
    Status,
)
from cunxin.records.standing import standing
from cunxin.records.workflow import RECORDS
from cunxin.regions.models import Region

PHOTO = ("p.jpg", sample_image())
# Rewards with no monthly cap and no evidence: any number of them can be collected for anyone.
UNCAPPED_REWARDS = ("VM-R03", "VM-R11", "CM-R01", "GV-R10")


# --- the cast --------------------------------------------------------------------------------


@dataclass
class Side:
    """One village's people."""

    village: Region
    committee: list[User]  # two members: one may approve what the other collected
    collectors: list[User]  # everyone who may collect: the collector and both members
    villagers: list[User]  # two villager logins (they object)
    residents: list[Resident]  # residents of scoring age


@dataclass
class Cast:
    world: World
    sides: list[Side]
    items: list[CatalogueItem]  # active catalogue items in force today
    policy: CreditPolicy

    @property
    def clerk(self) -> User:
        return self.world.users["clerk"]

    @property
    def residents(self) -> list[Resident]:
        return [r for side in self.sides for r in side.residents]


def build_cast(world: World) -> Cast:
    """Extra logins for a random walk over villages A and B (``policy_world`` must be in force)."""
    clerk = world.users["clerk"]
    phones = iter(f"1390000{n:04d}" for n in range(1, 100))

    def user(role: Role, region: Region, resident: Resident | None = None) -> User:
        phone = next(phones)
        created = do_create_user(
            phone=phone,
            name=f"{role.label}{''.join('零一二三四五六七八九'[int(d)] for d in phone[-3:])}",
            password=PASSWORD,
            role=role,
            region=region,
            resident=resident,
            acting_user=clerk,
        )
        world.users[f"{role}_{phone[-3:]}"] = created
        return created

    a, b = world.village_a, world.village_b
    committee_a2 = user(Role.COMMITTEE, a)
    committee_b = user(Role.COMMITTEE, b)
    committee_b2 = user(Role.COMMITTEE, b)
    villager_a2 = user(Role.VILLAGER, a, world.resident("王建国"))
    villager_b = user(Role.VILLAGER, b, world.resident("庄德胜"))
    villager_b2 = user(Role.VILLAGER, b, world.resident("庄桂兰"))
    User.objects.update(must_change_password=False)
    today = timezone.localdate()
    policy = policy_in_force(a, today)
    assert policy is not None, "build_cast needs policy_world"
    assert policy_in_force(b, today) == policy

    def scorable(village: Region) -> list[Resident]:
        return [
            r
            for r in Resident.objects.filter(
                village=village, status=ResidentStatus.ACTIVE
            ).order_by("pk")
            if age_on(r.birth_date, today - datetime.timedelta(days=31)) >= policy.min_age
        ]

    def side(
        village: Region, committee: list[User], collector: User, villagers: list[User]
    ) -> Side:
        for u in [*committee, collector, *villagers]:
            u.refresh_from_db()
        return Side(
            village=village,
            committee=committee,
            collectors=[collector, *committee],
            villagers=villagers,
            residents=scorable(village),
        )

    sides = [
        side(
            a,
            [world.users["committee_a"], committee_a2],
            world.users["collector_a"],
            [world.users["villager_a"], villager_a2],
        ),
        side(b, [committee_b, committee_b2], world.users["collector_b"], [villager_b, villager_b2]),
    ]
    items = [i for i in catalogue_in_force(a, today).values() if i.active]
    return Cast(world=world, sides=sides, items=items, policy=policy)


# --- the invariants --------------------------------------------------------------------------


def _expiry(day: datetime.date, years: int | None) -> datetime.date | None:
    """When an item's points stop counting, computed here independently of records.scoring."""
    if not years:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


Legs = dict[tuple[str, str, int | None, int], int]  # (kind, currency, resident, village) → amount


@dataclass
class _Rows:
    """Everything the invariants read, loaded once per look."""

    transfers: dict[int, tuple[Any, ...]]  # pk → (key, kind, memo, village, seq, prev, hash, …)
    entries: dict[int, tuple[int, int, int]]  # pk → (transfer, account, amount)
    # pk → (kind, currency, resident, village, balance)
    accounts: dict[int, tuple[str, str, int | None, int, int]]
    records: dict[int, Record]
    events: list[tuple[int, str, str]]  # (record, from, to) in record, pk order
    open_objections: dict[int, int]  # record → open objections
    closed_notices: set[int]
    grade_changes: list[tuple[int, int, str, str]]  # (pk, resident, from, to) in pk order
    carry_runs: set[tuple[str, str]]  # (village code, period end)
    closing_villages: set[int]  # villages whose carry-over closed records

    @classmethod
    def load(cls) -> _Rows:
        open_objections: dict[int, int] = defaultdict(int)
        for record_id in Objection.objects.filter(status=ObjectionStatus.OPEN).values_list(
            "record_id", flat=True
        ):
            open_objections[record_id] += 1
        runs = list(
            CarryOverRun.objects.values_list("village__code", "period_end", "mode", "village_id")
        )
        return cls(
            transfers={
                row[0]: row[1:]
                for row in Transfer.objects.values_list(
                    "pk",
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
            },
            entries={
                row[0]: row[1:]
                for row in Entry.objects.values_list("pk", "transfer_id", "account_id", "amount")
            },
            accounts={
                row[0]: row[1:]
                for row in Account.objects.values_list(
                    "pk", "kind", "currency", "resident_id", "village_id", "balance"
                )
            },
            records={
                r.pk: r
                for r in Record.objects.select_related("item", "notice", "policy").order_by("pk")
            },
            events=list(
                RecordEvent.objects.order_by("record_id", "pk").values_list(
                    "record_id", "from_status", "to_status"
                )
            ),
            open_objections=open_objections,
            closed_notices=set(
                Notice.objects.filter(status=NoticeStatus.CLOSED).values_list("pk", flat=True)
            ),
            grade_changes=list(
                GradeChange.objects.order_by("pk").values_list(
                    "pk", "resident_id", "from_grade", "to_grade"
                )
            ),
            carry_runs={(code, day.isoformat()) for code, day, _m, _v in runs},
            closing_villages={v for _c, _d, mode, v in runs if mode != CarryOver.KEEP},
        )


class Books:
    """Every invariant of the ledger and the records, recomputed from the rows.

    ``problems()`` returns one line per broken invariant (an empty list means all hold) and
    remembers every transfer and entry it has seen, so the next call also finds a posting that
    was changed or removed in between.

    Where points come from, per resident (the records are the only source besides carry-over):

    - counted points: effective originals (not corrections) whose score was not closed by an
      expiry posting or by an effective correction that undid its score. A record closed by a
      carry-over still counts here: the carry-over's own transfer takes back what is not kept.
      A correction never counts itself; it undoes (and closes) its original.
    - score = base + counted points + the score amounts of the resident's carry-over transfers.
    - spendable = the points of every effective record, corrections included (a correction's
      points are its original's negated; equivalently: effective originals not corrected)
      + the spendable amounts of carry-over transfers (unspent points expiring).
    """

    def __init__(self, policy: CreditPolicy) -> None:
        self.policy = policy
        self.base_score = policy.base_score
        self.seen_transfers: dict[int, tuple[Any, ...]] = {}
        self.seen_entries: dict[int, tuple[int, int, int]] = {}
        self._turn = 0

    def problems(self, residents: Iterable[Resident] = ()) -> list[str]:
        found: list[str] = [f"check_ledger: {p}" for p in check_ledger()]
        rows = _Rows.load()
        found += self._nothing_changed(rows)
        found += self._balances(rows)
        found += self._postings_and_records(rows, list(residents))
        found += self._histories(rows)
        found += self._notices_and_objections(rows)
        found += self._grades(rows)
        self._turn += 1
        return found

    def _nothing_changed(self, rows: _Rows) -> list[str]:
        """Postings are append-only: what was there before is still there, unchanged."""
        found: list[str] = []
        for label, before, now in (
            ("transfer", self.seen_transfers, rows.transfers),
            ("entry", self.seen_entries, rows.entries),
        ):
            for pk, row in before.items():
                if pk not in now:
                    found.append(f"posting changed: {label} {pk} {row} disappeared")
                elif now[pk] != row:
                    found.append(f"posting changed: {label} {pk} was {row}, is {now[pk]}")
        self.seen_transfers, self.seen_entries = rows.transfers, rows.entries
        return found

    @staticmethod
    def _balances(rows: _Rows) -> list[str]:
        found: list[str] = []
        sums: dict[int, int] = defaultdict(int)
        for _t, account_id, amount in rows.entries.values():
            sums[account_id] += amount
        books: dict[str, int] = defaultdict(int)
        for pk, (_k, currency, _r, _v, balance) in rows.accounts.items():
            books[currency] += balance
            if balance != sums[pk]:
                found.append(f"account {pk} stores {balance}, its entries sum to {sums[pk]}")
        found += [f"books: {c} sums to {t:+d}" for c, t in books.items() if t]
        return found

    def _postings_and_records(self, rows: _Rows, residents: list[Resident]) -> list[str]:
        found: list[str] = []
        by_key = {row[0]: pk for pk, row in rows.transfers.items()}
        legs: dict[int, Legs] = defaultdict(dict)
        for transfer_id, account_id, amount in rows.entries.values():
            legs[transfer_id][rows.accounts[account_id][:4]] = amount
        records = rows.records
        reversals: dict[int, list[Record]] = defaultdict(list)
        for r in records.values():
            if r.reverses_id is not None:
                reversals[r.reverses_id].append(r)
        explained: set[int] = set()
        counted: dict[int, int] = defaultdict(int)

        def expect_legs(where: str, got: Legs, want: Legs) -> None:
            if got != want:
                found.append(f"{where}: entries {sorted(got.items())} != {sorted(want.items())}")

        for r in records.values():
            effect = by_key.get(f"record:{r.pk}:effect")
            expire = by_key.get(f"record:{r.pk}:expire")
            explained |= {t for t in (effect, expire) if t is not None}
            tag = f"record {r.pk} ({r.status}, {r.points:+d})"
            # Posted exactly once when effective, never otherwise.
            if r.status == Status.EFFECTIVE:
                if effect is None:
                    found.append(f"{tag} is effective but has no effect transfer")
                elif r.transfer_id != effect:
                    found.append(f"{tag} points at transfer {r.transfer_id}, not {effect}")
                if r.notice is None or r.effective_at is None:
                    found.append(f"{tag} took effect without a notice or a time")
                elif r.effective_at < r.notice.ends_at:
                    found.append(f"{tag} took effect before its notice ended")
                if r.reverses_id is None and r.expires_on != _expiry(
                    r.behaviour_date, r.item.validity_years
                ):
                    found.append(f"{tag} expires on {r.expires_on}")
            elif effect is not None or r.transfer_id is not None:
                found.append(f"{tag} is posted but not effective")
            if effect is not None:
                if rows.transfers[effect][3] != r.village_id:
                    found.append(f"{tag}: effect posted in village {rows.transfers[effect][3]}")
                got = legs[effect]
                if r.reverses_id is None:
                    expect_legs(
                        f"{tag} effect",
                        got,
                        {
                            (AccountKind.RESIDENT, c, r.resident_id, r.village_id): r.points
                            for c in POINTS
                        }
                        | {
                            (AccountKind.ISSUANCE, c, None, r.village_id): -r.points for c in POINTS
                        },
                    )
                else:
                    original = records[r.reverses_id]
                    if rows.transfers[effect][7] != original.transfer_id:
                        found.append(f"{tag} does not reverse the transfer of {original.pk}")
                    undo = {k: -v for k, v in legs.get(original.transfer_id or 0, {}).items()}
                    spend = {k: v for k, v in undo.items() if k[1] == Currency.SPENDABLE}
                    # The score legs are undone only if the original still counted then.
                    if got not in (undo, spend):
                        expect_legs(f"{tag} reversal", got, undo)
            if expire is not None:
                if r.reverses_id is not None or r.status != Status.EFFECTIVE:
                    found.append(f"{tag} has an expiry posting")
                expect_legs(
                    f"{tag} expiry",
                    legs[expire],
                    {
                        (AccountKind.RESIDENT, Currency.SCORE, r.resident_id, r.village_id): (
                            -r.points
                        ),
                        (AccountKind.ISSUANCE, Currency.SCORE, None, r.village_id): r.points,
                    },
                )
            # The score stops counting once, for one reason, and only for an effective original.
            if r.reverses_id is None and r.status == Status.EFFECTIVE:
                undone_by = [
                    f"correction {rv.pk}"
                    for rv in reversals[r.pk]
                    if rv.status == Status.EFFECTIVE
                    and rv.transfer_id is not None
                    and any(k[1] == Currency.SCORE for k in legs[rv.transfer_id])
                ]
                if expire is not None:
                    undone_by.append("expiry")
                if len(undone_by) > 1:
                    found.append(f"{tag}: its score was taken away twice ({', '.join(undone_by)})")
                if not undone_by:
                    counted[r.resident_id] += r.points
                    if r.score_closed_at is not None and r.village_id not in rows.closing_villages:
                        found.append(f"{tag} was closed, by no expiry, correction or carry-over")
                elif r.score_closed_at is None:
                    found.append(f"{tag}: undone by {undone_by} but not closed")
            elif r.score_closed_at is not None and not (
                # A carry-over closes every effective record of its village, corrections
                # included (harmless: a correction never counts, it undoes its original).
                r.status == Status.EFFECTIVE and r.village_id in rows.closing_villages
            ):
                found.append(f"{tag} has score_closed_at but never counted")
            live = [
                rv.pk
                for rv in reversals[r.pk]
                if rv.status not in (Status.REJECTED, Status.CANCELLED)
            ]
            if len(live) > 1:
                found.append(f"{tag} has {len(live)} live corrections {live}")
        # Every posting belongs to a record or to a carry-over run of its village and day.
        carried: dict[tuple[int, str], int] = defaultdict(int)
        for pk, (key, kind, *_rest) in rows.transfers.items():
            if pk in explained:
                continue
            parts = key.split(":")
            if kind == "carry_over" and len(parts) == 4 and (parts[1], parts[2]) in rows.carry_runs:
                for (account_kind, currency, resident_id, _v), amount in legs[pk].items():
                    if account_kind == AccountKind.RESIDENT:
                        if str(resident_id) != parts[3]:
                            found.append(f"carry-over {key} moves resident {resident_id}")
                        carried[(resident_id or 0, currency)] += amount
                continue
            found.append(f"transfer {pk} ({key}) belongs to no record and no carry-over")
        found += self._standings(rows, residents, counted, carried)
        return found

    def _standings(
        self,
        rows: _Rows,
        residents: list[Resident],
        counted: dict[int, int],
        carried: dict[tuple[int, str], int],
    ) -> list[str]:
        """Score and spendable of each resident against what the records (and carry-overs)
        explain; see the class docstring."""
        found: list[str] = []
        spendable: dict[int, int] = defaultdict(int)
        spendable_alt: dict[int, int] = defaultdict(int)
        effective = [r for r in rows.records.values() if r.status == Status.EFFECTIVE]
        corrected = {r.reverses_id for r in effective if r.reverses_id}
        for r in effective:
            spendable[r.resident_id] += r.points
            if r.reverses_id is None and r.pk not in corrected:
                spendable_alt[r.resident_id] += r.points
        held: dict[tuple[int | None, str], int] = defaultdict(int)
        for kind, currency, resident_id, _v, balance in rows.accounts.values():
            if kind == AccountKind.RESIDENT:
                held[(resident_id, currency)] = balance
        for n, resident in enumerate(residents):
            score = self.base_score + held[(resident.pk, Currency.SCORE)]
            spend = held[(resident.pk, Currency.SPENDABLE)]
            if n == self._turn % (5 * max(len(residents), 1)):
                # What a villager reads (one resident now and then, to keep the walk fast).
                mine = standing(resident)
                if (mine.score, mine.spendable) != (score, spend):
                    found.append(f"{resident.name}: standing() {mine} != balances {score}, {spend}")
            want_score = (
                self.base_score + counted[resident.pk] + carried[(resident.pk, Currency.SCORE)]
            )
            want_spend = spendable[resident.pk] + carried[(resident.pk, Currency.SPENDABLE)]
            if score != want_score:
                found.append(
                    f"{resident.name}: score {score} but base + counted points = {want_score}"
                )
            if spend != want_spend:
                found.append(
                    f"{resident.name}: spendable {spend} but effective points = {want_spend}"
                )
            if spendable[resident.pk] != spendable_alt[resident.pk]:
                found.append(
                    f"{resident.name}: effective points with corrections {spendable[resident.pk]}"
                    f" != uncorrected originals {spendable_alt[resident.pk]}"
                )
        return found

    @staticmethod
    def _histories(rows: _Rows) -> list[str]:
        """Each record's events form a path through the RECORDS table ending at its status."""
        found: list[str] = []
        last: dict[int, str | None] = dict.fromkeys(rows.records)
        for record_id, before, after in rows.events:
            previous = last[record_id]
            if previous is None:
                if (before, after) != ("", Status.COLLECTED):
                    found.append(f"record {record_id} starts with {before!r}→{after}")
            elif before != previous:
                found.append(f"record {record_id}: event from {before} after being {previous}")
            elif after == before:
                two = rows.records[record_id].policy.two_approvals
                if not (two and before == Status.COLLECTED):
                    found.append(f"record {record_id}: event {before}→{after} without a change")
            elif after not in RECORDS.targets(before):
                found.append(f"record {record_id}: {before}→{after} is not allowed")
            last[record_id] = after
        for record_id, record in rows.records.items():
            if last[record_id] != record.status:
                found.append(
                    f"record {record_id} is {record.status}, its history ends at {last[record_id]}"
                )
        return found

    @staticmethod
    def _notices_and_objections(rows: _Rows) -> list[str]:
        found: list[str] = []
        noticed = {Status.IN_NOTICE, Status.DISPUTED, Status.EFFECTIVE, Status.CANCELLED}
        for pk, r in rows.records.items():
            if (r.status in noticed) != (r.notice_id is not None):
                found.append(f"record {pk} is {r.status} with notice {r.notice_id}")
            if r.notice is not None and r.notice.village_id != r.village_id:
                found.append(f"record {pk} is in another village's notice")
            n = rows.open_objections[pk]
            if (r.status == Status.DISPUTED) != (n > 0):
                found.append(f"record {pk} is {r.status} with {n} open objections")
            if r.notice_id in rows.closed_notices and r.status in (
                Status.IN_NOTICE,
                Status.DISPUTED,
            ):
                found.append(f"record {pk} is {r.status} in closed notice {r.notice_id}")
        return found

    def _grades(self, rows: _Rows) -> list[str]:
        """Each resident's grade changes chain up, and the last one is the grade of today."""
        found: list[str] = []
        grade: dict[int, str] = {}
        for pk, resident_id, before, after in rows.grade_changes:
            was = grade.get(resident_id, self.policy.grade_for(self.base_score))
            if before != was:
                found.append(f"resident {resident_id}: grade change {pk} from {before}, was {was}")
            if before == after:
                found.append(f"resident {resident_id}: grade change {pk} changes nothing")
            grade[resident_id] = after
        for kind, currency, resident_id, _v, balance in rows.accounts.values():
            if kind != AccountKind.RESIDENT or currency != Currency.SCORE or resident_id is None:
                continue
            now = self.policy.grade_for(self.base_score + balance)
            said = grade.get(resident_id, self.policy.grade_for(self.base_score))
            if now != said:
                found.append(f"resident {resident_id}: grade {now}, the grade changes say {said}")
        return found


# --- many records in notice, and the effect job in another process ---------------------------


def fill_notices(cast: Cast, rounds: int, notices: int = 3) -> list[int]:
    """Collect ``rounds`` team behaviours per village (every resident of scoring age), approve
    them and publish them over ``notices`` notices per village; the ids of the records."""
    from cunxin.records.actions.collect import do_collect_team
    from cunxin.records.actions.notices import do_publish_notice
    from cunxin.records.actions.review import do_approve

    today = timezone.localdate()
    ids: list[int] = []
    cut = {round(rounds * (k + 1) / notices) - 1 for k in range(notices)}
    for n in range(rounds):
        for side in cast.sides:
            team = do_collect_team(
                client_id=uuid.uuid4(),
                residents=side.residents,
                item_code=UNCAPPED_REWARDS[n % len(UNCAPPED_REWARDS)],
                quantity=Decimal(1),
                behaviour_date=today - datetime.timedelta(days=n % 20),
                acting_user=side.collectors[0],
            )
            ids += [r.pk for r in team]
        if n in cut:
            for side in cast.sides:
                waiting = list(
                    Record.objects.filter(
                        village=side.village, status=Status.COLLECTED
                    ).values_list("pk", flat=True)
                )
                do_approve(waiting, acting_user=side.committee[0])
                do_publish_notice(side.village, acting_user=side.committee[0])
    return ids


def child_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The environment of a child process that uses the same database as this one."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "cunxin.settings"
    if settings_dict["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{settings_dict['NAME']}"
    else:
        from urllib.parse import quote

        auth = quote(settings_dict["USER"] or "")
        if settings_dict.get("PASSWORD"):
            auth += ":" + quote(settings_dict["PASSWORD"])
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or "5432"
        env["DATABASE_URL"] = f"postgresql://{auth}@{host}:{port}/{settings_dict['NAME']}"
    src = str(Path(__file__).resolve().parents[3])
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    return env


CHILD = (
    "import django, sys; django.setup(); "
    "from cunxin.records.tests import helpers; helpers.main(sys.argv[1:])"
)


def command(*args: str) -> list[str]:
    """argv of a child process running ``helpers.main(args)`` after django.setup()."""
    return [sys.executable, "-c", CHILD, *args]


def effect_worker(ready: str, go: str, now: str, batch: str) -> None:
    """Connect, say so, wait for the start signal, run the effect job; print what it did."""
    connection.ensure_connection()
    Path(ready).write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while not Path(go).exists():
        if time.monotonic() > deadline:
            raise SystemExit("no start signal")
        time.sleep(0.001)
    from cunxin.records.actions.effect import take_effect_due

    started = time.perf_counter()
    done = take_effect_due(now=datetime.datetime.fromisoformat(now), batch=int(batch))
    print(json.dumps({"pid": os.getpid(), "done": done, "seconds": time.perf_counter() - started}))


def sqlite_setup(rounds: str) -> None:
    """In a fresh database file: the world, the policy, records in notice; print their ids."""
    from django.conf import settings

    from cunxin.conftest import build_world
    from cunxin.policy.actions import do_install_default_catalogue, do_save_policy

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    cast = build_cast(world)
    print(json.dumps({"ids": fill_notices(cast, int(rounds))}))


def exactly_once_problems(ids: Sequence[int], done_total: int) -> list[str]:
    """Each record posted exactly once, by one transfer of its own, and the books sound."""
    found: list[str] = []
    if done_total != len(ids):
        found.append(f"the processes report {done_total} records done, not {len(ids)}")
    records = {r.pk: r for r in Record.objects.filter(pk__in=ids)}
    keys = {f"record:{pk}:effect" for pk in ids}
    transfers = {t.key: t for t in Transfer.objects.filter(kind="record.effect")}
    if set(transfers) != keys:
        found.append(f"effect transfers {len(transfers)} for {len(keys)} records")
    effect_events: dict[int, int] = defaultdict(int)
    for record_id in RecordEvent.objects.filter(to_status=Status.EFFECTIVE).values_list(
        "record_id", flat=True
    ):
        effect_events[record_id] += 1
    used: dict[int, int] = {}
    for pk in ids:
        r = records[pk]
        if r.status != Status.EFFECTIVE:
            found.append(f"record {pk} is {r.status}")
            continue
        t = transfers.get(f"record:{pk}:effect")
        if t is None or r.transfer_id != t.pk:
            found.append(f"record {pk} has transfer {r.transfer_id}, not its own")
        elif r.transfer_id in used:
            found.append(f"records {pk} and {used[r.transfer_id]} share transfer {r.transfer_id}")
        else:
            used[r.transfer_id] = pk
        if effect_events[pk] != 1:
            found.append(f"record {pk} took effect {effect_events[pk]} times")
    residents = list(Resident.objects.filter(pk__in={r.resident_id for r in records.values()}))
    village = Region.objects.get(pk=records[ids[0]].village_id)
    policy = policy_in_force(village, timezone.localdate())
    assert policy is not None
    found += Books(policy).problems(residents)
    return found


def sqlite_verify(ids_file: str, done_total: str) -> None:
    ids = json.loads(Path(ids_file).read_text())["ids"]
    print(json.dumps({"problems": exactly_once_problems(ids, int(done_total))}))


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def main(argv: list[str]) -> None:
    """Entry point of child processes (see ``command``)."""
    name, *args = argv
    jobs = {
        "effect": effect_worker,
        "setup": sqlite_setup,
        "verify": sqlite_verify,
        "migrate": migrate,
    }
    jobs[name](*args)
