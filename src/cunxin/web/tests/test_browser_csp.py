"""The browser tests run under the production Content-Security-Policy and see its violations."""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, Route
from pytest_django.live_server_helper import LiveServer

from cunxin.conftest import PASSWORD, World
from cunxin.core.csp import policy_text
from cunxin.web.tests.browser import WATCH

pytestmark = pytest.mark.browser


@pytest.fixture
def town(transactional_db: None, live_server: LiveServer) -> World:
    from cunxin.conftest import build_world

    return build_world()


def test_the_live_server_sends_the_production_policy(page: Page, town: World) -> None:
    response = page.goto("/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert policy == policy_text(settings.CONTENT_SECURITY_POLICY)
    assert "script-src 'self';" in policy
    assert "unsafe-inline" not in policy


def test_an_inline_script_under_the_policy_is_caught(page: Page, town: World) -> None:
    # A page of our own origin with an inline script and an inline style, under our policy.
    def inline(route: Route) -> None:
        route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": policy_text(settings.CONTENT_SECURITY_POLICY)},
            body='<p style="color:red">x</p><script>document.title = "ran"</script>',
        )

    page.route("**/csp-probe/", inline)
    page.goto("/csp-probe/")
    page.wait_for_load_state()
    assert page.title() != "ran"
    caught = WATCH.take()  # taken here, so this test itself does not fail on them
    assert any("inline script" in v for v in caught), caught
    assert any("inline style" in v for v in caught), caught


def test_the_admin_and_the_login_challenge_work_under_the_policy(page: Page, town: World) -> None:
    # The admin's address leads to the project's login page, and back to the admin.
    page.goto("/admin/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=phone]", "13800000000")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("#site-name").is_visible()
    # Past the allowance, the challenge (drawn as SVG) shows under the policy.
    page.context.clear_cookies()
    for _ in range(6):
        page.goto("/accounts/login/")
        page.fill("input[name=phone]", "13800000001")
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
    challenge = page.locator(".cx-challenge svg")
    assert challenge.is_visible()
    box = challenge.bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert page.locator("text=请先回答验证题").is_visible()
