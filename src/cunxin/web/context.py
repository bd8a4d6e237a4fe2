"""Template context shared by every page: the navigation the user's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import Perm
from cunxin.core.scoping import scope_of

# (url name, label, permission that must reach somewhere)
NAV: list[tuple[str, Any, Perm]] = [
    ("regions:villages", _("村庄"), Perm.VIEW_REGIONS),
    ("people:residents", _("村民"), Perm.VIEW_PEOPLE),
    ("policy:policy", _("信用办法"), Perm.VIEW_POLICY),
    ("policy:catalogue", _("行为目录"), Perm.VIEW_POLICY),
    ("accounts:users", _("账号"), Perm.VIEW_USERS),
    ("web:audit", _("操作记录"), Perm.VIEW_AUDIT),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = []
    for name, label, perm in NAV:
        if not scope_of(user, perm).empty:
            url = reverse(name)
            items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"nav": items}
