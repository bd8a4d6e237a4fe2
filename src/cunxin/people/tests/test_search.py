import pytest

from cunxin.accounts.permissions import Perm
from cunxin.conftest import World, make_id
from cunxin.people.models import Resident
from cunxin.people.selectors import search


def _find(world: World, query: str) -> set[str]:
    visible = Resident.objects.restrict(world.clerk, Perm.VIEW_PEOPLE)
    return set(search(visible, query).values_list("name", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张三", {"张三"}),
        ("zs", {"张三"}),
        ("ZS", {"张三"}),
        ("zhangs", {"张三"}),
        ("zh", {"张三", "张小明", "庄德胜", "庄桂兰"}),
        ("wjg", {"王建国"}),
        ("13905371003", {"王建国"}),
        ("3905371", {"张三", "张小明", "王建国", "王丽"}),
    ],
)
def test_people_are_found_by_name_pinyin_or_phone(
    world: World, query: str, expected: set[str]
) -> None:
    assert _find(world, query) == expected


def test_people_are_found_by_the_last_digits_or_the_whole_id_number(world: World) -> None:
    number = make_id("19580920", 41)
    assert _find(world, number[-4:]) == {"王建国"}
    assert _find(world, number) == {"王建国"}
    assert _find(world, number.lower()) == {"王建国"}


def test_search_never_reaches_outside_the_scope(world: World) -> None:
    # 孔繁荣 lives in the other town: the clerk of town 1 cannot find him by any key.
    assert _find(world, "孔繁荣") == set()
    assert _find(world, "kfr") == set()
    assert _find(world, make_id("19700101", 81)) == set()
