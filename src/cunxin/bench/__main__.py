"""``python -m cunxin.bench``: run the suites asked for and print (and record) their figures."""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Sequence

from cunxin.bench import honours, ledger, roster, spending, workdays
from cunxin.bench.common import (
    DOCS,
    Figure,
    Options,
    database_version,
    doc_rows,
    say,
    start_django,
    throwaway_database,
    update_docs,
)

SUITES = {
    "roster": roster,
    "ledger": ledger,
    "honours": honours,
    "spending": spending,
    "workdays": workdays,
}


def _selected(only: Sequence[str] | None) -> dict[str, set[str]]:
    """Suite → the figure names to run in it."""
    wanted = set(only or SUITES)
    chosen: dict[str, set[str]] = {}
    for suite, module in SUITES.items():
        names = set(module.FIGURES) if suite in wanted else wanted & set(module.FIGURES)
        if names:
            chosen[suite] = names
    known = set(SUITES) | {name for module in SUITES.values() for name in module.FIGURES}
    unknown = wanted - known
    if unknown:
        raise SystemExit(
            f"bench: unknown figure or suite {sorted(unknown)}; known: {sorted(known)}"
        )
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    import cunxin.bench

    parser = argparse.ArgumentParser(
        prog="python -m cunxin.bench",
        description=cunxin.bench.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="a figure (e.g. take_effect) or a suite (roster, ledger, honours, spending); repeatable",
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="multiply every size by this (0.1: a quick run)"
    )
    parser.add_argument(
        "--rows", type=int, default=roster.TARGET_ROWS, help="roster: about this many rows"
    )
    parser.add_argument(
        "--repeat", type=int, default=roster.REPEAT, help="roster: best of this many runs"
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update the docs table")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the measured steps to stderr"
    )
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 10:
        parser.error("--scale must be above 0 and at most 10")
    chosen = _selected(args.only)
    options = Options(
        scale=args.scale, repeat=args.repeat, profile=args.profile, roster_rows=args.rows
    )

    started = time.perf_counter()
    figures: list[Figure] = []
    with throwaway_database() as target:
        start_django()
        database = database_version(target.vendor)
        say(f"database: {database} ({target.where}); scale {args.scale:g}")
        for suite, names in chosen.items():
            suite_started = time.perf_counter()
            for figure in SUITES[suite].run(options, names):
                print(figure.line(), flush=True)
                figures.append(figure)
            say(f"{suite} suite took {time.perf_counter() - suite_started:.0f} s")
    say(f"total {time.perf_counter() - started:.0f} s")
    if args.scale != 1 and not args.no_docs:
        say("docs/benchmarks.md keeps full-size figures only: not updated at this scale")
    elif not args.no_docs and figures:
        today = datetime.date.today().isoformat()
        update_docs(DOCS, doc_rows(figures, target.vendor, database, today))
    return 0


if __name__ == "__main__":
    sys.exit(main())
