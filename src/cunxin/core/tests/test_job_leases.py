"""A real scheduler process: its lease is renewed while its long job runs, and runs out soon
after the process is killed (``kill -9``: nothing is cleaned up)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections
from django.utils import timezone

from cunxin.conftest import running_on_postgres
from cunxin.core import jobs
from cunxin.core.models import JobRun

LEASE = timedelta(seconds=2)
# The child registers one job that runs until the process is killed, and starts the scheduler.
CHILD = f"""
import time, django
from datetime import timedelta
django.setup()
from cunxin.core import jobs
jobs.REGISTRY.clear()
jobs.periodic("test.long", every=timedelta(hours=1), lease=timedelta(seconds={LEASE.seconds}))(
    lambda: time.sleep(3600)
)
from django.core.management import call_command
call_command("scheduler", "--job", "test.long")
"""


def _child_env() -> dict[str, str]:
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s.get("PASSWORD") else "")
    host, port = s.get("HOST") or "127.0.0.1", s.get("PORT") or "5432"
    src = str(Path(__file__).resolve().parents[3])
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cunxin.settings",
        "DATABASE_URL": f"postgresql://{auth}@{host}:{port}/{s['NAME']}",
        "PYTHONPATH": os.pathsep.join([src, *filter(None, [os.environ.get("PYTHONPATH")])]),
    }


def _wait_for(condition: Callable[[], object], what: str, limit: float = 60) -> None:
    """Poll until the condition holds; a bound against hanging, not a timed assertion."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def _claimed_until() -> object:
    return JobRun.objects.filter(name="test.long").values_list("claimed_until", flat=True).first()


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_running_job_keeps_its_lease_and_a_killed_one_frees_it_within_a_lease() -> None:
    job = jobs.PeriodicJob(
        name="test.long", every=timedelta(hours=1), func=lambda: None, lease=LEASE
    )
    connections.close_all()
    child = subprocess.Popen([sys.executable, "-c", CHILD], env=_child_env())
    try:
        _wait_for(lambda: _claimed_until() is not None, "the scheduler claims the job")
        first = _claimed_until()
        assert isinstance(first, type(timezone.now()))
        # The job runs longer than its lease: the heartbeat has renewed it, so the job is not
        # taken from a live holder when the first lease would have ended.
        _wait_for(lambda: _claimed_until() > first + timedelta(seconds=1), "a renewal")
        assert jobs.claim(job, now=first + timedelta(seconds=1)) is None
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    held_until = _claimed_until()
    assert isinstance(held_until, type(timezone.now()))
    # Nobody renews any more: the lease ends at most one lease after the kill.
    assert held_until <= timezone.now() + LEASE
    assert jobs.claim(job, now=held_until + timedelta(microseconds=1)) is not None
