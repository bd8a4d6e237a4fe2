"""The browser fixture of the web tests, for this app's browser test."""

from cunxin.web.tests.conftest import browser  # noqa: F401
