"""What must hold across real transactions, connections and processes: a wrong PIN counts
although no payment follows, every process shares one count, and two keepers cannot both spend
one code."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections, transaction

from cunxin.cards.identify import consume, identify, issue_code
from cunxin.cards.models import MAX_PIN_TRIES, Card, UsedCode
from cunxin.cards.tests.helpers import NUMBER, PIN, bind
from cunxin.conftest import World
from cunxin.core.errors import Conflict, DomainError
from cunxin.core.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"
)


def failed_payment(world: World, pin: str = "999999") -> str:
    """A payment that checks the card first, then fails in its own transaction; the code."""
    try:
        identify(card_number=NUMBER, pin=pin, acting_user=world.keeper_a)
        with transaction.atomic():
            raise DomainError("out_of_stock", "卖完了")
    except DomainError as exc:
        return exc.code


def test_five_failed_payments_lock_the_card_for_good(world: World) -> None:
    card = bind(world)
    codes = [failed_payment(world) for _ in range(MAX_PIN_TRIES)]
    assert codes == ["pin_wrong"] * (MAX_PIN_TRIES - 1) + ["card_locked"]
    assert failed_payment(world, PIN) == "card_locked"
    card.refresh_from_db()
    assert card.locked
    assert card.failed_pins == MAX_PIN_TRIES


def test_a_payment_failing_after_a_right_pin_keeps_the_fresh_count(world: World) -> None:
    card = bind(world)
    assert failed_payment(world) == "pin_wrong"
    assert failed_payment(world, PIN) == "out_of_stock"
    card.refresh_from_db()
    assert card.failed_pins == 0


def _look(card_id: int, seen: list[int]) -> None:
    """The card's count as another connection sees it."""
    try:
        seen.append(Card.objects.get(pk=card_id).failed_pins)
    finally:
        connections.close_all()


@pytest.mark.postgres
@postgres_only
def test_each_wrong_pin_is_committed_at_once(world: World) -> None:
    card = bind(world)
    for attempt in range(1, MAX_PIN_TRIES + 1):
        failed_payment(world)
        # Seen from another connection: the count is in the database, not in a process.
        seen: list[int] = []
        looker = threading.Thread(target=_look, args=(card.pk, seen))
        looker.start()
        looker.join()
        assert seen == [attempt]
    card.refresh_from_db()
    assert card.locked


# A keeper's till in a process of its own: wait for the start, try four wrong PINs, report.
TILL = """
import json, sys, time, pathlib, django
django.setup()
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.db import connection
from cunxin.accounts.models import User
from cunxin.cards.identify import identify
from cunxin.core.errors import DomainError
keeper = User.objects.get(phone=sys.argv[1])
connection.ensure_connection()
pathlib.Path(sys.argv[4]).write_text("")
while not pathlib.Path(sys.argv[3]).exists():
    time.sleep(0.001)
tries = []
for _ in range(4):
    try:
        identify(card_number=sys.argv[2], pin="999999", acting_user=keeper)
        tries.append(["paid", None])
    except DomainError as exc:
        tries.append([exc.code, exc.params.get("left")])
print(json.dumps(tries))
"""


@pytest.mark.postgres
@postgres_only
def test_two_server_processes_share_one_count(world: World, tmp_path: Path) -> None:
    from cunxin.records.tests.helpers import child_env

    card = bind(world)
    connections.close_all()
    env = child_env(connection.settings_dict)
    go = tmp_path / "go"
    readies = [tmp_path / f"ready-{n}" for n in range(2)]
    tills = [
        subprocess.Popen(
            [sys.executable, "-c", TILL, world.keeper_a.phone, NUMBER, str(go), str(ready)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    deadline = time.monotonic() + 120
    while not all(ready.exists() for ready in readies):
        assert time.monotonic() < deadline, "the tills did not start"
        time.sleep(0.01)
    go.write_text("")
    tries = []
    for till in tills:
        out, _err = till.communicate(timeout=120)
        assert till.returncode == 0
        tries += json.loads(out.strip().splitlines()[-1])
    wrong = sorted(left for code, left in tries if code == "pin_wrong")
    # Eight wrong PINs from two processes: the first four say 4, 3, 2, 1 tries left, each once;
    # the fifth locks the card; the rest are refused as locked.
    assert wrong == list(range(1, MAX_PIN_TRIES))
    assert sum(code == "card_locked" for code, _left in tries) == 8 - (MAX_PIN_TRIES - 1)
    card.refresh_from_db()
    assert card.locked
    assert card.failed_pins == MAX_PIN_TRIES
    assert (
        AuditEntry.objects.filter(action="cards.card_locked", object_id=str(card.pk)).count() == 1
    )


@pytest.mark.postgres
@postgres_only
def test_two_keepers_spending_one_code_at_once_one_wins(world: World) -> None:
    code, _ = issue_code(world.resident("张三"))
    customer = identify(code=code, acting_user=world.keeper_a)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def keeper() -> None:
        try:
            with transaction.atomic():
                barrier.wait()
                consume(customer)
            outcomes.append("paid")
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=keeper) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["code_used", "paid"]
    assert UsedCode.objects.count() == 1
    assert Card.objects.count() == 0
