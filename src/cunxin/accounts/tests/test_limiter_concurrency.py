"""Forty wrong passwords for one phone at the same moment: exactly the allowance is checked.

Each thread has its own database connection, as forty requests to several server processes
would. The count is taken under the key's row lock before any password is checked, so the
allowance holds however the attempts interleave. It needs PostgreSQL: SQLite's test database is
in memory and runs one writer at a time anyway.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connections
from django.test import RequestFactory

from cunxin.accounts.actions import login_with_phone
from cunxin.accounts.models import LoginAttempt, LoginThrottle
from cunxin.conftest import World, running_on_postgres
from cunxin.core.errors import DomainError

TRIES = 40


@pytest.mark.postgres
@pytest.mark.skipif(not running_on_postgres(), reason="DATABASE_URL is not PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_forty_wrong_passwords_at_once_get_exactly_five_checks(world: World, settings: Any) -> None:
    start = threading.Barrier(TRIES)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(n: int) -> None:
        request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=f"10.0.{n}.1")
        try:
            start.wait(timeout=60)
            login_with_phone(request, "13800000003", "wrong-password")
            result = "logged in"
        except DomainError as exc:
            result = exc.code
        except Exception as exc:  # reported below as a failure of the test
            result = f"crash:{exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(TRIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    allowance = settings.LOGIN_MAX_FAILURES_PER_PHONE
    assert Counter(outcomes) == {
        "login_failed": allowance,
        "challenge_required": TRIES - allowance,
    }
    assert LoginAttempt.objects.count() == allowance
    assert LoginThrottle.objects.get(key="phone:13800000003").failures == allowance
