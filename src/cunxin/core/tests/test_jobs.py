from datetime import timedelta

import pytest
from django.utils import timezone

from cunxin.core import jobs
from cunxin.core.models import JobRun


@pytest.fixture
def counter(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    monkeypatch.setattr(jobs, "REGISTRY", {})
    jobs.periodic("test.count", every=timedelta(hours=1))(lambda: calls.append(1))
    return calls


@pytest.mark.django_db
def test_a_due_job_runs_once_and_then_waits_for_its_interval(counter: list[int]) -> None:
    assert jobs.run_due_jobs() == ["test.count"]
    assert jobs.run_due_jobs() == []
    assert counter == [1]
    run = JobRun.objects.get(name="test.count")
    assert run.runs == 1
    assert run.next_due > timezone.now() + timedelta(minutes=55)


@pytest.mark.django_db
def test_a_job_claimed_by_another_process_is_not_run_again(counter: list[int]) -> None:
    job = jobs.REGISTRY["test.count"]
    assert jobs.claim(job)
    # A second scheduler polling at the same moment finds the claim and leaves the job alone.
    assert not jobs.claim(job)
    assert jobs.run_due_jobs() == []
    assert counter == []


@pytest.mark.django_db
def test_a_failing_job_records_its_error_and_is_retried_soon(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "REGISTRY", {})

    def broken() -> None:
        raise ValueError("boom")

    jobs.periodic("test.broken", every=timedelta(days=1))(broken)
    assert jobs.run_due_jobs() == ["test.broken"]
    run = JobRun.objects.get(name="test.broken")
    assert "boom" in run.last_error
    assert run.next_due < timezone.now() + timedelta(minutes=6)


def test_the_platform_registers_its_housekeeping_jobs() -> None:
    assert {"accounts.purge_login_attempts", "accounts.clear_expired_sessions"} <= set(
        jobs.REGISTRY
    )


@pytest.mark.django_db
def test_a_killed_holders_lease_runs_out_within_a_minute(counter: list[int]) -> None:
    job = jobs.REGISTRY["test.count"]
    taken = jobs.claim(job)
    assert taken is not None
    # The holder dies here: nobody renews the lease. Until it runs out the job stays held...
    assert jobs.claim(job, now=taken + job.lease - timedelta(seconds=1)) is None
    # ...and a minute later at most, another scheduler takes the due job.
    assert job.lease <= timedelta(minutes=1)
    assert jobs.claim(job, now=taken + job.lease + timedelta(seconds=1)) is not None


@pytest.mark.django_db
def test_a_holder_that_lost_its_lease_neither_renews_nor_closes_the_new_claim(
    counter: list[int],
) -> None:
    job = jobs.REGISTRY["test.count"]
    stalled = jobs.claim(job)
    assert stalled is not None
    later = stalled + job.lease + timedelta(seconds=1)
    fresh = jobs.claim(job, now=later)
    assert fresh is not None
    assert not jobs.renew(job, stalled, now=later)
    jobs.run_claimed(job, stalled)  # the stalled holder's job ends after all
    run = JobRun.objects.get(name="test.count")
    assert run.last_started == fresh
    assert run.claimed_until is not None  # still the new holder's
    assert run.runs == 0
    assert jobs.renew(job, fresh, now=later)
