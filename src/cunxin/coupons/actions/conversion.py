"""Turning spendable points into coupons (积分兑换信用券).

Denominations: a conversion is cut into 50-yuan coupons, then 10-yuan ones, and any rest (a
rate that is not a whole number of yuan) as one last coupon. Whole coupons are what a villager
gifts, so 200 yuan as four 50-yuan coupons lets 张三 give his mother exactly 50 without
splitting anything, the way paper vouchers work; a coupon is still spent in part at a merchant.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.permissions import Perm
from cunxin.blacklist.selectors import is_blacklisted
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden
from cunxin.core.scoping import may
from cunxin.coupons.models import Conversion, Coupon, CouponStatus, yuan
from cunxin.coupons.serials import next_serials
from cunxin.ledger.actions import (
    TransferSpec,
    issuance_account_ids,
    post,
    resident_account_ids,
)
from cunxin.ledger.models import Account, Currency
from cunxin.people.models import Resident, ResidentStatus
from cunxin.policy.models import CreditPolicy
from cunxin.policy.selectors import policy_in_force

DENOMINATIONS_FEN = (5000, 1000)
# One conversion at most: a typo of extra zeros is refused rather than printed as coupons.
MAX_POINTS = 10_000


def split(fen: int) -> list[int]:
    """Face values for ``fen``: 50-yuan coupons, then 10-yuan ones, then the rest as one."""
    faces: list[int] = []
    for size in DENOMINATIONS_FEN:
        count, fen = divmod(fen, size)
        faces += [size] * count
    if fen:
        faces.append(fen)
    return faces


@dataclass(frozen=True)
class Quote:
    """What a villager may convert today and at what rate."""

    policy: CreditPolicy | None
    spendable: int
    score_points: int
    blacklisted: bool

    @property
    def convertible(self) -> int:
        """Points above the base, and never more than the spendable balance."""
        if self.policy is None or self.blacklisted:
            return 0
        return max(0, min(self.spendable, self.score_points, MAX_POINTS))

    @property
    def fen_per_point(self) -> int:
        return self.policy.coupon_fen_per_point if self.policy else 0

    @property
    def rate_yuan(self) -> str:
        return yuan(self.fen_per_point)

    @property
    def valid_days(self) -> int:
        return self.policy.coupon_valid_days if self.policy else 0

    @property
    def max_yuan(self) -> str:
        return yuan(self.convertible * self.fen_per_point)


def quote(resident: Resident, today: datetime.date | None = None) -> Quote:
    """The rate, the points the villager may convert, and why not when they may not."""
    today = today or timezone.localdate()
    ids = resident_account_ids([(resident.pk, resident.village_id)])
    balances = dict(Account.objects.filter(pk__in=list(ids.values())).values_list("pk", "balance"))
    return Quote(
        policy=policy_in_force(resident.village, today),
        spendable=balances[ids[(resident.pk, Currency.SPENDABLE)]],
        score_points=balances[ids[(resident.pk, Currency.SCORE)]],
        blacklisted=is_blacklisted(resident, today),
    )


def check_uses_points(user: Any, resident: Resident) -> None:
    """Only the villager themselves (or a platform admin) uses their points."""
    if not may(user, Perm.USE_POINTS, region=resident.village.code, resident=resident.pk):
        raise Forbidden("forbidden", _("您没有权限使用%s的积分。") % resident.name)


@transaction.atomic
def do_convert(
    resident: Resident, points: int, *, client_id: uuid.UUID, acting_user: Any
) -> Conversion:
    """Turn spendable points above the base into coupons at the policy's rate; the same
    ``client_id`` again (a double click, a retried request) returns the first conversion."""
    check_uses_points(acting_user, resident)
    ids = resident_account_ids(
        [(resident.pk, resident.village_id)], (Currency.SCORE, Currency.SPENDABLE, Currency.COUPON)
    )
    spendable_id = ids[(resident.pk, Currency.SPENDABLE)]
    # The villager's spendable account, locked first: two requests of one villager (a double
    # click) run one after the other, and the second finds the first's conversion.
    Account.objects.select_for_update().filter(pk=spendable_id).values_list("pk").first()
    done = Conversion.objects.filter(resident=resident, client_id=client_id).first()
    if done is not None:
        if done.points != points:
            raise Conflict("conversion_client_id", _("这个请求编号已用于另一次兑换。"))
        return done
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise DomainError("points_invalid", _("兑换积分必须是正整数。"), field="points")
    if resident.status != ResidentStatus.ACTIVE:
        raise DomainError("resident_inactive", _("已迁出的村民不能兑换。"))
    today = timezone.localdate()
    found = quote(resident, today)
    if found.policy is None:
        raise DomainError("no_policy", _("本村还没有信用管理办法，暂不能兑换。"))
    if found.blacklisted:
        raise Forbidden("blacklisted", _("列入诚信黑名单期间不能兑换信用券。"))
    if points > MAX_POINTS:
        raise DomainError(
            "points_too_many",
            _("一次最多兑换%(n)d积分。"),
            field="points",
            params={"n": MAX_POINTS},
        )
    if points > found.convertible:
        raise Conflict(
            "points_insufficient",
            _("可兑换积分不足：您现在最多可兑换%(n)d积分（只有基础分以上的可用积分能兑换）。"),
            field="points",
            params={"n": found.convertible},
        )
    rate = found.fen_per_point
    fen = points * rate
    issuance = issuance_account_ids([resident.village_id], (Currency.SPENDABLE, Currency.COUPON))
    transfer = post(
        TransferSpec(
            key=f"coupon:convert:{resident.pk}:{client_id}",
            kind="coupon.convert",
            village_id=resident.village_id,
            legs=(
                (spendable_id, -points),
                (issuance[(resident.village_id, Currency.SPENDABLE)], points),
                (issuance[(resident.village_id, Currency.COUPON)], -fen),
                (ids[(resident.pk, Currency.COUPON)], fen),
            ),
            memo=_("%(p)d积分兑换%(y)s元信用券") % {"p": points, "y": yuan(fen)},
            must_cover=(spendable_id,),
        )
    )
    conversion = Conversion.objects.create(
        resident=resident,
        village_id=resident.village_id,
        client_id=client_id,
        points=points,
        fen=fen,
        fen_per_point=rate,
        transfer=transfer,
    )
    now = timezone.now()
    faces = split(fen)
    serials = next_serials(resident.village.code, today.year, len(faces))
    expires_on = today + datetime.timedelta(days=found.valid_days)
    Coupon.objects.bulk_create(
        [
            Coupon(
                serial=serial,
                village_id=resident.village_id,
                owner=resident,
                conversion=conversion,
                face_fen=face,
                remaining_fen=face,
                status=CouponStatus.LIVE,
                issued_at=now,
                expires_on=expires_on,
            )
            for serial, face in zip(serials, faces, strict=True)
        ]
    )
    audit.record(
        acting_user,
        "coupons.convert",
        conversion,
        region_code=resident.village.code,
        after={
            "resident": resident.pk,
            "points": points,
            "fen": fen,
            "coupons": serials,
            "expires_on": expires_on,
        },
    )
    return conversion
