"""The card story on phone-sized browsers.

张三 opens his pay code from the menu: a QR with big digits under it, which his phone renews by
itself. 李秀英 has no smartphone: the committee binds her bank card on a phone, she mistypes
her PIN five times at the supermarket and the card locks; the committee unlocks it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.cards.identify import identify
from cunxin.cards.models import MAX_PIN_TRIES, Card
from cunxin.cards.tests.helpers import NUMBER, PIN
from cunxin.conftest import PASSWORD, World, build_world
from cunxin.core.errors import DomainError
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser

COMMITTEE_PHONE = "13800000002"
ZHANG_SAN_PHONE = "13905371001"


@pytest.fixture
def village(transactional_db: None, live_server: LiveServer) -> World:
    return build_world()


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


def test_the_pay_code_renews_itself_and_a_card_locks_and_unlocks(
    village: World, open_phone: Callable[[], Page]
) -> None:
    # 张三's pay code: the digits identify him at the supermarket.
    zhang = open_phone()
    log_in(zhang, ZHANG_SAN_PHONE, PASSWORD)
    nav(zhang, "付款码").click()
    expect(zhang.get_by_test_id("paycode-qr")).to_be_visible()
    assert_fits_a_phone(zhang)
    digits = zhang.get_by_test_id("paycode-digits")
    first = digits.inner_text()
    assert identify(code=first, acting_user=village.keeper_a).resident.name == "张三"
    # Back to the page after a while (the renewal the timer also does): a new code.
    expect(zhang.locator("#paycode")).to_have_attribute("data-renewing", "on")
    zhang.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(digits).not_to_have_text(first)
    assert identify(code=digits.inner_text(), acting_user=village.keeper_a).via == "code"

    # The committee binds 李秀英's bank card on a phone.
    committee = open_phone()
    log_in(committee, COMMITTEE_PHONE, PASSWORD)
    nav(committee, "诚信卡").click()
    committee.get_by_role("link", name="绑定新卡").click()
    committee.get_by_label("搜索村民").fill("lxy")
    committee.get_by_role("button", name="搜索").click()
    committee.get_by_role("link", name="李秀英").click()
    assert_fits_a_phone(committee)
    committee.get_by_label("银行卡号").fill(NUMBER[:-1] + str((int(NUMBER[-1]) + 1) % 10))
    committee.get_by_label("密码（6位数字）").fill(PIN)
    committee.get_by_label("再输一次密码").fill(PIN)
    committee.get_by_role("button", name="绑定").click()
    expect(committee.get_by_text("卡号校验位不正确，请核对卡号。")).to_be_visible()
    committee.get_by_label("银行卡号").fill(NUMBER)
    committee.get_by_label("密码（6位数字）").fill(PIN)
    committee.get_by_label("再输一次密码").fill(PIN)
    committee.get_by_role("button", name="绑定").click()
    expect(committee.get_by_text(f"已为李秀英绑定尾号{NUMBER[-4:]}的诚信卡。")).to_be_visible()
    assert_fits_a_phone(committee)

    # At the supermarket she mistypes her PIN five times: the card locks.
    for _ in range(MAX_PIN_TRIES):
        with contextlib.suppress(DomainError):
            identify(card_number=NUMBER, pin="999999", acting_user=village.keeper_a)
    assert Card.objects.get().locked

    # The committee checks it is her and unlocks the card.
    committee.reload()
    expect(committee.get_by_test_id("card-status")).to_have_text("已锁定")
    committee.get_by_label("解锁原因").fill("本人到场核实")
    committee.get_by_role("button", name="解锁").click()
    expect(committee.get_by_text("已解锁。")).to_be_visible()
    expect(committee.get_by_test_id("card-status")).to_have_text("使用中")
    assert identify(card_number=NUMBER, pin=PIN, acting_user=village.keeper_a).via == "card"
