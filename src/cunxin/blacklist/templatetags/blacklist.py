"""``{% load blacklist %}{% my_blacklist_status user %}``: the villager's blacklist line for
their own page (nothing when they have never been decided on)."""

from __future__ import annotations

from typing import Any

from django import template

from cunxin.blacklist import selectors

register = template.Library()


@register.inclusion_tag("blacklist/_my_status.html")
def my_blacklist_status(user: Any) -> dict[str, Any]:
    cases = selectors.own_cases(user)
    resident_id = getattr(user, "resident_id", None)
    return {
        "case": selectors.active_case(resident_id) if resident_id else None,
        "any_case": cases.exists(),
    }
