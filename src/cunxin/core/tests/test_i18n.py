"""Chinese by default, English available, and the English catalogue complete and compiled."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

from cunxin.conftest import World, login

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PO = LOCALE / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


@pytest.mark.django_db  # the login page asks the login limiter whether to show a challenge
def test_pages_are_chinese_by_default() -> None:
    page = Client(HTTP_HOST="127.0.0.1").get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "手机号" in page


def test_english_is_available(world: World) -> None:
    client = login(world.clerk)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/policy/catalogue/").content.decode()
    assert '<html lang="en">' in page
    assert "行为目录" not in page.split("<main", 1)[1].split("<table", 1)[0]


def test_every_english_entry_is_translated() -> None:
    catalogue = polib.pofile(str(PO))
    missing = [e.msgid for e in catalogue if not e.translated() or "fuzzy" in e.flags]
    assert missing == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(PO))
        if e.translated()
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(MO))
    }
    assert compiled == source, "run `make messages` to recompile the .mo"


def test_no_string_in_the_code_is_missing_from_the_catalogue(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("GNU gettext (xgettext) is missing; `make test` installs it with apt")
        pytest.skip("GNU gettext is not installed (make system-deps installs it)")
    src = Path(__file__).resolve().parents[2]
    copy = tmp_path / "cunxin"
    shutil.copytree(src, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cunxin",
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            "--no-location",
            "-i",
            "*/tests/*",
            "-i",
            "conftest.py",
            "-i",
            "demo/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {
        e.msgid for e in polib.pofile(str(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    }
    committed = {e.msgid for e in polib.pofile(str(PO))}
    assert sorted(fresh - committed) == [], "run `make messages` and translate the new strings"
