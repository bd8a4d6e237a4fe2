"""The REST API under /api/: one router per domain, session authentication with CSRF.

Every handler parses, checks the permission and calls the same action or selector the pages use;
domain errors come back as ``{"code", "message"}`` with their 4xx status.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.security import django_auth

from cunxin.accounts.api import router as accounts_router
from cunxin.blacklist.api import router as blacklist_router
from cunxin.cards.api import router as cards_router
from cunxin.core.errors import DomainError
from cunxin.coupons.api import router as coupons_router
from cunxin.fund.api import router as fund_router
from cunxin.honours.api import router as honours_router
from cunxin.merchants.api import router as merchants_router
from cunxin.notifications.api import router as notifications_router
from cunxin.people.api import router as people_router
from cunxin.policy.api import router as policy_router
from cunxin.records.api import router as records_router
from cunxin.regions.api import router as regions_router
from cunxin.shop.api import router as shop_router
from cunxin.units.api import router as units_router
from cunxin.volunteering.api import router as volunteering_router
from cunxin.workdays.api import router as workdays_router


class ReadableJSON(JSONRenderer):
    """JSON with Chinese as characters, not \\u escapes, for people reading answers."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ReadableJSON(),
    title="cunxin 村信 API",
    version="1",
    description="乡村信用积分治理平台接口。所有接口按用户的角色和区划限定范围。",
    auth=django_auth,
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


# Pydantic's error types in the words a user understands.
_INPUT_ERRORS = {
    "missing": gettext_lazy("必填"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_type": gettext_lazy("应为整数"),
    "bool_parsing": gettext_lazy("应为是或否"),
    "date_from_datetime_parsing": gettext_lazy("应为日期（如 2026-01-31）"),
    "date_parsing": gettext_lazy("应为日期（如 2026-01-31）"),
    "string_type": gettext_lazy("应为文字"),
    "enum": gettext_lazy("不是可选的值"),
    "json_invalid": gettext_lazy("不是有效的 JSON"),
}


@api.exception_handler(ValidationError)
def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ())[1:] if p not in ("payload",))
        problems.append(f"{where}：{_INPUT_ERRORS.get(error.get('type', ''), _('格式不对'))}")
    body = {
        "code": "invalid_input",
        "message": _("提交的数据有误：") + _("；").join(problems),
        "detail": exc.errors,
    }
    return api.create_response(request, body, status=422)


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
api.add_router("/records/", records_router)
api.add_router("/notifications/", notifications_router)
api.add_router("/blacklist/", blacklist_router)
api.add_router("/volunteering/", volunteering_router)
api.add_router("/honours/", honours_router)
api.add_router("/cards/", cards_router)
api.add_router("/shop/", shop_router)
api.add_router("/coupons/", coupons_router)
api.add_router("/fund/", fund_router)
api.add_router("/merchants/", merchants_router)
api.add_router("/workdays/", workdays_router)
api.add_router("/units/", units_router)
