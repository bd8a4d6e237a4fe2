"""Template context shared by every page: the navigation the user's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import scope_of

# (url name, label, permission, whether it must reach a region as the view's gate demands)
NAV: list[tuple[str, Any, Perm, bool]] = [
    ("regions:villages", _("村庄"), Perm.VIEW_PEOPLE, True),
    ("people:residents", pgettext_lazy("menu", "村民"), Perm.VIEW_PEOPLE, True),
    ("policy:policy", _("信用办法"), Perm.VIEW_POLICY, False),
    ("policy:catalogue", _("行为目录"), Perm.VIEW_POLICY, False),
    ("accounts:users", _("账号"), Perm.VIEW_USERS, True),
    ("web:audit", _("操作记录"), Perm.VIEW_AUDIT, True),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    if getattr(user, "resident_id", None):
        url = reverse("people:me")
        items.append({"url": url, "label": _("我的"), "active": request.path == url})
    for name, label, perm, regions in NAV:
        scope = scope_of(user, perm)
        if scope.everything or scope.region_prefixes or (not regions and not scope.empty):
            url = reverse(name)
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav": items}
