"""Names of people: normalising what was typed, and pinyin tokens for search."""

from __future__ import annotations

import itertools
import re
import unicodedata

from django.utils.translation import gettext_lazy as _
from pypinyin import Style, pinyin

from cunxin.core.errors import DomainError

_ASCII = re.compile(r"[^a-z]")
_DOTS = re.compile(r"[•・‧∙⋅･.]")
_VALID = re.compile(r"^[\u3400-\u9fff\U00020000-\U0002ebefA-Za-z·]{2,30}$")
# Combinations of polyphonic readings kept per name; enough for real names, bounded for junk.
_MAX_READINGS = 8

# 与户主关系: what village rosters write. 本人 is the head's own row in many templates.
HEAD_RELATIONS = frozenset({"户主", "本人"})
RELATIONS = HEAD_RELATIONS | frozenset(
    [
        "配偶",
        "妻",
        "妻子",
        "夫",
        "丈夫",
        "子",
        "儿子",
        "长子",
        "次子",
        "三子",
        "四子",
        "五子",
        "独生子",
        "女",
        "女儿",
        "长女",
        "次女",
        "三女",
        "四女",
        "五女",
        "独生女",
        "养子",
        "养女",
        "继子",
        "继女",
        "父亲",
        "母亲",
        "父",
        "母",
        "公公",
        "婆婆",
        "岳父",
        "岳母",
        "祖父",
        "祖母",
        "外祖父",
        "外祖母",
        "孙子",
        "孙女",
        "外孙子",
        "外孙女",
        "曾孙子",
        "曾孙女",
        "儿媳",
        "女婿",
        "孙媳妇",
        "孙女婿",
        "兄",
        "弟",
        "姐",
        "妹",
        "兄弟",
        "姐妹",
        "哥哥",
        "弟弟",
        "姐姐",
        "妹妹",
        "嫂子",
        "弟媳",
        "侄子",
        "侄女",
        "外甥",
        "外甥女",
        "其他",
    ]
)

# Relations a household has at most once, each with the word they are reported under. Two of
# them in the block of one head mean the block holds another household whose head row is missing.
ONCE_PER_HOUSEHOLD: dict[str, str] = {
    **dict.fromkeys(("配偶", "妻", "妻子", "夫", "丈夫"), "配偶"),
    **dict.fromkeys(("父亲", "父"), "父亲"),
    **dict.fromkeys(("母亲", "母"), "母亲"),
    **{
        r: r
        for r in (
            "公公",
            "婆婆",
            "岳父",
            "岳母",
            "祖父",
            "祖母",
            "外祖父",
            "外祖母",
            "长子",
            "次子",
            "三子",
            "四子",
            "五子",
            "独生子",
            "长女",
            "次女",
            "三女",
            "四女",
            "五女",
            "独生女",
        )
    },
}


def clean(value: object) -> str:
    """Full-width folded to half-width, every kind of space removed."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return "".join(text.split())


def normalize_name(value: object) -> str:
    """A person's name as stored: no spaces, one kind of middle dot (for names like 阿依·买买提)."""
    return _DOTS.sub("·", clean(value))


def check_name(value: object, field: str = "name") -> str:
    name = normalize_name(value)
    if not name:
        raise DomainError("name_missing", _("姓名不能为空。"), field=field)
    if not _VALID.match(name):
        raise DomainError(
            "name_invalid",
            _("姓名“%(name)s”含有不能用于姓名的字符。"),
            field=field,
            params={"name": name},
        )
    return name


def check_relation(value: object) -> str:
    relation = clean(value)
    if relation == "本人":
        relation = "户主"
    if relation not in RELATIONS:
        raise DomainError(
            "relation_unknown",
            _(
                "与户主关系“%(value)s”无法识别，请填写如：户主、配偶、儿子、女儿、父亲、母亲、孙子、其他。"
            ),
            field="relation",
            params={"value": relation},
        )
    return relation


def search_tokens(name: str) -> str:
    """Space-separated full-pinyin and initials tokens, each with a leading space.

    ``张三`` becomes `` zhangsan zs ``; a query matches when a token starts with it.
    Every reading of a polyphonic character is kept (单 → dan/shan), up to a bound.
    """
    readings = pinyin(name, style=Style.NORMAL, heteronym=True, errors=lambda s: s)
    options = [
        [r for r in dict.fromkeys(_ASCII.sub("", s.lower()) for s in syllables) if r] or [""]
        for syllables in readings
    ]
    tokens: list[str] = []
    for combo in itertools.islice(itertools.product(*options), _MAX_READINGS):
        full = "".join(combo)
        initials = "".join(s[0] for s in combo if s)
        for token in (full, initials):
            if token and token not in tokens:
                tokens.append(token)
    return " " + " ".join(tokens) + " "
