"""The one limiter of password checks: every way to log in goes through it.

The login page, Django's admin (whose login page sends people to ours) and the password change
all check passwords here, and the authentication backend (``accounts.backends``) refuses any
``authenticate()`` that does not carry this limiter's admission, so a new way to log in cannot
quietly skip it. The rules:

1. **Counted before checked, atomically.** An attempt is counted as a failure *before* its
   password is checked, under the row locks of its keys (one short transaction, keys in sorted
   order); a right password then takes the count back. Concurrent attempts therefore see each
   other: forty at once get exactly the allowance of password checks, not one more.
2. **Keys.** An attempt counts against its account — the phone number, or, from a browser where
   this phone has logged in before, that device (``accounts.devices``) — and against the client's
   address (the real one behind trusted proxies, ``core.proxies``; an IPv6 client by its /64).
   A logged-in user changing their password counts against their own account key.
3. **Past the allowance: a challenge and growing waits, never a lock.** Within a key's allowance
   the password is simply checked. Past it, the next attempt needs a solved challenge
   (``accounts.challenge``), and an account key also waits between checks, doubling from
   ``LOGIN_WAIT_BASE_SECONDS`` up to ``LOGIN_WAIT_MAX_SECONDS``. The right password is never
   refused for good: a hard lock would let any stranger lock an owner out, or a whole village
   office behind one address. An address gets the challenge but no wait, for the same reason.
4. **A right password** clears its account key; at the address it takes back only its own count,
   so logging in to one's own account does not reset the guessing of others from there.
5. **The owner is told** (the message centre and a text through the SMS backend) when the
   failures at their phone pass the allowance, at most once per window.
6. A key's count is forgotten after ``LOGIN_FAILURE_WINDOW_SECONDS`` without failures.
"""

from __future__ import annotations

import datetime
import functools
import ipaddress
import logging
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunxin.accounts import challenge
from cunxin.accounts.models import LoginAttempt, LoginThrottle, UsedChallenge, User
from cunxin.core.errors import DomainError, RateLimited

logger = logging.getLogger("cunxin.accounts.limiter")


@dataclass(frozen=True)
class Bucket:
    """One key an attempt counts against, and what happens past its allowance."""

    key: str
    allowance: int
    waits: bool  # an account key: growing waits past the allowance
    needs_challenge: bool  # past the allowance an attempt needs a solved challenge
    owner_phone: str = ""  # whose owner is told of an attack on this key


@dataclass
class Admission:
    """An attempt the limiter let through: check its password once, then ``settle`` it."""

    phone: str
    ip: str
    buckets: tuple[Bucket, ...]
    used: bool = field(default=False)

    def take(self) -> bool:
        """True the first time only: one admission, one password check."""
        first, self.used = not self.used, True
        return first


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def wait_after(failures: int, allowance: int) -> datetime.timedelta:
    """How long an account waits after its n-th failure: nothing within the allowance, then
    the base, doubling each time, up to the maximum."""
    past = failures - allowance
    if past <= 0:
        return datetime.timedelta(0)
    base, most = settings.LOGIN_WAIT_BASE_SECONDS, settings.LOGIN_WAIT_MAX_SECONDS
    seconds = most if past > 30 else min(most, base * 2 ** (past - 1))
    return datetime.timedelta(seconds=seconds)


def address_key(ip: str) -> str:
    """The key of a client address; an IPv6 client by its /64 (one subscriber's network)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address):
        return f"ip:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"ip:{address}"


def login_buckets(phone: str, ip: str, device: str) -> tuple[Bucket, ...]:
    """The keys of a login attempt: the account (phone or known device), and the address.

    From a known device the address is left out too: the owner's own browser is not made to
    solve challenges because others guessed from the same village office.
    """
    allowance = settings.LOGIN_MAX_FAILURES_PER_PHONE
    if device:
        return (Bucket(f"device:{device}", allowance, waits=True, needs_challenge=True),)
    buckets = [
        Bucket(f"phone:{phone}", allowance, waits=True, needs_challenge=True, owner_phone=phone)
    ]
    at = address_key(ip)
    if at:
        buckets.append(
            Bucket(at, settings.LOGIN_MAX_FAILURES_PER_IP, waits=False, needs_challenge=True)
        )
    return tuple(buckets)


def password_change_buckets(user: User) -> tuple[Bucket, ...]:
    """A logged-in user re-entering their password: their own key, waits but no challenge.

    Strangers guessing at the login page do not hold this up; someone using a session left
    open (who does not know the password) is slowed down just the same.
    """
    return (
        Bucket(
            f"user:{user.pk}",
            settings.LOGIN_MAX_FAILURES_PER_PHONE,
            waits=True,
            needs_challenge=False,
            owner_phone=user.phone,
        ),
    )


def _locked_rows(buckets: tuple[Bucket, ...], now: datetime.datetime) -> dict[str, LoginThrottle]:
    """The buckets' rows, created if missing and locked in key order; stale counts forgotten."""
    keys = sorted({b.key for b in buckets})
    rows: dict[str, LoginThrottle] = {}
    while len(rows) < len(keys):  # again if the purge deleted a row between the two statements
        LoginThrottle.objects.bulk_create(
            [LoginThrottle(key=k) for k in keys if k not in rows], ignore_conflicts=True
        )
        rows = {
            row.key: row
            for row in LoginThrottle.objects.select_for_update()
            .filter(key__in=keys)
            .order_by("key")
        }
    for row in rows.values():
        if row.last_failure_at is not None and row.last_failure_at < now - _window():
            row.failures = 0
            row.wait_until = None
    return rows


def _wait_error(until: datetime.datetime, now: datetime.datetime) -> RateLimited:
    return RateLimited(
        "login_wait",
        gettext_lazy("尝试次数过多，请%(seconds)d秒后再试。"),
        params={"seconds": max(1, math.ceil((until - now).total_seconds()))},
    )


def admit(
    buckets: tuple[Bucket, ...],
    *,
    phone: str,
    ip: str,
    challenge_token: str = "",
    challenge_answer: str = "",
) -> Admission:
    """Count the attempt against its keys, or refuse it (a wait, or a challenge first).

    Refusals: RateLimited login_wait (with the seconds in ``params``), DomainError
    challenge_required or challenge_wrong on the field ``answer``. A refused attempt is not
    counted and its password is not checked.
    """
    now = timezone.now()
    refusal: DomainError | None = None
    with transaction.atomic():
        rows = _locked_rows(buckets, now)
        waits = [r.wait_until for r in rows.values() if r.wait_until and r.wait_until > now]
        past = any(b.needs_challenge and rows[b.key].failures >= b.allowance for b in buckets)
        if waits:
            refusal = _wait_error(max(waits), now)
        elif past and not challenge.solve(challenge_token, challenge_answer):
            # The token is used up either way (committed with this block): one answer each.
            refusal = (
                DomainError(
                    "challenge_wrong",
                    gettext_lazy("验证题答错了，请看新的题目再答一次。"),
                    field="answer",
                )
                if challenge_token
                else DomainError(
                    "challenge_required", gettext_lazy("请先回答验证题。"), field="answer"
                )
            )
        else:
            for bucket in buckets:
                row = rows[bucket.key]
                row.failures += 1
                row.last_failure_at = now
                if bucket.waits and row.failures > bucket.allowance:
                    row.wait_until = now + wait_after(row.failures, bucket.allowance)
                row.save()
    if refusal is not None:
        raise refusal
    return Admission(phone=phone, ip=ip, buckets=buckets)


def settle(admission: Admission, user: User | None) -> None:
    """After the password check: a success takes the count back, a failure may alert the owner."""
    now = timezone.now()
    with transaction.atomic():
        rows = _locked_rows(admission.buckets, now)
        for bucket in admission.buckets:
            row = rows[bucket.key]
            if user is not None:
                if bucket.waits:
                    row.failures, row.wait_until = 0, None
                else:
                    row.failures = max(0, row.failures - 1)
                row.save()
            elif (
                bucket.owner_phone
                and row.failures > bucket.allowance
                and (row.alerted_at is None or row.alerted_at < now - _window())
            ):
                row.alerted_at = now
                row.save()
                transaction.on_commit(functools.partial(alert_owner, bucket.owner_phone))
        LoginAttempt.objects.create(
            phone=admission.phone[:32], ip=admission.ip or None, success=user is not None
        )


def alert_owner(phone: str) -> None:
    """Tell the owner of the phone (message centre and a text) that it is being guessed at."""
    from cunxin.core.sms import sms_backend
    from cunxin.notifications.actions import Note, notify

    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        return  # nobody to tell: a number without a login
    text = _(
        "有人在短时间内多次用错误的密码登录您的村信账号（手机号尾号%(last4)s）。"
        "账号没有被锁定，您仍可照常登录；如果不是您本人，请不要把密码告诉任何人，"
        "并在登录后修改密码。"
    ) % {"last4": phone[-4:]}
    with transaction.atomic():
        notify([Note(kind="login_attack", text=text, user_id=user.pk, link="/accounts/password/")])
    try:
        sms_backend().send(phone, text)
    except Exception:
        logger.exception("could not text the owner of %s about failed logins", phone[-4:])


def challenge_needed(buckets: tuple[Bucket, ...]) -> bool:
    """Whether the next attempt with these keys must solve a challenge (for the login page)."""
    since = timezone.now() - _window()
    rows = {
        r.key: r
        for r in LoginThrottle.objects.filter(
            key__in=[b.key for b in buckets], last_failure_at__gte=since
        )
    }
    return any(
        b.needs_challenge and b.key in rows and rows[b.key].failures >= b.allowance for b in buckets
    )


def purge() -> int:
    """Forget keys without a failure for a window (none still waiting), and expired challenges."""
    now = timezone.now()
    stale = LoginThrottle.objects.filter(
        Q(last_failure_at__lt=now - _window()) | Q(last_failure_at__isnull=True)
    ).exclude(wait_until__gt=now)
    deleted, _rows = stale.delete()
    UsedChallenge.objects.filter(expires_at__lt=now).delete()
    return deleted
