import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunxin.conftest import PERSONA_NAMES, ROSTER_A, World, login, roster_csv
from cunxin.people.actions import do_import_roster
from cunxin.policy.actions import do_save_policy
from cunxin.policy.masking import mask_name
from cunxin.public.selectors import period_of
from cunxin.public.tests.conftest import NOTE, TODAY, Publish, take_effect
from cunxin.public.verification import grouped
from cunxin.records.actions.notices import do_object, do_rule_objection
from cunxin.records.models import Notice, Record

IDS_AND_PHONES = [p for row in ROSTER_A for p in (row[5], row[6]) if p]


@pytest.mark.parametrize(
    ("name", "masking", "shown"),
    [
        ("张三", "middle", "张*"),
        ("张三丰", "middle", "张*丰"),
        ("欧阳小明", "middle", "欧**明"),
        ("阿依古丽·买买提", "middle", "阿******提"),
        ("张三", "given", "张**"),
        ("张三丰", "given", "张**"),
        ("欧阳小明", "given", "欧**"),
        ("张三丰", "full", "张三丰"),
        (" 王丽 ", "full", "王丽"),
        ("张三丰", "no-such-setting", "张**"),
        ("", "middle", ""),
    ],
)
def test_names_are_masked_as_the_policy_says(name: str, masking: str, shown: str) -> None:
    assert mask_name(name, masking) == shown


def _page(url: str) -> str:
    response = login(None).get(url)
    assert response.status_code == 200
    return response.content.decode()


def _notice_url(w: World, notice: Notice) -> str:
    return f"/public/{w.village_a.code}/notices/{notice.number}/"


def test_anyone_reads_a_notice_without_logging_in(policy_world: World, publish: Publish) -> None:
    w = policy_world
    notice = publish()
    page = _page(_notice_url(w, notice))
    assert "前双村信用积分公示（第1期）" in page
    assert "李营街道" in page
    assert "张*" in page
    assert "王*国" in page
    assert "参加村内志愿服务 2小时" in page
    assert "乱扔垃圾、乱倒污水" in page
    assert "公示中" in page
    assert ">+4</span>" in page
    assert ">-2</span>" in page
    assert "共 2 条（加分 1 条，扣分 1 条）" in page
    assert "提出异议" in page
    assert "/accounts/login/?next=/records/notice/" in page
    assert notice.chain_hash in page


def test_the_board_shows_names_as_the_village_policy_says(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    url = _notice_url(w, notice)
    page = _page(url)
    assert "张*" in page
    assert "张三" not in page
    assert "王建国" not in page
    do_save_policy(
        w.town,
        values={"name_masking": "given"},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="公开方式",
    )
    page = _page(url)
    assert "王**" in page
    assert "王*国" not in page
    do_save_policy(
        w.town,
        values={"name_masking": "full"},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="公开方式",
    )
    page = _page(url)
    assert "张三" in page
    assert "王建国" in page


def test_no_id_number_phone_or_note_shows_on_any_public_page(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    pages = [
        _page(_notice_url(w, notice)),
        _page(f"/public/{w.village_a.code}/notices/"),
        _page(
            f"/public/verify/?village={w.village_a.code}&seq={notice.chain_seq}"
            f"&hash={notice.chain_hash}"
        ),
    ]
    for page in pages:
        for private in [
            *IDS_AND_PHONES,
            NOTE,
            "13905371001",
            PERSONA_NAMES["villager_a"],
            PERSONA_NAMES["committee_a"],
        ]:
            assert private not in page


def test_the_days_left_count_down_to_the_end_of_the_period(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    start = notice.published_at
    assert period_of(notice, start).days == 7
    assert period_of(notice, start).days_left == 7
    assert period_of(notice, start).open
    assert period_of(notice, notice.ends_at - datetime.timedelta(minutes=1)).days_left == 0
    assert not period_of(notice, notice.ends_at).open
    url = _notice_url(w, notice)
    assert "公示中，还剩 7 天" in _page(url)
    # The period ends later today.
    ends = timezone.now() + datetime.timedelta(minutes=2)
    if timezone.localtime(ends).date() == timezone.localdate():
        Notice.objects.filter(pk=notice.pk).update(
            published_at=ends - datetime.timedelta(days=7), ends_at=ends
        )
        assert f"今天 {timezone.localtime(ends):%H:%M} 截止" in _page(url)
    # The period is over: no more objections.
    Notice.objects.filter(pk=notice.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=8),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    page = _page(url)
    assert "公示期已结束" in page
    assert "村民登录，提出异议" not in page


def test_each_line_shows_its_status(policy_world: World, publish: Publish) -> None:
    w = policy_world
    notice = publish()
    zhang, wang = Record.objects.filter(notice=notice).order_by("pk")
    objection = do_object(zhang, reason="那天他不在村里", acting_user=w.villager_a)
    page = _page(_notice_url(w, notice))
    assert "有异议" in page
    assert "那天他不在村里" not in page  # the objection and its author stay private
    do_rule_objection(objection, upheld=True, ruling="经核实属实", acting_user=w.committee_a)
    take_effect()
    page = _page(_notice_url(w, notice))
    assert "已撤销" in page
    assert "已生效" in page
    assert "经核实属实" not in page
    assert wang.pk


def test_the_list_shows_the_village_notices_newest_first(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    publish()
    publish(("张小明", "PW-R01", "1"))
    page = _page(f"/public/{w.village_a.code}/notices/")
    assert page.index("第2期") < page.index("第1期")
    assert page.count("公示中") == 2
    assert "前双村信用积分公示" in page
    other = _page(f"/public/{w.village_b.code}/notices/")
    assert "第1期" not in other
    assert "本村还没有发布过公示" in other


def test_the_notice_prints_the_chain_head_of_its_day(policy_world: World, publish: Publish) -> None:
    w = policy_world
    first = publish()
    assert first.chain_seq == 0
    take_effect()
    second = publish(("张小明", "PW-R01", "1"))
    assert second.chain_seq == 2  # the two lines of the first notice were posted
    page = _page(_notice_url(w, second))
    assert f'id="chain-seq">{second.chain_seq}<' in page
    assert grouped(second.chain_hash) in page
    assert f"seq={second.chain_seq}&amp;hash={second.chain_hash}" in page


@pytest.mark.parametrize(
    "url",
    [
        "/public/999999999999/notices/",
        "/public/999999999999/notices/1/",
        "/public/370811009000/notices/",  # a town, not a village
        "/public/abc/notices/",
        "/public/{a}/notices/99/",
        "/public/{a}/notices/99.pdf",
        "/public/{b}/notices/1/",  # another village's number
    ],
)
def test_unknown_villages_and_notices_answer_404_in_chinese(
    policy_world: World, publish: Publish, url: str
) -> None:
    w = policy_world
    publish()
    response = login(None).get(url.format(a=w.village_a.code, b=w.village_b.code))
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到页面" in page
    assert "没有" in page


def test_public_pages_set_no_cookie_and_may_be_cached(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    for url in [
        _notice_url(w, notice),
        f"/public/{w.village_a.code}/notices/",
    ]:
        response = login(None).get(url)
        assert response.status_code == 200
        assert not response.cookies, url
        assert "public" in response["Cache-Control"]
        assert "max-age=60" in response["Cache-Control"]


def test_a_logged_in_user_sees_the_same_board(policy_world: World, publish: Publish) -> None:
    w = policy_world
    notice = publish()
    for user in (w.villager_a, w.committee_a, w.collector_b):
        page = login(user).get(_notice_url(w, notice)).content.decode()
        assert "王*国" in page
        assert user.name not in page
        assert "退出" not in page


def test_public_pages_only_answer_reads(policy_world: World, publish: Publish) -> None:
    w = policy_world
    notice = publish()
    assert login(None).post(_notice_url(w, notice)).status_code == 405


def _queries(url: str) -> int:
    cache.clear()  # count the work of a first visit, not of a cached chain walk
    client = login(None)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_a_long_notice_costs_the_same_queries_as_a_short_one(
    policy_world: World, publish: Publish, publish_team: object
) -> None:
    from cunxin.demo.people import roster_rows

    w = policy_world
    short = publish()
    rows = list(roster_rows([("前双村", 12, ["张"])], seed=5, first_number=100))
    do_import_roster(roster_csv(rows), "more.csv", acting_user=w.clerk)
    names = [r[3] for r in rows]
    long = publish_team(names)  # type: ignore[operator]
    assert Record.objects.filter(notice=long).count() > 20
    for pattern in (
        "/public/{a}/notices/{n}/",
        "/public/{a}/notices/{n}.pdf",
        "/public/verify/?village={a}&seq={s}&hash={h}",
    ):

        def url(notice: Notice, pattern: str = pattern) -> str:
            return pattern.format(
                a=w.village_a.code, n=notice.number, s=notice.chain_seq, h=notice.chain_hash
            )

        assert _queries(url(long)) == _queries(url(short)), pattern
    assert _queries(f"/public/{w.village_a.code}/notices/") <= 6
