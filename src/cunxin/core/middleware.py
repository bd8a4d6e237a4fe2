"""Turns domain errors raised anywhere below a view into a clear page, never a 500."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from cunxin.core.errors import DomainError


class DomainErrorMiddleware:
    """Renders a DomainError as the error page (or JSON for API calls) with its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/") or request.headers.get("Accept") == "application/json":
            return JsonResponse(exception.as_dict(), status=exception.status)
        template = "partials/error.html" if request.headers.get("HX-Request") else "error.html"
        return render(request, template, {"error": exception}, status=exception.status)
