"""Attendance pages: the organiser's QR code, the villager's scan, the hand check-in list."""

from __future__ import annotations

from typing import Any

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError, Forbidden
from cunxin.core.http import requires
from cunxin.volunteering import selectors
from cunxin.volunteering.actions.attendance import (
    QR_MAX_AGE,
    QR_REFRESH,
    attendance_token,
    do_check_in,
    do_check_out,
    do_rotate_code,
    do_scan,
    read_token,
    window,
)
from cunxin.volunteering.forms import HandTimeForm, hand_time
from cunxin.volunteering.models import Activity, ActivityStatus, SignUp, SignUpStatus
from cunxin.volunteering.views.common import act, managed_activity, visible_activity


def _checking_activity(request: HttpRequest, pk: int) -> Activity:
    """An activity the user checks people in at (their village's, or their town's)."""
    activity = visible_activity(request, pk)
    if not selectors.overlaps(request.user, Perm.CHECK_IN, activity.region):
        raise Http404
    return activity


def qr_data_uri(url: str) -> str:
    """The QR code of the address as an inline SVG image (large enough to scan off a phone)."""
    return str(segno.make_qr(url, error="m").svg_data_uri(scale=8, border=2))


def scan_url(request: HttpRequest, activity: Activity) -> str:
    """The address a villager's phone opens from the QR code."""
    return request.build_absolute_uri(
        reverse("volunteering:scan", args=[attendance_token(activity)])
    )


@requires(Perm.CHECK_IN)
def qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in code, shown on the organiser's phone; the page renews it by itself."""
    activity = _checking_activity(request, pk)
    url = scan_url(request, activity)
    opens, closes = window(activity)
    return render(
        request,
        "volunteering/qr.html",
        {
            "activity": activity,
            "qr": qr_data_uri(url) if activity.status == ActivityStatus.PUBLISHED else "",
            "url": url,
            "refresh": QR_REFRESH,
            "valid_minutes": QR_MAX_AGE // 60,
            "opens": opens,
            "closes": closes,
            "manage": selectors.covers(request.user, Perm.MANAGE_ACTIVITIES, activity.region),
            "checked_in": selectors.sign_ups(activity, request.user, Perm.CHECK_IN)
            .filter(check_in_at__isnull=False)
            .count(),
        },
    )


@require_POST
@requires(Perm.MANAGE_ACTIVITIES)
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    return act(
        request,
        lambda: do_rotate_code(activity, acting_user=request.user),
        _("已更换二维码，之前的二维码全部失效。"),
        reverse("volunteering:qr", args=[pk]),
    )


@requires(Perm.SIGN_UP, regions=False)
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """What a villager's phone opens from the code: one tap checks in, the next checks out.

    Opening the link changes nothing (a link preview must not check anyone in); the button does.
    """
    context: dict[str, Any] = {"token": token}
    status = 200
    try:
        activity = read_token(token)
        if not selectors.activities_for(request.user).filter(pk=activity.pk).exists():
            raise Forbidden(
                "other_village",
                _("本活动只面向%s的村民。") % activity.region.name,
            )
        context["activity"] = activity
        if request.method == "POST":
            done = do_scan(token, acting_user=request.user)
            context["done"] = done
        else:
            resident_id = getattr(request.user, "resident_id", None)
            context["mine"] = selectors.live_sign_up(activity, resident_id)
    except Forbidden:
        raise
    except DomainError as exc:
        context["error"] = exc
        status = exc.status
    return render(request, "volunteering/scan.html", context, status=status)


@requires(Perm.CHECK_IN)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The hand check-in list: everyone holding a place, with buttons to check in and out."""
    activity = _checking_activity(request, pk)
    rows = list(
        selectors.sign_ups(activity, request.user, Perm.CHECK_IN).filter(
            status=SignUpStatus.SIGNED_UP
        )
    )
    return render(
        request,
        "volunteering/attendance.html",
        {
            "activity": activity,
            "rows": rows,
            "form": HandTimeForm(),
            "open": activity.status == ActivityStatus.PUBLISHED,
            "checked_in": sum(1 for s in rows if s.check_in_at),
            "checked_out": sum(1 for s in rows if s.check_out_at),
            "now": timezone.now(),
        },
    )


@require_POST
@requires(Perm.CHECK_IN)
def check(request: HttpRequest, pk: int, sign_up_id: int) -> HttpResponse:
    """Check one villager in or out by hand (``direction``: in or out), now or at a time."""
    activity = _checking_activity(request, pk)
    sign_up = get_object_or_404(
        SignUp.objects.restrict(request.user, Perm.CHECK_IN).select_related("resident"),
        pk=sign_up_id,
        activity=activity,
    )
    back = reverse("volunteering:attendance", args=[pk])
    form = HandTimeForm(request.POST)
    if not form.is_valid():
        return act(request, _bad_time, "", back)
    at = hand_time(activity, form.cleaned_data["at"])
    if request.POST.get("direction") == "out":
        return act(
            request,
            lambda: do_check_out(sign_up, at=at, acting_user=request.user),
            _("%s 已签退。") % sign_up.resident.name,
            back,
        )
    return act(
        request,
        lambda: do_check_in(sign_up, at=at, acting_user=request.user),
        _("%s 已签到。") % sign_up.resident.name,
        back,
    )


def _bad_time() -> None:
    raise DomainError("time_invalid", _("时间格式不对，请填写如 08:30。"), field="at")
