"""Coupon pages: a villager's wallet, conversion and gifts; a village's figures for staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import requires, run_action, set_choices
from cunxin.coupons import selectors
from cunxin.coupons.actions.conversion import do_convert, quote
from cunxin.coupons.actions.gifts import (
    do_accept_gift,
    do_cancel_gift,
    do_decline_gift,
    do_gift,
    visible_gift,
)
from cunxin.coupons.forms import ConvertForm, GiftForm, new_client_id
from cunxin.coupons.models import Coupon, CouponStatus, yuan
from cunxin.people.models import Resident
from cunxin.policy.masking import name_view


def _me(request: HttpRequest) -> Resident | None:
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        return None
    resident: Resident = Resident.objects.select_related("village", "household").get(pk=resident_id)
    return resident


def _my_resident(request: HttpRequest) -> Resident:
    resident = _me(request)
    if resident is None:
        raise Http404
    return resident


@requires(Perm.USE_POINTS, regions=False)
def mine(request: HttpRequest) -> HttpResponse:
    """My coupons: the balance, each coupon with its number and last day, gifts either way."""
    resident = _me(request)
    context: dict[str, Any] = {"resident": resident}
    if resident is not None:
        context.update(
            names=name_view(request.user, resident.village),
            wallet=selectors.wallet(resident),
            closed=selectors.recent_closed(resident),
            quote=quote(resident),
        )
    return render(request, "coupons/mine.html", context)


@requires(Perm.USE_POINTS, regions=False)
def convert(request: HttpRequest) -> HttpResponse:
    """Convert points: the rate and how much may be converted are shown first."""
    resident = _my_resident(request)
    form = ConvertForm(request.POST or None, initial={"client_id": new_client_id()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, conversion = run_action(
            form,
            lambda: do_convert(
                resident, data["points"], client_id=data["client_id"], acting_user=request.user
            ),
        )
        if ok:
            messages.success(
                request,
                _("已用%(p)d积分兑换%(y)s元信用券。")
                % {"p": conversion.points, "y": yuan(conversion.fen)},
            )
            return redirect("coupons:mine")
    return render(request, "coupons/convert.html", {"form": form, "quote": quote(resident)})


def _my_coupon(request: HttpRequest, pk: int) -> Coupon:
    coupon: Coupon = get_object_or_404(
        Coupon.objects.restrict(request.user, Perm.USE_POINTS).select_related("owner"), pk=pk
    )
    return coupon


@requires(Perm.USE_POINTS, regions=False)
def gift(request: HttpRequest, pk: int) -> HttpResponse:
    """Gift a coupon to a household member, or to a villager by phone number."""
    coupon = _my_coupon(request, pk)
    form = GiftForm(request.POST or None)
    members = list(selectors.household_members(coupon.owner))
    set_choices(
        form.fields["receiver"], [("", _("（不选）"))] + [(str(m.pk), m.name) for m in members]
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, made = run_action(
            form,
            lambda: do_gift(
                coupon,
                phone=data["phone"],
                receiver_id=data["receiver"],
                acting_user=request.user,
            ),
        )
        if ok:
            if made.status == "accepted":
                text = _("已转赠给%(r)s，信用券已到账。")
            else:
                text = _("已发出转赠，等待%(r)s在7天内接收。")
            receiver = name_view(request.user, coupon.village).of(made.receiver)
            messages.success(request, text % {"r": receiver})
            return redirect("coupons:mine")
    return render(
        request,
        "coupons/gift.html",
        {"form": form, "coupon": coupon, "giftable": coupon.status == CouponStatus.LIVE},
    )


def _decide(request: HttpRequest, pk: int, action: Callable[..., Any], done: str) -> HttpResponse:
    try:
        found = visible_gift(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        action(found, acting_user=request.user)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("coupons:mine")


@require_POST
@requires(Perm.USE_POINTS, regions=False)
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_accept_gift, _("已接收信用券。"))


@require_POST
@requires(Perm.USE_POINTS, regions=False)
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_decline_gift, _("已拒收，信用券退回对方。"))


@require_POST
@requires(Perm.USE_POINTS, regions=False)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, do_cancel_gift, _("已撤回转赠。"))


@requires(Perm.VIEW_COUPONS)
def figures(request: HttpRequest) -> HttpResponse:
    """A village's coupons: issued, spent, outstanding, expired, and the share spent."""
    villages = list(selectors.figure_villages(request.user))
    wanted = request.GET.get("region", "")
    village = next((v for v in villages if str(v.pk) == wanted), villages[0] if villages else None)
    return render(
        request,
        "coupons/figures.html",
        {
            "villages": villages,
            "village": village,
            "figures": selectors.figures(village) if village is not None else None,
        },
    )
