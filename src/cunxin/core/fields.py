"""The API's input types: every schema and query parameter takes its fields from here.

Each type states what the server accepts, so the OpenAPI schema documents it (length, range,
pattern) and a client or a fuzzer learns it from there. The rules themselves are those of
``core.cleaning``: text without NUL or unpaired surrogates and never longer than allowed,
whole numbers that fit their column, decimals in the plain form people type, dates in a range
the calendar arithmetic of the platform can handle. A refusal comes back as the usual
``{code, message, field}`` in Chinese (``core.api_kit`` words pydantic's error types).

``test_openapi`` checks that every string, integer and number a request can carry has bounds.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated

from annotated_types import Interval
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BeforeValidator,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from cunxin.core.cleaning import (
    MAX_ID,
    MAX_INT,
    MIN_INT,
    PLAIN_DECIMAL,
    decimal_places,
    text_problem,
)


def _storable(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise PydanticCustomError("text_invalid", "text holds {problem}", {"problem": problem})
    return value


_STORABLE = AfterValidator(_storable)

# Text, by what it holds. The lengths are those of the columns that store them.
Code = Annotated[str, StringConstraints(max_length=40), _STORABLE]
"""An identifier a person may type: an item code, a region code, a status or kind value."""
Name = Annotated[str, StringConstraints(max_length=64), _STORABLE]
"""A person's, team's, shop's or good's name; a phone number; a receipt number."""
Line = Annotated[str, StringConstraints(max_length=200), _STORABLE]
"""One line: a title, a place, a short reason."""
Reason = Annotated[str, StringConstraints(max_length=400), _STORABLE]
"""A reason that is kept in a history row."""
Note = Annotated[str, StringConstraints(max_length=2000), _STORABLE]
"""Free text: a note, an objection, a ruling, a description."""
LongNote = Annotated[str, StringConstraints(max_length=4000), _STORABLE]
"""A longer account: what a villager has done to repair their credit."""
Search = Annotated[str, StringConstraints(max_length=100), _STORABLE]
"""What a person types into a search box."""
Secret = Annotated[str, StringConstraints(max_length=128), _STORABLE]
"""A password or a token."""

# Whole numbers. A bare ``int`` would accept 10**30 and the database would fail on it.
# (annotated_types, not pydantic's Field: a Field inside a type would drop a parameter's default.)
Id = Annotated[int, Interval(ge=1, le=MAX_ID)]
Int = Annotated[int, Interval(ge=MIN_INT, le=MAX_INT)]
Count = Annotated[int, Interval(ge=0, le=MAX_INT)]
Year = Annotated[int, Interval(ge=2000, le=2100)]

# Calendar values inside the range where adding a notice period or a validity of years cannot
# overflow Python's dates (year 1 and year 9999 both make a 500 one step later).
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def _in_calendar(value: datetime.date) -> datetime.date:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError("date_range", "date out of range", {})
    return value


Day = Annotated[datetime.date, AfterValidator(_in_calendar)]
Moment = Annotated[datetime.datetime, AfterValidator(_in_calendar)]


def _hours(value: Decimal) -> Decimal:
    if decimal_places(value) > 1:
        raise PydanticCustomError("decimal_max_places", "too many places", {"decimal_places": 1})
    return value


def _plain_number(value: object) -> object:
    """A decimal as text must be written plainly; exponent form and NaN are refused."""
    if isinstance(value, float):
        raise PydanticCustomError("decimal_plain", "plain decimals only", {})
    if isinstance(value, str) and not PLAIN_DECIMAL.fullmatch(value.strip()):
        raise PydanticCustomError("decimal_plain", "plain decimals only", {})
    return value


_PLAIN = BeforeValidator(_plain_number)

Hours = Annotated[
    Decimal,
    _PLAIN,
    Interval(ge=0, le=Decimal("9999.9")),
    AllowInfNan(False),
    AfterValidator(_hours),
    # Pydantic leaves the bounds of a decimal out of its JSON schema; stated here.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": 9999.9},
                {"type": "string", "pattern": r"^\d{1,4}(\.\d)?$", "maxLength": 6},
            ]
        }
    ),
]
"""Hours of volunteering: 0 to 9999.9, one decimal, written plainly."""
