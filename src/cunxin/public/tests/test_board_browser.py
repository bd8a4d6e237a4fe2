"""The board in a real browser: the grade chart on a phone, the village TV at 1920×1080."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import World, build_world
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.public.tests.conftest import Publish
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone

pytestmark = pytest.mark.browser

TV_VIEWPORT = {"width": 1920, "height": 1080}


@pytest.fixture
def policy_world(transactional_db: None, live_server: LiveServer) -> World:
    """The test world with its policy, committed so that the live server's thread sees it."""
    world = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    return world


def _context(
    browser: Browser, live_server: LiveServer, viewport: dict[str, int], js: bool = True
) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=viewport,  # type: ignore[arg-type]
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        java_script_enabled=js,
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def tv(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    for context in _context(browser, live_server, TV_VIEWPORT):
        yield context.new_page()


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    for context in _context(browser, live_server, PHONE_VIEWPORT):
        yield context.new_page()


@pytest.fixture
def phone_without_js(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    for context in _context(browser, live_server, PHONE_VIEWPORT, js=False):
        yield context.new_page()


@pytest.fixture
def board(honours: World, publish: Publish) -> World:
    publish()
    return honours


def _visible_panels(page: Page) -> list[str]:
    ids: list[str] = page.evaluate(
        """[...document.querySelectorAll('.tv-panel')]
            .filter(p => p.offsetParent !== null).map(p => p.id)"""
    )
    return ids


def _assert_panel_fits(page: Page) -> None:
    """The shown panel's content is not cut off, and the page does not scroll."""
    cut: list[str] = page.evaluate(
        """[...document.querySelectorAll('.tv-panel')].filter(p => p.offsetParent !== null)
            .filter(p => p.scrollHeight > p.clientHeight + 1).map(p => p.id)"""
    )
    assert cut == []
    assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    assert page.evaluate("document.documentElement.scrollWidth") <= 1920


def test_the_tv_shows_one_panel_at_a_time_and_steps_through_them(board: World, tv: Page) -> None:
    w = board
    tv.goto(f"/public/{w.village_a.code}/tv/")
    expect(tv.locator("h1")).to_have_text("前双村信用公开栏")
    # The calendar is empty in this village: the TV skips it.
    order = ["tv-notices", "tv-stars", "tv-households", "tv-grades", "tv-figures"]
    expect(tv.locator("#tv-dots li")).to_have_count(len(order))
    for panel in [*order, order[0]]:
        expect(tv.locator(f"#{panel}")).to_be_visible()
        assert _visible_panels(tv) == [panel]
        _assert_panel_fits(tv)
        tv.keyboard.press("ArrowRight")
    expect(tv.locator("#tv-stars")).to_contain_text("王*国")
    expect(tv.locator("#tv-stars")).to_contain_text("党员先锋队")
    tv.keyboard.press("ArrowLeft")
    expect(tv.locator("#tv-notices")).to_be_visible()
    font_px = tv.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.tv-panel h2')).fontSize)"
    )
    assert font_px >= 48  # read from across the room


def test_the_tv_turns_to_the_next_panel_by_itself(board: World, tv: Page) -> None:
    tv.goto(f"/public/{board.village_a.code}/tv/?every=5")
    expect(tv.locator("#tv-notices")).to_be_visible()
    expect(tv.locator("#tv-stars")).to_be_visible(timeout=TIMEOUT_MS)
    assert _visible_panels(tv) == ["tv-stars"]


def test_the_board_draws_the_grade_chart_on_a_phone(board: World, phone: Page) -> None:
    phone.goto(f"/public/{board.village_a.code}/")
    expect(phone.locator("h1")).to_have_text("前双村信用公开栏")
    expect(phone.locator("#grade-chart canvas")).to_be_visible()
    expect(phone.locator("#grade-table")).to_be_visible()
    expect(phone.locator("#stars")).to_be_visible()
    assert_fits_a_phone(phone)


def test_without_javascript_the_board_shows_the_table_and_the_tv_every_panel(
    board: World, phone_without_js: Page
) -> None:
    page = phone_without_js
    page.goto(f"/public/{board.village_a.code}/")
    expect(page.locator("#grade-chart")).to_be_hidden()
    expect(page.locator("#grade-table")).to_contain_text("960–1029")
    page.goto(f"/public/{board.village_a.code}/tv/")
    assert len(_visible_panels(page)) == 6


def test_a_busy_month_still_fits_the_tv(board: World, publish: Publish, tv: Page) -> None:
    from cunxin.public.tests.test_village_board import _activity
    from cunxin.volunteering.actions.activities import do_publish_activity

    w = board
    for _ in range(5):
        publish(("张小明", "PW-R01", "1"))
    for days in range(1, 11):
        for title in ("周六河道清理和村道两侧垃圾捡拾", "敬老院义务理发", "夜间治安巡逻"):
            do_publish_activity(_activity(w, title, days), acting_user=w.clerk)
    tv.goto(f"/public/{w.village_a.code}/tv/")
    expect(tv.locator("#tv-dots li")).to_have_count(6)
    for _ in range(6):
        _assert_panel_fits(tv)
        tv.keyboard.press("ArrowRight")
    expect(tv.locator("#tv-calendar")).to_contain_text("敬老院义务理发")
