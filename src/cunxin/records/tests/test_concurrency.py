"""The effect job run at the same moment in several OS processes posts each record exactly once.

Several processes (not threads: each has its own connection, as scheduler processes on two
machines would) are started, connect, wait at a start line, and run
``take_effect_due(now=...)`` together with small batches, so their claims interleave. Then:
every record is effective with its own transfer (one transfer per ``record:<id>:effect`` key),
took effect once in its history, the processes together report each record once, stored
balances equal their entries, score = base + counted points, and ``check_ledger()`` is clean.

On PostgreSQL this runs against the test database (committed data, ``transaction=True``). On
SQLite the test database is in memory, which other processes cannot open, so the SQLite test
builds its own database file (migrate, world, records) in child processes and runs two job
processes against it.

The last test (PostgreSQL) forces one interleaving of two different jobs: a correction taking
effect while the expiry job, or a carry-over, closes the record it corrects.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from cunxin.conftest import World, running_on_postgres
from cunxin.ledger.models import ChainHead, Transfer
from cunxin.policy.actions import do_save_policy
from cunxin.records.actions.carryover import do_carry_over
from cunxin.records.actions.collect import do_collect
from cunxin.records.actions.effect import expire_due, take_effect_due
from cunxin.records.actions.notices import do_publish_notice
from cunxin.records.actions.review import do_approve, do_request_reversal
from cunxin.records.models import Record, Status
from cunxin.records.standing import standing
from cunxin.records.tests.helpers import (
    PHOTO,
    Books,
    build_cast,
    child_env,
    command,
    exactly_once_problems,
    fill_notices,
)

PROCESSES = 4
ROUNDS = 36  # × 7 residents of scoring age in villages A and B = 252 records
SQLITE_ROUNDS = 20  # 140 records: SQLite runs one writer at a time anyway
BATCH = 20
LATER = datetime.timedelta(days=8)  # past every notice's end


def _race(
    env: dict[str, str], tmp: Path, processes: int, now: datetime.datetime, batch: int
) -> list[dict[str, Any]]:
    """Start the job in ``processes`` processes, release them together, and collect their
    reports."""
    go = tmp / "go"
    children = []
    for n in range(processes):
        ready = tmp / f"ready-{n}"
        argv = command("effect", str(ready), str(go), now.isoformat(), str(batch))
        children.append(
            (
                ready,
                subprocess.Popen(
                    argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                ),
            )
        )
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready, _p in children):
        failed = [p for _r, p in children if p.poll() is not None]
        if failed or time.monotonic() > deadline:
            for _r, p in children:
                p.kill()
            out = [p.communicate() for _r, p in children]
            pytest.fail(f"a job process did not get ready: {out}")
        time.sleep(0.01)
    go.write_text("go")
    reports = []
    for _ready, p in children:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_effect_job_in_several_processes_at_once_posts_each_record_once(
    policy_world: World, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cast = build_cast(policy_world)
    ids = fill_notices(cast, ROUNDS)
    assert len(ids) == ROUNDS * 7
    assert Record.objects.filter(pk__in=ids, status=Status.IN_NOTICE).count() == len(ids)
    connections.close_all()  # the children must not wait on anything this process holds
    env = child_env(connection.settings_dict)
    reports = _race(env, tmp_path, PROCESSES, timezone.now() + LATER, BATCH)
    problems = exactly_once_problems(ids, sum(r["done"] for r in reports))
    assert problems == [], "\n".join(problems)
    print("effect job processes:", reports)


@pytest.mark.skipif(running_on_postgres(), reason="the PostgreSQL run has its own test")
def test_the_effect_job_in_two_processes_on_one_sqlite_file_posts_each_record_once(
    tmp_path: Path,
) -> None:
    database = tmp_path / "cunxin.sqlite3"
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(database)}
    env = child_env(settings_dict)

    def run(*argv: str) -> str:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run(*command("migrate"))
    made = run(*command("setup", str(SQLITE_ROUNDS)))
    ids_file = tmp_path / "ids.json"
    ids_file.write_text(made.strip().splitlines()[-1])
    ids = json.loads(ids_file.read_text())["ids"]
    assert len(ids) == SQLITE_ROUNDS * 7
    reports = _race(env, tmp_path, 2, timezone.now() + LATER, BATCH)
    verdict = json.loads(
        run(*command("verify", str(ids_file), str(sum(r["done"] for r in reports))))
        .strip()
        .splitlines()[-1]
    )
    assert verdict["problems"] == [], "\n".join(verdict["problems"])
    print("effect job processes:", reports)


class _Job(threading.Thread):
    """A job in a thread of its own, hence on a database connection of its own."""

    def __init__(self, run: Any) -> None:
        super().__init__(daemon=True)
        self.run_job = run
        self.pid: int | None = None
        self.connected = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.connected.set()
            self.run_job()
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            self.connected.set()
            connection.close()


def _blocked_or_done(job: _Job, timeout: float = 60) -> None:
    """Wait until the job waits for a lock (or has finished)."""
    assert job.connected.wait(timeout)
    deadline = time.monotonic() + timeout
    while job.is_alive():
        with connection.cursor() as cursor:
            # pg_stat_activity is a snapshot per transaction, and this one holds the head.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [job.pid])
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            return
        assert time.monotonic() < deadline, "the job neither finished nor waited for a lock"
        time.sleep(0.01)


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("closing_job", ["expiry", "carry_over"])
def test_a_correction_taking_effect_while_its_record_is_closed_takes_the_points_away_once(
    policy_world: World, closing_job: str
) -> None:
    """The effect job posts a correction while the expiry job (or a carry-over) closes the
    record it corrects, on another connection (as another scheduler process would), at the
    same moment.

    Whichever commits first, the record's score points are taken away once: by the expiry (or
    the carry-over), and the correction then undoes only the spendable points. The interleaving
    is forced: this test holds the village's chain head, so the closing job stops after it has
    locked the record and the accounts; the effect job then claims the correction, reads the
    record, and waits for the accounts; the head is released and both finish.
    """
    w = policy_world
    cast = build_cast(w)
    village, (first, second) = w.village_a, cast.sides[0].committee
    if closing_job == "carry_over":
        do_save_policy(
            village,
            values={"carry_over": "reset"},
            effective_from=datetime.date(2025, 1, 1),
            acting_user=w.clerk,
        )
    today = timezone.localdate()
    zhang = w.resident("张三")
    penalty = do_collect(  # 2 points off, valid for a year
        client_id=uuid.uuid4(),
        resident=zhang,
        item_code="VM-P01",
        quantity=Decimal(1),
        behaviour_date=today,
        photos=[PHOTO],
        acting_user=w.collector_a,
    )
    do_approve([penalty.pk], acting_user=first)
    do_publish_notice(village, acting_user=first)
    assert take_effect_due(timezone.now() + LATER) == 1
    correction = do_request_reversal(
        Record.objects.get(pk=penalty.pk), reason="认定有误", acting_user=first
    )
    do_approve([correction.pk], acting_user=second)
    do_publish_notice(village, acting_user=second)
    assert standing(zhang).score == 1000 + penalty.points

    if closing_job == "expiry":
        closing = _Job(lambda: expire_due(today + datetime.timedelta(days=2 * 366)))
    else:
        closing = _Job(lambda: do_carry_over(village, today, acting_user=w.clerk))
    effect = _Job(lambda: take_effect_due(timezone.now() + 2 * LATER))
    with transaction.atomic():
        ChainHead.objects.select_for_update().get(village=village)
        closing.start()
        _blocked_or_done(closing)
        effect.start()
        _blocked_or_done(effect)
    closing.join(60)
    effect.join(60)
    assert closing.error is None, closing.error
    assert effect.error is None, effect.error

    assert Record.objects.get(pk=correction.pk).status == Status.EFFECTIVE
    problems = Books(cast.policy).problems(cast.residents)
    mine = standing(zhang)
    # The penalty stopped counting once (expired, or reset by the carry-over); the correction
    # gave back the spendable points it had taken.
    if (mine.score, mine.spendable) != (1000, 0):
        postings = list(Transfer.objects.order_by("pk").values_list("key", flat=True))
        problems.append(
            f"张三 has score {mine.score} and spendable {mine.spendable} after the race,"
            f" not 1000 and 0 (postings: {postings})"
        )
    assert problems == [], "\n".join(problems)
