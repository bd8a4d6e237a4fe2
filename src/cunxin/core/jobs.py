"""Periodic jobs without a broker: a registry, and a runner that claims each due job in the
database with a conditional update, so two scheduler processes never run the same job at once.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from cunxin.core.models import JobRun

logger = logging.getLogger("cunxin.jobs")


@dataclass(frozen=True)
class PeriodicJob:
    """A job the scheduler runs every ``every``; it must be safe to run twice."""

    name: str
    every: timedelta
    func: Callable[[], object]
    lease: timedelta = timedelta(minutes=30)


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta, lease: timedelta = timedelta(minutes=30)
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function as a periodic job (call from an app's jobs module)."""

    def register(func: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicJob(name=name, every=every, func=func, lease=lease)
        return func

    return register


def claim(job: PeriodicJob) -> bool:
    """Take the job for one run if it is due and nobody holds it; the update is the lock."""
    now = timezone.now()
    JobRun.objects.get_or_create(name=job.name, defaults={"next_due": now})
    claimed = (
        JobRun.objects.filter(name=job.name, next_due__lte=now)
        .exclude(claimed_until__gt=now)
        .update(claimed_until=now + job.lease, last_started=now)
    )
    return claimed == 1


def run_due_jobs(names: list[str] | None = None) -> list[str]:
    """Run every registered job that is due; return the names that ran."""
    ran: list[str] = []
    for job in sorted(REGISTRY.values(), key=lambda j: j.name):
        if names and job.name not in names:
            continue
        if not claim(job):
            continue
        error = ""
        try:
            job.func()
        except Exception:
            error = traceback.format_exc()
            logger.exception("job %s failed", job.name)
        finished = timezone.now()
        with transaction.atomic():
            run = JobRun.objects.select_for_update().get(name=job.name)
            run.claimed_until = None
            run.last_finished = finished
            run.last_error = error
            run.runs += 1
            run.next_due = finished + job.every if not error else finished + timedelta(minutes=5)
            run.save()
        ran.append(job.name)
    return ran
