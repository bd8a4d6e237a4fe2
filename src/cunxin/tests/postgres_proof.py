"""Proof that CI's PostgreSQL pass ran the PostgreSQL-only tests.

Tests that need PostgreSQL (concurrent writers, row locks) carry ``@pytest.mark.postgres`` and
skip elsewhere. A skip is silent: a ``DATABASE_URL`` read wrongly, or a skip condition that
goes stale, would let the PostgreSQL pass go green without them. So the run counts them, prints
the count, and under ``CI=true`` on PostgreSQL fails when one of them was skipped, or when a run
of the whole suite ran none. On any database a test skipped for want of PostgreSQL must carry
the marker, or it would escape the count.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import pytest

MARKER = "postgres"


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@dataclass
class Tally:
    """What happened to the PostgreSQL-only tests of one run."""

    passed: int = 0
    skipped: list[str] = field(default_factory=list)
    unmarked: list[str] = field(default_factory=list)  # skipped for want of PostgreSQL, no marker

    def add(self, report: pytest.TestReport, *, postgres: bool) -> None:
        marked = MARKER in report.keywords
        if report.skipped:
            reason = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else ""
            if marked:
                self.skipped.append(report.nodeid)
            elif not postgres and "PostgreSQL" in reason:
                self.unmarked.append(report.nodeid)
        elif marked and report.when == "call" and report.passed:
            self.passed += 1

    def problem(self, *, ci: bool, postgres: bool, whole_suite: bool) -> str:
        """Why the run must fail ('' when it need not)."""
        if self.unmarked:
            return (
                "skipped for want of PostgreSQL but not marked @pytest.mark.postgres: "
                + ", ".join(self.unmarked[:5])
            )
        if not (ci and postgres):
            return ""
        if self.skipped:
            return "PostgreSQL-only tests skipped on PostgreSQL: " + ", ".join(self.skipped[:5])
        if whole_suite and self.passed == 0:
            return "the PostgreSQL pass ran no PostgreSQL-only test"
        return ""


class PostgresProof:
    """The pytest plugin: tallies reports (on the controller under xdist) and judges."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tally = Tally()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.add(report, postgres=on_postgres())

    def _whole_suite(self) -> bool:
        option = self.config.option
        return (
            self.config.args_source == pytest.Config.ArgsSource.TESTPATHS
            and not option.keyword
            and not option.markexpr
            and not getattr(option, "deselect", None)
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        problem = self.tally.problem(
            ci=os.environ.get("CI", "").lower() == "true",
            postgres=on_postgres(),
            whole_suite=self._whole_suite(),
        )
        if problem and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.problem = problem

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        tally = self.tally
        terminalreporter.write_line(
            f"PostgreSQL-only tests: {tally.passed} passed, {len(tally.skipped)} skipped"
        )
        if getattr(self, "problem", ""):
            terminalreporter.write_line(f"FAILED (PostgreSQL proof): {self.problem}", red=True)


def register(config: pytest.Config) -> None:
    """Install the plugin once, where reports are gathered (not in xdist's workers)."""
    if hasattr(config, "workerinput") or config.pluginmanager.has_plugin("postgres-proof"):
        return
    config.pluginmanager.register(PostgresProof(config), "postgres-proof")
