"""The county centre on a phone: no table for the year yet, the official years in one click,
then the year's festivals and months, and a town's centre reading the same calendar."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import Browser, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import PASSWORD, World, build_world
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav
from cunxin.workdays.tests.helpers import county_clerk

pytestmark = pytest.mark.browser


@pytest.fixture
def county_world(transactional_db: None, live_server: LiveServer) -> World:
    world = build_world()
    county_clerk(world)
    return world


def test_the_county_centre_installs_the_official_years_and_a_town_reads_them(
    browser: Browser, live_server: LiveServer, county_world: World
) -> None:
    context = browser.new_context(
        base_url=live_server.url, viewport=ViewportSize(**PHONE_VIEWPORT), locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, county_clerk(county_world).phone, PASSWORD)
    nav(page, "工作日历").click()
    page.goto("/workdays/?year=2025")
    expect(page.get_by_test_id("calendar-missing")).to_contain_text("2025年还没有节假日表")
    assert_fits_a_phone(page)

    page.get_by_role("link", name="导入节假日表").click()
    page.get_by_role("button", name="导入官方安排").click()
    expect(page.get_by_role("status").first).to_contain_text("已导入：2024、2025、2026年")
    page.goto("/workdays/?year=2025")
    periods = page.get_by_test_id("calendar-periods")
    spring = periods.get_by_role("row").filter(has_text="春节")
    expect(spring).to_contain_text("1月28日–2月4日")
    expect(spring).to_contain_text("1月26日（星期日）、2月8日（星期六）")
    expect(page.get_by_text("全年工作日 248 天")).to_be_visible()
    assert_fits_a_phone(page)
    if os.environ.get("CUNXIN_SCREENSHOTS"):
        page.screenshot(path=os.environ["CUNXIN_SCREENSHOTS"], full_page=True)
    context.close()

    context = browser.new_context(
        base_url=live_server.url, viewport=ViewportSize(**PHONE_VIEWPORT), locale="zh-CN"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, county_world.clerk.phone, PASSWORD)
    nav(page, "工作日历").click()
    expect(page.get_by_test_id("calendar-source")).to_contain_text("本年适用任城区的节假日表")
    expect(page.get_by_role("link", name="导入节假日表")).to_have_count(0)
    context.close()
