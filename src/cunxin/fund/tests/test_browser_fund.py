"""The fund story in phone-sized browsers: the clerk sets up the town's fund, books a sponsor's
15,000 yuan, proposes paying the grain wholesaler for 前双村's supermarket; a colleague approves
it; anyone opens the public report and sees both, and the balance left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import PASSWORD, World, build_world
from cunxin.fund.tests.helpers import FUND_NAME, PAYEE, SPONSOR, checker
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser


@pytest.fixture
def town(transactional_db: None, live_server: LiveServer) -> World:
    world = build_world()
    checker(world)
    return world


@pytest.fixture
def phones(browser: Browser, live_server: LiveServer) -> Iterator[list[Page]]:
    contexts = [
        browser.new_context(
            base_url=live_server.url, viewport=ViewportSize(**PHONE_VIEWPORT), locale="zh-CN"
        )
        for _ in range(3)
    ]
    pages = []
    for context in contexts:
        context.set_default_timeout(TIMEOUT_MS)
        pages.append(context.new_page())
    yield pages
    for context in contexts:
        context.close()


def test_a_donation_and_an_approved_payment_reach_the_public_report(
    town: World, phones: list[Page]
) -> None:
    clerk, colleague, public = phones
    log_in(clerk, "13800000001", PASSWORD)
    nav(clerk, "信用基金").click()
    clerk.get_by_label("基金名称").fill(FUND_NAME)
    clerk.get_by_role("button", name="设立").click()
    expect(clerk.get_by_role("heading", name=FUND_NAME)).to_be_visible()

    clerk.get_by_text("登记捐赠").click()
    clerk.get_by_label("捐赠方").fill(SPONSOR)
    clerk.locator("#donation_amount").fill("15000.005")
    clerk.get_by_label("收据编号").fill("R-2026-001")
    clerk.get_by_role("button", name="登记", exact=True).click()
    expect(clerk.get_by_text("金额最多到分（两位小数）。")).to_be_visible()
    clerk.locator("#donation_amount").fill("15000")
    clerk.get_by_role("button", name="登记", exact=True).click()
    expect(clerk.get_by_test_id("balance")).to_have_text("15,000.00")

    clerk.get_by_text("申请支出").click()
    clerk.get_by_label("进货的村").select_option(label="前双村")
    clerk.get_by_label("收款方").fill(PAYEE)
    clerk.locator("#payment_amount").fill("3200.50")
    clerk.get_by_label("凭证号").fill("FP-0001")
    clerk.get_by_role("button", name="提交申请").click()
    expect(clerk.get_by_text("须由另一位工作人员审批。")).to_be_visible()
    assert_fits_a_phone(clerk)

    log_in(colleague, "13800000021", PASSWORD)
    nav(colleague, "信用基金").click()
    colleague.get_by_role("link", name=FUND_NAME).click()
    colleague.get_by_role("button", name="批准付款").click()
    expect(colleague.get_by_text("支出已批准，基金已付款。")).to_be_visible()
    expect(colleague.get_by_test_id("balance")).to_have_text("11,799.50")
    assert_fits_a_phone(colleague)

    public.goto(f"/fund/{town.town.code}/report/")
    expect(public.get_by_role("cell", name=SPONSOR)).to_be_visible()
    expect(public.get_by_role("cell", name=PAYEE)).to_be_visible()
    expect(public.get_by_text("11,799.50")).to_be_visible()
    assert_fits_a_phone(public)
