"""The access-matrix machinery: one ``Route`` per page or API operation.

Each area of the product lists its routes in a ``routes_<area>.py`` module next to this one;
``test_access.py`` tries every route with every kind of user.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cunxin.conftest import World
from cunxin.people.models import Resident
from cunxin.policy.models import CatalogueItem


@dataclass
class Route:
    name: str  # URL name, or "api:<method> <path>" for API operations
    method: str
    url: Callable[[World], str]
    right: str  # a persona who may
    others: list[str]  # same role elsewhere: refused, or sees nothing of the right one's data
    data: Callable[[World], dict[str, Any]] | None = None
    json: bool = False
    villager_allowed: bool = False
    secret: str = "张三"  # text of the right one's data that others must not see
    ok: tuple[int, ...] = (200,)
    extra_refused: list[str] = field(default_factory=list)
    # A public page (the notice board): anyone may read it, anonymous visitors included, and
    # nothing private (an ID number, a phone number) may show in it, whoever is looking.
    public: bool = False


def resident(w: World, name: str = "张三") -> Resident:
    return w.resident(name)


def item(w: World) -> CatalogueItem:
    return CatalogueItem.objects.filter(region=w.town).order_by("code").first()  # type: ignore[return-value]


def upload(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload
