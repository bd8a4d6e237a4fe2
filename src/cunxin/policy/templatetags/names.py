"""``{{ resident|name_for:names }}``: a resident's name as the viewer may see it
(``names`` is the page's :class:`cunxin.policy.masking.NameView`)."""

from __future__ import annotations

from typing import Any

from django import template

from cunxin.policy.masking import NameView

register = template.Library()


@register.filter
def name_for(resident: Any, names: NameView) -> str:
    return names.of(resident)
