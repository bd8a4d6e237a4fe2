"""One way to page an API list: the same bounded ``limit``/``offset`` everywhere, one shape back.

Every list handler takes ``paging: Query[PageIn]`` and returns ``paginate(rows, paging, out)``
as a ``Page[ItemOut]``. Out-of-range values are refused with the usual 422 (the OpenAPI schema
states the bounds), so an offset past what any database can count never reaches one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from ninja import Field, Schema

from cunxin.core.cleaning import MAX_INT

T = TypeVar("T")
Row = TypeVar("Row")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# An offset a database can take (PostgreSQL's OFFSET is a bigint, SQLite's a 64-bit int);
# ten digits is far past any list a person or a client walks page by page.
MAX_OFFSET = MAX_INT


class PageIn(Schema):
    """Which slice of a list to answer."""

    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="每页条数")] = DEFAULT_LIMIT
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET, description="跳过的条数")] = 0


class Page(Schema, Generic[T]):
    """A slice of a list and how many there are in all."""

    count: int
    items: list[T]


def paginate(
    rows: QuerySet[Any] | Sequence[Row],
    paging: PageIn,
    out: Callable[[Any], Any] = lambda row: row,
) -> dict[str, Any]:
    """The page of ``rows`` that ``paging`` asks for, each row turned into its answer by ``out``."""
    start, stop = paging.offset, paging.offset + paging.limit
    count = rows.count() if isinstance(rows, QuerySet) else len(rows)
    return {"count": count, "items": [out(row) for row in rows[start:stop]]}
