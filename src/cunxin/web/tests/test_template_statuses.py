"""Templates compare statuses with enum members, never with bare strings."""

from __future__ import annotations

import re
from pathlib import Path

from cunxin.web.context import STATUSES

ROOT = Path(__file__).resolve().parents[2]
CONDITION = re.compile(r"\{%\s*(?:if|elif)\s+(.*?)%\}", re.S)
QUOTED = re.compile(r"""["']([a-z_]+)["']""")
MEMBER = re.compile(r"\b([A-Z][A-Za-z]*Status)\.([A-Z_]+)\b")
VALUES = {value for enum in STATUSES.values() for value in enum.values}


def _templates() -> list[Path]:
    found = sorted(ROOT.rglob("templates/**/*.html"))
    assert len(found) > 100, "the templates were not found"
    return found


def test_no_template_compares_a_status_with_a_bare_string() -> None:
    found = []
    for path in _templates():
        for condition in CONDITION.findall(path.read_text()):
            if "status" not in condition:
                continue
            bare = [v for v in QUOTED.findall(condition) if v in VALUES]
            if bare:
                found.append(f"{path.relative_to(ROOT)}: {condition.strip()}")
    assert found == []


def test_every_status_member_a_template_names_exists() -> None:
    unknown = []
    for path in _templates():
        for enum, member in MEMBER.findall(path.read_text()):
            if enum not in STATUSES or not hasattr(STATUSES[enum], member):
                unknown.append(f"{path.relative_to(ROOT)}: {enum}.{member}")
    assert unknown == []
