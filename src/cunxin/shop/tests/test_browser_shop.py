"""The counter on a 360 px phone: the keeper types 张三's pay code, picks rice and oil, confirms,
and shows the receipt; the committee looks at the shop and its figures on a phone too."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.cards.identify import issue_code
from cunxin.conftest import PASSWORD, World, build_world
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.shop.tests.helpers import OIL, RICE, grant, shop_a, spendable
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser

KEEPER_PHONE = "13800000004"
COMMITTEE_PHONE = "13800000002"


@pytest.fixture
def village(transactional_db: None, live_server: LiveServer) -> World:
    world = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    return world


@pytest.fixture
def phone(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        viewport=ViewportSize(width=PHONE_VIEWPORT["width"], height=PHONE_VIEWPORT["height"]),
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_the_keeper_redeems_rice_and_oil_on_a_phone(village: World, phone: Page) -> None:
    w = village
    shop = shop_a(w)
    zhang = w.resident("张三")
    grant(zhang, 180)
    log_in(phone, KEEPER_PHONE, PASSWORD)
    nav(phone, "信用超市").click()
    assert_fits_a_phone(phone)
    phone.get_by_role("link", name="收银兑换").click()
    assert_fits_a_phone(phone)
    code, _expires = issue_code(zhang)
    phone.get_by_label("付款码").fill(code)
    phone.get_by_role("button", name="确认").first.click()
    expect(phone.get_by_test_id("customer")).to_contain_text("张*")
    expect(phone.get_by_test_id("customer")).to_contain_text("180")
    assert_fits_a_phone(phone)
    phone.get_by_label(f"{RICE}的数量").fill("1")
    phone.get_by_label(f"{OIL}的数量").fill("1")
    expect(phone.locator("#cx-total")).to_have_text("80")
    phone.get_by_role("button", name="确认兑换").click()
    receipt = phone.get_by_test_id("receipt")
    expect(receipt).to_contain_text(RICE)
    expect(receipt).to_contain_text("80")
    expect(receipt).to_contain_text("张*")
    assert_fits_a_phone(phone)
    assert spendable(zhang) == 100
    phone.get_by_role("link", name="今日兑换").click()
    expect(phone.get_by_test_id("redemptions")).to_contain_text(RICE)
    assert_fits_a_phone(phone)
    phone.goto(f"/shop/{shop.pk}/")
    assert_fits_a_phone(phone)
