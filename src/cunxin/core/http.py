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
from cunxin.core.scoping import may, require

V = TypeVar("V", bound=Callable[..., HttpResponse])


def requires(permission: str, *, regions: bool = True) -> Callable[[V], V]:
    """Let a view run only for a user whose roles grant the permission somewhere (``may``).

    With ``regions`` (the default, for staff pages) the permission must reach some region or
    unit: a reach over the user's own record is not enough, so a villager is refused a page
    that lists a village's people. Anonymous visitors are sent to the login page.
    """

    def decorate(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not may(request.user, permission, beyond_self=regions):
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
    """The API's gate, the same question as ``requires`` (authentication is the router's)."""
    require(request.user, permission, beyond_self=regions)
