"""Spending: the village supermarket's counter over HTTP, against the real server.

The world (fixed seed): one town with its policy, one village of ~1,000 adult villagers
(``demo.people.roster_rows`` imported through ``do_import_roster``), each given 300 spendable
points above the base (one reward-shaped transfer each — score and spendable points from the
village's issuance accounts, as a record taking effect posts it — through ``ledger.post_many``),
the village's credit supermarket with six goods (large stock, no monthly limit) made through the
shop's actions, and 16 keepers of that shop (``do_create_user`` with the keeper role,
``do_add_keeper``, their first password changed through ``do_change_own_password``), each
logged in: a session in the database as ``django.contrib.auth.login`` writes it, its cookie
given to one client. Sizes below are at ``--scale 1``; ``--scale`` multiplies the villagers and
the requests (at least 50 villagers and 10 requests a client).

The server is the production one: ``gunicorn cunxin.wsgi`` started as a subprocess on a free
port of 127.0.0.1, on the benchmark's database (the environment this process was given:
DATABASE_URL, the key files in the temporary data folder, DEBUG off), with ``GUNICORN_WORKERS``
gthread workers of ``GUNICORN_THREADS`` threads each (sized for the 2 CPUs it shares with the
database and the clients), stopped with SIGTERM at the end.

Figure:

* ``redeem_http``: redemptions/s with 16 concurrent clients, each a thread of this process with
  its own keep-alive connection (``http.client``) and session, doing ``POST
  /api/shop/shops/<id>/redemptions`` — what the keeper's phone sends after scanning a villager's
  pay code — 3,000 in all: a fresh pay code signed just before the request (as the villager's
  phone shows it), a fresh ``client_id`` each time, one or two goods. Request *i* serves
  villager *i* mod 1,000, so the 16 clients serve 16 different villagers at once and every
  villager redeems three times. Every answer must be 201 with the points expected, or the figure
  fails; afterwards the books must check clean (``check_ledger``) and every villager's spendable
  points, the shop's account, every goods' stock, the receipts and the used codes must add up
  exactly to the requests sent. Baseline: the same 16 clients, sessions and server in the same
  run, each doing ``GET /api/accounts/me`` (the current user and their permissions: a light
  authenticated endpoint, through the same middleware and session) the same number of times: requests/s. The two take turns in two rounds (baseline first, then
  redemptions first) so that a change in the machine's load meets both alike; each is the count
  over the summed wall time of its halves. Untimed warm-up first: every client does five
  baseline requests and two redemptions (counted in the checks). ``ratio`` = redemptions/s ÷
  baseline requests/s. On SQLite the figure runs the same way (the workers then share one
  database file, writes in turn); the issue asks for PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime
import http.client
import json
import math
import random
import secrets
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cunxin.bench.common import (
    COUNTY,
    BenchFailed,
    Figure,
    Options,
    admin_user,
    region_path,
    say,
)

if TYPE_CHECKING:
    from cunxin.accounts.models import User
    from cunxin.regions.models import Region
    from cunxin.shop.models import Shop

from cunxin.bench.server import (
    BARE_PATH,
    GUNICORN_THREADS,
    GUNICORN_WORKERS,
    REQUEST_TIMEOUT,
    running_server,
)

FIGURES = ("redeem_http",)
SEED = 2029
CLIENTS = 16
VILLAGERS = 1_000
REQUESTS = 3_000
MIN_VILLAGERS = 50
GRANT = 300  # spendable points each villager gets (a redemption costs at most 80)
ADULTS_PER_HOUSEHOLD = 3.1  # what roster_rows makes, about; a few more households to be sure
WARMUP_BARE = 5
WARMUP_REDEEM = 2
ROUNDS = 2
POLICY_START = datetime.date(2025, 1, 1)
TOWN = ("370811012000", "喻屯镇", "town")
VILLAGE = ("370811012201", "信用村", ["张", "王", "李"])
CLERK_PHONE = "13800030000"
KEEPER_PHONES = "138000301{:02d}"
# (name, points, stock): what the shelf holds; stock that no run exhausts.
GOODS = (
    ("东北大米5kg", 50, 100_000),
    ("花生油1L", 30, 100_000),
    ("挂面2kg", 20, 100_000),
    ("洗衣粉1kg", 15, 100_000),
    ("酱油500ml", 10, 100_000),
    ("食盐400g", 5, 100_000),
)


@dataclass(frozen=True)
class Sizes:
    villagers: int
    requests: int

    @classmethod
    def at(cls, scale: float) -> Sizes:
        return cls(
            villagers=max(MIN_VILLAGERS, round(VILLAGERS * scale)),
            requests=max(CLIENTS * 10, round(REQUESTS * scale)),
        )


@dataclass(frozen=True)
class Keeper:
    """One client's login: the user and the cookies its phone holds."""

    user_id: int
    session: str
    csrf: str


@dataclass
class World:
    village: Region
    shop: Shop
    keepers: list[Keeper]
    # (resident id) of the villagers with points, in pk order.
    villagers: list[int]
    goods: dict[int, tuple[int, int]]  # goods id → (price, stock at the start)
    rng: random.Random


# --- the world --------------------------------------------------------------------------------


@contextlib.contextmanager
def _quick_hashing() -> Iterator[None]:
    """Keepers' passwords hashed fast while they are made (Argon2 on purpose costs ~0.2 s a
    hash; nobody logs in with them: the sessions are written directly)."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def _session(user: User) -> Keeper:
    """A logged-in session for the user, as the login page leaves it; and a CSRF secret."""
    from django.conf import settings
    from django.test import Client
    from django.utils.crypto import get_random_string

    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    # Django accepts the unmasked 32-character secret as both the cookie and the header.
    return Keeper(user_id=user.pk, session=session, csrf=get_random_string(32))


def build_world(sizes: Sizes) -> World:
    """The town, its village, roster, points, shop, goods and keepers, through the actions."""
    from cunxin.accounts.actions import do_change_own_password, do_create_user
    from cunxin.accounts.permissions import Role
    from cunxin.demo.people import roster_rows
    from cunxin.people.actions import do_import_roster
    from cunxin.people.models import Resident
    from cunxin.people.spreadsheets import write_csv
    from cunxin.policy.actions import do_save_policy
    from cunxin.regions.actions import do_create_region
    from cunxin.regions.models import Level
    from cunxin.shop.actions.catalogue import (
        GoodsData,
        do_add_keeper,
        do_create_goods,
        do_create_shop,
    )

    admin = admin_user()
    town = region_path([*COUNTY, TOWN])
    code, name, surnames = VILLAGE
    village = do_create_region(
        code=code, name=name, level=Level.VILLAGE, parent=town, acting_user=admin
    )
    first, second = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    with _quick_hashing():
        clerk = do_create_user(
            phone=CLERK_PHONE,
            name="喻信用",
            password=first,
            role=Role.CENTRE,
            region=town,
            acting_user=admin,
        )
        keepers = []
        for n in range(CLIENTS):
            keeper = do_create_user(
                phone=KEEPER_PHONES.format(n),
                name="店员" + "".join("零一二三四五六七八九"[int(d)] for d in str(n + 1)),
                password=first,
                role=Role.KEEPER,
                region=village,
                acting_user=clerk,
            )
            keepers.append(do_change_own_password(keeper, old_password=first, new_password=second))
    do_save_policy(
        town,
        values={"name": "喻屯镇村民信用积分管理办法"},
        effective_from=POLICY_START,
        acting_user=clerk,
        reason="benchmark",
    )
    households = math.ceil(sizes.villagers / ADULTS_PER_HOUSEHOLD * 1.1)
    rows = roster_rows([(name, households, surnames)], SEED)
    headers = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")
    result = do_import_roster(
        write_csv(headers, rows), "信用村花名册.csv", acting_user=clerk, reason="benchmark"
    )
    if result.errors:
        raise BenchFailed(f"roster import failed: {result.errors[:3]}")
    today = datetime.date.today()
    villagers = list(
        Resident.objects.filter(
            village=village, birth_date__lte=today.replace(year=today.year - 18)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[: sizes.villagers]
    )
    if len(villagers) < sizes.villagers:
        raise BenchFailed(f"the roster has {len(villagers)} adults, {sizes.villagers} wanted")
    grant_points(village, villagers)
    shop = do_create_shop(village, name="信用村信用超市", address="村委会东侧", acting_user=clerk)
    goods = {}
    for goods_name, price, stock in GOODS:
        made = do_create_goods(
            shop, GoodsData(name=goods_name, price=price), stock=stock, acting_user=clerk
        )
        goods[made.pk] = (price, stock)
    for keeper in keepers:
        do_add_keeper(shop, keeper, acting_user=clerk)
    return World(
        village=village,
        shop=shop,
        keepers=[_session(k) for k in keepers],
        villagers=villagers,
        goods=goods,
        rng=random.Random(SEED),  # noqa: S311 - a seeded fixture, not a secret
    )


def grant_points(village: Region, villagers: Sequence[int]) -> None:
    """``GRANT`` points of score and spendable points for each villager, in one transaction."""
    from django.db import transaction

    from cunxin.ledger import actions as ledger
    from cunxin.ledger.fixtures import explain_fixture_grants
    from cunxin.ledger.models import POINTS

    explain_fixture_grants("bench.grant")  # no record explains these points: check_ledger is told
    with transaction.atomic():
        pairs = [(r, village.pk) for r in villagers]
        accounts = ledger.resident_account_ids(pairs)
        issuance = ledger.issuance_account_ids([village.pk])
        specs = []
        for resident_id in villagers:
            legs: list[tuple[int, int]] = []
            for currency in POINTS:
                legs.append((issuance[(village.pk, currency)], -GRANT))
                legs.append((accounts[(resident_id, currency)], GRANT))
            specs.append(
                ledger.TransferSpec(
                    key=f"bench:spending:grant:{resident_id}",
                    kind="bench.grant",
                    village_id=village.pk,
                    legs=tuple(legs),
                    memo="benchmark points",
                )
            )
        ledger.post_many(specs)


# --- the requests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redeem:
    """One planned redemption: for whom, which code nonce, what, and what it must cost."""

    resident_id: int
    nonce: int
    client_id: uuid.UUID
    lines: tuple[tuple[int, int], ...]  # (goods id, quantity)
    points: int


@dataclass(frozen=True)
class Bare:
    """One baseline request."""


Job = Redeem | Bare


def plan_redemptions(world: World, count: int, taken: Counter[int]) -> list[Redeem]:
    """``count`` redemptions, request *i* for the next villager in turn; ``taken`` counts each
    villager's codes so far (the code's nonce, so no two codes of a villager are alike)."""
    rng = world.rng
    goods = sorted(world.goods)
    planned = []
    start = sum(taken.values())
    for i in range(start, start + count):
        resident_id = world.villagers[i % len(world.villagers)]
        chosen = sorted(rng.sample(goods, rng.choice((1, 2))))
        # At most 80 points: rice and oil, the dearest pair.
        lines = tuple((g, 1) for g in chosen)
        planned.append(
            Redeem(
                resident_id=resident_id,
                nonce=taken[resident_id],
                client_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                lines=lines,
                points=sum(world.goods[g][0] * q for g, q in lines),
            )
        )
        taken[resident_id] += 1
    return planned


def dealt(jobs: Sequence[Job]) -> list[list[Job]]:
    """The jobs dealt round-robin to the clients (job *i* to client *i* mod 16)."""
    return [list(jobs[c::CLIENTS]) for c in range(CLIENTS)]


class Session:
    """One keeper's phone: a keep-alive connection to the server with the keeper's cookies."""

    def __init__(self, port: int, keeper: Keeper, shop_id: int) -> None:
        from django.conf import settings

        self.port = port
        self.keeper = keeper
        self.redeem_path = f"/api/shop/shops/{shop_id}/redemptions"
        self.headers = {
            "Host": "127.0.0.1",
            "Accept": "application/json",
            "Cookie": (
                f"{settings.SESSION_COOKIE_NAME}={keeper.session}; "
                f"{settings.CSRF_COOKIE_NAME}={keeper.csrf}"
            ),
            "X-CSRFToken": keeper.csrf,
        }
        self.connection: http.client.HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT
            )
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        raw = response.read()
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw[:200]
        return response.status, answer

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def run(self, job: Job) -> str | None:
        """Do the job; what went wrong, or None."""
        if isinstance(job, Bare):
            status, answer = self.call("GET", BARE_PATH)
            if status != 200 or not isinstance(answer, dict) or answer["id"] != self.keeper.user_id:
                return f"GET {BARE_PATH}: {status} {answer}"
            return None
        code = pay_code(job.resident_id, job.nonce)
        status, answer = self.call(
            "POST",
            self.redeem_path,
            {
                "code": code,
                "client_id": str(job.client_id),
                "lines": [{"goods_id": g, "quantity": q} for g, q in job.lines],
            },
        )
        if status != 201 or not isinstance(answer, dict) or answer["points"] != job.points:
            return f"POST {self.redeem_path}: {status} {answer}"
        return None


def pay_code(resident_id: int, nonce: int) -> str:
    """A fresh pay code, as the villager's phone shows it just before the keeper scans it.

    ``sign_code`` with the villager's own count as the nonce (``issue_code`` draws it at random:
    two codes of one villager in the same second could then collide, one time in 10^4).
    """
    from django.utils import timezone

    from cunxin.cards.identify import sign_code

    return sign_code(resident_id, timezone.now().replace(microsecond=0), nonce)


def run_round(sessions: Sequence[Session], jobs: Sequence[Sequence[Job]]) -> float:
    """Every client does its jobs at once; the wall-clock seconds until the last is done."""
    start = threading.Barrier(len(sessions) + 1)
    errors: list[str] = []

    def work(session: Session, mine: Sequence[Job]) -> None:
        start.wait()
        try:
            for job in mine:
                problem = session.run(job)
                if problem is not None:
                    errors.append(problem)
                    return
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"client of keeper {session.keeper.user_id}: {exc!r}")

    threads = [
        threading.Thread(target=work, args=(s, j), daemon=True)
        for s, j in zip(sessions, jobs, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    if errors:
        raise BenchFailed(f"{len(errors)} clients failed; first: {errors[0]}")
    return seconds


# --- checking ----------------------------------------------------------------------------------


def check_books(world: World, done: Sequence[Redeem]) -> None:
    """Everything the redemptions moved adds up to the requests sent, and the books check."""
    from django.db.models import Sum

    from cunxin.cards.models import UsedCode
    from cunxin.ledger.checks import check_ledger
    from cunxin.ledger.models import Account, AccountKind, Currency
    from cunxin.shop.models import Goods, Redemption, RedemptionStatus

    spent: dict[int, int] = defaultdict(int)
    taken: dict[int, int] = defaultdict(int)
    for r in done:
        spent[r.resident_id] += r.points
        for goods_id, quantity in r.lines:
            taken[goods_id] += quantity
    total = sum(spent.values())
    receipts = Redemption.objects.filter(shop=world.shop, status=RedemptionStatus.DONE)
    counted = receipts.aggregate(n=Sum("points"))["n"] or 0
    if receipts.count() != len(done) or counted != total:
        raise BenchFailed(
            f"{receipts.count()} receipts of {counted} points for {len(done)} redemptions "
            f"of {total} points"
        )
    if set(receipts.values_list("client_id", flat=True)) != {r.client_id for r in done}:
        raise BenchFailed("the receipts are not the redemptions sent")
    balances = dict(
        Account.objects.filter(
            kind=AccountKind.RESIDENT, currency=Currency.SPENDABLE, resident_id__in=world.villagers
        ).values_list("resident_id", "balance")
    )
    wrong = [r for r in world.villagers if balances.get(r) != GRANT - spent[r]]
    if wrong:
        raise BenchFailed(
            f"{len(wrong)} villagers' spendable points do not add up, e.g. {wrong[0]}: "
            f"{balances.get(wrong[0])} ≠ {GRANT - spent[wrong[0]]}"
        )
    shop_points = Account.objects.get(
        kind=AccountKind.SHOP, currency=Currency.SPENDABLE, holder=world.shop.ledger_holder
    ).balance
    if shop_points != total:
        raise BenchFailed(f"the shop's account holds {shop_points} points, {total} expected")
    stock = dict(Goods.objects.filter(shop=world.shop).values_list("pk", "stock"))
    for goods_id, (_price, start) in world.goods.items():
        if stock[goods_id] != start - taken[goods_id]:
            raise BenchFailed(
                f"goods {goods_id}: stock {stock[goods_id]}, {start - taken[goods_id]} expected"
            )
    used = UsedCode.objects.filter(resident_id__in=world.villagers).count()
    if used != len(done):
        raise BenchFailed(f"{used} pay codes used for {len(done)} redemptions")
    problems = check_ledger()
    if problems:
        raise BenchFailed(f"the books do not check: {problems[:3]}")


# --- the figure --------------------------------------------------------------------------------


def measure(world: World, sizes: Sizes, vendor: str) -> Figure:
    taken: Counter[int] = Counter()
    warm_redeem = plan_redemptions(world, WARMUP_REDEEM * CLIENTS, taken)
    halves = [
        math.ceil(sizes.requests / ROUNDS) if n == 0 else sizes.requests // ROUNDS
        for n in range(ROUNDS)
    ]
    measured = [plan_redemptions(world, half, taken) for half in halves]
    redeem_s = bare_s = 0.0
    with running_server() as server:
        sessions = [Session(server.port, k, world.shop.pk) for k in world.keepers]
        try:
            run_round(sessions, dealt([Bare()] * (WARMUP_BARE * CLIENTS)))
            run_round(sessions, dealt(warm_redeem))
            for n, (half, planned) in enumerate(zip(halves, measured, strict=True)):
                kinds = ("bare", "redeem") if n % 2 == 0 else ("redeem", "bare")
                for kind in kinds:
                    for session in sessions:  # a fresh connection each turn, opened in the time
                        session.close()
                    if kind == "bare":
                        seconds = run_round(sessions, dealt([Bare()] * half))
                        bare_s += seconds
                    else:
                        seconds = run_round(sessions, dealt(planned))
                        redeem_s += seconds
                    say(
                        f"redeem_http round {n + 1}: {half} {kind} requests in {seconds:.2f} s "
                        f"({half / seconds:.1f}/s)"
                    )
        finally:
            for session in sessions:
                session.close()
    done = warm_redeem + [r for planned in measured for r in planned]
    check_books(world, done)
    count = sum(halves)
    rate, bare_rate = count / redeem_s, count / bare_s
    server_text = f"gunicorn {GUNICORN_WORKERS} gthread workers × {GUNICORN_THREADS} threads"
    on = "" if vendor == "postgresql" else f" (on {vendor}; the issue asks for PostgreSQL)"
    return Figure(
        "redeem_http",
        rate,
        "redemptions/s",
        bare_rate,
        f"GET_api_accounts_me_same_server_{CLIENTS}_clients:{bare_rate:.1f}req/s",
        f"GET {BARE_PATH} by the same {CLIENTS} clients on the same server: "
        f"{bare_rate:.1f} requests/s{on}",
        f"{count} redemptions by {CLIENTS} concurrent HTTP clients (keep-alive, own sessions) "
        f"for {len(world.villagers)} villagers at one shop; {server_text}",
    )


# --- the suite ----------------------------------------------------------------------------------


def run(options: Options, only: set[str]) -> list[Figure]:
    """Build the village and its shop, then measure the counter over HTTP."""
    from django.db import connection

    sizes = Sizes.at(options.scale)
    started = time.perf_counter()
    world = build_world(sizes)
    say(
        f"spending: {len(world.villagers)} villagers with {GRANT} points, {len(world.goods)} "
        f"goods, {len(world.keepers)} keepers, built in {time.perf_counter() - started:.1f} s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if options.profile:
        say("spending: --profile has nothing to show: the work runs in the server's processes")
    if "redeem_http" not in only:
        return []
    return [measure(world, sizes, connection.vendor)]
