"""Users holding a temporary password must replace it before doing anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

_ALLOWED_PREFIXES = ("/static/", "/i18n/", "/accounts/logout/", "/accounts/password/")


class PasswordChangeRequiredMiddleware:
    """Redirects to the password page while ``must_change_password`` is set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "password_change_required", "message": _("请先修改初始密码。")},
                    status=403,
                )
            return redirect(reverse("accounts:password"))
        return self.get_response(request)
