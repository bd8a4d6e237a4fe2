"""What the volunteering pages share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.volunteering import selectors
from cunxin.volunteering.models import Activity


def act(request: HttpRequest, action: Callable[[], Any], done: str, back: str) -> HttpResponse:
    """Run a button's action: the outcome (or the refusal) is shown on the page sent back to.

    A missing permission is not a message: it is the 403 page, as anywhere else.
    """
    try:
        action()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back)


def visible_activity(request: HttpRequest, pk: int) -> Activity:
    activity: Activity = get_object_or_404(selectors.activities_for(request.user), pk=pk)
    return activity


def managed_activity(request: HttpRequest, pk: int) -> Activity:
    activity: Activity = get_object_or_404(selectors.managed_activities(request.user), pk=pk)
    return activity


def tabs(request: HttpRequest) -> dict[str, Any]:
    """What the section's tabs need: whether to offer staff pages and "my activities"."""
    return {
        "staff": selectors.is_staff(request.user),
        "resident_id": getattr(request.user, "resident_id", None),
    }
