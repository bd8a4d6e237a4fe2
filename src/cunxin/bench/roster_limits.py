"""Roster import refusing a file far past its row limit: reading must stop at the limit.

An .xlsx of two million rows once took over two minutes and 1.1 GB to be refused, because every
row was read before they were counted. The figure is measured through the real action,
``people.actions.do_import_roster``, acting as the town's credit-centre clerk:

* ``roster_refuse_2m_rows``: seconds to refuse an .xlsx of a header and 2,000,000 data rows
  (about 130 KB zipped, 54 MB of sheet XML; built by writing the sheet's XML straight into the
  zip, ``bench.roster_sheets``), checked to be refused as ``roster_too_large``.

The baseline is the same refusal of a file just past the limit (``MAX_ROWS`` + 1 = 50,001 data
rows, built the same way), in the same process: ``ratio`` near 1 says the refusal costs what
reading up to the limit costs, whatever follows it in the file; two million rows read in full
would make it about 40. Best of ``--repeat`` runs. The peak memory the refusal allocates
(tracemalloc, in a separate untimed run) is printed as a detail line.
"""

from __future__ import annotations

import tracemalloc
from typing import TYPE_CHECKING

from cunxin.bench.common import BenchFailed, Figure, say, timed
from cunxin.bench.roster_sheets import long_xlsx

if TYPE_CHECKING:
    from cunxin.accounts.models import User

FIGURES = ("roster_refuse_2m_rows",)
ROWS = 2_000_000
HEADERS = ("村", "户号", "户主姓名", "姓名", "与户主关系", "身份证号", "联系电话")


def refuse(content: bytes, clerk: User) -> str:
    """Import the file; the code it was refused with (it must be refused)."""
    from cunxin.core.errors import DomainError
    from cunxin.people.actions import do_import_roster

    try:
        do_import_roster(content, "花名册.xlsx", acting_user=clerk, reason="benchmark")
    except DomainError as exc:
        return exc.code
    raise BenchFailed("a roster past the row limit was imported")


def best_refusal(content: bytes, clerk: User, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        seconds, code = timed(refuse, content, clerk)
        if code != "roster_too_large":
            raise BenchFailed(f"refused as {code}, not roster_too_large")
        best = min(best, seconds)
    return best


def peak_mib(content: bytes, clerk: User) -> float:
    tracemalloc.start()
    try:
        refuse(content, clerk)
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def run(clerk: User, repeat: int) -> list[Figure]:
    from cunxin.people.roster import MAX_ROWS

    huge = long_xlsx(HEADERS, ROWS)
    just_past = long_xlsx(HEADERS, MAX_ROWS + 1)
    say(
        f"roster limits: {ROWS} rows in {len(huge) // 1024} KiB .xlsx, the baseline "
        f"{MAX_ROWS + 1} rows in {len(just_past) // 1024} KiB; best of {repeat}"
    )
    refuse(just_past, clerk)  # untimed warm-up
    baseline_s = best_refusal(just_past, clerk, repeat)
    huge_s = best_refusal(huge, clerk, repeat)
    say(
        f"roster limits: refused in {huge_s:.2f} s ({ROWS} rows) and {baseline_s:.2f} s "
        f"({MAX_ROWS + 1} rows); peak traced memory {peak_mib(huge, clerk):.1f} MiB "
        f"({ROWS} rows) and {peak_mib(just_past, clerk):.1f} MiB ({MAX_ROWS + 1} rows)"
    )
    return [
        Figure(
            "roster_refuse_2m_rows",
            huge_s,
            "s",
            baseline_s,
            f"refuse_{MAX_ROWS + 1}_rows:{baseline_s:.2f}s",
            f"the same refusal of a file of {MAX_ROWS + 1} rows (just past the limit): "
            f"{baseline_s:.2f} s",
            f"{ROWS} rows, {len(huge) // 1024} KiB .xlsx, best of {repeat}",
            digits=2,
        )
    ]
