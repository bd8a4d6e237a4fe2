"""Fixtures for the web app's browser tests: a phone-sized page at the live server.

The ``browser`` fixture itself lives in ``browser.py`` and is registered in the root conftest.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from cunxin.web.tests.browser import PHONE_VIEWPORT, TIMEOUT_MS


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) on a 360 px phone, in Chinese, at the live server."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()
