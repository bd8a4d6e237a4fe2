"""Names as public pages and villager-facing lists show them, per the policy's ``name_masking``.

A public page shows a villager's name masked as the village's policy says and nothing else
about them: never an ID number, a phone number or an address.
"""

from __future__ import annotations

from cunxin.policy.models import NameMasking

MASK = "*"


def mask_name(name: str, masking: str) -> str:
    """张三丰 → 张*丰 (middle), 张** (given: the surname only), 张三丰 (full).

    Two-character names keep only the surname in the middle style (张三 → 张*), or nothing
    would be hidden. The surname style always shows two stars, so that the length of the given
    name is not told either. Compound surnames (欧阳) cannot be told from the name alone and
    are treated as one character: the safer reading. An unknown setting masks the most.
    """
    name = name.strip()
    if not name:
        return ""
    if masking == NameMasking.FULL:
        return name
    if masking == NameMasking.MIDDLE:
        if len(name) <= 2:
            return name[0] + MASK
        return name[0] + MASK * (len(name) - 2) + name[-1]
    return name[0] + MASK * 2
