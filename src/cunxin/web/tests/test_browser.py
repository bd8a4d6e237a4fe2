"""The foundation's user story, end to end in a phone-sized browser.

A clerk of 李营街道's credit centre logs in, looks at the town's villages, imports a village
roster (first with a mistake, then corrected), finds a new villager by pinyin initials and reveals
their ID number, sets up the town's credit policy and catalogue, and opens a login for a collector
of 前双村. The collector changes the initial password and sees 前双村's people and nobody else.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import PASSWORD, ROSTER_HEADERS, World, build_world, make_id
from cunxin.policy.actions import do_install_default_catalogue

pytestmark = pytest.mark.browser

CLERK_PHONE = "13800000001"
COLLECTOR = {"name": "周立新", "phone": "13800000123"}
COLLECTOR_FIRST_PASSWORD = "chushi-2026-mima"
COLLECTOR_OWN_PASSWORD = "caiji-qianshuang-7"

# The new roster rows of 前双村 (two households, three people).
LIU_ID = make_id("19700215", 101)
ZHAO_ID = make_id("19720318", 112)
SUN_ID = make_id("19800704", 123)
NEW_ROWS = [
    ("前双村", "0003", "刘洪波", "刘洪波", "户主", LIU_ID, "13905371010"),
    # Typed on a Chinese keyboard: full-width digits in the phone number.
    ("前双村", "0003", "刘洪波", "赵春梅", "配偶", ZHAO_ID, "１３９０５３７１０１１"),
    # Stray spaces in the name, as copied from a scanned list.
    ("前双村", "0004", "孙立华", " 孙 立华 ", "户主", SUN_ID, "13905371012"),
]
# The first upload has a typo in 赵春梅's ID number (a wrong check digit). The file has a title
# row and a header row, so her row is spreadsheet row 4.
BAD_ZHAO_ID = ZHAO_ID[:-1] + ("1" if ZHAO_ID[-1] != "1" else "2")
BAD_ROW_NUMBER = 4


@pytest.fixture
def town(transactional_db: None, live_server: LiveServer) -> World:
    """The test world, committed so that the live server's thread sees it.

    The town has the shipped behaviour catalogue (since 2025) but no credit policy yet: the clerk
    writes it in the browser.
    """
    world = build_world()
    do_install_default_catalogue(
        world.town, acting_user=world.clerk, effective_from=datetime.date(2025, 1, 1)
    )
    return world


def test_clerk_sets_up_the_town_and_a_collector_sees_only_their_village(
    page: Page, town: World, tmp_path: Path
) -> None:
    log_in(page, CLERK_PHONE, PASSWORD, check_phone_layout=True)
    look_at_the_villages(page)
    import_the_roster(page, tmp_path)
    find_a_new_villager_and_reveal_the_id(page)
    write_the_credit_policy(page)
    add_and_revise_a_catalogue_item(page)
    other_village_resident = resident_url(page, "庄德胜")
    open_a_login_for_a_collector(page)
    log_out(page)

    log_in(page, COLLECTOR["phone"], COLLECTOR_FIRST_PASSWORD)
    replace_the_initial_password(page)
    see_only_own_village(page, other_village_resident)


# --- the steps ---------------------------------------------------------------------------------


def log_in(page: Page, phone: str, password: str, *, check_phone_layout: bool = False) -> None:
    """Open cunxin and log in with phone number and password."""
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="村信 · 乡村信用积分")).to_be_visible()
    if check_phone_layout:
        assert_fits_a_phone(page)
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def look_at_the_villages(page: Page) -> None:
    """The clerk's villages with their counts; one village's households."""
    nav(page, "村庄").click()
    expect(page.get_by_role("heading", name="村庄", exact=True)).to_be_visible()
    expect_village_counts(page, "前双村", households=2, residents=5)
    expect_village_counts(page, "庄头村", households=1, residents=2)
    # Another town's village is not the clerk's business.
    expect(page.get_by_role("link", name="唐口村")).to_have_count(0)

    page.get_by_role("link", name="前双村").click()
    expect(page.get_by_role("heading", name="前双村")).to_be_visible()
    expect(page.locator(".cx-stat")).to_have_text(["2户", "5名在册村民"])
    households = page.get_by_role("row").filter(has=page.get_by_role("link", name="0001"))
    expect(households).to_contain_text("张三")
    expect(households).to_contain_text("李秀英（配偶）")
    expect(page.get_by_role("row").filter(has_text="0002")).to_contain_text("王建国")


def import_the_roster(page: Page, tmp_path: Path) -> None:
    """Upload a roster with one bad ID number (nothing is imported), then the corrected one."""
    bad_rows = [row if row[3] != "赵春梅" else (*row[:5], BAD_ZHAO_ID, row[6]) for row in NEW_ROWS]
    bad_file = roster_xlsx(tmp_path / "前双村花名册-有错.xlsx", bad_rows)
    good_file = roster_xlsx(tmp_path / "前双村花名册.xlsx", NEW_ROWS)

    upload_roster(page, bad_file)
    expect(page.get_by_role("alert").filter(has_text="未导入任何数据")).to_be_visible()
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_be_visible()
    bad_row = errors.get_by_role("row").filter(has_text=f"第 {BAD_ROW_NUMBER} 行")
    expect(bad_row).to_have_count(1)
    expect(bad_row.locator("td").nth(1)).to_have_text("身份证号")
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("import-result")).to_have_count(0)
    # The good rows of the bad file were not imported either.
    search_residents(page, "lhb")
    expect(results(page)).to_contain_text("没有找到村民。")

    upload_roster(page, good_file)
    expect(page.get_by_test_id("import-errors")).to_have_count(0)
    result = page.get_by_test_id("import-result")
    expect(result).to_contain_text("导入成功")
    expect(result).to_contain_text("新增 2 户、3 人")

    # The import cleaned what the office typed.
    search_residents(page, "slh")
    expect(results(page).get_by_role("link", name="孙立华", exact=True)).to_be_visible()
    search_residents(page, "zcm")
    expect(results(page).get_by_role("row").filter(has_text="赵春梅")).to_contain_text(
        "13905371011"
    )


def find_a_new_villager_and_reveal_the_id(page: Page) -> None:
    """Pinyin initials in the live search; the ID number is masked until revealed."""
    search_residents(page, "lhb")
    expect(results(page)).to_contain_text("共 1 人")
    results(page).get_by_role("link", name="刘洪波").click()
    expect(page.get_by_role("heading", name="刘洪波")).to_be_visible()

    masked = LIU_ID[:6] + "********" + LIU_ID[-4:]
    expect(page.get_by_text(masked)).to_be_visible()
    expect(page.get_by_text(LIU_ID)).to_have_count(0)
    page.get_by_role("button", name="查看完整号码").click()
    expect(page.get_by_test_id("revealed-id")).to_have_text(LIU_ID)


def write_the_credit_policy(page: Page) -> None:
    """The first version of the town's policy, then a second one with a shorter notice period."""
    nav(page, "信用办法").click()
    expect(page.get_by_role("heading", name="李营街道 · 信用管理办法")).to_be_visible()
    expect(page.get_by_text("还没有制定信用管理办法。")).to_be_visible()

    # Version 1: the defaults as they are.
    page.get_by_role("link", name="制定办法").click()
    expect_effective_from_today(page)
    page.get_by_label("修改说明").fill("首次制定")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_text("已保存为新版本。")).to_be_visible()
    expect(policy_fact(page, "公示期")).to_have_text("7 天")

    # Version 2: a five-day public notice.
    page.get_by_role("link", name="修改（新版本）").click()
    expect(page.get_by_label("公示期（天）")).to_have_value("7")
    expect_effective_from_today(page)
    page.get_by_label("公示期（天）").fill("5")
    page.get_by_label("修改说明").fill("公示期缩短为5天")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.get_by_text("已保存为新版本。")).to_be_visible()
    expect(page.get_by_text("第 2 版")).to_be_visible()
    expect(policy_fact(page, "公示期")).to_have_text("5 天")

    history = history_rows(page, "历史版本")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("v2")
    expect(history.nth(0)).to_contain_text("现行")
    expect(history.nth(0)).to_contain_text("公示期缩短为5天")
    expect(history.nth(1)).to_contain_text("v1")
    expect(history.nth(1)).to_contain_text("首次制定")
    expect(history.nth(1)).not_to_contain_text("现行")


def add_and_revise_a_catalogue_item(page: Page) -> None:
    """A new behaviour in the catalogue, then a new version of it with more points."""
    nav(page, "行为目录").click()
    expect(page.get_by_role("heading", name="李营街道 · 信用行为目录")).to_be_visible()
    expect(page.get_by_text("加分 92 项，扣分 78 项")).to_be_visible()
    assert_fits_a_phone(page)

    page.get_by_role("link", name="新增条目").click()
    page.get_by_label("编码").fill("VM-R99")
    page.get_by_label("行为名称").fill("义务讲解村史馆")
    page.get_by_label("类别").select_option(label="社会公益")
    page.get_by_label("加/扣分").select_option(label="加分")
    page.get_by_label("分值").fill("3")
    expect_effective_from_today(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存：VM-R99 第1版。")).to_be_visible()

    nav(page, "行为目录").click()
    expect(page.get_by_text("加分 93 项，扣分 78 项")).to_be_visible()
    item_row = page.get_by_role("row").filter(has=page.get_by_role("link", name="义务讲解村史馆"))
    expect(item_row).to_contain_text("VM-R99")
    expect(item_row).to_contain_text("社会公益")
    expect(item_row).to_contain_text("+3")

    item_row.get_by_role("link", name="义务讲解村史馆").click()
    page.get_by_role("link", name="修改（新版本）").click()
    expect(page.get_by_label("编码")).to_be_disabled()
    page.get_by_label("分值").fill("4")
    expect_effective_from_today(page)
    page.get_by_label("修改说明").fill("讲解时间较长，加一分")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存：VM-R99 第2版。")).to_be_visible()

    history = history_rows(page, "版本历史")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("v2")
    expect(history.nth(0)).to_contain_text("+4")
    expect(history.nth(0)).to_contain_text("讲解时间较长，加一分")
    expect(history.nth(1)).to_contain_text("v1")
    expect(history.nth(1)).to_contain_text("+3")


def open_a_login_for_a_collector(page: Page) -> None:
    """账号 → 新建账号: an information collector of 前双村 with an initial password."""
    nav(page, "账号").click()
    page.get_by_role("link", name="新建账号").click()
    page.get_by_label("姓名").fill(COLLECTOR["name"])
    page.get_by_label("手机号").fill(COLLECTOR["phone"])
    page.get_by_label("角色").select_option(label="信息采集员")
    page.get_by_label("所在村/镇").select_option(label="前双村")
    page.get_by_label("初始密码").fill(COLLECTOR_FIRST_PASSWORD)
    page.get_by_role("button", name="创建").click()
    expect(
        page.get_by_text(f"账号已创建：{COLLECTOR['name']}（{COLLECTOR['phone']}）。")
    ).to_be_visible()
    expect(page.get_by_text("待修改初始密码")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="信息采集员")).to_contain_text("前双村")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def replace_the_initial_password(page: Page) -> None:
    """The collector is sent to the password page and cannot go anywhere else first."""
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))
    expect(page.get_by_text("您正在使用临时密码")).to_be_visible()
    page.goto("/people/")
    expect(page).to_have_url(re.compile(r"/accounts/password/$"))

    page.get_by_label("原密码").fill(COLLECTOR_FIRST_PASSWORD)
    page.get_by_label("新密码").fill(COLLECTOR_OWN_PASSWORD)
    page.get_by_label("再输一次").fill(COLLECTOR_OWN_PASSWORD)
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    expect(page.get_by_role("heading", name=f"您好，{COLLECTOR['name']}")).to_be_visible()


def see_only_own_village(page: Page, other_village_resident: str) -> None:
    """The collector finds 前双村's people; 庄头村's are not there, not even by URL."""
    expect(nav(page, "账号")).to_have_count(0)
    nav(page, "村民").click()
    expect(results(page)).to_contain_text("共 8 人")
    expect(results(page).get_by_role("link", name="刘洪波")).to_be_visible()
    village_filter = page.get_by_label("村", exact=True)
    expect(village_filter.locator("option")).to_have_text(["全部村", "前双村"])

    search_residents(page, "庄德胜")
    expect(results(page)).to_contain_text("没有找到村民。")
    search_residents(page, "zds")
    expect(results(page)).to_contain_text("没有找到村民。")

    response = page.goto(other_village_resident)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="找不到页面")).to_be_visible()
    expect(page.get_by_text("庄德胜")).to_have_count(0)


# --- helpers -----------------------------------------------------------------------------------


def nav(page: Page, label: str) -> Locator:
    """A link of the main menu."""
    return page.get_by_role("navigation", name="主菜单").get_by_role("link", name=label)


def expect_village_counts(page: Page, village: str, *, households: int, residents: int) -> None:
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=village))
    expect(row.locator('td[data-label="户数"]')).to_have_text(str(households))
    expect(row.locator('td[data-label="人数"]')).to_have_text(str(residents))


def roster_xlsx(path: Path, rows: list[tuple[str, ...]]) -> Path:
    """A roster as a village office keeps it: a title row above the header, IDs as text."""
    book = Workbook()
    sheet = book.active
    sheet.append(["前双村花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ROSTER_HEADERS))
    sheet.append(list(ROSTER_HEADERS))
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def upload_roster(page: Page, file: Path) -> None:
    page.goto("/people/import/")
    expect(page.get_by_role("heading", name="导入花名册")).to_be_visible()
    page.get_by_label("花名册文件").set_input_files(file)
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_role("heading", name="导入花名册")).to_be_visible()


def results(page: Page) -> Locator:
    """The result list under the residents' search box."""
    return page.locator("#results")


def search_residents(page: Page, query: str) -> None:
    """Type into the live search of the residents page and wait for htmx to swap the results."""
    if not page.url.split("?")[0].endswith("/people/"):
        page.goto("/people/")
        assert_fits_a_phone(page)
    box = page.get_by_role("searchbox", name="搜索村民")
    with page.expect_response(
        lambda r: "/people/?" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        box.fill(query)


def resident_url(page: Page, name: str) -> str:
    """The address of a resident's page, as found by the person now logged in."""
    search_residents(page, name)
    link = results(page).get_by_role("link", name=name, exact=True)
    expect(link).to_have_count(1)
    href = link.get_attribute("href")
    assert href is not None
    return href


def policy_fact(page: Page, term: str) -> Locator:
    """The value of a term in the policy's summary card."""
    return page.locator("dt", has_text=term).locator("xpath=following-sibling::dd[1]")


def history_rows(page: Page, heading: str) -> Locator:
    """The body rows of the table under a heading."""
    section = page.get_by_role("heading", name=heading)
    return section.locator("xpath=following-sibling::table[1]/tbody/tr")


def expect_effective_from_today(page: Page) -> None:
    """A new version applies from today unless the clerk picks another day."""
    expect(page.get_by_label("生效日期")).to_have_value(timezone.localdate().isoformat())


def assert_fits_a_phone(page: Page) -> None:
    """Every stylesheet loaded, no sideways scrolling at 360 px, body text of at least 16 px."""
    unloaded = """[...document.querySelectorAll('link[rel=stylesheet]')]
        .filter(link => !link.sheet || link.sheet.cssRules.length === 0)
        .map(link => link.getAttribute('href'))"""
    # A page reached by a click may still be fetching its own stylesheet: give it a moment.
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(f"() => ({unloaded}).length === 0", timeout=5000)
    missing = page.evaluate(unloaded)
    assert missing == [], f"{page.url}: stylesheets did not load: {missing}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 362, f"{page.url} is {width}px wide on a 360px phone"
    font_px = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16, f"{page.url} has {font_px}px body text"
