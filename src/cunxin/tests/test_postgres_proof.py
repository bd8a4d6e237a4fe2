"""The PostgreSQL pass must show that its PostgreSQL-only tests ran (``postgres_proof``)."""

from __future__ import annotations

import pytest

from cunxin.tests.postgres_proof import Tally


def _report(
    outcome: str, *, marked: bool = True, reason: str = "", when: str = "call"
) -> pytest.TestReport:
    keywords = {"postgres": 1} if marked else {}
    longrepr = ("x.py", 1, f"Skipped: {reason}") if outcome == "skipped" else None
    return pytest.TestReport(
        nodeid="x.py::test_x",
        location=("x.py", 1, "test_x"),
        keywords=keywords,
        outcome=outcome,  # type: ignore[arg-type]
        longrepr=longrepr,
        when="setup" if outcome == "skipped" else when,  # type: ignore[arg-type]
    )


def _tally(*reports: pytest.TestReport, postgres: bool) -> Tally:
    tally = Tally()
    for report in reports:
        tally.add(report, postgres=postgres)
    return tally


def test_the_postgresql_pass_fails_when_a_postgresql_only_test_was_skipped() -> None:
    tally = _tally(_report("passed"), _report("skipped", reason="not PostgreSQL"), postgres=True)
    assert tally.passed == 1
    assert "skipped on PostgreSQL" in tally.problem(ci=True, postgres=True, whole_suite=True)


def test_the_postgresql_pass_of_the_whole_suite_fails_when_none_ran() -> None:
    tally = _tally(_report("passed", marked=False), postgres=True)
    assert "ran no PostgreSQL-only test" in tally.problem(ci=True, postgres=True, whole_suite=True)
    # A chosen few tests (-k, a file) need not include any.
    assert tally.problem(ci=True, postgres=True, whole_suite=False) == ""


def test_the_postgresql_pass_that_ran_them_all_passes() -> None:
    tally = _tally(
        _report("passed"), _report("passed"), _report("passed", when="setup"), postgres=True
    )
    assert tally.passed == 2  # counted once each, at the call
    assert tally.problem(ci=True, postgres=True, whole_suite=True) == ""


def test_outside_ci_or_on_sqlite_their_skips_are_expected() -> None:
    tally = _tally(_report("skipped", reason="DATABASE_URL is not PostgreSQL"), postgres=False)
    assert tally.problem(ci=True, postgres=False, whole_suite=True) == ""
    assert tally.problem(ci=False, postgres=True, whole_suite=True) == ""


def test_a_test_skipped_for_want_of_postgresql_must_be_marked_for_the_count() -> None:
    tally = _tally(
        _report("skipped", marked=False, reason="needs concurrent writers (PostgreSQL)"),
        postgres=False,
    )
    assert "not marked" in tally.problem(ci=False, postgres=False, whole_suite=False)
    # On PostgreSQL, the SQLite twin of a PostgreSQL test skips, rightly unmarked.
    twin = _tally(
        _report("skipped", marked=False, reason="the PostgreSQL run has its own test"),
        postgres=True,
    )
    assert twin.problem(ci=True, postgres=True, whole_suite=False) == ""
