"""Limits of a roster file, enforced while it is read; and no value that the database would
refuse gets past the row checks (a dry run that passes means the real import will too)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cunxin.bench.roster_sheets import BLANK_ROW, long_xlsx, row_xml, xlsx_from_rows
from cunxin.conftest import ROSTER_HEADERS, World, make_id, roster_csv
from cunxin.core.errors import DomainError
from cunxin.people import roster, spreadsheets
from cunxin.people.actions import do_import_roster
from cunxin.people.models import Household, Resident
from cunxin.people.roster import RosterInvalid

TWO_MILLION = 2_000_000


@pytest.fixture(scope="module")
def two_million_rows() -> bytes:
    """A roster .xlsx of two million data rows: ~130 KB zipped, ~54 MB of sheet XML."""
    return long_xlsx(ROSTER_HEADERS, TWO_MILLION)


def _counting_reader(monkeypatch: pytest.MonkeyPatch, module: object) -> list[int]:
    """Count the rows the import reads from the file."""
    read: list[int] = [0]
    real = spreadsheets.read_rows

    def counted(content: bytes, filename: str) -> Iterator[spreadsheets.Row]:
        for row in real(content, filename):
            read[0] += 1
            yield row

    monkeypatch.setattr(module, "read_rows", counted)
    return read


def test_a_two_million_row_xlsx_is_refused_having_read_only_up_to_the_limit(
    world: World, two_million_rows: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = _counting_reader(monkeypatch, roster)
    with pytest.raises(DomainError) as info:
        do_import_roster(two_million_rows, "花名册.xlsx", acting_user=world.clerk, dry_run=True)
    assert info.value.code == "roster_too_large"
    assert "50000" in str(info.value)
    assert read[0] <= roster.MAX_ROWS + 2  # the header, the limit, and the one row past it


MILLIONS = {
    "blank.xlsx": lambda: long_xlsx(ROSTER_HEADERS, TWO_MILLION, BLANK_ROW),
    "long.csv": lambda: ",".join(ROSTER_HEADERS).encode() + b"\n1" * TWO_MILLION,
    "blank.csv": lambda: ",".join(ROSTER_HEADERS).encode() + b"\n" * TWO_MILLION,
}


@pytest.mark.parametrize("name", sorted(MILLIONS))
def test_millions_of_rows_blank_or_not_are_refused_while_reading(
    world: World, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = MILLIONS[name]()
    read = _counting_reader(monkeypatch, roster)
    with pytest.raises(DomainError) as info:
        do_import_roster(content, name, acting_user=world.clerk)
    assert info.value.code == "roster_too_large"
    assert read[0] <= 2 * roster.MAX_ROWS + 2


def test_a_sheet_whose_dimension_is_stale_is_read_to_its_last_row(world: World) -> None:
    # Some tools write <dimension> once and append rows later; every row still counts.
    rows = [
        ("前双村", "0101", "孙大山", "孙大山", "户主", make_id("19750101", 131), ""),
        ("前双村", "0101", "孙大山", "钱秀", "配偶", make_id("19760101", 142), ""),
        ("前双村", "0101", "孙大山", "孙小山", "儿子", make_id("20000101", 133), ""),
    ]
    content = xlsx_from_rows(
        [row_xml(ROSTER_HEADERS), *(row_xml(r) for r in rows)], dimension="A1:G2"
    )
    result = do_import_roster(content, "r.xlsx", acting_user=world.clerk)
    assert result.residents_created == 3


OUT_OF_BOUNDS = {
    # A shared-strings part that unpacks to more than openpyxl should load whole.
    "huge_shared_strings": (
        lambda: xlsx_from_rows(
            [row_xml(ROSTER_HEADERS)],
            parts={"xl/sharedStrings.xml": b" " * (spreadsheets.MAX_PART_BYTES + 1)},
        ),
        "file_too_large",
    ),
    # A cell past Excel's last column (XFD).
    "cell_past_column_xfd": (
        lambda: xlsx_from_rows([row_xml(ROSTER_HEADERS), b'<row><c r="XFE2"><v>1</v></c></row>']),
        "file_unreadable",
    ),
    # One cell of a hundred thousand rich-text runs.
    "cell_of_many_runs": (
        lambda: xlsx_from_rows(
            [
                row_xml(ROSTER_HEADERS),
                b'<row><c t="inlineStr"><is>' + b"<r><t>a</t></r>" * 100_000 + b"</is></c></row>",
            ]
        ),
        "file_unreadable",
    ),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_BOUNDS))
def test_an_xlsx_that_would_unpack_beyond_bounds_is_refused(world: World, case: str) -> None:
    build, code = OUT_OF_BOUNDS[case]
    with pytest.raises(DomainError) as info:
        do_import_roster(build(), "r.xlsx", acting_user=world.clerk)
    assert info.value.code == code


def test_a_file_over_the_upload_limit_is_refused_by_the_import_itself(
    world: World, settings: Any
) -> None:
    settings.ROSTER_MAX_BYTES = 1000
    row = ("前双村", "0101", "孙大山", "孙大山", "户主", make_id("19750101", 131), "")
    content = roster_csv([row] * 20)
    with pytest.raises(DomainError) as info:
        do_import_roster(content, "r.csv", acting_user=world.clerk)
    assert info.value.code == "file_too_large"


def _counts() -> tuple[int, int]:
    return Household.objects.count(), Resident.objects.count()


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_household_number_longer_than_its_column_is_a_row_error(
    world: World, dry_run: bool
) -> None:
    number = "1" * 33
    rows = [("前双村", number, "孙大山", "孙大山", "户主", make_id("19750101", 131), "")]
    before = _counts()
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk, dry_run=dry_run)
    [error] = info.value.errors
    assert (error.row, error.column) == (2, "户号")
    assert "最多32个字符" in error.message
    assert _counts() == before


@pytest.mark.parametrize("column", [*ROSTER_HEADERS, "性别", "出生日期"])
@pytest.mark.parametrize("dry_run", [True, False])
def test_no_column_can_overflow_into_the_database(world: World, column: str, dry_run: bool) -> None:
    headers = (*ROSTER_HEADERS, "性别", "出生日期")
    values = dict(
        zip(
            headers,
            ("前双村", "0101", "孙大山", "孙大山", "户主", make_id("19750101", 131), "", "", ""),
            strict=True,
        )
    )
    values[column] = "前" * 300
    before = _counts()
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(
            roster_csv([tuple(values.values())], headers),
            "r.csv",
            acting_user=world.clerk,
            dry_run=dry_run,
        )
    assert column in {e.column for e in info.value.errors}
    assert _counts() == before


def test_control_characters_in_a_household_number_are_refused(world: World) -> None:
    rows = [("前双村", "01\x0101", "孙大山", "孙大山", "户主", make_id("19750101", 131), "")]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows), "r.csv", acting_user=world.clerk)
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "户号")]


@pytest.mark.parametrize("birth", ["1975-1-99999999999999999999", "99999999999999999999"])
def test_a_birth_date_no_calendar_holds_is_a_row_error(world: World, birth: str) -> None:
    headers = (*ROSTER_HEADERS, "出生日期")
    rows = [("前双村", "0101", "孙大山", "孙大山", "户主", make_id("19750101", 131), "", birth)]
    with pytest.raises(RosterInvalid) as info:
        do_import_roster(roster_csv(rows, headers), "r.csv", acting_user=world.clerk)
    assert [(e.row, e.column) for e in info.value.errors] == [(2, "出生日期")]
