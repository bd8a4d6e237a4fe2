"""A village's public board (信用公开栏): page, town list, TV mode, poster; no login anywhere."""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunxin.conftest import PERSONA_NAMES, ROSTER_A, World, login, make_id, roster_csv
from cunxin.coupons.tests import helpers as coupon_helpers
from cunxin.fund.tests import helpers as fund_helpers
from cunxin.people.actions import do_add_resident, do_import_roster, do_update_resident
from cunxin.people.models import Household, Resident, ResidentStatus
from cunxin.policy.actions import do_save_policy
from cunxin.public.board import born_on_or_before, grade_distribution
from cunxin.public.tests.conftest import LAST_MONTH_DAY, NOTE, TODAY, Publish, take_effect
from cunxin.public.tests.test_poster import pdf_pages
from cunxin.public.verification import grouped
from cunxin.records.models import Notice
from cunxin.records.standing import standing
from cunxin.shop.tests import helpers as shop_helpers
from cunxin.volunteering.actions.activities import (
    ActivityData,
    PositionData,
    do_cancel_activity,
    do_create_activity,
    do_publish_activity,
)
from cunxin.volunteering.models import Activity
from cunxin.volunteering.selectors import Figures

LAST_MONTH = LAST_MONTH_DAY.replace(day=1)
PRIVATE = [p for row in ROSTER_A for p in (row[5], row[6]) if p]
FULL_NAMES = ["张三", "李秀英", "张小明", "王建国", "王丽"]


def _get(url: str) -> str:
    response = login(None).get(url)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def board_url(w: World, suffix: str = "") -> str:
    return f"/public/{w.village_a.code}/{suffix}"


def _text(html: str) -> str:
    """The page's visible text, tags removed and blanks collapsed."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _assert_nothing_private(page: str) -> None:
    for private in [
        *PRIVATE,
        NOTE,
        *FULL_NAMES,
        PERSONA_NAMES["villager_a"],
        PERSONA_NAMES["committee_a"],
    ]:
        assert private not in page, private
    for row in ROSTER_A:
        id_number = str(row[5])
        assert id_number[:6] + "********" + id_number[-4:] not in page


# --- The page ------------------------------------------------------------------------------------


def test_anyone_reads_the_board_of_a_village_without_logging_in(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    page = _get(board_url(w))
    text = _text(page)
    assert "前双村信用公开栏" in text
    assert "李营街道" in text
    assert "正在公示" in text
    assert f'href="/public/{w.village_a.code}/notices/{notice.number}/"' in page
    assert "第1期 · 2 条记录" in text
    assert "还剩 7 天" in text
    # Objecting needs a login: the board sends villagers to the login, then to their notice page.
    assert 'href="/accounts/login/?next=/records/notice/"' in page
    assert "退出" not in page  # no menu, no user
    for link in (
        f"/public/{w.village_a.code}/board.pdf",
        f"/public/{w.village_a.code}/tv/",
        f"/public/{w.village_a.code}/notices/",
        f"/public/{w.town.code}/villages/",
        "/public/verify/",
    ):
        assert f'href="{link}"' in page, link


def test_the_notice_pages_link_to_the_board(policy_world: World, publish: Publish) -> None:
    w = policy_world
    notice = publish()
    link = f'href="/public/{w.village_a.code}/"'
    assert link in _get(f"/public/{w.village_a.code}/notices/")
    assert link in _get(f"/public/{w.village_a.code}/notices/{notice.number}/")


def test_the_board_counts_down_the_days_left_of_each_notice_in_period(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    first = publish()
    second = publish(("张小明", "PW-R01", "1"))
    now = timezone.now()
    Notice.objects.filter(pk=first.pk).update(
        published_at=now - datetime.timedelta(days=4), ends_at=now + datetime.timedelta(days=3)
    )
    text = _text(_get(board_url(w)))
    # The notice that ends first comes first.
    assert text.index("第1期") < text.index("第2期")
    assert "还剩 3 天" in text
    assert "还剩 7 天" in text
    # A period that ends later today.
    ends = now + datetime.timedelta(minutes=2)
    if timezone.localtime(ends).date() == timezone.localdate():
        Notice.objects.filter(pk=second.pk).update(
            published_at=ends - datetime.timedelta(days=7), ends_at=ends
        )
        assert f"今天 {timezone.localtime(ends):%H:%M} 截止" in _text(_get(board_url(w)))
    # Over: off the board (still on the list of all notices).
    Notice.objects.filter(pk__in=[first.pk, second.pk]).update(
        published_at=now - datetime.timedelta(days=8), ends_at=now - datetime.timedelta(days=1)
    )
    text = _text(_get(board_url(w)))
    assert "第1期" not in text
    assert "目前没有正在公示的记录" in text
    assert "村民登录，提出异议" not in text


def test_the_board_shows_only_its_own_village(policy_world: World, publish: Publish) -> None:
    w = policy_world
    publish()
    text = _text(_get(f"/public/{w.village_b.code}/"))
    assert "庄头村信用公开栏" in text
    assert "第1期" not in text
    assert "参与评分的村民共 2 人" in text  # 庄德胜, 庄桂兰


# --- Grades -------------------------------------------------------------------------------------


def _grades_world(w: World, publish: Publish) -> None:
    """张三 +4 (1004) and 王建国 −2 (998) in effect; bands cut close to those scores; a child and
    a villager who moved out, neither of them scored."""
    publish()  # 张三 2 hours of volunteering (+4), 王建国 litter (−2)
    assert take_effect() == 2
    do_save_policy(
        w.town,
        values={"aaa_min": 1004, "aa_min": 1002, "a_min": 1000, "b_min": 999, "c_min": 990},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="测试等级",
    )
    household = Household.objects.get(village=w.village_a, number="0001")
    do_add_resident(
        household=household,
        name="张小宝",
        relation="孙子",
        id_number=make_id(f"{TODAY.year - 5}0601", 91),
        acting_user=w.clerk,
    )
    do_update_resident(
        w.resident("王丽"),
        name="王丽",
        phone="13905371004",
        relation="女儿",
        status=ResidentStatus.MOVED_OUT,
        acting_user=w.clerk,
        reason="外嫁",
    )


EXPECTED = {"AAA": 1, "AA": 0, "A": 2, "B": 0, "C": 1, "D": 0}


def test_grade_counts_come_from_the_ledger_balances_and_the_policy_bands(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    _grades_world(w, publish)
    page = _get(board_url(w))
    # The table (readable without JavaScript).
    rows = re.findall(
        r"<td><b>(\w+)</b></td><td[^>]*>([^<]+)</td>\s*<td[^>]*class=\"cx-grade-count\">(\d+)</td>",
        page,
    )
    assert {grade: int(n) for grade, _band, n in rows} == EXPECTED
    assert [band for _g, band, _n in rows] == [
        "≥ 1004",
        "1002–1003",
        "1000–1001",
        "999–999",
        "990–998",
        "&lt; 990",
    ]
    assert "参与评分的村民共 4 人" in _text(page)
    # The chart's data (ECharts, drawn from the same counts).
    found = re.search(r'<script id="grade-data" type="application/json">(.*?)</script>', page)
    assert found is not None
    chart = json.loads(found.group(1))
    assert dict(zip(chart["grades"], chart["counts"], strict=True)) == EXPECTED
    assert "vendor/echarts/echarts.simple.min.js" in page
    # The same grades each villager sees on their own page.
    scored = Resident.objects.filter(
        village=w.village_a,
        status=ResidentStatus.ACTIVE,
        birth_date__lte=born_on_or_before(TODAY, 18),
    )
    assert Counter(str(standing(r).grade) for r in scored) == {
        g: n for g, n in EXPECTED.items() if n
    }


def test_the_grade_distribution_is_one_query_whatever_the_village_size(
    policy_world: World, publish: Publish
) -> None:
    from cunxin.demo.people import roster_rows
    from cunxin.policy.selectors import policy_in_force

    w = policy_world
    policy = policy_in_force(w.village_a, TODAY)
    with CaptureQueriesContext(connection) as small:
        before = grade_distribution(w.village_a, policy, TODAY)
    rows = list(roster_rows([("前双村", 40, ["张", "王", "李"])], seed=11, first_number=100))
    do_import_roster(roster_csv(rows), "more.csv", acting_user=w.clerk)
    with CaptureQueriesContext(connection) as large:
        after = grade_distribution(w.village_a, policy, TODAY)
    assert len(small) == len(large) == 1
    assert sum(g.count for g in after) > sum(g.count for g in before) == 5


def test_the_whole_board_costs_the_same_queries_for_a_bigger_village(
    policy_world: World, publish: Publish
) -> None:
    from cunxin.demo.people import roster_rows

    w = policy_world
    publish()

    def queries() -> int:
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert login(None).get(board_url(w)).status_code == 200
        return len(captured)

    small = queries()
    rows = list(roster_rows([("前双村", 30, ["张", "王"])], seed=3, first_number=100))
    do_import_roster(roster_csv(rows), "more.csv", acting_user=w.clerk)
    assert queries() == small


def test_without_a_policy_the_board_shows_no_grades(world: World) -> None:
    text = _text(_get(f"/public/{world.village_a.code}/"))
    assert "本村还没有信用管理办法，暂无等级" in text
    assert "grade-data" not in text


# --- Honours ------------------------------------------------------------------------------------


def _stars(text: str) -> list[str]:
    """The names in the stars panel, in order."""
    found = re.search(r"月信用之星 (.*?) 流动红旗", text)
    assert found is not None
    return found.group(1).split()


def test_stars_red_flag_and_households_show_masked_names(honours: World) -> None:
    w = honours
    page = _get(board_url(w))
    text = _text(page)
    assert f"{LAST_MONTH.year}年{LAST_MONTH.month}月信用之星" in text
    assert _stars(text) == ["王*国", "王*", "张*"]  # in rank order
    assert re.search(r"流动红旗：\s*党员先锋队", text)
    assert f"{TODAY.year - 1}年度信用示范户" in text
    assert "共 1 户" in text
    assert "王*国家" in text
    assert "张*家" not in text  # 李秀英 and 张小明 are below AA
    _assert_nothing_private(page)


def test_a_draft_round_stays_off_the_board(policy_world: World) -> None:
    from cunxin.honours.actions import do_open_round
    from cunxin.honours.models import Period

    w = policy_world
    do_open_round(w.village_a, period=Period.MONTH, day=LAST_MONTH, acting_user=w.committee_a)
    text = _text(_get(board_url(w)))
    assert "本村还没有评定信用之星" in text


def test_honours_follow_the_village_masking_setting(honours: World) -> None:
    w = honours
    do_save_policy(
        w.town,
        values={"name_masking": "given"},
        effective_from=TODAY,
        acting_user=w.clerk,
        reason="公开方式",
    )
    text = _text(_get(board_url(w)))
    assert _stars(text) == ["王**", "王**", "张**"]
    assert "王**家" in text
    assert "王*国" not in text


def test_a_village_without_a_red_flag_says_so(honours: World) -> None:
    text = _text(_get(f"/public/{honours.village_b.code}/"))
    assert re.search(r"流动红旗：\s*尚未评定", text)


def test_a_village_without_honours_says_so(policy_world: World) -> None:
    text = _text(_get(board_url(policy_world)))
    assert "本村还没有评定信用之星" in text
    assert "本村还没有评定信用示范户" in text


# --- Calendar and figures -----------------------------------------------------------------------


def _activity(
    w: World, title: str, days: int, *, town: bool = False, village: str = "a"
) -> Activity:
    region = w.town if town else getattr(w, f"village_{village}")
    user = w.clerk if town or village != "a" else w.committee_a
    day = timezone.localtime() + datetime.timedelta(days=days)
    starts = day.replace(hour=8, minute=30, second=0, microsecond=0)
    activity = do_create_activity(
        ActivityData(
            region=region,
            title=title,
            place="村委会门前",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=4),
            sign_up_deadline=starts - datetime.timedelta(hours=12),
            item_code="PW-R01",
            positions=[PositionData(name="清理", quota=20, planned_hours=4)],
        ),
        acting_user=user,
    )
    return activity


def test_the_calendar_shows_the_next_31_days_of_activities(policy_world: World) -> None:
    w = policy_world
    for title, days, kwargs in [
        ("周六河道清理", 3, {}),
        ("全街道义务植树", 10, {"town": True}),
        ("庄头村敬老活动", 4, {"village": "b"}),
        ("明年的活动", 40, {}),
    ]:
        do_publish_activity(_activity(w, title, days, **kwargs), acting_user=w.clerk)
    _activity(w, "还没发布的草稿", 5)
    cancelled = do_publish_activity(_activity(w, "取消了的活动", 6), acting_user=w.clerk)
    do_cancel_activity(cancelled, reason="天气原因", acting_user=w.clerk)
    text = _text(_get(board_url(w)))
    calendar = text[text.index("活动日历") : text.index("志愿服务组织")]
    day = timezone.localdate() + datetime.timedelta(days=3)
    assert f"{day.month}月{day.day}日" in calendar
    assert "08:30–12:30 周六河道清理 · 村委会门前" in calendar
    assert "全街道义务植树" in calendar
    assert "街道/镇活动" in calendar
    assert calendar.index("周六河道清理") < calendar.index("全街道义务植树")
    for absent in ("庄头村敬老活动", "明年的活动", "还没发布的草稿", "取消了的活动"):
        assert absent not in calendar


def test_the_figures_panel_shows_the_year_of_volunteering(
    policy_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = policy_world
    seen: list[tuple[str, int | None]] = []

    def fake(region: object, year: int | None = None) -> Figures:
        seen.append((getattr(region, "code", ""), year))
        return Figures(
            teams=9, volunteers=152, activities=63, hours=1234.5, labour_value_fen=1851750
        )

    # The figures themselves are the volunteering app's (and tested there): here, how they show.
    monkeypatch.setattr("cunxin.public.board.figures", fake)
    text = _text(_get(board_url(w)))
    assert f"{TODAY.year}年志愿服务" in text
    for shown in ("9 志愿服务组织", "152 志愿者（人）", "63 志愿服务活动（场）"):
        assert shown in text
    assert "1,234.5 服务时长（小时）" in text
    assert "18,517.50 折合劳务费用（元）" in text
    assert seen == [(w.village_a.code, TODAY.year)]


def test_a_new_team_counts_in_the_figures(policy_world: World) -> None:
    from cunxin.volunteering.actions.teams import do_create_team

    w = policy_world
    assert "0 志愿服务组织" in _text(_get(board_url(w)))
    do_create_team(w.village_a, name="党员先锋队", acting_user=w.committee_a)
    assert "1 志愿服务组织" in _text(_get(board_url(w)))


# --- The town's list of boards ------------------------------------------------------------------


def test_a_town_lists_the_boards_of_its_villages(policy_world: World, publish: Publish) -> None:
    w = policy_world
    publish()
    page = _get(f"/public/{w.town.code}/villages/")
    text = _text(page)
    assert "李营街道各村信用公开栏" in text
    assert f'href="/public/{w.village_a.code}/"' in page
    assert f'href="/public/{w.village_b.code}/"' in page
    assert f"/public/{w.village_c.code}/" not in page  # another town's village
    assert "前双村 1 期" in text
    assert "庄头村 无" in text
    assert f"{TODAY.year}年全街道（镇）志愿服务" in text


# --- The village TV -----------------------------------------------------------------------------

PANELS = ["tv-notices", "tv-stars", "tv-households", "tv-grades", "tv-calendar", "tv-figures"]


def test_the_tv_page_holds_every_panel_and_cycles_them(honours: World, publish: Publish) -> None:
    w = honours
    publish()
    page = _get(board_url(w, "tv/"))
    for panel in PANELS:
        assert f'<section class="tv-panel" id="{panel}"' in page, panel
    text = _text(page)
    assert "前双村信用公开栏" in text
    assert "第2期 2 条记录" in text
    assert "第1期" not in text  # its period is over
    assert "还剩 7 天" in text
    assert re.search(r"信用之星 王\*国 王\* 张\* 流动红旗：\s*党员先锋队", text)
    assert "王*国家" in text
    assert "AA 2 人" in text
    assert "A 3 人" in text
    assert 'data-seconds="15"' in page
    assert 'data-reload="600"' in page
    assert "public/tv.js" in page
    assert "public/tv.css" in page
    # Without JavaScript the page still reloads itself.
    assert '<noscript><meta http-equiv="refresh" content="600"></noscript>' in page
    assert "data:image/svg+xml" in page  # the QR code to the board
    # Panels with nothing to show are marked, so that the TV skips them.
    assert '<section class="tv-panel" id="tv-calendar" data-empty>' in page
    assert '<section class="tv-panel" id="tv-stars">' in page
    _assert_nothing_private(page)


@pytest.mark.parametrize(("every", "seconds"), [("30", 30), ("1", 5), ("9999", 300), ("x", 15)])
def test_the_tv_turns_panels_every_so_many_seconds(
    policy_world: World, every: str, seconds: int
) -> None:
    page = _get(board_url(policy_world, f"tv/?every={every}"))
    assert f'data-seconds="{seconds}"' in page


# --- The poster ---------------------------------------------------------------------------------


def test_the_board_poster_prints_honours_grades_notices_and_a_qr_code(
    honours: World, publish: Publish
) -> None:
    w = honours
    notice = publish()
    response = login(None).get(board_url(w, "board.pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "public" in response["Cache-Control"]
    pages = pdf_pages(response.content)
    text = "\n".join(pages)
    compact = "".join(text.split())
    assert len(pages) == 1
    assert "前双村信用公开栏" in compact
    assert "李营街道" in text
    assert "信用之星" in compact
    assert "★王*国★王*★张*" in compact
    assert "流动红旗：党员先锋队" in compact
    assert f"{TODAY.year - 1}年度信用示范户" in compact
    assert "王*国家" in compact
    # Grades: every band with its count (王建国 and 王丽 reached AA, the other three are A).
    assert re.search(r"AAA\s+≥ 1050\s+0", text)
    assert re.search(r"AA\s+1030–1049\s+2", text)
    assert re.search(r"A\s+960–1029\s+3", text)
    assert "参与评分的村民共5人" in compact
    # The notice in its period, with the chain head of its day (the first one's is over).
    assert "第2期" in text
    assert "第1期" not in text
    assert notice.chain_seq == 3
    assert "还剩7天" in compact
    assert grouped(notice.chain_hash)[:17] in text
    assert f"序号{notice.chain_seq}" in compact
    assert f"http://127.0.0.1/public/{w.village_a.code}/" in compact
    assert "信用评审会（盖章）" in compact
    for private in [*PRIVATE, NOTE, *FULL_NAMES]:
        assert "".join(private.split()) not in compact, private


# --- Not found, caching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/public/999999999999/",
        "/public/999999999999/board.pdf",
        "/public/999999999999/tv/",
        "/public/370811009000/",  # a town, not a village
        "/public/370811009000/tv/",
        "/public/abc/",
        "/public/{a}/villages/",  # a village, not a town
        "/public/999999999999/villages/",
    ],
)
def test_an_unknown_village_or_town_answers_404_in_chinese(policy_world: World, url: str) -> None:
    response = login(None).get(url.format(a=policy_world.village_a.code))
    assert response.status_code == 404
    page = response.content.decode()
    assert "找不到页面" in page
    assert "没有这个" in page


def test_board_pages_set_no_cookie_and_may_be_cached(policy_world: World, publish: Publish) -> None:
    w = policy_world
    publish()
    for url in (board_url(w), board_url(w, "tv/"), f"/public/{w.town.code}/villages/"):
        response = login(w.villager_a).get(url)
        assert response.status_code == 200
        assert not response.cookies, url
        assert "public" in response["Cache-Control"]
        assert "退出" not in response.content.decode()
    assert login(None).post(board_url(w)).status_code == 405


def test_no_id_number_or_phone_on_any_board_page(honours: World, publish: Publish) -> None:
    w = honours
    publish()
    for url in (board_url(w), board_url(w, "tv/"), f"/public/{w.town.code}/villages/"):
        _assert_nothing_private(_get(url))


@pytest.mark.parametrize(
    ("today", "years", "latest"),
    [
        (datetime.date(2026, 11, 22), 18, datetime.date(2008, 11, 22)),
        (datetime.date(2028, 2, 29), 18, datetime.date(2010, 2, 28)),  # no 29 February in 2010
        (datetime.date(2028, 2, 29), 16, datetime.date(2012, 2, 29)),
    ],
)
def test_scoring_age_is_counted_in_whole_years(
    today: datetime.date, years: int, latest: datetime.date
) -> None:
    from cunxin.people.actions import age_on

    assert born_on_or_before(today, years) == latest
    assert age_on(latest, today) == years
    assert age_on(latest + datetime.timedelta(days=1), today) == years - 1


def test_the_board_links_the_report_of_the_fund_that_serves_the_village(
    policy_world: World,
) -> None:
    w = policy_world
    assert "信用基金" not in _text(_get(board_url(w)))  # no fund yet: no panel
    town_fund = fund_helpers.fund(w)
    page = _get(board_url(w))
    assert town_fund.name in _text(page)
    assert f'href="/fund/{w.town.code}/report/"' in page
    # The report is public: the link works without a login.
    assert Client().get(f"/fund/{w.town.code}/report/").status_code == 200


def test_the_board_reports_points_redeemed_and_coupons_issued_and_spent(
    policy_world: World,
) -> None:
    """The figures seed 000 reports: points redeemed, coupons issued, the share spent."""
    w = policy_world
    assert 'data-testid="spending"' not in _get(board_url(w))  # nothing spent yet: no panel
    redemption = shop_helpers.redeemed(w)  # 张三 redeems goods at the village shop
    coupon_helpers.convert(w, "王建国", points=20, grant_first=40)  # 200 yuan of coupons
    page = _text(_get(board_url(w)))
    assert "信用有价" in page
    assert f"信用超市兑换积分 {redemption.points}" in page
    assert "20 分，合 200 元" in page
    assert "信用券已使用 0 元（0%）" in page
