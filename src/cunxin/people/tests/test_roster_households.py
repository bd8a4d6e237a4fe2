"""Which household a roster row goes to: by 户号, or by the head's row it follows — never by a
name. Two heads both named 张伟 are two households; a row the file cannot place is refused."""

from __future__ import annotations

import pytest

from cunxin.conftest import ROSTER_HEADERS, World, make_id, roster_csv
from cunxin.people.actions import do_import_roster
from cunxin.people.models import Household, Resident
from cunxin.people.roster import RosterInvalid

NO_NUMBER = tuple(h for h in ROSTER_HEADERS if h != "户号")

# Two families of 前双村 whose heads are both 张伟 (different people, different ID numbers).
ZHANG_A = [
    ("张伟", "张伟", "户主", make_id("19700305", 101)),
    ("张伟", "李梅", "配偶", make_id("19720611", 102)),
    ("张伟", "张小龙", "儿子", make_id("19980202", 103)),
]
ZHANG_B = [
    ("张伟", "张伟", "户主", make_id("19820917", 111)),
    ("张伟", "王芳", "配偶", make_id("19850120", 112)),
    ("张伟", "张小虎", "儿子", make_id("20100808", 113)),
]
LI = [
    ("李四", "李四", "户主", make_id("19600101", 121)),
    ("李四", "赵兰", "配偶", make_id("19620303", 122)),
]


def without_number(*families: list[tuple[str, str, str, str]]) -> bytes:
    return roster_csv(
        [("前双村", head, name, rel, id_, "") for fam in families for head, name, rel, id_ in fam],
        NO_NUMBER,
    )


def numbered(*families: tuple[str, list[tuple[str, str, str, str]]]) -> bytes:
    return roster_csv(
        [
            ("前双村", number, head, name, rel, id_, "")
            for number, fam in families
            for head, name, rel, id_ in fam
        ]
    )


def household_of(id_number: str) -> Household:
    return next(r.household for r in Resident.objects.all() if r.id_hash == _hash(id_number))


def _hash(id_number: str) -> str:
    from cunxin.core import pii

    return pii.keyed_hash(id_number)


def _members(family: list[tuple[str, str, str, str]]) -> set[str]:
    return {name for _head, name, _rel, _id in family}


def _names(household: Household) -> set[str]:
    return set(household.members.values_list("name", flat=True))


@pytest.mark.parametrize("with_number", [False, True])
def test_two_heads_with_the_same_name_are_two_households(world: World, with_number: bool) -> None:
    content = (
        numbered(("0101", ZHANG_A), ("0102", ZHANG_B))
        if with_number
        else without_number(ZHANG_A, ZHANG_B)
    )
    result = do_import_roster(content, "r.csv", acting_user=world.clerk)
    assert (result.households_created, result.residents_created) == (2, 6)
    a, b = household_of(ZHANG_A[0][3]), household_of(ZHANG_B[0][3])
    assert a != b
    assert _names(a) == _members(ZHANG_A)
    assert _names(b) == _members(ZHANG_B)
    assert a.members.get(is_head=True).id_hash == _hash(ZHANG_A[0][3])
    assert b.members.get(is_head=True).id_hash == _hash(ZHANG_B[0][3])
    # The same file again finds both households by their heads' ID numbers.
    again = do_import_roster(content, "r.csv", acting_user=world.clerk)
    assert not again.changed
    assert again.residents_unchanged == 6


def test_a_block_finds_its_household_by_the_heads_id_number_not_by_name(world: World) -> None:
    do_import_roster(without_number(ZHANG_A), "r.csv", acting_user=world.clerk)
    # B's family arrives later, with a head of the same name: a new household, not A's.
    result = do_import_roster(without_number(ZHANG_B), "r.csv", acting_user=world.clerk)
    assert (result.households_created, result.residents_created) == (1, 3)
    assert _names(household_of(ZHANG_A[0][3])) == _members(ZHANG_A)
    assert _names(household_of(ZHANG_B[0][3])) == _members(ZHANG_B)


LAYOUTS = {
    # B's head row dropped: its members run on right after A's family.
    "after_the_same_named_head": (ZHANG_A + ZHANG_B[1:],),
    # ... after another family.
    "after_another_family": (ZHANG_A + LI + ZHANG_B[1:],),
    # ... at the top of the sheet.
    "at_the_top": (ZHANG_B[1:] + ZHANG_A,),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_members_whose_head_row_is_missing_are_refused_never_put_in_the_other_household(
    world: World, layout: str
) -> None:
    (family,) = LAYOUTS[layout]
    before = Resident.objects.count()
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(without_number(family), "r.csv", acting_user=world.clerk)
    orphan_ids = {id_ for _h, _n, _r, id_ in ZHANG_B[1:]}
    orphans = {n for n, (_h, _n, _r, id_) in enumerate(family, start=2) if id_ in orphan_ids}
    assert len(orphans) == 2
    refused = {e.row for e in info.value.errors}
    assert orphans <= refused
    assert all("请填写户号" in e.message for e in info.value.errors if e.row in orphans)
    assert Resident.objects.count() == before


def test_members_whose_head_row_is_missing_join_no_existing_household_of_that_name(
    world: World,
) -> None:
    do_import_roster(without_number(ZHANG_A), "r.csv", acting_user=world.clerk)
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(without_number(ZHANG_B[1:]), "r.csv", acting_user=world.clerk)
    assert [e.row for e in info.value.errors] == [2, 3]
    assert all("请填写户号" in e.message for e in info.value.errors)
    assert _names(household_of(ZHANG_A[0][3])) == _members(ZHANG_A)


@pytest.mark.parametrize("with_number", [False, True])
def test_members_of_a_head_whose_row_has_errors_are_told_so(
    world: World, with_number: bool
) -> None:
    bad_head = (
        "张伟",
        "张伟",
        "户主",
        ZHANG_B[0][3][:-1] + ("0" if ZHANG_B[0][3][-1] != "0" else "1"),
    )
    family = [*ZHANG_A, bad_head, *ZHANG_B[1:]]
    content = (
        numbered(("0101", ZHANG_A), ("0102", [bad_head, *ZHANG_B[1:]]))
        if with_number
        else without_number(family)
    )
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(content, "r.csv", acting_user=world.clerk)
    by_row = {(e.row, e.column): e.message for e in info.value.errors}
    assert "校验位" in by_row[(5, "身份证号")]
    for row in (6, 7):
        assert by_row[(row, "户主姓名")] == "户主（第5行）有错误，本户其他成员暂不能导入。"
    assert not any("找不到户主" in e.message for e in info.value.errors)
    assert {e.row for e in info.value.errors} == {5, 6, 7}  # A's family is fine
    assert not Resident.objects.filter(name__in=["李梅", "王芳"]).exists()


def test_errors_are_listed_in_row_order(world: World) -> None:
    rows = [
        ("前双村", "0009", "赵六", "赵六", "户主", make_id("19700101", 17), ""),
        ("前双村", "0009", "赵六", "赵大", "儿子", make_id("19700101", 17), ""),  # same ID as row 2
        ("前双村", "0009", "赵六", "赵二", "儿子", make_id("19990101", 18), "12345"),
        ("前双村", "0009", "赵六", "赵六", "户主", make_id("19990101", 19), ""),  # a second head
        ("前双村", "0009", "赵六", "赵三", "女儿", make_id("20010101", 20), "12"),
    ]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    order = [e.row for e in info.value.errors]
    assert order == sorted(order)
    assert set(order) == {3, 4, 5, 6}


def test_a_block_may_hand_the_household_to_a_new_head_it_lists_with_the_old_one(
    world: World,
) -> None:
    # 张小明 becomes head of 张三's household; the file lists 张三 with his new relation.
    rows = [
        ("前双村", "张小明", "张小明", "户主", make_id("19920101", 33), "13905371002"),
        ("前双村", "张小明", "张三", "父亲", make_id("19650312", 11), "13905371001"),
        ("前双村", "张小明", "李秀英", "母亲", make_id("19670815", 22), ""),
    ]
    household = Resident.objects.get(name="张三").household
    do_import_roster(roster_csv(rows, NO_NUMBER), "r.csv", acting_user=world.clerk)
    assert Resident.objects.get(name="张小明").household == household
    assert household.members.get(is_head=True).name == "张小明"


def test_a_member_heading_a_block_alone_must_say_which_household(world: World) -> None:
    # 张小明 is a member of household 0001: head of it now, or of a household of his own?
    rows = [("前双村", "张小明", "张小明", "户主", make_id("19920101", 33), "13905371002")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows, NO_NUMBER), "r.csv", acting_user=world.clerk)
    assert "请填写户号" in info.value.errors[0].message
    assert "0001" in info.value.errors[0].message
    assert not Resident.objects.get(name="张小明").is_head


def test_a_mistyped_household_number_does_not_move_people_to_another_family(
    world: World,
) -> None:
    # 王丽's row says her head is 王建国, but 0001 is 张三's household.
    rows = [("前双村", "0001", "王建国", "王丽", "女儿", make_id("19881205", 52), "")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert "请核对户号" in info.value.errors[0].message
    assert Resident.objects.get(name="王丽").household.number == "0002"


def test_automatic_household_numbers_skip_the_ones_the_file_uses(world: World) -> None:
    # Village A has 0001 and 0002; the file opens 0003 itself and a household without 户号.
    rows = [
        ("前双村", "", "孙大山", "孙大山", "户主", make_id("19750101", 131), ""),
        ("前双村", "0003", "周明", "周明", "户主", make_id("19760101", 133), ""),
    ]
    result = do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert result.households_created == 2
    assert Resident.objects.get(name="周明").household.number == "0003"
    assert Resident.objects.get(name="孙大山").household.number == "0004"
