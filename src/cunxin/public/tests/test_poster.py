import os
import shutil
import subprocess

import pytest

from cunxin.conftest import ROSTER_A, World, login, roster_csv
from cunxin.people.actions import do_import_roster
from cunxin.public.tests.conftest import NOTE, Publish
from cunxin.records.models import Notice

PDFTOTEXT = shutil.which("pdftotext")


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, as poppler's pdftotext extracts it."""
    if PDFTOTEXT is None:
        reason = "pdftotext is missing: install Debian's poppler-utils to check the poster's text"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    out = subprocess.run(
        [PDFTOTEXT, "-layout", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return out.split("\f")[:-1] if out.endswith("\f") else out.split("\f")


def _poster(w: World, notice: Notice) -> bytes:
    response = login(None).get(f"/public/{w.village_a.code}/notices/{notice.number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "public" in response["Cache-Control"]
    return response.content


def test_the_poster_is_a_pdf_with_the_village_and_the_lines(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    notice = publish()
    pdf = _poster(w, notice)
    assert pdf.startswith(b"%PDF-")
    text = "\n".join(pdf_pages(pdf))
    compact = "".join(text.split())
    assert "前双村信用积分公示（第1期）" in compact
    assert "李营街道" in text
    assert "张*" in text
    assert "王*国" in text
    assert "参加村内志愿服务" in text
    assert "+4" in text
    assert "-2" in text
    assert "信用评审会（盖章）" in compact
    assert notice.chain_hash in compact  # wrapped on paper, whole when joined
    assert notice.chain_hash[:8] + " " + notice.chain_hash[8:16] in text  # in groups of 8
    assert "http://127.0.0.1/public/verify/" in compact


def test_the_poster_shows_no_id_number_phone_note_or_full_name(
    policy_world: World, publish: Publish
) -> None:
    w = policy_world
    text = "".join("\n".join(pdf_pages(_poster(w, publish()))).split())
    for row in ROSTER_A:
        assert row[5] not in text
        if row[6]:
            assert row[6] not in text
    assert "".join(NOTE.split()) not in text
    assert "张三" not in text
    assert "王建国" not in text


def test_a_long_notice_runs_over_pages_with_the_table_header_on_each(
    policy_world: World, publish_team: object
) -> None:
    from cunxin.demo.people import roster_rows

    w = policy_world
    rows = list(roster_rows([("前双村", 30, ["张", "王", "李"])], seed=7, first_number=100))
    do_import_roster(roster_csv(rows), "more.csv", acting_user=w.clerk)
    notice = publish_team([r[3] for r in rows])  # type: ignore[operator]
    pages = pdf_pages(_poster(w, notice))
    assert len(pages) >= 2
    for page in pages:
        assert "序号" in page
        assert "姓名" in page
        assert "行为日期" in page
        assert "前双村信用积分公示（第1期）" in "".join(page.split())  # the running footer
    assert "信用评审会（盖章）" in "".join(pages[-1].split())
