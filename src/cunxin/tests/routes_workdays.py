"""Routes of the working calendar: the year page, import and export, the official years, delete.

The county (任城区) holds the 2025 table, installed by the platform admin. Every staff member of
the county reads it (the town's credit centre is the reader here); only a county-level centre or
the admin may change it, so the towns' centres (clerk, clerk2) are refused every change, and the
committee, collectors and keepers too. Keepers and villagers do not read it. Questions about a
village (its year, a deadline there) are answered only inside the asker's reach.
"""

from __future__ import annotations

from typing import Any

from cunxin.conftest import World
from cunxin.tests.access import Route, upload
from cunxin.workdays.actions import do_install_official_calendars
from cunxin.workdays.models import CalendarYear
from cunxin.workdays.tests.helpers import SPRING_2025, county, table_csv

P = "/workdays"
API = "/api/workdays"
TOWN_CENTRES = ["clerk", "clerk2"]
NOT_MANAGERS = ["committee_a", "collector_a", "keeper_a"]
NOT_READERS = ["keeper_a"]
ELSEWHERE = ["clerk2", "collector_b"]  # village A lies outside their reach


def _table(w: World) -> CalendarYear:
    found = CalendarYear.objects.filter(region=county(w), year=2025).first()
    if found is not None:
        return found
    do_install_official_calendars(county(w), acting_user=w.admin, years=(2025,))
    return CalendarYear.objects.get(region=county(w), year=2025)


def _import_form(w: World) -> dict[str, Any]:
    return {
        "region": county(w).pk,
        "file": upload(table_csv(SPRING_2025), "2025.csv"),
        "source": "县信用中心转发",
    }


def _import_multipart(w: World) -> dict[str, Any]:
    return {"region_code": county(w).code, "file": upload(table_csv(SPRING_2025), "2025.csv")}


ROUTES = [
    # --- pages ---------------------------------------------------------------------------------
    Route(
        "workdays:index",
        "get",
        lambda w: (_table(w), f"{P}/?region={county(w).code}&year=2025")[1],
        "clerk",
        [],  # the county's table is every town's: nobody in it is "elsewhere"
        secret="春节",
        extra_refused=NOT_READERS,
    ),
    Route(
        "workdays:import",
        "get",
        lambda w: f"{P}/import/",
        "admin",
        TOWN_CENTRES,
        secret="国务院办公厅公布的安排",
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "workdays:import",
        "post",
        lambda w: f"{P}/import/",
        "admin",
        TOWN_CENTRES,
        data=_import_form,
        secret='data-testid="import-result"',
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "workdays:official",
        "post",
        lambda w: f"{P}/official/",
        "admin",
        TOWN_CENTRES,
        data=lambda w: {"region": county(w).pk},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "workdays:export",
        "get",
        lambda w: f"{P}/{_table(w).pk}/export/?fmt=csv",
        "clerk",
        [],
        secret="国庆节、中秋节",
        extra_refused=NOT_READERS,
    ),
    Route(
        "workdays:delete",
        "post",
        lambda w: f"{P}/{_table(w).pk}/delete/",
        "admin",
        TOWN_CENTRES,
        data=lambda w: {"reason": "改用全省的表"},
        ok=(302,),
        extra_refused=NOT_MANAGERS,
    ),
    # --- API -----------------------------------------------------------------------------------
    Route(
        "api:get /api/workdays/tables",
        "get",
        lambda w: (_table(w), f"{API}/tables")[1],
        "clerk",
        [],
        json=True,
        secret="任城区",
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:get /api/workdays/tables/{table_id}",
        "get",
        lambda w: f"{API}/tables/{_table(w).pk}",
        "clerk",
        [],
        json=True,
        secret="春节",
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:get /api/workdays/regions/{region_code}/{year}",
        "get",
        lambda w: (_table(w), f"{API}/regions/{w.village_a.code}/2025")[1],
        "committee_a",
        ELSEWHERE,
        json=True,
        secret="春节",
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:get /api/workdays/deadline",
        "get",
        lambda w: (
            _table(w),
            f"{API}/deadline?region_code={w.village_a.code}&start=2025-01-24T10:00%2B08:00&amount=3",
        )[1],
        "collector_a",
        ELSEWHERE,
        json=True,
        secret="2025-02-05T17:30:00+08:00",
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:post /api/workdays/import",
        "post",
        lambda w: f"{API}/import",
        "admin",
        TOWN_CENTRES,
        data=_import_multipart,
        secret='"added": 10',
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:post /api/workdays/official",
        "post",
        lambda w: f"{API}/official",
        "admin",
        TOWN_CENTRES,
        data=lambda w: {"region_code": county(w).code},
        json=True,
        secret='"added": 36',
        extra_refused=NOT_MANAGERS,
    ),
    Route(
        "api:get /api/workdays/tables/{table_id}/export",
        "get",
        lambda w: f"{API}/tables/{_table(w).pk}/export?format=csv",
        "clerk",
        [],
        secret="国庆节、中秋节",
        extra_refused=NOT_READERS,
    ),
    Route(
        "api:post /api/workdays/tables/{table_id}/delete",
        "post",
        lambda w: f"{API}/tables/{_table(w).pk}/delete",
        "admin",
        TOWN_CENTRES,
        data=lambda w: {"reason": "改用全省的表"},
        json=True,
        secret="任城区",
        extra_refused=NOT_MANAGERS,
    ),
]
