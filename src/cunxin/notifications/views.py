"""The message centre: what concerns the user (about their records, objections, grade)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.core.cleaning import parse_id
from cunxin.core.http import paginate, query_without_page
from cunxin.notifications.actions import mark_read
from cunxin.notifications.selectors import inbox


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/inbox.html",
        {
            "page_obj": paginate(request, inbox(request.user), 30),
            "query": query_without_page(request),
        },
    )


@require_POST
@login_required
def read(request: HttpRequest) -> HttpResponse:
    """Mark one message (``id``) or all of them read."""
    raw = request.POST.getlist("id")
    ids = [i for v in raw if (i := parse_id(v))] if raw else None
    if mark_read(request.user, ids) and ids is None:
        flash.success(request, _("已全部标为已读。"))
    return redirect("notifications:inbox")
