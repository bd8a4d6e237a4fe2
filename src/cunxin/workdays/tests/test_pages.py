"""The working-calendar pages and API as the centre and the towns' staff use them."""

from __future__ import annotations

import datetime as dt
import io
import json
from unittest import mock

from cunxin.conftest import World, login
from cunxin.core.models import AuditEntry
from cunxin.workdays.models import CalendarYear
from cunxin.workdays.tests.helpers import SPRING_2025, county, county_clerk, install, table_csv


def _file(content: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


def test_the_year_page_shows_the_festivals_and_their_adjusted_days(world: World) -> None:
    install(world)
    page = login(world.clerk).get(f"/workdays/?region={county(world).code}&year=2025")
    text = page.content.decode()
    assert page.status_code == 200
    assert "本年适用任城区的节假日表" in text
    assert "国务院办公厅关于2025年部分节假日安排的通知" in text
    assert "1月28日–2月4日" in text
    assert "1月26日（星期日）、2月8日（星期六）" in text
    assert "10月1日–10月8日" in text
    assert "全年工作日 248 天" in text
    assert "08:30–12:00、13:30–17:30" in text
    assert 'class="holiday" title="春节">28<' in text
    assert 'class="workday" title="春节">26<' in text
    # A town's centre reads its county's table but keeps none: no import, no delete.
    assert "导入节假日表" not in text
    assert "删除原因" not in text


def test_a_year_without_a_table_warns_the_centre(world: World) -> None:
    install(world)
    text = login(county_clerk(world)).get("/workdays/?year=2027").content.decode()
    assert 'data-testid="calendar-missing"' in text
    assert "2027年还没有节假日表" in text
    assert "导入节假日表" in text  # the county's centre may fix it from here


def test_the_county_centre_imports_a_file_and_sees_every_bad_row(world: World) -> None:
    client = login(county_clerk(world))
    bad = table_csv([*SPRING_2025, ("2025-02-10", "上班", "春节")])
    page = client.post(
        "/workdays/import/", {"region": county(world).pk, "file": _file(bad, "bad.csv")}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="import-errors"' in text
    assert "第 12 行" in text
    assert "调休上班日应是周六或周日" in text
    assert not CalendarYear.objects.exists()
    good = table_csv(SPRING_2025)
    page = client.post(
        "/workdays/import/", {"region": county(world).pk, "file": _file(good, "2025.csv")}
    )
    assert "2025年：新增 10 天" in page.content.decode()
    assert CalendarYear.objects.get().source == "2025.csv"


def test_an_exported_file_imports_back_unchanged_through_the_pages(world: World) -> None:
    install(world)
    client = login(county_clerk(world))
    table = CalendarYear.objects.get(region=county(world), year=2024)
    for fmt in ("xlsx", "csv"):
        exported = client.get(f"/workdays/{table.pk}/export/?fmt={fmt}")
        assert exported.status_code == 200
        assert "attachment" in exported["Content-Disposition"]
        page = client.post(
            "/workdays/import/",
            {"region": county(world).pk, "file": _file(exported.content, f"back.{fmt}")},
        )
        assert "没有变化" in page.content.decode()
        assert "36 天无变化" in page.content.decode()


def test_the_official_years_go_in_with_one_click_and_a_year_can_be_deleted(world: World) -> None:
    client = login(county_clerk(world))
    done = client.post("/workdays/official/", {"region": county(world).pk})
    assert done.status_code == 302
    assert sorted(CalendarYear.objects.values_list("year", flat=True)) == [2024, 2025, 2026]
    table = CalendarYear.objects.get(year=2026)
    refused = client.post(f"/workdays/{table.pk}/delete/", {"reason": ""})
    assert refused.status_code == 400
    gone = client.post(f"/workdays/{table.pk}/delete/", {"reason": "等国务院通知再导"})
    assert gone.status_code == 302
    assert not CalendarYear.objects.filter(year=2026).exists()
    assert AuditEntry.objects.filter(action="workdays.delete_calendar").count() == 1


def test_the_api_answers_a_village_s_year_and_a_deadline(world: World) -> None:
    install(world)
    client = login(world.collector_a)
    year = client.get(f"/api/workdays/regions/{world.village_a.code}/2026").json()
    assert year["working_days"] == 248
    assert year["table"]["region_name"] == "任城区"
    assert {"date": "2026-02-14", "kind": "workday", "name": "春节"} in year["days"]
    none = client.get(f"/api/workdays/regions/{world.village_a.code}/2027").json()
    assert (none["missing"], none["table"], none["working_days"]) == (True, None, 261)
    due = client.get(
        "/api/workdays/deadline",
        {
            "region_code": world.village_a.code,
            "start": "2026-02-13T16:00+08:00",
            "amount": 4,
            "unit": "working_hours",
        },
    ).json()
    assert due["deadline"] == "2026-02-14T11:00:00+08:00"  # the 调休 Saturday morning
    naive = client.get(
        "/api/workdays/deadline",
        {"region_code": world.village_a.code, "start": "2026-02-13T16:00", "amount": 1},
    )
    assert naive.status_code == 400
    assert naive.json()["code"] == "start_naive"


def test_the_api_import_reports_every_bad_row_as_json(world: World) -> None:
    client = login(world.admin)
    bad = table_csv([("2025-01-28", "放假", "春节"), ("2025-01-28", "放假", "春节")])
    answer = client.post(
        "/api/workdays/import",
        {"region_code": county(world).code, "file": _file(bad, "bad.csv")},
    )
    assert answer.status_code == 400
    body = json.loads(answer.content)
    assert body["code"] == "calendar_invalid"
    assert body["errors"] == [{"row": 3, "column": "日期", "message": "与第2行的日期重复。"}]


def test_from_october_the_centre_is_reminded_of_next_year_s_missing_table(world: World) -> None:
    install(world)  # 2024–2026
    client = login(county_clerk(world))
    for today, reminded in (("2026-09-30", False), ("2026-10-01", True), ("2025-11-20", False)):
        moment = dt.datetime.fromisoformat(f"{today}T10:00+08:00")
        with mock.patch("django.utils.timezone.now", return_value=moment):
            text = client.get("/workdays/").content.decode()
        assert ('data-testid="calendar-next-missing"' in text) is reminded, today
    with mock.patch(
        "django.utils.timezone.now", return_value=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    ):
        text = client.get("/workdays/").content.decode()
    assert "2027年的节假日表还没有导入" in text
