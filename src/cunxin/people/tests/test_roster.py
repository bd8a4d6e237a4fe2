import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from cunxin.conftest import ROSTER_A, ROSTER_HEADERS, World, login, make_id, roster_csv
from cunxin.core.errors import DomainError
from cunxin.core.models import AuditEntry
from cunxin.people.actions import do_export_roster, do_import_roster
from cunxin.people.models import Household, Resident
from cunxin.people.roster import RosterInvalid


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts() -> tuple[int, int]:
    return Household.objects.count(), Resident.objects.count()


def test_a_roster_as_a_village_office_keeps_it_is_imported(world: World) -> None:
    new_id = make_id("19780405", 91)
    content = xlsx(
        [
            ["前双村2026年户籍花名册"],  # a title above the header
            [],
            ["序号", "村", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话", "备注"],
            [1, " 前双村 ", "刘 长 海", "刘长海", "本人", new_id, 13905375555, "新迁入"],
            [None, None, None, None, None, None, None, None],  # a blank row in the middle
            [
                2,
                "前双村",
                "刘长海",
                "陈　芳",
                "妻",
                make_id("19800911", 12),
                "１３９０５３７５５５６",
                "",
            ],
        ]
    )
    result = do_import_roster(content, "花名册.xlsx", acting_user=world.clerk)
    assert (result.households_created, result.residents_created) == (1, 2)
    head = Resident.objects.get(name="刘长海")
    assert head.is_head
    assert head.relation == "户主"
    assert head.phone == "13905375555"
    wife = Resident.objects.get(name="陈芳")
    assert wife.household_id == head.household_id
    assert wife.phone == "13905375556"
    assert wife.id_masked.endswith(make_id("19800911", 12)[-4:])


def test_an_id_number_that_excel_stored_as_a_number_is_refused_with_the_fix(world: World) -> None:
    # Excel keeps 15 significant digits: the last digits of an 18-digit number are gone.
    content = xlsx(
        [
            list(ROSTER_HEADERS),
            ["前双村", "0007", "刘长海", "刘长海", "户主", int(make_id("19780405", 91)), ""],
        ]
    )
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(content, "花名册.xlsx", acting_user=world.clerk)
    error = info.value.errors[0]
    assert (error.row, error.column) == (2, "身份证号")
    assert "文本" in error.message


def test_a_csv_saved_by_chinese_excel_in_gbk_is_read(world: World) -> None:
    number = make_id("19690101", 15)
    text = f"村,户主姓名,姓名,与户主关系,身份证号\r\n庄头村,庄长江,庄长江,户主,{number}\r\n"
    result = do_import_roster(text.encode("gbk"), "roster.csv", acting_user=world.clerk)
    assert result.residents_created == 1
    assert Resident.objects.get(name="庄长江").village == world.village_b


def test_one_bad_row_imports_nothing_and_every_problem_is_reported(world: World) -> None:
    before = _counts()
    rows = [
        ("前双村", "0009", "赵六", "赵六", "户主", make_id("19700101", 17), "13905376666"),
        ("前双村", "0009", "赵六", "赵小六", "儿子", "370811200001011234", "12345"),
        ("不存在村", "0010", "钱七", "钱七", "户主", make_id("19710101", 19), ""),
        ("前双村", "0009", "赵六", "赵六六", "儿子", make_id("19700101", 17), ""),
        ("前双村", "0009", "赵六", "赵七七", "邻居", make_id("19990101", 17), ""),
    ]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "roster.csv", acting_user=world.clerk)
    found = {(e.row, e.column) for e in info.value.errors}
    assert (3, "身份证号") in found  # wrong check digit
    assert (3, "联系电话") in found
    assert (4, "村") in found
    assert (5, "身份证号") in found  # the same ID number as row 2
    assert (6, "与户主关系") in found
    assert all(e.message for e in info.value.errors)
    assert "未导入任何数据" in str(info.value)
    assert _counts() == before


def test_importing_the_same_file_twice_changes_nothing(world: World) -> None:
    content = roster_csv(ROSTER_A)
    before = _counts()
    entries = AuditEntry.objects.count()
    result = do_import_roster(content, "roster.csv", acting_user=world.clerk)
    assert not result.changed
    assert result.residents_unchanged == len(ROSTER_A)
    assert _counts() == before
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(world: World, fmt: str) -> None:
    exported = do_export_roster(
        [world.village_a, world.village_b], fmt=fmt, acting_user=world.clerk, reason="年度核对"
    )
    result = do_import_roster(exported, f"export.{fmt}", acting_user=world.clerk)
    assert not result.changed
    assert result.residents_unchanged == 7
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
        header = [c.value for c in next(sheet.iter_rows(max_row=1))]
        assert header[: len(ROSTER_HEADERS)] == list(ROSTER_HEADERS)
        ids = {row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert make_id("19650312", 11) in ids  # full, exact ID numbers
    entry = AuditEntry.objects.get(action="people.export_roster")
    assert entry.after is not None
    assert entry.after["rows"] == 7
    assert entry.reason == "年度核对"


def test_an_edited_export_updates_only_what_changed(world: World) -> None:
    rows = [list(r) for r in ROSTER_A]
    rows[4][6] = "13905370000"  # 王丽 has a new phone
    result = do_import_roster(
        roster_csv([tuple(r) for r in rows]), "r.csv", acting_user=world.clerk
    )
    assert (result.residents_updated, result.residents_unchanged) == (1, 4)
    assert Resident.objects.get(name="王丽").phone == "13905370000"
    entry = AuditEntry.objects.filter(action="people.import_roster").latest("at")
    assert entry.after is not None
    assert entry.after["updated"][0]["before"] == {"phone": "13905371004"}


def test_a_new_head_replaces_the_old_one_only_when_the_file_says_so(world: World) -> None:
    rows = [list(r) for r in ROSTER_A[:3]]
    rows[2][4] = "户主"  # 张小明 becomes head ...
    for r in rows:
        r[2] = "张小明"
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv([tuple(r) for r in rows[1:]]), "r.csv", acting_user=world.clerk)
    assert "现有户主" in info.value.errors[0].message
    rows[0][4] = "父亲"  # ... and the file demotes 张三
    result = do_import_roster(
        roster_csv([tuple(r) for r in rows]), "r.csv", acting_user=world.clerk
    )
    assert result.residents_updated == 2
    assert Resident.objects.get(name="张小明").is_head
    assert not Resident.objects.get(name="张三").is_head


def test_a_new_household_needs_its_head(world: World) -> None:
    rows = [("前双村", "", "孙大山", "孙小山", "儿子", make_id("20000101", 13), "")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert "户主" in info.value.errors[0].message


def test_members_listed_without_their_head_need_the_household_number(world: World) -> None:
    # 王建国 heads household 0002; a name alone does not say it is his household.
    rows = [("前双村", "", "王建国", "王小宝", "孙子", make_id("20180101", 13), "")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert "请填写户号" in info.value.errors[0].message
    assert not Resident.objects.filter(name="王小宝").exists()
    rows = [("前双村", "0002", "王建国", "王小宝", "孙子", make_id("20180101", 13), "")]
    do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert (
        Resident.objects.get(name="王小宝").household
        == Resident.objects.get(name="王建国").household
    )


def test_people_registered_outside_the_users_scope_are_not_touched(world: World) -> None:
    rows = [("前双村", "0005", "孔繁荣", "孔繁荣", "户主", make_id("19700101", 81), "")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert "管辖范围以外" in info.value.errors[0].message
    assert Resident.objects.get(name="孔繁荣").village == world.village_c


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"PK\x03\x04 not really a zip", "roster.xlsx", "file_unreadable"),
        (b"\xd0\xcf\x11\xe0 old excel", "roster.xls", "file_unreadable"),
        (b"name,phone\n", "roster.csv", "header_missing"),
        ("村,户主姓名,姓名,与户主关系,身份证号\n".encode(), "roster.csv", "roster_empty"),
        (b"%PDF-1.4", "roster.pdf", "file_unreadable"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_error(
    world: World, content: bytes, name: str, code: str
) -> None:
    with pytest.raises(DomainError) as info:
        do_import_roster(content, name, acting_user=world.clerk)
    assert info.value.code == code


def test_a_truncated_xlsx_is_refused(world: World) -> None:
    whole = xlsx([list(ROSTER_HEADERS), list(ROSTER_A[0])])
    with pytest.raises(DomainError) as info:
        do_import_roster(whole[: len(whole) // 2], "roster.xlsx", acting_user=world.clerk)
    assert info.value.code == "file_unreadable"
    assert zipfile.is_zipfile(io.BytesIO(whole))


def test_the_import_page_shows_the_row_report(world: World) -> None:
    rows = [("前双村", "0009", "赵六", "赵六", "户主", "370811197001010000", "")]
    client = login(world.clerk)
    upload = io.BytesIO(roster_csv(rows))
    upload.name = "bad.csv"
    page = client.post("/people/import/", {"file": upload}).content.decode()
    assert "第 2 行" in page
    assert "身份证号校验位错误" in page
    upload = io.BytesIO(
        roster_csv([("前双村", "0009", "赵六", "赵六", "户主", make_id("19700101", 17), "")])
    )
    upload.name = "good.csv"
    page = client.post("/people/import/", {"file": upload, "dry_run": "on"}).content.decode()
    assert "检查通过" in page
    assert not Resident.objects.filter(name="赵六").exists()


def test_the_import_command_does_the_same(world: World, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(
        roster_csv([("前双村", "0009", "赵六", "赵六", "户主", make_id("19700101", 17), "")])
    )
    call_command("import_roster", str(path), "--user", world.clerk.phone)
    assert Resident.objects.filter(name="赵六").exists()
    path.write_bytes(roster_csv([("前双村", "0009", "赵六", "赵六", "户主", "123", "")]))
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--user", world.clerk.phone)
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), "--user", world.collector_a.phone)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_export_of_full_id_numbers_needs_a_reason(world: World, reason: str) -> None:
    def exports() -> int:
        return AuditEntry.objects.filter(action="people.export_roster").count()

    with pytest.raises(DomainError) as info:
        do_export_roster([world.village_a], fmt="csv", acting_user=world.clerk, reason=reason)
    assert (info.value.code, info.value.field) == ("reason_required", "reason")
    client = login(world.clerk)
    page = client.post(
        "/people/export/", {"villages": [world.village_a.pk], "fmt": "csv", "reason": reason}
    )
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert make_id("19650312", 11) not in page.content.decode()
    body = {"village_codes": [world.village_a.code], "format": "csv"}
    api = client.post("/api/people/roster/export", body, content_type="application/json")
    assert api.status_code in (400, 422)
    assert make_id("19650312", 11) not in api.content.decode()
    api = client.post(
        "/api/people/roster/export", {**body, "reason": reason}, content_type="application/json"
    )
    assert api.status_code == 400
    assert api.json()["code"] == "reason_required"
    assert exports() == 0
    api = client.post(
        "/api/people/roster/export", {**body, "reason": "年度核对"}, content_type="application/json"
    )
    assert make_id("19650312", 11) in api.content.decode()
    assert exports() == 1
