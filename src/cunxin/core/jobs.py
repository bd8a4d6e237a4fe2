"""Periodic jobs without a broker: a registry, and a runner that claims each due job in the
database with a conditional update, so two scheduler processes never run the same job at once.

A claim is a short lease (a minute by default), renewed by a heartbeat thread while the job
runs. A scheduler that is killed stops renewing, so its jobs are free again within one lease
instead of being held for as long as the longest job might take. A claim is identified by the
moment it was taken (``last_started``): a holder that lost its lease (it stalled for longer than
a lease and another process took the job) can neither renew nor close the new holder's claim.
"""

from __future__ import annotations

import datetime
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connections, transaction
from django.utils import timezone

from cunxin.core.models import JobRun

logger = logging.getLogger("cunxin.jobs")

# Long enough that a busy database does not make a live holder miss its renewals (three per
# lease), short enough that due work waits at most this long after a scheduler dies.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every ``every``; it must be safe to run twice."""

    name: str
    every: timedelta
    func: Callable[[], object]
    lease: timedelta = LEASE


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta, lease: timedelta = LEASE
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function as a periodic job (call from an app's jobs module)."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicJob(name=name, every=every, func=func, lease=lease)
        return func

    return register


def claim(job: PeriodicJob, *, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Take the job for one run if it is due and nobody holds it; the update is the lock.

    Returns the claim's token (the moment it was taken), or None when the job is not due or a
    live lease holds it.
    """
    now = now or timezone.now()
    JobRun.objects.get_or_create(name=job.name, defaults={"next_due": now})
    claimed = (
        JobRun.objects.filter(name=job.name, next_due__lte=now)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + job.lease, last_started=now)
    )
    return now if claimed == 1 else None


def renew(
    job: PeriodicJob, token: datetime.datetime, *, now: datetime.datetime | None = None
) -> bool:
    """Extend the lease of the claim taken at ``token``; False if that claim is no longer held."""
    now = now or timezone.now()
    renewed = JobRun.objects.filter(
        name=job.name, last_started=token, claimed_until__isnull=False
    ).update(claimed_until=now + job.lease)
    return renewed == 1


class Heartbeat:
    """Renews a claim every third of its lease, from a thread with its own connection."""

    def __init__(self, job: PeriodicJob, token: datetime.datetime) -> None:
        self.job = job
        self.token = token
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease {job.name}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = self.job.lease.total_seconds() / 3
        try:
            while not self._stop.wait(interval):
                try:
                    if not renew(self.job, self.token):
                        # Someone else holds the job now; running on is safe (jobs are
                        # idempotent), but say so.
                        self.lost = True
                        logger.warning("job %s lost its lease", self.job.name)
                        return
                except Exception:
                    # A database hiccup: try again at the next beat, while the lease lasts.
                    logger.exception("job %s could not renew its lease", self.job.name)
        finally:
            connections.close_all()  # this thread's connections only


def _finish(job: PeriodicJob, token: datetime.datetime, error: str) -> None:
    """Release the claim and schedule the next run, unless another process holds the job now."""
    finished = timezone.now()
    with transaction.atomic():
        run = JobRun.objects.select_for_update().get(name=job.name)
        if run.last_started != token:
            logger.warning(
                "job %s finished after losing its lease; its run is not recorded", job.name
            )
            return
        run.claimed_until = None
        run.last_finished = finished
        run.last_error = error
        run.runs += 1
        run.next_due = finished + job.every if not error else finished + timedelta(minutes=5)
        run.save()


def run_claimed(job: PeriodicJob, token: datetime.datetime) -> str:
    """Run a job this process has claimed, keeping its lease alive; the error text or ""."""
    error = ""
    with Heartbeat(job, token):
        try:
            job.func()
        except Exception:
            error = traceback.format_exc()
            logger.exception("job %s failed", job.name)
    _finish(job, token, error)
    return error


def run_due_jobs(names: list[str] | None = None) -> list[str]:
    """Run every registered job that is due; return the names that ran."""
    ran: list[str] = []
    for job in sorted(REGISTRY.values(), key=lambda j: j.name):
        if names and job.name not in names:
            continue
        token = claim(job)
        if token is None:
            continue
        run_claimed(job, token)
        ran.append(job.name)
    return ran
