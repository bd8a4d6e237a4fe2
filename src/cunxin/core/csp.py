"""The Content-Security-Policy: the browser runs and styles only what our own files say.

Every asset is served from our own static files (never a CDN), and no page has an inline
script, an inline event handler, a ``<style>`` block or a ``style`` attribute — behaviour lives
in ``cunxin.js`` (elements are marked with ``data-`` attributes), styles in each app's CSS file,
and the few drawn shares (grade bars, the login challenge) are SVG whose sizes are attributes,
not styles. So the policy can forbid everything else, and a script injected into a page by a
bug would not run.

The policy is ``settings.CONTENT_SECURITY_POLICY`` (directive → sources) and is sent on every
response, in development too, so that a page that breaks it is found before production; the
browser tests fail on any violation the browser reports. Only Django's own debug pages (with
``DEBUG`` on) go without it, since they are made of inline styles and scripts.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy_text(directives: dict[str, str]) -> str:
    """The header value for directives such as ``{"script-src": "'self'"}``."""
    return "; ".join(f"{name} {sources}".strip() for name, sources in directives.items())


class ContentSecurityPolicyMiddleware:
    """Adds the Content-Security-Policy header to every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.value = policy_text(settings.CONTENT_SECURITY_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response  # Django's technical pages are inline styles and scripts
        if HEADER not in response:
            response[HEADER] = self.value
        return response
