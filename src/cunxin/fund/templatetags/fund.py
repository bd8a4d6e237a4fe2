"""Template filters of the fund pages."""

from __future__ import annotations

from django import template

from cunxin.fund.money import yuan as _yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as yuan: ``{{ amount|yuan }}`` → 1,234.50."""
    return _yuan(fen)
