"""The home page for each role, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cunxin.accounts.permissions import Perm
from cunxin.core.http import paginate, query_without_page, requires
from cunxin.core.models import AuditEntry
from cunxin.core.scoping import may
from cunxin.regions.selectors import villages_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Staff see their villages; a villager goes to their own page."""
    user = request.user
    is_staff = may(user, Perm.VIEW_PEOPLE, beyond_self=True)
    if not is_staff and getattr(user, "resident_id", None):
        return redirect("people:me")
    villages = list(villages_for(user)) if may(user, Perm.VIEW_REGIONS) else []
    totals = {
        "villages": len(villages),
        "households": sum(v.household_count for v in villages),  # type: ignore[attr-defined]
        "residents": sum(v.resident_count for v in villages),  # type: ignore[attr-defined]
    }
    return render(
        request,
        "web/home.html",
        {
            "villages": villages[:50],
            "totals": totals,
            "roles": user.active_assignments() if hasattr(user, "active_assignments") else [],
            "can_view_people": is_staff,
        },
    )


@requires(Perm.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.restrict(request.user, Perm.VIEW_AUDIT).select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action)
    return render(
        request,
        "web/audit.html",
        {
            "page_obj": paginate(request, entries, 50),
            "action": action,
            "query": query_without_page(request),
        },
    )
