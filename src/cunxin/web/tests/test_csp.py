"""No page needs more than the Content-Security-Policy allows, and every response carries it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from cunxin.core.csp import policy_text

SRC = Path(__file__).resolve().parents[2]
# Rendered to PDF by WeasyPrint on the server, never served to a browser: no policy applies.
PDF_ONLY = {"public/poster.html", "public/board_poster.html", "fund/report_pdf.html"}
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)", re.I),
    "a <style> block": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle\s*=", re.I),
    "an inline event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def _templates() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SRC.glob("**/templates/**/*.html")):
        relative = path.as_posix().split("/templates/", 1)[1]
        if relative not in PDF_ONLY:
            found.append((relative, path))
    return found


def test_no_template_has_inline_script_style_or_handlers() -> None:
    problems = [
        f"{name}: {what}"
        for name, path in _templates()
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_the_policy_allows_nothing_inline_and_nothing_from_elsewhere() -> None:
    policy = settings.CONTENT_SECURITY_POLICY
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert all("http" not in sources and "*" not in sources for sources in policy.values())


@pytest.mark.parametrize("url", ["/accounts/login/", "/api/accounts/me", "/no-such-page/"])
@pytest.mark.django_db
def test_every_response_carries_the_policy(url: str) -> None:
    response = Client(HTTP_HOST="127.0.0.1").get(url)
    assert response["Content-Security-Policy"] == policy_text(settings.CONTENT_SECURITY_POLICY)
