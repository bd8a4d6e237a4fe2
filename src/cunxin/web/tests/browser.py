"""Debian's Chromium driven by Playwright, for every app's browser tests.

Playwright never downloads a browser here: it drives /usr/bin/chromium. Without it the browser
tests are skipped on a developer's machine and fail in CI (CI=true), so that a CI image that
lost Chromium cannot pass silently. The ``browser`` fixture is registered once, in the root
conftest: a session fixture imported into two conftests would start Playwright twice, and the
second start fails inside the first one's event loop.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A common small Android phone: the layout must work at this width.
PHONE_VIEWPORT = {"width": 360, "height": 740}
# Long enough for a cold start of the live server, short enough to fail a broken step quickly.
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install "
            "chromium) to run the browser tests"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # While Playwright runs, its event loop counts as "running" in the main thread, and Django
    # would refuse every database call made there (the test's fixtures, the flush after a
    # transactional test). The calls are synchronous and safe: tell Django so, for exactly as
    # long as Playwright runs.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        expect.set_options(timeout=TIMEOUT_MS)
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
