"""Gifting coupons (转赠): offer, accept, decline, cancel, and the lapse of unanswered offers.

A whole coupon (what is left of it) is offered to another villager of the same village, found
by phone number or picked from the giver's household. It stays the giver's, out of spending,
until the receiver accepts; then one ledger transfer moves its value and the owner changes.
A receiver without a login (an elderly parent who pays with the 诚信卡) cannot accept on a
phone, so their gift is delivered at once and they are told by text message.

Locks are taken gift → coupon → ledger accounts, the same order everywhere.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm
from cunxin.core import audit
from cunxin.core.errors import Conflict, DomainError, Forbidden, NotFound
from cunxin.core.scoping import may
from cunxin.coupons.actions.conversion import check_uses_points
from cunxin.coupons.models import Coupon, CouponStatus, Gift, GiftStatus, yuan
from cunxin.coupons.workflow import COUPONS, GIFTS
from cunxin.ledger.actions import TransferSpec, post, resident_account_ids
from cunxin.ledger.models import Currency
from cunxin.notifications.actions import Note, notify
from cunxin.people.models import Resident, ResidentStatus

GIFT_DAYS = 7


def _link() -> str:
    return reverse("coupons:mine")


def find_receiver(giver: Resident, *, phone: str = "", receiver_id: int | None = None) -> Resident:
    """The villager a gift goes to: by phone number, or a member of the giver's household."""
    people = Resident.objects.filter(
        village_id=giver.village_id, status=ResidentStatus.ACTIVE
    ).exclude(pk=giver.pk)
    if receiver_id is not None:
        if receiver_id == giver.pk:
            raise DomainError("gift_to_self", _("不能转赠给自己。"), field="receiver")
        found = people.filter(pk=receiver_id, household_id=giver.household_id).first()
        if found is None:
            raise DomainError(
                "receiver_unknown", _("请从本户家庭成员中选择接收人。"), field="receiver"
            )
        return found
    phone = "".join(ch for ch in phone if ch.isdigit())
    if not phone:
        raise DomainError("receiver_required", _("请填写接收人的手机号。"), field="phone")
    if phone == giver.phone:
        raise DomainError("gift_to_self", _("不能转赠给自己。"), field="phone")
    matches = list(people.filter(phone=phone)[:2])
    if not matches:
        raise DomainError(
            "receiver_unknown", _("本村没有登记这个手机号的村民，请核对。"), field="phone"
        )
    if len(matches) > 1:
        raise DomainError(
            "receiver_ambiguous",
            _("这个手机号登记了多位村民，请改为从家庭成员中选择或联系村委会。"),
            field="phone",
        )
    return matches[0]


def _lock_coupon(coupon: Coupon) -> Coupon:
    locked: Coupon = (
        Coupon.objects.select_for_update(of=("self",))
        .select_related("village", "owner")
        .get(pk=coupon.pk)
    )
    return locked


def _lock_gift(gift: Gift) -> Gift:
    locked: Gift = (
        Gift.objects.select_for_update(of=("self",))
        .select_related("village", "giver", "receiver")
        .get(pk=gift.pk)
    )
    return locked


def _set_coupon(coupon: Coupon, status: str, owner: Resident | None = None) -> None:
    fields = []
    if owner is not None:
        coupon.owner = owner
        fields.append("owner")
    COUPONS.apply(coupon, status, actor=None, fields=fields)


def _set_gift(gift: Gift, status: str, now: datetime.datetime, actor: Any) -> None:
    before = gift.status
    gift.decided_at = now
    GIFTS.apply(gift, status, actor=actor, fields=["decided_at", "transfer"])
    audit.record(
        actor,
        f"coupons.gift_{status}",
        gift,
        region_code=gift.village.code,
        before={"status": before},
        after={"status": status, "coupon": gift.coupon_id, "owner": gift.coupon.owner_id},
    )


def _deliver(gift: Gift, coupon: Coupon, now: datetime.datetime, actor: Any) -> None:
    """Move the coupon's value and ownership to the receiver (locks held by the caller)."""
    ids = resident_account_ids(
        [(gift.giver_id, gift.giver.village_id), (gift.receiver_id, gift.receiver.village_id)],
        (Currency.COUPON,),
    )
    source = ids[(gift.giver_id, Currency.COUPON)]
    gift.transfer = post(
        TransferSpec(
            key=f"coupon:gift:{gift.pk}",
            kind="coupon.gift",
            village_id=gift.village_id,
            legs=(
                (source, -gift.amount_fen),
                (ids[(gift.receiver_id, Currency.COUPON)], gift.amount_fen),
            ),
            memo=_("信用券%(s)s转赠") % {"s": coupon.serial},
            must_cover=(source,),
        )
    )
    _set_coupon(coupon, CouponStatus.LIVE, owner=gift.receiver)
    _set_gift(gift, GiftStatus.ACCEPTED, now, actor)


@transaction.atomic
def do_gift(
    coupon: Coupon,
    *,
    phone: str = "",
    receiver_id: int | None = None,
    acting_user: Any,
) -> Gift:
    """Offer a coupon to a villager of the same village; it waits for them to accept (seven
    days), or is delivered at once to someone who has no login to accept with."""
    coupon = _lock_coupon(coupon)
    giver = coupon.owner
    check_uses_points(acting_user, giver)
    today = timezone.localdate()
    if coupon.status == CouponStatus.GIFTING:
        raise Conflict("coupon_gifting", _("这张信用券已在转赠中，请等待对方接收或先撤回。"))
    if coupon.status != CouponStatus.LIVE or coupon.expires_on < today:
        raise Conflict("coupon_not_live", _("这张信用券已用完或已过期，不能转赠。"))
    receiver = find_receiver(giver, phone=phone, receiver_id=receiver_id)
    now = timezone.now()
    _set_coupon(coupon, CouponStatus.GIFTING)
    gift = Gift.objects.create(
        coupon=coupon,
        village_id=giver.village_id,
        giver=giver,
        receiver=receiver,
        amount_fen=coupon.remaining_fen,
        created_at=now,
        expires_at=now + datetime.timedelta(days=GIFT_DAYS),
    )
    audit.record(
        acting_user,
        "coupons.gift",
        gift,
        region_code=giver.village.code,
        after={"coupon": coupon.pk, "receiver": receiver.pk, "amount_fen": gift.amount_fen},
    )
    amount = yuan(gift.amount_fen)
    if not User.objects.filter(resident=receiver, is_active=True).exists():
        _deliver(gift, coupon, now, acting_user)
        notify(
            [
                Note(
                    kind="coupon_gift_received",
                    resident_id=receiver.pk,
                    text=_("%(g)s转赠给您%(y)s元信用券（券号%(s)s），可凭诚信卡在合作商家使用。")
                    % {"g": giver.name, "y": amount, "s": coupon.serial},
                ),
                Note(
                    kind="coupon_gift_accepted",
                    resident_id=giver.pk,
                    text=_("您转赠给%(r)s的%(y)s元信用券已到账。")
                    % {"r": receiver.name, "y": amount},
                    link=_link(),
                ),
            ]
        )
        return gift
    notify(
        [
            Note(
                kind="coupon_gift_offered",
                resident_id=receiver.pk,
                text=_("%(g)s要转赠给您%(y)s元信用券，请在7天内到“信用券”页面接收。")
                % {"g": giver.name, "y": amount},
                link=_link(),
            )
        ]
    )
    return gift


def _check_party(user: Any, resident_id: int, village_code: str) -> None:
    if not may(user, Perm.USE_POINTS, region=village_code, resident=resident_id):
        raise Forbidden("forbidden", _("您没有权限处理这笔转赠。"))


def _open(gift: Gift, now: datetime.datetime) -> Coupon:
    """The gift's coupon, locked, once the gift is known to be still open."""
    GIFTS.check(gift, GiftStatus.ACCEPTED, actor=None)
    coupon = _lock_coupon(gift.coupon)
    gift.coupon = coupon
    return coupon


@transaction.atomic
def do_accept_gift(gift: Gift, *, acting_user: Any) -> Gift:
    """The receiver takes the coupon: its value moves to them in one transfer."""
    gift = _lock_gift(gift)
    _check_party(acting_user, gift.receiver_id, gift.village.code)
    now = timezone.now()
    coupon = _open(gift, now)
    if gift.expires_at <= now or coupon.expires_on < timezone.localdate():
        raise Conflict("gift_expired", _("这笔转赠已过期，不能再接收。"))
    _deliver(gift, coupon, now, acting_user)
    notify(
        [
            Note(
                kind="coupon_gift_accepted",
                resident_id=gift.giver_id,
                text=_("%(r)s已接收您转赠的%(y)s元信用券。")
                % {"r": gift.receiver.name, "y": yuan(gift.amount_fen)},
                link=_link(),
            )
        ]
    )
    return gift


def _return(gift: Gift, status: str, actor: Any, now: datetime.datetime) -> None:
    coupon = _open(gift, now)
    if coupon.status == CouponStatus.GIFTING:
        _set_coupon(coupon, CouponStatus.LIVE)
    _set_gift(gift, status, now, actor)


@transaction.atomic
def do_decline_gift(gift: Gift, *, acting_user: Any) -> Gift:
    """The receiver refuses: the coupon is the giver's to spend again."""
    gift = _lock_gift(gift)
    _check_party(acting_user, gift.receiver_id, gift.village.code)
    _return(gift, GiftStatus.DECLINED, acting_user, timezone.now())
    notify(
        [
            Note(
                kind="coupon_gift_declined",
                resident_id=gift.giver_id,
                text=_("%(r)s没有接收您转赠的%(y)s元信用券，信用券已退回。")
                % {"r": gift.receiver.name, "y": yuan(gift.amount_fen)},
                link=_link(),
            )
        ]
    )
    return gift


@transaction.atomic
def do_cancel_gift(gift: Gift, *, acting_user: Any) -> Gift:
    """The giver takes an unanswered offer back."""
    gift = _lock_gift(gift)
    _check_party(acting_user, gift.giver_id, gift.village.code)
    _return(gift, GiftStatus.CANCELLED, acting_user, timezone.now())
    notify(
        [
            Note(
                kind="coupon_gift_cancelled",
                resident_id=gift.receiver_id,
                text=_("%(g)s撤回了转赠给您的%(y)s元信用券。")
                % {"g": gift.giver.name, "y": yuan(gift.amount_fen)},
            )
        ]
    )
    return gift


def lapse_due_gifts(now: datetime.datetime | None = None, batch: int = 500) -> int:
    """Close offers not answered in time: the coupon goes back to its giver. Safe to run twice."""
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            due = list(
                Gift.objects.select_for_update(of=("self",))
                .filter(status=GiftStatus.PENDING, expires_at__lte=now)
                .select_related("village", "giver", "receiver")
                .order_by("pk")[:batch]
            )
            for gift in due:
                _return(gift, GiftStatus.EXPIRED, None, now)
            notify(
                Note(
                    kind="coupon_gift_lapsed",
                    resident_id=g.giver_id,
                    text=_("%(r)s在7天内没有接收您转赠的%(y)s元信用券，信用券已退回。")
                    % {"r": g.receiver.name, "y": yuan(g.amount_fen)},
                    link=_link(),
                )
                for g in due
            )
        done += len(due)
        if len(due) < batch:
            return done


def visible_gift(user: Any, gift_id: int) -> Gift:
    """A gift the user is a party to (or oversees); anything else is not found."""
    gift = (
        Gift.objects.select_related("village", "coupon", "giver", "receiver")
        .filter(pk=gift_id)
        .first()
    )
    if gift is None:
        raise NotFound("not_found", _("没有找到这笔转赠。"))
    code = gift.village.code
    if not (
        may(user, Perm.USE_POINTS, region=code, resident=gift.giver_id)
        or may(user, Perm.USE_POINTS, region=code, resident=gift.receiver_id)
    ):
        raise NotFound("not_found", _("没有找到这笔转赠。"))
    return gift
