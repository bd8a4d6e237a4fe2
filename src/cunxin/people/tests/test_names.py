import pytest

from cunxin.core.errors import DomainError
from cunxin.people.names import check_name, check_relation, search_tokens


def test_names_lose_stray_spaces_and_get_one_middle_dot() -> None:
    assert check_name(" 张 三 ") == "张三"
    assert check_name("阿依•买买提") == "阿依·买买提"


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("", "name_missing"),
        ("张", "name_invalid"),
        ("张3", "name_invalid"),
        ("张三!", "name_invalid"),
    ],
)
def test_implausible_names_are_refused(bad: str, code: str) -> None:
    with pytest.raises(DomainError) as refusal:
        check_name(bad)
    assert refusal.value.code == code


def test_relations_are_understood_and_本人_means_the_head() -> None:
    assert check_relation("本人") == "户主"
    assert check_relation(" 长子 ") == "长子"
    with pytest.raises(DomainError) as info:
        check_relation("邻居")
    assert info.value.code == "relation_unknown"
    assert "邻居" in str(info.value)


def test_search_tokens_hold_full_pinyin_and_initials_for_every_reading() -> None:
    tokens = search_tokens("张三")
    assert " zhangsan " in tokens
    assert " zs " in tokens
    # 曾 is read zeng as a surname and ceng otherwise: both must find the person.
    assert " zgf " in search_tokens("曾国藩")
    assert " cgf " in search_tokens("曾国藩")
