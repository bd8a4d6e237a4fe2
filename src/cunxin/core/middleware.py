"""Request guards: input no view can handle is refused up front; domain errors become pages.

``InputGuardMiddleware`` runs before the session, CSRF and every view. It refuses — with the
project's ``{code, message, field}`` for the API and the error page for the site — a request
whose address, query string or form body holds text that cannot be stored (NUL, unpaired
surrogates), and a form body that cannot be read at all (``multipart/form-data`` without a
boundary, too many fields, too large). Without it each of these is a 500 somewhere below:
in the CSRF check that reads the body, in a query on PostgreSQL, in a view.

``DomainErrorMiddleware`` turns domain errors raised anywhere below a view into a clear page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from cunxin.core.cleaning import bad_text_error, text_problem
from cunxin.core.errors import DomainError

_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept") == "application/json"


def _error_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
        )
    template = "partials/error.html" if request.headers.get("HX-Request") else "error.html"
    return render(request, template, {"error": error}, status=error.status)


class InputGuardMiddleware:
    """Refuses a request whose address, query or form body no view could handle."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._drop_bad_cookies(request)
        refusal = self._problem(request)
        if refusal is not None:
            return _error_response(request, refusal)
        return self.get_response(request)

    @staticmethod
    def _drop_bad_cookies(request: HttpRequest) -> None:
        # A quoted cookie may carry "\000"; a session key holding NUL would fail the session's
        # query. Such a cookie cannot be ours: it is ignored, as a missing one would be.
        for name, value in list(request.COOKIES.items()):
            if text_problem(name) or text_problem(value):
                del request.COOKIES[name]

    def _problem(self, request: HttpRequest) -> DomainError | None:
        if text_problem(request.path_info):
            return bad_text_error("path", _("网址"))
        problem = _bad_field(request.GET.lists(), "query")
        if problem is not None:
            return problem
        content_type = request.content_type or ""
        if request.method != "POST" or content_type not in _FORM_TYPES:
            return None
        try:
            fields, files = request.POST, request.FILES
        except RequestDataTooBig:
            return DomainError("body_too_large", _("提交的内容太大。"))
        except (MultiPartParserError, SuspiciousOperation, ValueError):
            return DomainError(
                "form_unreadable", _("提交的表单无法读取（格式有误或内容太多），请刷新页面后重试。")
            )
        problem = _bad_field(fields.lists(), "form")
        if problem is not None:
            return problem
        for key, uploads in files.lists():
            if any(text_problem(u.name or "") for u in uploads):
                return bad_text_error(key, _("文件名"))
        return None


def _bad_field(items: Iterable[tuple[str, list[str]]], where: str) -> DomainError | None:
    for key, values in items:
        if text_problem(key):
            return bad_text_error(where)
        if any(text_problem(v) for v in values):
            return bad_text_error(key)
    return None


class DomainErrorMiddleware:
    """Renders a DomainError as the error page (or JSON for API calls) with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return _error_response(request, exception)
