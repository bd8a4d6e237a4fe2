"""A credit record's whole life, end to end in phone-sized browsers, one per person.

前双村's collector records 15 hours of volunteering by 张三, with a photo, and a village meeting
attended by 李秀英. The committee approves both in one go and publishes the village notice.
王建国, a neighbour, objects to 张三's line; the committee dismisses the objection with a reason,
which 王建国 then reads. The notice period passes, the records take effect, and 张三 finds his
new score, grade and points on his own page, and follows the statement line to the record, its
rule, its photo and its notice.
"""

from __future__ import annotations

import datetime
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect
from pytest_django.live_server_helper import LiveServer

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World, build_world
from cunxin.policy.actions import do_install_default_catalogue, do_save_policy
from cunxin.records.actions.effect import take_effect_due
from cunxin.records.models import Notice
from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS
from cunxin.web.tests.test_browser import assert_fits_a_phone, log_in, nav

pytestmark = pytest.mark.browser

COLLECTOR_PHONE = "13800000003"  # collector_a
COMMITTEE_PHONE = "13800000002"  # committee_a
ZHANG_SAN_PHONE = "13905371001"  # villager_a, the resident 张三
NEIGHBOUR = {"name": "王建国", "phone": "13905371003"}

VOLUNTEERING = "参加村内志愿服务"  # PW-R01: 2 points an hour, at most 40 a month
MEETING = "按时参加村民会议或村民代表会议"  # VM-R01: 2 points a time
OBJECTION = "那天下午他在镇上赶集，没有去村里参加志愿服务。"
RULING = "有签到表和现场照片为证，张三当天参加了清扫。"
PHOTO_SIZE = (4, 3)  # width, height of the evidence photo, in pixels


@pytest.fixture
def village(transactional_db: None, live_server: LiveServer) -> World:
    """The test world with the town's policy and catalogue (as ``policy_world``), committed so
    that the live server's thread sees it; 王建国 has a villager login too."""
    world = build_world()
    start = datetime.date(2025, 1, 1)
    do_save_policy(
        world.town, values={"name": "测试办法"}, effective_from=start, acting_user=world.clerk
    )
    do_install_default_catalogue(world.town, acting_user=world.clerk, effective_from=start)
    neighbour = do_create_user(
        phone=NEIGHBOUR["phone"],
        name=NEIGHBOUR["name"],
        password=PASSWORD,
        role=Role.VILLAGER,
        region=world.village_a,
        resident=world.resident(NEIGHBOUR["name"]),
        acting_user=world.clerk,
    )
    # As for the personas: the first-login password change is another test's story.
    User.objects.filter(pk=neighbour.pk).update(must_change_password=False)
    return world


@pytest.fixture
def open_phone(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Page]]:
    """Opens a page on a phone of its own (a fresh browser context: its own cookies)."""
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


def test_a_record_goes_from_the_lane_through_notice_and_objection_to_the_villagers_score(
    village: World, open_phone: Callable[[], Page], tmp_path: Path
) -> None:
    photo = tmp_path / "清扫广场.png"
    photo.write_bytes(tiny_png())

    collector = open_phone()
    log_in(collector, COLLECTOR_PHONE, PASSWORD)
    record_volunteering_with_a_photo(collector, photo)
    record_a_village_meeting(collector)

    committee = open_phone()
    log_in(committee, COMMITTEE_PHONE, PASSWORD)
    approve_both_records(committee)
    publish_the_notice(committee)

    neighbour = open_phone()
    log_in(neighbour, NEIGHBOUR["phone"], PASSWORD)
    object_to_zhang_sans_line(neighbour)

    dismiss_the_objection(committee)
    read_the_ruling(neighbour)

    let_the_notice_period_pass()

    zhang_san = open_phone()
    log_in(zhang_san, ZHANG_SAN_PHONE, PASSWORD)
    see_the_new_standing(zhang_san)
    follow_the_statement_to_the_record(zhang_san)


# --- the steps ---------------------------------------------------------------------------------


def record_volunteering_with_a_photo(page: Page, photo: Path) -> None:
    """张三 by pinyin initials, the item by a word of its name, 15 hours, a photo; saved."""
    nav(page, "采集").click()
    expect(page.get_by_role("heading", name="采集信用记录")).to_be_visible()
    assert_fits_a_phone(page)

    pick_resident(page, "zs", "张三")
    pick_item(page, "村内志愿", VOLUNTEERING)
    expect(page.locator("#qty-unit")).to_have_text("小时")
    page.get_by_label("数量").fill("15")
    expect(page.get_by_label("行为日期")).to_have_value(timezone.localdate().isoformat())
    page.get_by_label("说明").fill("村广场集中清扫")
    page.get_by_label("照片").set_input_files(photo)
    page.get_by_role("button", name="保存", exact=True).click()

    done = page.get_by_test_id("collect-done")
    expect(done).to_contain_text("已保存，待评审会审核")
    expect(done).to_contain_text(f"张三 · {VOLUNTEERING} 15小时")
    expect(done).to_contain_text("+30")


def record_a_village_meeting(page: Page) -> None:
    """A second entry on the same page: a fixed-points item always counts once."""
    pick_resident(page, "李秀英", "李秀英")
    pick_item(page, "村民会议", MEETING)
    quantity = page.get_by_label("数量")
    expect(quantity).to_have_value("1")
    expect(quantity).not_to_be_editable()
    page.get_by_role("button", name="保存", exact=True).click()

    done = page.get_by_test_id("collect-done")
    expect(done).to_contain_text(f"李秀英 · {MEETING}")
    expect(done).to_contain_text("+2")

    page.get_by_role("link", name="我采集的").click()
    mine = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(mine).to_have_count(2)
    for row in (mine.filter(has_text="张三"), mine.filter(has_text="李秀英")):
        expect(row).to_contain_text("待审核")


def approve_both_records(page: Page) -> None:
    """The review queue: both lines, the photo beside 张三's; tick both, approve."""
    nav(page, "审核").click()
    expect(page.get_by_role("heading", name="待审核记录")).to_be_visible()
    assert_fits_a_phone(page)
    queue = page.get_by_test_id("review-queue")
    zhang = queue.get_by_role("row").filter(has_text="张三")
    li = queue.get_by_role("row").filter(has_text="李秀英")
    expect(zhang).to_contain_text(f"{VOLUNTEERING} 15小时")
    expect(zhang).to_contain_text("+30")
    expect(zhang).to_contain_text("村广场集中清扫")
    expect_photo_shown(zhang.get_by_role("img", name="证据照片"))
    expect(li).to_contain_text(MEETING)
    expect(li).to_contain_text("+2")

    zhang.get_by_role("checkbox").check()
    li.get_by_role("checkbox").check()
    page.get_by_role("button", name="通过所选").click()
    expect(page.get_by_role("status")).to_contain_text("已通过 2 条记录。")
    expect(queue).to_contain_text("没有待审核的记录。")


def publish_the_notice(page: Page) -> None:
    """公示 → 立即公示: notice no. 1 of 前双村, both lines in it."""
    nav(page, "公示").click()
    waiting = page.get_by_role("row").filter(has_text="前双村").filter(has_text="2 条已审核")
    waiting.get_by_role("button", name="立即公示").click()

    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"已发布第1期公示，共2条，\d{4}-\d\d-\d\d \d\d:\d\d截止。")
    )
    expect(page.get_by_role("heading", name="前双村 · 第1期公示")).to_be_visible()
    lines = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(lines).to_have_count(2)
    expect(lines.filter(has_text="张三")).to_contain_text("公示中")
    expect(lines.filter(has_text="李秀英")).to_contain_text("公示中")


def object_to_zhang_sans_line(page: Page) -> None:
    """王建国 reads the village notice (other people's names masked) and objects to a line."""
    nav(page, "本村公示").click()
    expect(page.get_by_role("heading", name="前双村 · 第1期")).to_be_visible()
    assert_fits_a_phone(page)
    expect(page.get_by_text("张三")).to_have_count(0)
    line = page.get_by_role("row").filter(has_text="张*")
    expect(line).to_contain_text(f"{VOLUNTEERING} 15小时")
    expect(line).to_contain_text("+30")
    line.get_by_role("link", name="异议").click()

    expect(page.get_by_role("heading", name="提出异议")).to_be_visible()
    expect(fact(page, "村民")).to_have_text("张*")
    expect(fact(page, "分值")).to_have_text("+30")
    page.get_by_label("异议理由").fill(OBJECTION)
    page.get_by_role("button", name="提交异议").click()

    expect(page.get_by_role("status")).to_contain_text("异议已提交，评审会处理后会通知您。")
    expect(page.get_by_role("heading", name="我提出的异议")).to_be_visible()
    mine = objection_card(page)
    expect(mine).to_contain_text(OBJECTION)
    expect(mine).to_contain_text("待处理")


def dismiss_the_objection(page: Page) -> None:
    """The committee reads the objection and dismisses it, with a reason the objector sees."""
    nav(page, "异议").click()
    expect(page.get_by_role("heading", name="异议处理")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=f"张三 · {VOLUNTEERING}")
    expect(row).to_contain_text(NEIGHBOUR["name"])
    expect(row).to_contain_text(OBJECTION)
    row.get_by_role("link", name="处理").click()

    expect(page.get_by_role("heading", name="异议 · 待处理")).to_be_visible()
    page.get_by_label("异议不成立，维持该记录").check()
    page.get_by_label("处理意见").fill(RULING)
    page.get_by_role("button", name="提交处理结果").click()
    expect(page.get_by_role("status")).to_contain_text("已处理，异议人和村民会收到通知。")
    expect(page.get_by_text("没有异议。")).to_be_visible()


def read_the_ruling(page: Page) -> None:
    """The objector finds the ruling on their objections page; the line is back in notice."""
    nav(page, "本村公示").click()
    line = page.get_by_role("row").filter(has_text="张*")
    expect(line).to_contain_text("公示中")
    page.get_by_role("link", name="我提出的异议").click()
    mine = objection_card(page)
    expect(mine).to_contain_text("异议不成立")
    expect(mine).to_contain_text(f"处理意见：{RULING}")


def let_the_notice_period_pass() -> None:
    """Seven days later the scheduled job finds the notice ended and the records take effect."""
    now = timezone.now()
    Notice.objects.update(
        published_at=now - datetime.timedelta(days=8), ends_at=now - datetime.timedelta(days=1)
    )
    assert take_effect_due() == 2


def see_the_new_standing(page: Page) -> None:
    """张三's page: 1000 + 30, grade A → AA, 30 points to spend, the record in effect."""
    nav(page, "我的").click()
    expect(page.get_by_role("heading", name="张三")).to_be_visible()
    assert_fits_a_phone(page)
    standing = page.get_by_test_id("standing").locator(".cx-stat")
    expect(standing).to_have_text(["信用分1030", "信用等级AA", "可用积分30"])
    expect(page.get_by_role("row").filter(has_text="A → AA")).to_contain_text("1000 → 1030")

    record = page.get_by_test_id("my-records").get_by_role("row").filter(has_text=VOLUNTEERING)
    expect(record).to_contain_text("15小时")
    expect(record).to_contain_text("+30")
    expect(record).to_contain_text("已生效")
    expect(record).to_contain_text("PW-R01 v1 · 测试办法 v1 · 第1期公示")
    expect_photo_shown(record.get_by_role("img", name="证据照片"))
    # 李秀英's meeting is hers, not his.
    expect(page.get_by_test_id("my-records")).not_to_contain_text(MEETING)

    line = page.get_by_test_id("statement").get_by_role("row").filter(has_text="记录生效")
    expect(line).to_have_count(1)
    expect(line.locator("td").nth(0)).to_have_text(f"记录生效：{VOLUNTEERING}")
    expect(line.locator("td").nth(1)).to_have_text("+30")
    expect(line.locator("td").nth(2)).to_have_text("+30")


def follow_the_statement_to_the_record(page: Page) -> None:
    """The statement line opens the record: its rule, its photo, its notice, why it stands."""
    statement = page.get_by_test_id("statement")
    statement.get_by_role("link", name=VOLUNTEERING).click()
    expect(page).to_have_url(re.compile(r"/records/\d+/$"))
    expect(page.get_by_role("heading", name=f"{VOLUNTEERING} +30")).to_be_visible()
    assert_fits_a_phone(page)
    expect(page.locator("main .cx-status").first).to_have_text("已生效")
    expect(fact(page, "村民")).to_contain_text("张三")
    expect(fact(page, "数量")).to_have_text("15 小时")

    expect(fact(page, "行为条目")).to_contain_text(f"PW-R01 {VOLUNTEERING}")
    expect(fact(page, "行为条目")).to_contain_text("第 1 版（2025-01-01 起）")
    expect(fact(page, "分值规则")).to_have_text("加分 2 / 小时，每人每月上限 40 分")
    expect(fact(page, "信用办法")).to_have_text("测试办法 · 第 1 版（2025-01-01 起）")

    expect_photo_shown(page.get_by_role("img", name="证据照片 1"))
    expect(page.get_by_text(re.compile(r"^第1期公示："))).to_be_visible()
    # Why it stands: the committee's ruling, but not who objected.
    expect(page.locator("main")).to_contain_text(RULING)
    expect(page.locator("main")).not_to_contain_text(NEIGHBOUR["name"])


# --- helpers -----------------------------------------------------------------------------------


def pick_resident(page: Page, query: str, name: str) -> None:
    """Type into the villager search of the entry form and tick the one found."""
    with page.expect_response(re.compile(r"/records/new/residents/\?")):
        page.get_by_role("searchbox", name="搜索村民").fill(query)
    page.locator("#resident-results").get_by_label(name).check()
    expect(page.locator("#picked")).to_contain_text(name)


def pick_item(page: Page, query: str, name: str) -> None:
    """Type into the behaviour search of the entry form and tick the item found."""
    with page.expect_response(re.compile(r"/records/new/items/\?")):
        page.get_by_role("searchbox", name="搜索行为").fill(query)
    page.locator("#item-results").get_by_label(name).check()
    expect(page.locator("#item-picked")).to_contain_text(name)


def fact(page: Page, term: str) -> Locator:
    """The value of a term in a card of facts (a definition list)."""
    return page.locator("dt", has_text=re.compile(f"^{term}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def objection_card(page: Page) -> Locator:
    """The one card of the objections page (王建国 raised one objection)."""
    cards = page.locator("main .cx-card").filter(has_text="我的理由")
    expect(cards).to_have_count(1)
    return cards


def expect_photo_shown(image: Locator) -> None:
    """The photo is on screen as the collector took it (not a broken image)."""
    image.scroll_into_view_if_needed()  # the page loads its photos lazily
    expect(image).to_have_js_property("naturalWidth", PHOTO_SIZE[0])
    expect(image).to_have_js_property("naturalHeight", PHOTO_SIZE[1])


def tiny_png() -> bytes:
    """A real 4×3 PNG (a green patch): small, but a browser shows it as a picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = PHOTO_SIZE
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    rows = b"".join(b"\x00" + b"\x2e\x8b\x57" * width for _ in range(height))  # filter 0
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
