"""Lists cost the same number of queries with a few rows or many (no query per row)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cunxin.conftest import World, login, roster_csv
from cunxin.demo.people import roster_rows
from cunxin.people.actions import do_import_roster

PAGES = [
    "/people/?village={a}",
    "/regions/{a}/",
    "/regions/",
    "/accounts/users/",
    "/audit/",
    "/policy/catalogue/?region={a}",
    "/api/people/residents?limit=200",
    "/api/regions/villages",
]


def _queries(client: object, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_a_list_costs_the_same_queries_for_more_rows(policy_world: World, page: str) -> None:
    w = policy_world
    url = page.format(a=w.village_a.pk)
    client = login(w.clerk)
    _queries(client, url)  # warm caches (sessions, content types)
    few = _queries(client, url)
    rows = list(roster_rows([("前双村", 25, ["张"])], seed=5, first_number=100))
    do_import_roster(roster_csv(rows), "more.csv", acting_user=w.clerk)
    assert _queries(client, url) == few
