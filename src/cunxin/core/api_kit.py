"""The API's own parser and error answers: every refusal is ``{code, message, field}`` in Chinese.

- ``CleanParser`` reads JSON bodies strictly: malformed JSON, ``NaN``/``Infinity``, numbers in
  exponent form and text that cannot be stored (NUL, unpaired surrogates) are refused before
  any schema sees them, naming the field.
- ``install_error_handlers`` answers every error ninja or a handler raises in the project's
  shape: pydantic's validation errors in words a user understands, a body ninja cannot parse,
  authentication, permission and not-found.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from cunxin.core.cleaning import PLAIN_DECIMAL, bad_text_error, find_bad_text
from cunxin.core.errors import DomainError

# --- reading bodies ----------------------------------------------------------------------------


def _number(text: str) -> Decimal:
    # Exact decimals (0.1 stays 0.1), and only in the form people write them.
    if not PLAIN_DECIMAL.fullmatch(text):
        raise _plain_number_error()
    return Decimal(text)


def _constant(name: str) -> Any:
    # Python's json reads NaN, Infinity and -Infinity, which are not JSON at all.
    raise _plain_number_error()


def _plain_number_error() -> DomainError:
    return DomainError(
        "number_invalid", _("数字请用普通写法（如 1000 或 1.5），不能用 1e3、NaN 或 Infinity。")
    )


def bad_json_error() -> DomainError:
    return DomainError("json_invalid", _("提交的内容不是有效的 JSON。"))


class CleanParser(Parser):
    """JSON bodies read strictly, with text checked before any schema sees it."""

    def parse_body(self, request: HttpRequest) -> Any:
        try:
            body = request.body
        except RequestDataTooBig:
            raise DomainError("body_too_large", _("提交的内容太大。")) from None
        try:
            data = json.loads(body, parse_float=_number, parse_constant=_constant)
        except DomainError:
            raise
        except (ValueError, RecursionError):
            raise bad_json_error() from None
        where = find_bad_text(data)
        if where is not None:
            raise bad_text_error(where)
        return data


# --- answering errors --------------------------------------------------------------------------

# Pydantic's error types in the words a user understands; {…} come from the error's context.
_INPUT_ERRORS = {
    "missing": gettext_lazy("必填"),
    "int_parsing": gettext_lazy("应为整数"),
    "int_type": gettext_lazy("应为整数"),
    "int_from_float": gettext_lazy("应为整数"),
    "float_parsing": gettext_lazy("应为数字"),
    "float_type": gettext_lazy("应为数字"),
    "decimal_parsing": gettext_lazy("应为数字，如 2 或 1.5"),
    "decimal_type": gettext_lazy("应为数字，如 2 或 1.5"),
    "decimal_plain": gettext_lazy("应为普通写法的数字，如 2 或 1.5"),
    "finite_number": gettext_lazy("应为有限的数字"),
    "decimal_max_digits": gettext_lazy("数字位数太多（最多 {max_digits} 位）"),
    "decimal_max_places": gettext_lazy("最多 {decimal_places} 位小数"),
    "decimal_whole_digits": gettext_lazy("整数部分位数太多"),
    "bool_parsing": gettext_lazy("应为是或否"),
    "bool_type": gettext_lazy("应为是或否"),
    "date_from_datetime_parsing": gettext_lazy("应为日期（如 2026-01-31）"),
    "date_from_datetime_inexact": gettext_lazy("应为日期（如 2026-01-31）"),
    "date_parsing": gettext_lazy("应为日期（如 2026-01-31）"),
    "date_type": gettext_lazy("应为日期（如 2026-01-31）"),
    "datetime_parsing": gettext_lazy("应为时间（如 2026-01-31T09:00）"),
    "datetime_from_date_parsing": gettext_lazy("应为时间（如 2026-01-31T09:00）"),
    "datetime_type": gettext_lazy("应为时间（如 2026-01-31T09:00）"),
    "datetime_object_invalid": gettext_lazy("应为时间（如 2026-01-31T09:00）"),
    "date_range": gettext_lazy("日期应在 1900 年到 2999 年之间"),
    "uuid_parsing": gettext_lazy("应为 UUID 编号"),
    "uuid_type": gettext_lazy("应为 UUID 编号"),
    "uuid_version": gettext_lazy("应为 UUID 编号"),
    "string_type": gettext_lazy("应为文字"),
    "string_too_long": gettext_lazy("太长（最多 {max_length} 个字）"),
    "string_too_short": gettext_lazy("太短（至少 {min_length} 个字）"),
    "string_pattern_mismatch": gettext_lazy("格式不对"),
    "text_invalid": gettext_lazy("含有无法保存的字符（空字符或残缺的文字编码）"),
    "greater_than_equal": gettext_lazy("应不小于 {ge}"),
    "greater_than": gettext_lazy("应大于 {gt}"),
    "less_than_equal": gettext_lazy("应不大于 {le}"),
    "less_than": gettext_lazy("应小于 {lt}"),
    "list_type": gettext_lazy("应为列表"),
    "too_long": gettext_lazy("太多（最多 {max_length} 项）"),
    "too_short": gettext_lazy("太少（至少 {min_length} 项）"),
    "dict_type": gettext_lazy("应为对象"),
    "model_type": gettext_lazy("应为对象"),
    "model_attributes_type": gettext_lazy("应为对象"),
    "enum": gettext_lazy("不是可选的值"),
    "literal_error": gettext_lazy("不是可选的值"),
    "json_invalid": gettext_lazy("不是有效的 JSON"),
    "union_tag_invalid": gettext_lazy("不是可选的值"),
    "extra_forbidden": gettext_lazy("不认识的字段"),
}

# Where ninja puts a parameter, not a part of the field's name.
_SOURCES = {"body", "query", "path", "form", "file", "header", "cookie", "payload"}


def _where(error: dict[str, Any]) -> str:
    loc = [str(p) for p in error.get("loc", ())]
    while loc and loc[0] in _SOURCES:
        loc.pop(0)
    return ".".join(loc)


def _words(error: dict[str, Any]) -> str:
    template = str(_INPUT_ERRORS.get(error.get("type", ""), gettext_lazy("格式不对")))
    context = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | str)}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split("（")[0]


def validation_error_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer to input that does not fit the schema, naming each field."""
    problems = []
    for error in errors:
        where = _where(error)
        problems.append(f"{where}：{_words(error)}" if where else _words(error))
    body: dict[str, Any] = {
        "code": "invalid_input",
        "message": _("提交的数据有误：") + _("；").join(problems),
    }
    first = _where(errors[0]) if errors else ""
    if first:
        body["field"] = first
    return body


def install_error_handlers(api: NinjaAPI) -> None:
    """Answer every error the API can meet as ``{code, message, field}`` with its status."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, exc.as_dict(), status=exc.status)

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, validation_error_body(exc.errors), status=422)

    @api.exception_handler(AuthenticationError)
    def not_logged_in(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request, {"code": "not_authenticated", "message": _("请先登录。")}, status=401
        )

    @api.exception_handler(HttpError)
    def unreadable(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # Ninja wraps whatever its parser raised; the parser's own refusal keeps its words.
        cause = exc.__cause__
        if isinstance(cause, DomainError):
            return domain_error(request, cause)
        if exc.status_code == 400:
            return domain_error(request, bad_json_error())
        return api.create_response(
            request, {"code": "http_error", "message": _("请求无法处理。")}, status=exc.status_code
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request, {"code": "forbidden", "message": _("您没有权限进行此操作。")}, status=403
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return api.create_response(
            request,
            {"code": "not_found", "message": _("不存在，或不在您的管辖范围内。")},
            status=404,
        )
