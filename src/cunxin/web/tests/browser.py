"""Debian's Chromium driven by Playwright, for every app's browser tests.

Playwright never downloads a browser here: it drives /usr/bin/chromium. Without it the browser
tests are skipped on a developer's machine and fail in CI (CI=true), so that a CI image that
lost Chromium cannot pass silently. The ``browser`` fixture is registered once, in the root
conftest: a session fixture imported into two conftests would start Playwright twice, and the
second start fails inside the first one's event loop.

The live server sends the production Content-Security-Policy (``core.csp``), and every page of
every browser test is watched: a violation the browser reports on its console (an inline script
or style, a file from elsewhere) fails the test that caused it (``csp_violations_fail_the_test``,
also registered in the root conftest), so the pages are known to work under the policy.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

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


# The words Chromium uses when it refuses something under the Content-Security-Policy.
CSP_WORDS = ("Content Security Policy", "Content-Security-Policy")


class CspWatch:
    """Collects the Content-Security-Policy violations reported on any watched page."""

    def __init__(self) -> None:
        self.violations: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if any(word in message.text for word in CSP_WORDS):
            self.violations.append(f"{message.page.url if message.page else '?'}: {message.text}")

    def take(self) -> list[str]:
        found, self.violations = self.violations, []
        return found


WATCH = CspWatch()


class WatchedBrowser:
    """The browser, with every context and page it opens watched for CSP violations."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser

    def new_context(self, **kwargs: Any) -> BrowserContext:
        context = self._browser.new_context(**kwargs)
        context.on("console", WATCH.console)
        return context

    def new_page(self, **kwargs: Any) -> Page:
        page = self._browser.new_page(**kwargs)
        page.on("console", WATCH.console)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def csp_violations_fail_the_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails when any page it opened reported a CSP violation."""
    if "browser" not in request.fixturenames:
        yield
        return
    WATCH.take()
    yield
    violations = WATCH.take()
    if violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(violations))


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
                yield WatchedBrowser(chromium)  # type: ignore[misc]
            finally:
                chromium.close()
