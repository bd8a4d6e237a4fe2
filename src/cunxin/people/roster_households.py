"""Which household each row of a roster belongs to — decided by what identifies a household.

A village office's roster (花名册) lists each household as a block: the head's own row
(与户主关系 户主 or 本人), then the members. So a row belongs to:

1. the household of its 户号, when the row has one;
2. otherwise the block it sits in: the nearest head's row above it, if that head is the one
   the row names (户主姓名, same village). The household of the block is then found by the
   head's ID number (``actions``), never by a name: two heads both named 张伟 are two
   households, and members are never joined to a household because its head has their
   head's name.

When the file cannot say, the row is refused with the rows concerned and the fix
("请填写户号"): a member with no head's row above it, a member whose 户主姓名 is not that of the
block it sits in, a block holding two spouses or two fathers (another household's head row is
missing, and its members run on into this block), and the members of a head whose own row has
errors (they wait for it; they are never placed elsewhere).
"""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from cunxin.people.names import ONCE_PER_HOUSEHOLD
from cunxin.people.roster import ParsedRoster, RosterLine, RosterRow


def assign(result: ParsedRoster, lines: list[RosterLine]) -> list[RosterRow]:
    """Set each good row's ``household``; the good rows the file places, in file order."""
    heads_by_number: dict[tuple[str, str], list[RosterLine]] = defaultdict(list)
    for line in lines:
        if line.is_head and line.household_number:
            heads_by_number[(line.village, line.household_number)].append(line)
    blocks: dict[int, list[RosterLine]] = defaultdict(list)  # head's row -> members by order
    refused: set[int] = set()
    head: RosterLine | None = None  # the head whose block the rows are in
    for line in lines:
        if line.is_head:
            head = line
            _place(line, _household_of(line))
            continue
        if line.household_number:
            heads = heads_by_number.get((line.village, line.household_number), [])
            if heads and all(h.row is None for h in heads):
                _head_has_errors(result, line, heads[0])
                refused.add(line.number)
            else:
                _place(line, "#" + line.household_number)
            continue
        if not _in_block(result, line, head):
            refused.add(line.number)
            continue
        assert head is not None
        if head.row is None:
            _head_has_errors(result, line, head)
            refused.add(line.number)
            continue
        blocks[head.number].append(line)
        _place(line, _household_of(head))
    for head_row, members in blocks.items():
        refused |= _check_relations(result, head_row, members)
    return [
        line.row
        for line in lines
        if line.row is not None and line.row.household and line.number not in refused
    ]


def _household_of(head: RosterLine) -> str:
    """The household a head's row opens: its 户号, or else the block starting on its row."""
    return "#" + head.household_number if head.household_number else f"@{head.number}"


def _place(line: RosterLine, household: str) -> None:
    if line.row is not None:
        line.row.household = household


def _in_block(result: ParsedRoster, line: RosterLine, head: RosterLine | None) -> bool:
    """Whether the row (no 户号) sits in the block of the head it names; an error if not."""
    if not line.head_name:
        return False  # its own error (户主姓名 empty or unreadable) says what to fix
    if head is None:
        result.error(
            line.number,
            "head_name",
            _(
                "找不到户主“%(head)s”本人的一行：没有户号时，本户成员应紧跟在户主本人的一行之后。"
                "请填写户号，或把户主本人的一行放在本行之前。"
            )
            % {"head": line.head_name},
        )
        return False
    if head.village != line.village:
        result.error(
            line.number,
            "village",
            _(
                "本行的村与上面的户主（第%(row)d行）不同：无法确定本行属于哪一户。"
                "请填写户号，或把本行移到户主“%(head)s”本人的一行之后。"
            )
            % {"row": head.number, "head": line.head_name},
        )
        return False
    if head.head_name != line.head_name:
        result.error(
            line.number,
            "head_name",
            _(
                "本行在户主“%(other)s”（第%(row)d行）一户的下面，但本行的户主是“%(head)s”："
                "无法确定本行属于哪一户。请填写户号，或把本行移到户主“%(head)s”本人的一行之后。"
            )
            % {"other": head.head_name, "row": head.number, "head": line.head_name},
        )
        return False
    return True


def _head_has_errors(result: ParsedRoster, line: RosterLine, head: RosterLine) -> None:
    result.error(
        line.number,
        "head_name",
        _("户主（第%(row)d行）有错误，本户其他成员暂不能导入。") % {"row": head.number},
    )


def _check_relations(result: ParsedRoster, head_row: int, members: list[RosterLine]) -> set[int]:
    """A block with two of a once-per-household relation holds rows of another household."""
    first: dict[str, int] = {}
    clash: tuple[str, int, int] | None = None
    for member in members:
        kind = ONCE_PER_HOUSEHOLD.get(member.relation)
        if kind is None:
            continue
        if kind in first:
            clash = (kind, first[kind], member.number)
            break
        first[kind] = member.number
    if clash is None:
        return set()
    kind, a, b = clash
    refused = set()
    for member in members:
        result.error(
            member.number,
            "relation",
            _(
                "无法确定本行属于哪一户：户主（第%(head)d行）下面的第%(a)d行和第%(b)d行都是"
                "“%(relation)s”，可能缺了另一户户主本人的一行，使两户连在了一起。请填写户号。"
            )
            % {"head": head_row, "a": a, "b": b, "relation": kind},
        )
        refused.add(member.number)
    return refused
