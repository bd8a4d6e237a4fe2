"""Read queries: finding people fast (name, pinyin, phone, last digits of the ID number)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from cunxin.accounts.permissions import Perm
from cunxin.core import pii
from cunxin.people import idnumber
from cunxin.people.models import Resident
from cunxin.people.names import clean

_LETTERS = re.compile(r"^[a-z]+$")
_ID_TAIL = re.compile(r"^[0-9]{1,3}[0-9X]$|^[0-9]$")


def search(residents: QuerySet[Resident], raw: str) -> QuerySet[Resident]:
    """Filter by what was typed.

    - Chinese: part of the name (``张三``);
    - letters: the start of the full pinyin or of the initials (``zs``, ``zhangs``);
    - 18 characters: the whole ID number, through its keyed hash;
    - 11 digits: the phone number; up to 4 digits (or ``123X``): the end of the ID number or
      of the phone; other digits: part of the phone number.
    """
    query = clean(raw).lower()
    if not query:
        return residents
    if _LETTERS.match(query):
        return residents.filter(name_search__contains=" " + query)
    upper = query.upper()
    if len(upper) == 18:
        return residents.filter(id_hash=pii.keyed_hash(idnumber.normalize(upper)))
    if _ID_TAIL.match(upper):
        tail = Q(id_tail__endswith=upper)
        return (
            residents.filter(tail | Q(phone__endswith=upper))
            if upper.isdigit()
            else residents.filter(tail)
        )
    if query.isdigit():
        if len(query) == 11:
            return residents.filter(phone=query)
        return residents.filter(phone__contains=query)
    return residents.filter(name__contains=query)


def residents_for(user: Any, permission: str = Perm.VIEW_PEOPLE) -> QuerySet[Resident]:
    """The residents the user may see, with what a list shows."""
    return Resident.objects.restrict(user, permission).select_related("village", "household")
