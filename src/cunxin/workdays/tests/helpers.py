"""What the holiday-table tests share: the county of the test world, its centre, the tables."""

from __future__ import annotations

from cunxin.accounts.actions import do_create_user
from cunxin.accounts.models import User
from cunxin.accounts.permissions import Role
from cunxin.conftest import PASSWORD, World
from cunxin.people.spreadsheets import write_csv
from cunxin.regions.actions import do_create_region
from cunxin.regions.models import Level, Region
from cunxin.workdays.actions import ImportResult, do_install_official_calendars
from cunxin.workdays.spreadsheet import HEADERS

# Spring Festival 2025 as the notice has it: 1月28日–2月4日 off, 1月26日 and 2月8日 worked.
SPRING_2025 = [
    ("2025-01-26", "上班", "春节"),
    *((f"2025-01-{d}", "放假", "春节") for d in range(28, 32)),
    *((f"2025-02-0{d}", "放假", "春节") for d in range(1, 5)),
    ("2025-02-08", "上班", "春节"),
]


def county(w: World) -> Region:
    """任城区, the county both towns of the test world lie in."""
    region = w.town.parent
    assert region is not None
    return region


def county_clerk(w: World) -> User:
    """The county's credit centre, who keeps its holiday tables."""
    if "county_clerk" not in w.users:
        w.users["county_clerk"] = do_create_user(
            phone="13800000020",
            name="县信用中心",
            password=PASSWORD,
            role=Role.CENTRE,
            region=county(w),
            acting_user=w.admin,
        )
        User.objects.filter(phone="13800000020").update(must_change_password=False)
        w.users["county_clerk"].refresh_from_db()
    return w.users["county_clerk"]


def other_county(w: World) -> Region:
    """A second county of the same city (济宁市), with no table of its own."""
    found = Region.objects.filter(code="370812000000").first()
    if found is not None:
        return found
    return do_create_region(
        code="370812000000",
        name="兖州区",
        level=Level.COUNTY,
        parent=county(w).parent,
        acting_user=w.admin,
    )


def install(w: World, region: Region | None = None) -> list[ImportResult]:
    """The shipped 2024–2026 arrangements as the county's tables."""
    return do_install_official_calendars(region or county(w), acting_user=w.admin)


def table_csv(rows: list[tuple[str, str, str]], title: str = "") -> bytes:
    """A holiday table file as a centre would write it (optionally a title row above)."""
    content = write_csv(HEADERS, rows)
    if title:
        content = "\ufeff".encode() + f"{title}\n".encode() + content.removeprefix(b"\xef\xbb\xbf")
    return content
