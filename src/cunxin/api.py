"""The REST API under /api/: one router per domain, session authentication with CSRF.

Every handler parses, checks the permission and calls the same action or selector the pages use;
domain errors come back as ``{"code", "message"}`` with their 4xx status.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.security import django_auth

from cunxin.accounts.api import router as accounts_router
from cunxin.core.errors import DomainError
from cunxin.people.api import router as people_router
from cunxin.policy.api import router as policy_router
from cunxin.regions.api import router as regions_router

api = NinjaAPI(
    title="cunxin 村信 API",
    version="1",
    description="乡村信用积分治理平台接口。所有接口按用户的角色和区划限定范围。",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def not_logged_in(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_authenticated", "message": _("请先登录。")}, status=401
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"code": "forbidden", "message": _("您没有权限进行此操作。")}, status=403
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_found", "message": _("不存在，或不在您的管辖范围内。")}, status=404
    )


api.add_router("/accounts/", accounts_router)
api.add_router("/regions/", regions_router)
api.add_router("/people/", people_router)
api.add_router("/policy/", policy_router)
