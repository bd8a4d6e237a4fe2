"""Issue 5's story of spending, end to end on 360 px phones (one browser per person).

张三 (grade AA, 180 spendable points) opens his pay code; the keeper of 前双村's supermarket types
its digits at the counter, picks a bag of rice and a bottle of oil, and his points and the stock
go down in one step. 张三 turns 20 points into 200 yuan of coupons and gifts one 50-yuan coupon
to a family member with no smartphone. The roster's household 0001 has no mother of 张三: the
family member is his wife 李秀英 (配偶, no phone, no login), who stands in for "his mother" of the
story, so the gift reaches her at once. The committee binds her 诚信卡; she pays at 老王面馆 with
card and PIN, and the cashier sees only her masked name, grade, discount and coupon balance.
At month end the credit centre settles what the noodle shop took (the sale is moved into last
month, as the merchants' tests do: there is no clock to turn back), a colleague approves the
fund's payment, and anyone sees the donation and the payment in the fund's public report.

Setup through the actions, as the other browser tests do: the town's policy puts AAA at 1200 so
that 张三's 1180 is AA as in the story (the default AAA line of 1050 would make him AAA), and
李秀英 has earned 40 points (1040, AA: 5% off at the noodle shop).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.cards.tests.helpers import NUMBER, PIN
from cunxin.conftest import PASSWORD, World, build_world, make_id
from cunxin.fund.tests.helpers import FUND_NAME, SPONSOR, checker, fund
from cunxin.merchants.models import Sale
from cunxin.merchants.tests.helpers import NOODLES, age_to_last_month, last_month, noodle_shop
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.shop.tests.helpers import OIL, RICE, goods, grant, shop_a, spendable
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser

ZHANG_SAN_PHONE = "13905371001"
KEEPER_PHONE = "13800000004"
COMMITTEE_PHONE = "13800000002"
CLERK_PHONE = "13800000001"
CHECKER_PHONE = "13800000021"
LI_XIUYING_ID = make_id("19670815", 22)  # as in the test roster


@pytest.fixture
def town(transactional_db: None, live_server: LiveServer) -> World:
    """The test world with the town's policy, 前双村's supermarket, 老王面馆 and the fund."""
    w = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        w.town,
        values={"name": "测试办法", "aaa_min": 1200},
        effective_from=start,
        acting_user=w.clerk,
    )
    do_install_default_catalogue(w.town, acting_user=w.clerk, effective_from=start)
    shop_a(w)
    noodle_shop(w)
    fund(w)
    checker(w)
    grant(w.resident("张三"), 180)
    grant(w.resident("李秀英"), 40)
    return w


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


def test_zhang_spends_points_and_coupons_and_the_fund_settles(
    town: World, open_phone: Callable[[], Page]
) -> None:
    w = town
    zhang_san = w.resident("张三")
    li_xiuying = w.resident("李秀英")
    shop = shop_a(w)

    # 张三 shows his pay code; the digits under the QR are what the keeper types.
    zhang = open_phone()
    log_in(zhang, ZHANG_SAN_PHONE, PASSWORD)
    nav(zhang, "付款码").click()
    expect(zhang.get_by_test_id("paycode-qr")).to_be_visible()
    assert_fits_a_phone(zhang)
    digits = zhang.get_by_test_id("paycode-digits").inner_text()

    # The keeper takes rice and oil for 80 points: his points and the stock fall together.
    keeper = open_phone()
    log_in(keeper, KEEPER_PHONE, PASSWORD)
    nav(keeper, "信用超市").click()
    keeper.get_by_role("link", name="收银兑换").click()
    keeper.get_by_label("付款码").fill(digits)
    keeper.get_by_role("button", name="确认").first.click()
    customer = keeper.get_by_test_id("customer")
    expect(customer).to_contain_text("张*")
    expect(customer).to_contain_text("AA")
    expect(keeper.locator("#cx-spendable")).to_have_text("180")
    assert_fits_a_phone(keeper)
    keeper.get_by_label(f"{RICE}的数量").fill("1")
    keeper.get_by_label(f"{OIL}的数量").fill("1")
    expect(keeper.locator("#cx-total")).to_have_text("80")
    keeper.get_by_role("button", name="确认兑换").click()
    receipt = keeper.get_by_test_id("receipt")
    expect(receipt).to_contain_text(f"{RICE} × 1")
    expect(receipt).to_contain_text(f"{OIL} × 1")
    expect(receipt.get_by_role("row").filter(has_text="合计")).to_contain_text("80")
    expect(receipt.get_by_role("row").filter(has_text="兑换后可用积分")).to_contain_text("100")
    assert_fits_a_phone(keeper)
    assert spendable(zhang_san) == 100
    assert (goods(shop, RICE).stock, goods(shop, OIL).stock) == (9, 4)
    keeper.goto(f"/shop/{shop.pk}/")
    stock = keeper.get_by_test_id("goods")
    for name, left in ((RICE, "9"), (OIL, "4")):
        row = stock.get_by_role("row").filter(has_text=name)
        expect(row.locator('td[data-label="库存"]')).to_have_text(left)

    # 张三 turns 20 of his 100 points into 200 yuan: four 50-yuan coupons.
    nav(zhang, "信用券").click()
    zhang.get_by_role("link", name="积分兑换信用券").click()
    expect(zhang.get_by_test_id("convertible")).to_have_text("100 积分（1000 元）")
    assert_fits_a_phone(zhang)
    zhang.get_by_label("兑换积分").fill("20")
    zhang.get_by_role("button", name="兑换", exact=True).click()
    expect(zhang.get_by_text("已用20积分兑换200元信用券。")).to_be_visible()
    expect(zhang.get_by_test_id("balance")).to_have_text("200")
    expect(zhang.get_by_role("link", name="转赠")).to_have_count(4)
    assert_fits_a_phone(zhang)
    assert spendable(zhang_san) == 80

    # He gifts one coupon to 李秀英: she has no login, so it is hers at once.
    zhang.get_by_role("link", name="转赠").first.click()
    expect(zhang.get_by_text("50 元", exact=True)).to_be_visible()
    assert_fits_a_phone(zhang)
    zhang.get_by_label("家庭成员").select_option(label="李秀英")
    zhang.get_by_role("button", name="转赠").click()
    expect(zhang.get_by_text("已转赠给李秀英，信用券已到账。")).to_be_visible()
    expect(zhang.get_by_test_id("balance")).to_have_text("150")
    expect(zhang.get_by_role("link", name="转赠")).to_have_count(3)

    # The committee binds her 诚信卡.
    committee = open_phone()
    log_in(committee, COMMITTEE_PHONE, PASSWORD)
    nav(committee, "诚信卡").click()
    committee.get_by_role("link", name="绑定新卡").click()
    committee.get_by_label("搜索村民").fill("lxy")
    committee.get_by_role("button", name="搜索").click()
    committee.get_by_role("link", name="李秀英").click()
    committee.get_by_label("银行卡号").fill(NUMBER)
    committee.get_by_label("密码（6位数字）").fill(PIN)
    committee.get_by_label("再输一次密码").fill(PIN)
    committee.get_by_role("button", name="绑定").click()
    expect(committee.get_by_text(f"已为李秀英绑定尾号{NUMBER[-4:]}的诚信卡。")).to_be_visible()

    # At 老王面馆 she pays with card and PIN: the cashier sees her masked name, grade, discount
    # and coupon balance, and nothing else about her.
    nav(keeper, "合作商家").click()
    keeper.get_by_role("link", name=f"{NOODLES} · 收款").click()
    assert_fits_a_phone(keeper)
    swipe_card(keeper)
    customer = keeper.get_by_test_id("customer")
    expect(customer).to_contain_text("李*英 · 信用等级 AA")
    expect(customer).to_contain_text("等级优惠 5% · 信用券余额 50 元")
    expect(customer).to_contain_text("诚信卡")
    shown = keeper.locator("body").inner_text()
    for private in ("李秀英", LI_XIUYING_ID, li_xiuying.id_masked, "1040", NUMBER):
        assert private not in shown, f"the counter shows {private!r}"
    assert_fits_a_phone(keeper)
    keeper.get_by_label("消费金额（元）").fill("30")
    keeper.get_by_label("信用券支付（元）").fill("20")
    keeper.get_by_role("button", name="确认收款").click()
    sold = keeper.get_by_test_id("receipt")
    expect(sold).to_contain_text("李*英 · AA")
    expect(sold.get_by_role("row").filter(has_text="消费金额")).to_contain_text("30 元")
    expect(sold.get_by_role("row").filter(has_text="等级优惠（5%）")).to_contain_text("−1.50 元")
    expect(sold.get_by_role("row").filter(has_text="信用券支付")).to_contain_text("20 元")
    expect(sold.get_by_role("row").filter(has_text="现金支付")).to_contain_text("8.50 元")
    assert_fits_a_phone(keeper)
    # Her next visit: 30 yuan of coupons left.
    keeper.get_by_role("link", name="下一位").click()
    swipe_card(keeper)
    expect(keeper.get_by_test_id("customer")).to_contain_text("信用券余额 30 元")
    keeper.get_by_role("button", name="换一位顾客").click()
    expect(keeper.get_by_test_id("customer")).to_have_count(0)

    # Month end. The sale moves into last month (the only thing a test cannot do in a browser).
    age_to_last_month(Sale.objects.get())
    month = f"{last_month():%Y-%m}"

    # The clerk books a sponsor's donation and settles the noodle shop's month.
    clerk = open_phone()
    log_in(clerk, CLERK_PHONE, PASSWORD)
    nav(clerk, "信用基金").click()
    clerk.get_by_role("link", name=FUND_NAME).click()
    clerk.get_by_text("登记捐赠").click()
    clerk.get_by_label("捐赠方").fill(SPONSOR)
    clerk.locator("#donation_amount").fill("15000")
    clerk.get_by_label("收据编号").fill("R-2026-005")
    clerk.get_by_role("button", name="登记", exact=True).click()
    expect(clerk.get_by_test_id("balance")).to_have_text("15,000.00")
    nav(clerk, "合作商家").click()
    clerk.get_by_role("link", name=NOODLES, exact=True).click()
    assert_fits_a_phone(clerk)
    clerk.locator('input[name="month"]').fill(month)
    clerk.get_by_role("button", name="结算该月").click()
    expect(clerk.get_by_text("已提交基金支出，待另一位工作人员审批。")).to_be_visible()
    expect(clerk.get_by_text("信用券（应由基金结算）：20 元")).to_be_visible()
    expect(clerk.get_by_role("row").filter(has_text="李*英")).to_contain_text("20")
    assert_fits_a_phone(clerk)

    # A colleague approves the fund's payment to the noodle shop.
    colleague = open_phone()
    log_in(colleague, CHECKER_PHONE, PASSWORD)
    nav(colleague, "信用基金").click()
    colleague.get_by_role("link", name=FUND_NAME).click()
    expect(colleague.get_by_role("row").filter(has_text=NOODLES)).to_contain_text("20.00")
    colleague.get_by_role("button", name="批准付款").click()
    expect(colleague.get_by_text("支出已批准，基金已付款。")).to_be_visible()
    expect(colleague.get_by_test_id("balance")).to_have_text("14,980.00")
    assert_fits_a_phone(colleague)

    # The clerk marks the month paid on the statement.
    clerk.reload()
    clerk.get_by_role("button", name="确认付清").click()
    expect(clerk.get_by_text("已确认付清。")).to_be_visible()
    expect(clerk.get_by_text("结算状态：已付清")).to_be_visible()

    # Anyone sees the donation and the payment in the fund's public report.
    public = open_phone()
    public.goto(f"/fund/{w.town.code}/report/")
    donation = public.get_by_role("row").filter(has=public.get_by_role("cell", name=SPONSOR))
    expect(donation).to_contain_text("15,000.00")
    payment = public.get_by_role("row").filter(has=public.get_by_role("cell", name=NOODLES))
    expect(payment).to_contain_text("20.00")
    expect(public.get_by_text("14,980.00")).to_be_visible()
    assert_fits_a_phone(public)


def swipe_card(page: Page) -> None:
    """At a merchant's counter: 李秀英's 诚信卡 number and PIN."""
    page.get_by_text("没有手机？刷诚信卡").click()
    card = page.locator("details").filter(has=page.get_by_label("诚信卡号"))
    card.get_by_label("诚信卡号").fill(NUMBER)
    card.get_by_label("密码").fill(PIN)
    card.get_by_role("button", name="确认").click()
