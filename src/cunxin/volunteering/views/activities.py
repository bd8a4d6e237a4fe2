"""Activity pages: the list, one activity, the organiser's form and buttons, sign-up."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.core.cleaning import parse_id
from cunxin.core.http import paginate, query_without_page, requires, run_action, set_choices
from cunxin.people.models import Resident
from cunxin.volunteering import selectors
from cunxin.volunteering.actions.activities import (
    do_cancel_activity,
    do_create_activity,
    do_edit_activity,
    do_publish_activity,
    may_cancel_activity,
    may_edit_activity,
    may_publish_activity,
)
from cunxin.volunteering.actions.completion import do_complete_activity, may_complete_activity
from cunxin.volunteering.actions.signups import (
    do_move_sign_up,
    do_sign_up,
    do_withdraw,
    may_sign_up,
    may_withdraw,
    waiting_rank,
)
from cunxin.volunteering.forms import (
    ActivityForm,
    CancelForm,
    PositionChoiceForm,
    PositionFormSet,
    activity_data,
    activity_initial,
    positions_initial,
)
from cunxin.volunteering.hourly import default_item_code, hourly_items
from cunxin.volunteering.models import (
    Activity,
    ActivityStatus,
    Position,
    SignUp,
    SignUpStatus,
)
from cunxin.volunteering.views.common import act, managed_activity, tabs, visible_activity
from cunxin.volunteering.workflow import OPEN


@requires(Perm.VIEW_VOLUNTEERING, regions=False)
def index(request: HttpRequest) -> HttpResponse:
    """Activities: coming ones first (villagers: those open to them), or past ones."""
    user = request.user
    show = request.GET.get("show", "")
    activities = selectors.activities_for(user)
    if show == "past":
        activities = activities.exclude(status__in=OPEN).order_by("-starts_at", "-pk")
    else:
        activities = activities.filter(status__in=OPEN).order_by("starts_at", "pk")
    page = paginate(request, activities, 20)
    mine = {
        s.activity_id: s
        for s in selectors.my_sign_ups(user)
        .filter(activity__in=[a.pk for a in page.object_list])
        .exclude(status=SignUpStatus.WITHDRAWN)
    }
    return render(
        request,
        "volunteering/index.html",
        {
            "page_obj": page,
            "rows": [(a, mine.get(a.pk)) for a in page.object_list],
            "show": show,
            "query": query_without_page(request),
            "organiser": selectors.organising_regions(user).exists(),
            **tabs(request),
        },
    )


@requires(Perm.VIEW_VOLUNTEERING, regions=False)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity: what, where, when, positions; the villager's own sign-up; for staff, the
    tools their role gives."""
    user = request.user
    activity = visible_activity(request, pk)
    resident_id = getattr(user, "resident_id", None)
    resident = getattr(user, "resident", None) if resident_id is not None else None
    mine = selectors.live_sign_up(activity, resident_id)
    now = timezone.now()
    return render(
        request,
        "volunteering/activity.html",
        {
            "activity": activity,
            "lines": selectors.position_lines(activity),
            "mine": mine,
            "rank": _rank(mine),
            "can_sign_up": resident is not None and may_sign_up(user, activity, resident),
            "can_withdraw": mine is not None and may_withdraw(user, activity, mine),
            "can_edit": may_edit_activity(user, activity),
            "can_publish": may_publish_activity(user, activity),
            "can_complete": may_complete_activity(user, activity),
            "can_cancel": may_cancel_activity(user, activity),
            "deadline_passed": now > activity.sign_up_deadline,
            "manage": selectors.covers(user, Perm.MANAGE_ACTIVITIES, activity.region),
            "check_in": selectors.overlaps(user, Perm.CHECK_IN, activity.region),
            "sign_up_others": selectors.overlaps(user, Perm.SIGN_UP, activity.region),
            "cancel_form": CancelForm(),
            "position_form": PositionChoiceForm(activity=activity),
            "my_record": mine.record if mine else None,
        },
    )


def _rank(sign_up: SignUp | None) -> int:
    if sign_up is None or sign_up.status != SignUpStatus.WAITLISTED:
        return 0
    return waiting_rank(sign_up)


# --- the organiser's form ----------------------------------------------------------------------


def _activity_form(request: HttpRequest, data: Any, initial: dict[str, Any]) -> ActivityForm:
    form = ActivityForm(data, initial=initial)
    regions = selectors.organising_regions(request.user)
    form.fields["region"].queryset = regions  # type: ignore[attr-defined]
    form.fields["team"].queryset = selectors.teams_to_organise(  # type: ignore[attr-defined]
        request.user
    )
    region = regions.first()
    chosen = initial.get("region")
    if chosen:
        region = regions.filter(pk=chosen).first() or region
    items = hourly_items(region, timezone.localdate()) if region else []
    set_choices(form.fields["item_code"], [(i.code, f"{i.code} {i.name}") for i in items])
    if region and not initial.get("item_code"):
        form.fields["item_code"].initial = default_item_code(region, timezone.localdate())
    return form


def _form_page(
    request: HttpRequest, activity: Activity | None, initial: dict[str, Any], rows: list[Any]
) -> HttpResponse:
    post = request.POST if request.method == "POST" else None
    form = _activity_form(request, post, initial)
    formset = PositionFormSet(post, initial=rows, prefix="positions")
    if post is not None and form.is_valid() and formset.is_valid():
        data = activity_data(form, formset)
        if activity is None:
            ok, saved = run_action(form, lambda: do_create_activity(data, acting_user=request.user))
            done = _("活动已保存为草稿；确认无误后请点“发布”。")
        else:
            ok, saved = run_action(
                form, lambda: do_edit_activity(activity, data, acting_user=request.user)
            )
            done = (
                _("已保存，报名的村民已收到变动通知。")
                if activity.status == ActivityStatus.PUBLISHED
                else _("已保存。")
            )
        if ok:
            messages.success(request, done)
            return redirect("volunteering:activity", pk=saved.pk)
    return render(
        request,
        "volunteering/activity_form.html",
        {"form": form, "formset": formset, "activity": activity},
    )


@requires(Perm.MANAGE_ACTIVITIES)
def activity_new(request: HttpRequest) -> HttpResponse:
    """Draft a new activity with its positions."""
    today = timezone.localdate()
    # Offered: next Saturday morning, sign-up closing the evening before.
    saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7 or 7)
    start = timezone.make_aware(datetime.datetime.combine(saturday, datetime.time(8)))
    initial: dict[str, Any] = {
        "region": request.GET.get("region", ""),
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=4),
        "sign_up_deadline": start - datetime.timedelta(hours=12),
    }
    return _form_page(request, None, initial, [])


@requires(Perm.MANAGE_ACTIVITIES)
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an activity that is not over yet; people signed up are told."""
    activity = managed_activity(request, pk)
    if activity.status not in OPEN:
        raise Http404
    return _form_page(request, activity, activity_initial(activity), positions_initial(activity))


@require_POST
@requires(Perm.MANAGE_ACTIVITIES)
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    return act(
        request,
        lambda: do_publish_activity(activity, acting_user=request.user),
        _("已发布，村民现在可以报名。"),
        reverse("volunteering:activity", args=[pk]),
    )


@require_POST
@requires(Perm.MANAGE_ACTIVITIES)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    return act(
        request,
        lambda: do_cancel_activity(
            activity, reason=request.POST.get("reason", ""), acting_user=request.user
        ),
        _("活动已取消，报名的村民已收到通知。"),
        reverse("volunteering:activity", args=[pk]),
    )


@require_POST
@requires(Perm.MANAGE_ACTIVITIES)
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    """End the activity: attendees' hours become reward records (once, however often)."""
    activity = managed_activity(request, pk)
    back = reverse("volunteering:signups", args=[pk])
    result: dict[str, Any] = {}

    def run() -> None:
        result["done"] = do_complete_activity(activity, acting_user=request.user)

    response = act(request, run, _("活动已结束。"), back)
    done = result.get("done")
    if done is not None:
        messages.info(
            request,
            _("生成工时记录%(n)d条（其中直接通过审核%(a)d条），未能计分%(r)d人。")
            % {"n": len(done.records), "a": len(done.approved), "r": len(done.refused)},
        )
    return response


# --- sign-ups ------------------------------------------------------------------------------------


@requires(Perm.MANAGE_ACTIVITIES)
def signups(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser's list: who holds each position, who waits, attendance and records."""
    activity = managed_activity(request, pk)
    rows = list(selectors.sign_ups(activity, request.user, Perm.MANAGE_ACTIVITIES))
    # Each position has its own queue: number the waiting within their position.
    ranks: dict[int, int] = {}
    for row in rows:
        if row.status == SignUpStatus.WAITLISTED:
            ranks[row.position_id] = ranks.get(row.position_id, 0) + 1
            row.rank = ranks[row.position_id]  # type: ignore[attr-defined]
    return render(
        request,
        "volunteering/signups.html",
        {
            "activity": activity,
            "lines": selectors.position_lines(activity),
            "signed_up": [s for s in rows if s.status == SignUpStatus.SIGNED_UP],
            "waiting": [s for s in rows if s.status == SignUpStatus.WAITLISTED],
            "withdrawn": [s for s in rows if s.status == SignUpStatus.WITHDRAWN],
            "positions": list(activity.positions.order_by("order", "pk")),
            "open": activity.status in OPEN,
            "can_complete": may_complete_activity(request.user, activity),
        },
    )


@require_POST
@requires(Perm.MANAGE_ACTIVITIES)
def move(request: HttpRequest, pk: int, sign_up_id: int) -> HttpResponse:
    activity = managed_activity(request, pk)
    sign_up = get_object_or_404(SignUp, pk=sign_up_id, activity=activity)
    position = get_object_or_404(
        Position, pk=parse_id(request.POST.get("position")) or 0, activity=activity
    )
    return act(
        request,
        lambda: do_move_sign_up(sign_up, position, acting_user=request.user),
        _("已调整岗位，本人已收到通知。"),
        reverse("volunteering:signups", args=[pk]),
    )


@require_POST
@requires(Perm.SIGN_UP, regions=False)
def sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A villager signs up themselves, for the position they chose."""
    activity = visible_activity(request, pk)
    resident = getattr(request.user, "resident", None)
    if resident is None:
        raise Http404
    position = Position.objects.filter(
        activity=activity, pk=parse_id(request.POST.get("position")) or 0
    ).first()
    return act(
        request,
        lambda: do_sign_up(activity, resident, position=position, acting_user=request.user),
        _("已提交报名，结果已发到“消息”。"),
        reverse("volunteering:activity", args=[pk]),
    )


@require_POST
@requires(Perm.SIGN_UP, regions=False)
def withdraw(request: HttpRequest, sign_up_id: int) -> HttpResponse:
    """Take back a sign-up (the villager, or the staff who signed them up)."""
    sign_up = get_object_or_404(
        SignUp.objects.restrict(request.user, Perm.SIGN_UP).select_related("activity"),
        pk=sign_up_id,
    )
    back = request.POST.get("next", "")
    if not back.startswith("/volunteering/"):
        back = reverse("volunteering:activity", args=[sign_up.activity_id])
    return act(
        request,
        lambda: do_withdraw(sign_up, acting_user=request.user),
        _("已退出报名。"),
        back,
    )


@requires(Perm.SIGN_UP)
def sign_up_others(request: HttpRequest, pk: int) -> HttpResponse:
    """A collector (or the committee) signs up villagers who have no phone: search, pick, save."""
    activity = visible_activity(request, pk)
    if not selectors.overlaps(request.user, Perm.SIGN_UP, activity.region):
        raise Http404
    post = request.POST if request.method == "POST" else None
    query = (post or request.GET).get("q", "")
    form = PositionChoiceForm(post, activity=activity)
    picked = post.get("resident", "") if post is not None else ""
    if post is not None and "find" not in post and parse_id(picked) and form.is_valid():
        resident = get_object_or_404(
            selectors.residents_to_sign_up(request.user, activity, "").select_related("village"),
            pk=parse_id(picked),
        )
        ok, saved = run_action(
            form,
            lambda: do_sign_up(
                activity,
                resident,
                position=form.cleaned_data["position"],
                acting_user=request.user,
            ),
        )
        if ok:
            if saved.status == SignUpStatus.SIGNED_UP:
                messages.success(request, _("已为%s报名。") % resident.name)
            else:
                messages.warning(request, _("岗位已满，%s已进入候补名单。") % resident.name)
            return redirect("volunteering:sign_up_others", pk=pk)
    elif post is not None and "find" not in post and not picked:
        form.add_error(None, _("请先搜索并选择村民。"))
    results: list[Resident] = (
        list(selectors.residents_to_sign_up(request.user, activity, query)[:20])
        if query.strip()
        else []
    )
    signed = set(
        SignUp.objects.filter(activity=activity, resident__in=results)
        .exclude(status=SignUpStatus.WITHDRAWN)
        .values_list("resident_id", flat=True)
    )
    return render(
        request,
        "volunteering/sign_up_others.html",
        {
            "activity": activity,
            "form": form,
            "q": query,
            "results": [(r, r.pk in signed) for r in results],
            "lines": selectors.position_lines(activity),
            "recent": selectors.sign_ups(activity, request.user, Perm.SIGN_UP)
            .filter(signed_up_by_id=request.user.pk)
            .exclude(status=SignUpStatus.WITHDRAWN)
            .order_by("-created_at")[:20],
        },
    )


@requires(Perm.SIGN_UP, regions=False)
def mine(request: HttpRequest) -> HttpResponse:
    """My activities: what I signed up for, the hours I worked, and the records they made."""
    sign_ups = selectors.my_sign_ups(request.user)
    total = sum((s.hours or 0 for s in sign_ups if s.record_id), 0)
    return render(
        request,
        "volunteering/mine.html",
        {
            "page_obj": paginate(request, sign_ups, 30),
            "query": query_without_page(request),
            "total_hours": total,
            "has_resident": getattr(request.user, "resident_id", None) is not None,
            **tabs(request),
        },
    )
