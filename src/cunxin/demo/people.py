"""Plausible villagers for the demo, tests and benchmarks: families with Shandong surnames,
names that fit their generation, valid ID numbers and phones. Deterministic for a seed."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from cunxin.people.idnumber import check_digit

SURNAMES = [
    "王",
    "张",
    "李",
    "刘",
    "孙",
    "赵",
    "陈",
    "杨",
    "徐",
    "马",
    "高",
    "韩",
    "孔",
    "颜",
    "田",
    "曹",
    "郭",
    "吕",
    "朱",
    "于",
    "庄",
    "姜",
    "冯",
    "任",
    "范",
    "郝",
    "宋",
    "胡",
    "周",
    "程",
]
# Given names by generation: what parents called children born in those years.
MALE = {
    1940: [
        "德胜",
        "宝山",
        "广田",
        "殿臣",
        "庆福",
        "长顺",
        "振江",
        "玉林",
        "廷贵",
        "洪顺",
        "守义",
        "凤岐",
    ],
    1960: [
        "建国",
        "建军",
        "卫东",
        "国庆",
        "志强",
        "学军",
        "红旗",
        "爱民",
        "振华",
        "春生",
        "继红",
        "永刚",
        "庆林",
        "明山",
    ],
    1975: [
        "海涛",
        "伟",
        "磊",
        "刚",
        "勇",
        "军",
        "涛",
        "强",
        "斌",
        "峰",
        "波",
        "杰",
        "鹏",
        "东升",
        "立新",
        "晓东",
    ],
    1990: [
        "浩",
        "鑫",
        "帅",
        "凯",
        "超",
        "鹏飞",
        "志远",
        "晨阳",
        "宇航",
        "文博",
        "子豪",
        "俊杰",
        "明轩",
    ],
    2008: [
        "梓轩",
        "浩然",
        "宇轩",
        "子涵",
        "一鸣",
        "俊熙",
        "皓轩",
        "沐阳",
        "奕辰",
        "思远",
        "睿泽",
        "博文",
    ],
}
FEMALE = {
    1940: [
        "秀英",
        "桂兰",
        "玉兰",
        "凤英",
        "桂英",
        "素珍",
        "淑贞",
        "翠花",
        "玉珍",
        "兰英",
        "秀兰",
        "金凤",
    ],
    1960: [
        "秀梅",
        "红霞",
        "丽华",
        "春梅",
        "玉梅",
        "爱华",
        "艳华",
        "桂芳",
        "淑芬",
        "红梅",
        "美玲",
        "翠萍",
    ],
    1975: ["丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "玲", "晓燕", "海燕", "丽娜"],
    1990: ["婷婷", "雪", "倩", "佳", "莹", "璐", "欣", "晓雪", "梦瑶", "佳慧", "文静", "思雨"],
    2008: [
        "欣怡",
        "梓涵",
        "一诺",
        "诗涵",
        "雨桐",
        "可馨",
        "语汐",
        "若曦",
        "紫萱",
        "佳琪",
        "梦琪",
        "思彤",
    ],
}
# Birthplace counties (first six digits of ID numbers): mostly local, some married in.
BIRTH_COUNTIES = ["370811"] * 12 + [
    "370812",
    "370826",
    "370829",
    "370830",
    "370881",
    "370883",
    "371083",
]
MOBILE_PREFIXES = [
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "133",
    "153",
    "177",
    "180",
    "181",
    "189",
    "199",
]


@dataclass
class Person:
    name: str
    relation: str
    birth_date: datetime.date
    gender: str  # "M" / "F"
    id_number: str = ""
    phone: str = ""


@dataclass
class Family:
    number: str
    members: list[Person]

    @property
    def head(self) -> Person:
        return self.members[0]


def _generation(year: int) -> int:
    return max(k for k in MALE if k <= year) if year >= 1940 else 1940


class PeopleFactory:
    """Makes families with unique ID numbers and phones; one factory per data set."""

    def __init__(self, seed: int, today: datetime.date | None = None) -> None:
        self.rng = random.Random(seed)
        self.today = today or datetime.date(2026, 11, 1)
        self._ids: set[str] = set()
        self._phones: set[str] = set()

    def birth(self, age_low: int, age_high: int) -> datetime.date:
        age = self.rng.randint(age_low, age_high)
        start = datetime.date(self.today.year - age - 1, self.today.month, 1)
        return start + datetime.timedelta(days=self.rng.randint(0, 364))

    def given(self, gender: str, birth: datetime.date) -> str:
        pool = (MALE if gender == "M" else FEMALE)[_generation(birth.year)]
        return self.rng.choice(pool)

    def id_number(self, birth: datetime.date, gender: str) -> str:
        while True:
            seq = self.rng.randint(0, 99) * 10 + self.rng.choice(
                [1, 3, 5, 7, 9] if gender == "M" else [0, 2, 4, 6, 8]
            )
            first17 = f"{self.rng.choice(BIRTH_COUNTIES)}{birth:%Y%m%d}{seq:03d}"
            value = first17 + check_digit(first17)
            if value not in self._ids:
                self._ids.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if value not in self._phones:
                self._phones.add(value)
                return value

    def person(self, surname: str, relation: str, gender: str, birth: datetime.date) -> Person:
        age = (self.today - birth).days // 365
        p = Person(
            name=surname + self.given(gender, birth),
            relation=relation,
            birth_date=birth,
            gender=gender,
        )
        p.id_number = self.id_number(birth, gender)
        if (18 <= age <= 72 and self.rng.random() < 0.9) or (age > 72 and self.rng.random() < 0.3):
            p.phone = self.phone()
        return p

    def family(self, number: str, surnames: list[str]) -> Family:
        """A household: head, usually a spouse, children, sometimes parents and grandchildren."""
        rng = self.rng
        surname = rng.choice(surnames)
        head_birth = self.birth(28, 82)
        head_gender = "M" if rng.random() < 0.85 else "F"
        head = self.person(surname, "户主", head_gender, head_birth)
        members = [head]
        head_age = (self.today - head_birth).days // 365
        if rng.random() < 0.88:
            spouse_birth = head_birth + datetime.timedelta(days=rng.randint(-1500, 1500))
            spouse_gender = "F" if head_gender == "M" else "M"
            members.append(self.person(rng.choice(SURNAMES), "配偶", spouse_gender, spouse_birth))
        children = rng.choice([0, 1, 1, 2, 2, 2, 3]) if head_age < 75 else rng.choice([0, 1])
        for _ in range(children):
            child_age = head_age - rng.randint(22, 34)
            if child_age < 0:
                continue
            gender = rng.choice("MF")
            child = self.person(
                surname,
                "儿子" if gender == "M" else "女儿",
                gender,
                self.birth(child_age, child_age),
            )
            members.append(child)
            if child_age > 26 and gender == "M" and rng.random() < 0.5:
                members.append(
                    self.person(
                        rng.choice(SURNAMES), "儿媳", "F", self.birth(child_age - 3, child_age + 1)
                    )
                )
                if rng.random() < 0.6:
                    g = rng.choice("MF")
                    members.append(
                        self.person(
                            surname,
                            "孙子" if g == "M" else "孙女",
                            g,
                            self.birth(1, max(1, child_age - 24)),
                        )
                    )
        if head_age < 55 and rng.random() < 0.3:
            members.append(
                self.person(surname, "母亲", "F", self.birth(head_age + 22, head_age + 30))
            )
        return Family(number=number, members=members)


def roster_rows(
    villages: list[tuple[str, int, list[str]]], seed: int, first_number: int = 1
) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    """Rows (村, 户号, 户主姓名, 姓名, 与户主关系, 身份证号, 联系电话) for villages given as
    (name, households, main surnames); 户号 count up from ``first_number``."""
    factory = PeopleFactory(seed)
    for name, households, surnames in villages:
        for n in range(first_number, first_number + households):
            family = factory.family(f"{n:04d}", surnames)
            for person in family.members:
                yield (
                    name,
                    family.number,
                    family.head.name,
                    person.name,
                    person.relation,
                    person.id_number,
                    person.phone,
                )
