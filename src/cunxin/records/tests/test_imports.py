"""Importing records from a spreadsheet: all rows checked first, all or nothing, once only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from cunxin.conftest import World, login, make_id
from cunxin.core.errors import DomainError
from cunxin.core.models import AuditEntry
from cunxin.records.actions.imports import RecordsInvalid, do_import_records, parse_date
from cunxin.records.models import Record, Status
from cunxin.tests.access import upload
from cunxin.tests.routes_records import records_xlsx

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def rows(w: World) -> list[tuple[object, ...]]:
    zhang, wang = w.resident("张三"), w.resident("王建国")
    return [
        ("前双村", "张三", zhang.id_tail, "PW-R01", 2, TODAY, "清扫公共区域"),
        ("前双村", "王建国", wang.id_tail, "vm-r01", 1, YESTERDAY.isoformat(), ""),
        ("前双村", "张三", zhang.id_tail, "VM-P01", None, YESTERDAY.strftime("%Y/%m/%d"), ""),
    ]


def test_a_good_file_becomes_records_waiting_for_review(policy_world: World) -> None:
    w = policy_world
    result = do_import_records(records_xlsx(rows(w)), "r.xlsx", acting_user=w.collector_a)
    assert (result.created, result.unchanged) == (3, 0)
    records = Record.objects.order_by("pk")
    assert [r.item.code for r in records] == ["PW-R01", "VM-R01", "VM-P01"]
    assert {r.status for r in records} == {Status.COLLECTED}
    assert [r.points for r in records] == [4, 2, -2]
    assert result.points == 4
    assert {r.collected_by for r in records} == {w.collector_a}
    assert AuditEntry.objects.filter(action="records.import").count() == 1
    assert AuditEntry.objects.filter(action="records.collect").count() == 3


def test_importing_the_same_file_again_changes_nothing(policy_world: World) -> None:
    w = policy_world
    content = records_xlsx(rows(w))
    do_import_records(content, "r.xlsx", acting_user=w.collector_a)
    again = do_import_records(content, "copy.xlsx", acting_user=w.collector_a)
    assert (again.created, again.unchanged, again.changed) == (0, 3, False)
    assert Record.objects.count() == 3
    assert AuditEntry.objects.filter(action="records.import").count() == 1


def test_a_changed_file_with_rows_already_imported_is_refused(policy_world: World) -> None:
    w = policy_world
    first = rows(w)
    do_import_records(records_xlsx(first), "r.xlsx", acting_user=w.collector_a)
    wang = w.resident("王建国")
    more = [*first, ("前双村", "王建国", wang.id_tail, "PW-R02", 1, TODAY, "")]
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(records_xlsx(more), "r2.xlsx", acting_user=w.collector_a)
    assert len(info.value.errors) == 3
    assert "与已有记录" in info.value.errors[0].message
    assert Record.objects.count() == 3


def test_every_bad_row_is_reported_and_nothing_is_imported(policy_world: World) -> None:
    w = policy_world
    zhang = w.resident("张三")
    bad = [
        ("前双村", "张三", zhang.id_tail, "PW-R01", 2, TODAY, "好的一行"),
        (
            "庄头村",
            "庄德胜",
            "0000",
            "PW-R01",
            1,
            TODAY,
            "",
        ),  # another village: not the collector's
        ("前双村", "张三", "9999", "PW-R01", 1, TODAY, ""),  # no such ID tail
        ("前双村", "张三", zhang.id_tail, "NOPE-1", 1, TODAY, ""),
        ("前双村", "张三", zhang.id_tail, "PW-R01", "两", TODAY, ""),
        ("前双村", "张三", zhang.id_tail, "PW-R01", 1, "昨天", ""),
        ("前双村", "张三", zhang.id_tail, "VM-R01", 3, TODAY, ""),  # counted per time
        ("前双村", "张三", zhang.id_tail, "PW-R01", 1, TODAY + datetime.timedelta(days=2), ""),
    ]
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(records_xlsx(bad), "bad.xlsx", acting_user=w.collector_a)
    errors = {(e.row, e.column): e.message for e in info.value.errors}
    assert "不是您可以采集的村" in errors[(3, "村")]
    assert "身份证后四位为 9999" in errors[(4, "姓名")]
    assert "NOPE-1" in errors[(5, "行为编码")]
    assert "数量应为数字" in errors[(6, "数量")]
    assert "看不懂" in errors[(7, "行为日期")]
    assert "按次计分" in errors[(8, "数量")]
    assert "不能晚于今天" in errors[(9, "行为日期")]
    assert len(errors) == 7
    assert Record.objects.count() == 0


def test_monthly_caps_count_across_the_rows_of_the_file(policy_world: World) -> None:
    w = policy_world
    tail = w.resident("张三").id_tail
    capped = [
        ("前双村", "张三", tail, "PW-R01", 15, TODAY, ""),  # 30 of the 40 a month
        ("前双村", "张三", tail, "PW-R01", 10, TODAY, "另一次"),  # 20 asked, 10 left
    ]
    result = do_import_records(records_xlsx(capped), "cap.xlsx", acting_user=w.collector_a)
    assert result.points == 40
    second = Record.objects.order_by("pk").last()
    assert second is not None
    assert "上限" in second.scoring_note
    over = [("前双村", "张三", tail, "PW-R01", 1, TODAY, "又一次")]
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(records_xlsx(over), "over.xlsx", acting_user=w.collector_a)
    assert "上限" in info.value.errors[0].message


def test_a_full_id_number_names_the_villager_and_must_match_the_name(policy_world: World) -> None:
    w = policy_world
    from openpyxl import Workbook

    def sheet(name: str, id_number: str) -> bytes:
        import io

        book = Workbook()
        book.active.append(["村", "姓名", "身份证号", "行为编码", "数量", "行为日期"])
        book.active.append(["前双村", name, id_number, "PW-R01", 1, TODAY])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    wang_id = make_id("19580920", 41)
    assert do_import_records(sheet("王建国", wang_id), "a.xlsx", acting_user=w.collector_a).created
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(sheet("王丽", wang_id), "b.xlsx", acting_user=w.collector_a)
    assert "不符" in info.value.errors[0].message


def test_a_dry_run_checks_everything_and_keeps_nothing(policy_world: World) -> None:
    w = policy_world
    result = do_import_records(
        records_xlsx(rows(w)), "r.xlsx", acting_user=w.collector_a, dry_run=True
    )
    assert (result.created, result.dry_run) == (3, True)
    assert Record.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="records.").exists()


def test_an_item_that_needs_a_photo_cannot_come_from_a_spreadsheet(policy_world: World) -> None:
    w = policy_world
    row = ("前双村", "张三", w.resident("张三").id_tail, "AP-P01", 1, TODAY, "乱倒污水")
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(records_xlsx([row]), "p.xlsx", acting_user=w.collector_a)
    assert "需要上传照片" in info.value.errors[0].message


def test_a_file_without_the_needed_columns_says_which(policy_world: World) -> None:
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["村", "姓名", "行为编码", "行为日期"])
    book.active.append(["前双村", "张三", "PW-R01", TODAY])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(DomainError) as info:
        do_import_records(buffer.getvalue(), "x.xlsx", acting_user=policy_world.collector_a)
    assert info.value.code == "header_missing"
    assert "身份证后四位" in str(info.value)


def test_a_keeper_cannot_import_records(policy_world: World) -> None:
    w = policy_world
    with pytest.raises(DomainError) as info:
        do_import_records(records_xlsx(rows(w)), "r.xlsx", acting_user=w.keeper_a)
    assert info.value.code == "forbidden"


@pytest.mark.parametrize(
    "value",
    [datetime.date(2026, 3, 5), "2026-03-05", "2026/3/5", "2026.3.5", "2026年3月5日", "20260305"],
)
def test_dates_are_read_as_offices_write_them(value: Any) -> None:
    assert parse_date(value) == datetime.date(2026, 3, 5)


def test_the_import_page_lists_each_bad_row_in_chinese(policy_world: World) -> None:
    w = policy_world
    bad = [("前双村", "张三", "9999", "PW-R01", 1, TODAY, "")]
    page = login(w.collector_a).post(
        "/records/import/", {"file": upload(records_xlsx(bad), "bad.xlsx")}
    )
    text = page.content.decode()
    assert "未导入任何记录" in text
    assert "第 2 行" in text
    assert "身份证后四位为 9999" in text
    good = login(w.collector_a).post(
        "/records/import/", {"file": upload(records_xlsx(rows(w)), "good.xlsx")}
    )
    assert "新增 3 条记录" in good.content.decode()
    api = login(w.collector_a).post(
        "/api/records/import", {"file": upload(records_xlsx(bad), "bad.xlsx")}
    )
    assert api.status_code == 400
    assert api.json()["errors"][0]["row"] == 2


def test_a_two_million_row_file_is_refused_having_read_only_up_to_the_limit(
    policy_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cunxin.bench.roster_sheets import long_xlsx
    from cunxin.people import spreadsheets
    from cunxin.records.actions import imports

    read = [0]
    real = spreadsheets.read_rows

    def counted(content: bytes, filename: str) -> Any:
        for row in real(content, filename):
            read[0] += 1
            yield row

    monkeypatch.setattr(imports, "read_rows", counted)
    header = ["村", "姓名", "身份证后四位", "行为编码", "数量", "行为日期", "说明"]
    with pytest.raises(DomainError) as info:
        do_import_records(
            long_xlsx(header, 2_000_000), "r.xlsx", acting_user=policy_world.collector_a
        )
    assert info.value.code == "records_too_many"
    assert read[0] <= imports.MAX_ROWS + 2
    assert Record.objects.count() == 0


def test_a_note_too_long_to_keep_is_refused_not_cut(policy_world: World) -> None:
    w = policy_world
    zhang = w.resident("张三")
    row = ("前双村", "张三", zhang.id_tail, "PW-R01", 1, TODAY, "扫" * 2001)
    with pytest.raises(RecordsInvalid) as info:
        do_import_records(records_xlsx([row]), "r.xlsx", acting_user=w.collector_a)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, "说明")
    assert "2000" in error.message
    assert Record.objects.count() == 0


@pytest.mark.parametrize("value", ["99999999999999999999-1-1", "2026-1-99999999999999999999"])
def test_a_date_no_calendar_holds_is_refused_as_unreadable(value: str) -> None:
    with pytest.raises(DomainError) as info:
        parse_date(value)
    assert info.value.code == "date_invalid"
