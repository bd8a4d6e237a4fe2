"""The volunteering story, end to end in phone-sized browsers, one per person.

前双村's committee publishes "周六河道清理" with two positions; 张三 signs up on his phone and
the collector signs up 李秀英, who has none. On the day, 张三 scans the code on the organiser's
phone to check in, and again four hours later to check out; the collector checks 李秀英 in and
out by hand. The committee completes the activity and 张三 finds his hours and the reward record
they made, waiting for review, under "my activities".
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from unittest import mock

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import PASSWORD, World, build_world
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.records.models import Record, Status
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser

COMMITTEE_PHONE = "13800000002"
COLLECTOR_PHONE = "13800000003"
ZHANG_SAN_PHONE = "13905371001"


@pytest.fixture
def village(transactional_db: None, live_server: LiveServer) -> World:
    """The test world with the town's policy and catalogue, committed for the live server."""
    world = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    return world


@pytest.fixture
def open_phone(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Page]]:
    contexts: list[BrowserContext] = []

    def open_one() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=ViewportSize(width=PHONE_VIEWPORT["width"], height=PHONE_VIEWPORT["height"]),
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_one
    for context in contexts:
        context.close()


def local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_activity_from_publication_through_the_qr_code_to_the_hour_records(
    village: World, open_phone: Callable[[], Page]
) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    starts = now + datetime.timedelta(minutes=20)

    # The committee drafts the activity on a phone, with two positions, and publishes it.
    committee = open_phone()
    log_in(committee, COMMITTEE_PHONE, PASSWORD)
    nav(committee, "志愿服务").click()
    committee.get_by_role("link", name="发布活动").click()
    assert_fits_a_phone(committee)
    committee.get_by_label("活动名称").fill("周六河道清理")
    committee.get_by_label("地点").fill("村东河道")
    committee.get_by_label("开始时间").fill(local(starts))
    committee.get_by_label("结束时间").fill(local(starts + datetime.timedelta(hours=4)))
    committee.get_by_label("报名截止").fill(local(now + datetime.timedelta(minutes=10)))
    committee.locator("#id_positions-0-name").fill("清理河道")
    committee.locator("#id_positions-0-quota").fill("20")
    committee.locator("#id_positions-0-planned_hours").fill("4")
    committee.locator("#id_positions-1-name").fill("后勤保障")
    committee.locator("#id_positions-1-quota").fill("2")
    committee.locator("#id_positions-1-planned_hours").fill("3")
    committee.get_by_role("button", name="保存").click()
    expect(committee.get_by_role("heading", name="周六河道清理")).to_be_visible()
    committee.get_by_role("button", name="发布").click()
    expect(committee.get_by_text("已发布，村民现在可以报名。")).to_be_visible()
    activity_url = committee.url

    # 张三 signs up on his phone.
    zhang = open_phone()
    log_in(zhang, ZHANG_SAN_PHONE, PASSWORD)
    nav(zhang, "志愿服务").click()
    zhang.get_by_role("link", name="周六河道清理").click()
    assert_fits_a_phone(zhang)
    zhang.get_by_label("岗位").select_option(label="清理河道")
    zhang.get_by_role("button", name="我要报名").click()
    expect(zhang.get_by_test_id("my-sign-up")).to_contain_text("已报名")

    # The collector signs up 李秀英, who has no phone, for the support position.
    collector = open_phone()
    log_in(collector, COLLECTOR_PHONE, PASSWORD)
    collector.goto(activity_url)
    collector.get_by_role("link", name="代村民报名").click()
    collector.get_by_label("搜索村民").fill("lxy")
    collector.get_by_role("button", name="搜索").click()
    collector.get_by_text("李秀英").click()
    collector.get_by_label("岗位").select_option(label="后勤保障")
    collector.get_by_role("button", name="报名", exact=True).click()
    expect(collector.get_by_text("已为李秀英报名。")).to_be_visible()

    # On the day, the organiser shows the code; 张三's phone opens it and checks in.
    committee.goto(activity_url)
    committee.get_by_role("link", name="签到二维码").click()
    assert_fits_a_phone(committee)
    code = committee.get_by_test_id("qr")
    expect(code).to_be_visible()
    scan_url = code.get_attribute("data-url")
    assert scan_url
    zhang.goto(scan_url)
    zhang.get_by_role("button", name="签到").click()
    expect(zhang.get_by_test_id("scan-done")).to_contain_text("签到成功")

    # Four and a half hours later (the activity is over): he scans a fresh code to check out.
    later = now + datetime.timedelta(hours=4, minutes=50)
    with mock.patch("django.utils.timezone.now", return_value=later):
        committee.reload()
        scan_url = committee.get_by_test_id("qr").get_attribute("data-url")
        assert scan_url
        zhang.goto(scan_url)
        zhang.get_by_role("button", name="签退").click()
        # Checked in before the start; counted from the start, capped at the 4 planned hours.
        expect(zhang.get_by_test_id("scan-done")).to_contain_text("计 4 小时")

        # The collector checks 李秀英 in and out by hand, from the paper sheet.
        collector.goto(activity_url)
        collector.get_by_role("link", name="手工签到").click()
        assert_fits_a_phone(collector)
        row = collector.get_by_role("row").filter(has_text="李秀英")
        row.get_by_label("签到时间").fill(timezone.localtime(starts).strftime("%H:%M"))
        row.get_by_role("button", name="签到").click()
        expect(collector.get_by_text("李秀英 已签到。")).to_be_visible()
        row = collector.get_by_role("row").filter(has_text="李秀英")
        back = starts + datetime.timedelta(hours=2, minutes=40)
        row.get_by_label("签退时间").fill(timezone.localtime(back).strftime("%H:%M"))
        row.get_by_role("button", name="签退").click()
        expect(collector.get_by_text("李秀英 已签退。")).to_be_visible()

        # The committee completes it: two hour records, into review.
        committee.goto(activity_url)
        committee.get_by_role("button", name="结束活动并生成工时记录").click()
        expect(committee.get_by_text("生成工时记录2条")).to_be_visible()
        assert_fits_a_phone(committee)

        # 张三 finds his hours and the record they made.
        zhang.goto("/volunteering/mine/")
        expect(zhang.get_by_role("row").filter(has_text="周六河道清理")).to_contain_text("4 小时")
        zhang.get_by_role("link", name="待审核 +8").click()
        expect(zhang.get_by_text("参加村内志愿服务").first).to_be_visible()

    records = {r.resident.name: r for r in Record.objects.select_related("resident")}
    assert {n: (r.quantity, r.status) for n, r in records.items()} == {
        "张三": (4, Status.COLLECTED),
        "李秀英": (2.5, Status.COLLECTED),
    }
