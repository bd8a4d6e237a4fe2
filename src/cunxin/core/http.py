"""Helpers for views: the permission gate, turning domain errors into form errors, paging."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import quote

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from cunxin.core.errors import DomainError
from cunxin.core.scoping import scope_of

V = TypeVar("V", bound=Callable[..., HttpResponse])


def requires(permission: str, *, regions: bool = True) -> Callable[[V], V]:
    """Let a view run only for a user whose roles grant the permission somewhere.

    With ``regions`` (the default, for staff pages) a reach over the user's own record is not
    enough: a villager is refused a page that lists a village's people.
    Anonymous visitors are sent to the login page.
    """

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_of(request.user, permission)
            allowed = (
                (scope.everything or bool(scope.region_prefixes)) if regions else not scope.empty
            )
            if not allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def set_choices(field: forms.Field, choices: list[tuple[str, Any]]) -> None:
    """Give a choice field its choices at run time (they depend on the user)."""
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def set_queryset(field: forms.Field, queryset: QuerySet[Any]) -> None:
    """Cut a model choice field to what the user may pick."""
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def run_action(form: forms.BaseForm, action: Callable[[], Any]) -> tuple[bool, Any]:
    """Call the action; a DomainError becomes an error on its field (or the whole form)."""
    try:
        return True, action()
    except DomainError as exc:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc))
        return False, None


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = 30) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download with a Chinese filename that every browser understands."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "no-store"
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def api_check(request: HttpRequest, permission: str, *, regions: bool = True) -> None:
    """The API's permission gate (authentication is checked by the router)."""
    from django.utils.translation import gettext_lazy as _

    from cunxin.core.errors import Forbidden

    scope = scope_of(request.user, permission)
    allowed = (scope.everything or bool(scope.region_prefixes)) if regions else not scope.empty
    if not allowed:
        raise Forbidden("forbidden", _("您没有权限进行此操作。"))
