"""Pages: login and logout, own password, and the user list a clerk manages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cunxin.accounts import actions, devices, selectors
from cunxin.accounts.challenge import new_challenge
from cunxin.accounts.forms import (
    GrantRoleForm,
    LoginForm,
    PasswordChangeForm,
    ReasonForm,
    ResetPasswordForm,
    UserCreateForm,
)
from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.permissions import Perm, Role
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.people.models import Resident


@sensitive_post_parameters("password")
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    """Log in with phone number and password, through the login limiter (in the action).

    Past an allowance of failures the page shows a challenge (a sum drawn as a picture); its
    signed token and the answer come back with the form.
    """
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, user = run_action(
            form,
            lambda: actions.login_with_phone(
                request,
                form.cleaned_data["phone"],
                form.cleaned_data["password"],
                challenge_token=request.POST.get("challenge", "")[:200],
                challenge_answer=request.POST.get("answer", "")[:10],
            ),
        )
        if ok:
            login(request, user)
            response = redirect(next_url or "web:home")
            devices.remember(request, response, user.phone)
            return response
    typed = str(form.data.get("phone", "")) if form.is_bound else ""
    shown = new_challenge() if actions.login_challenge_needed(request, typed) else None
    return render(
        request, "accounts/login.html", {"form": form, "next": next_url, "challenge": shown}
    )


def admin_login(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Django admin's login page: the project's login, so the admin is not a way around the
    login limiter (and an admin sees the same page, challenge and waits as everyone)."""
    if request.user.is_authenticated:
        raise PermissionDenied  # logged in, but not staff: the admin is not theirs
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("accounts:login")
    )


def admin_password_change(request: HttpRequest, extra_context: object = None) -> HttpResponse:
    """Django admin's password change: ours, whose old-password check goes through the limiter
    (the admin's own form would let a session holder guess the password without one)."""
    return redirect("accounts:password")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
@sensitive_post_parameters()
def password_view(request: HttpRequest) -> HttpResponse:
    """A user replaces their own password (forced after a reset or first login)."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        assert isinstance(user, User)
        ok, _result = run_action(
            form,
            lambda: actions.do_change_own_password(
                user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
                ip=request.META.get("REMOTE_ADDR") or "",
            ),
        )
        if ok:
            update_session_auth_hash(request, user)
            messages.success(request, _("密码已修改。"))
            return redirect("web:home")
    return render(request, "accounts/password.html", {"form": form})


@requires(Perm.VIEW_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    page = paginate(request, selectors.users_for(request.user, query))
    can_create = (
        bool(selectors.grantable_roles(request.user))
        and selectors.manageable_regions(request.user).exists()
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "page_obj": page,
            "q": query,
            "query": query_without_page(request),
            "can_create": can_create,
        },
    )


@requires(Perm.MANAGE_USERS)
@sensitive_post_parameters("password")
def user_create(request: HttpRequest) -> HttpResponse:
    roles = selectors.grantable_roles(request.user)
    regions = selectors.manageable_regions(request.user)
    initial: dict[str, object] = {}
    resident = None
    if request.method == "GET" and parse_id(request.GET.get("resident")):
        # "Open a login for this villager" from the resident page: fill in what we know.
        resident = get_object_or_404(
            Resident.objects.restrict(request.user, Perm.EDIT_PEOPLE).select_related("village"),
            pk=parse_id(request.GET["resident"]),
        )
        initial = {
            "name": resident.name,
            "phone": resident.phone,
            "role": Role.VILLAGER.value,
            "region": resident.village,
            "resident_id": resident.pk,
        }
    form = UserCreateForm(request.POST or None, initial=initial, roles=roles, regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        resident_id = data.get("resident_id")
        if resident_id:
            resident = (
                Resident.objects.restrict(request.user, Perm.VIEW_PEOPLE)
                .filter(pk=resident_id)
                .first()
            )
        ok, user = run_action(
            form,
            lambda: actions.do_create_user(
                phone=data["phone"],
                name=data["name"],
                password=data["password"],
                role=Role(data["role"]),
                region=data["region"],
                resident=resident,
                acting_user=request.user,
                reason=data.get("reason", ""),
            ),
        )
        if ok:
            messages.success(
                request,
                _("账号已创建：%(name)s（%(phone)s）。") % {"name": user.name, "phone": user.phone},
            )
            return redirect("accounts:user", pk=user.pk)
    return render(request, "accounts/user_create.html", {"form": form, "resident": resident})


@requires(Perm.VIEW_USERS)
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(selectors.users_for(request.user), pk=pk)
    try:
        actions.check_can_manage(request.user, target)
        can_manage = True
    except DomainError:
        can_manage = False
    roles = selectors.grantable_roles(request.user)
    regions = selectors.manageable_regions(request.user)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "assignments": target.assignments.select_related("region", "created_by").order_by(
                "-active", "-created_at"
            ),
            "can_manage": can_manage,
            "reset_form": ResetPasswordForm(),
            "reason_form": ReasonForm(),
            "grant_form": GrantRoleForm(roles=roles, regions=regions),
        },
    )


def _managed_target(request: HttpRequest, pk: int) -> User:
    return get_object_or_404(selectors.users_for(request.user), pk=pk)


@require_POST
@requires(Perm.MANAGE_USERS)
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    form = ResetPasswordForm(request.POST)
    if form.is_valid():
        ok, _r = run_action(
            form,
            lambda: actions.do_reset_password(
                target,
                new_password=form.cleaned_data["new_password"],
                acting_user=request.user,
                reason=form.cleaned_data["reason"],
            ),
        )
        if ok:
            messages.success(request, _("已重置密码，对方下次登录时必须修改。"))
            return redirect("accounts:user", pk=pk)
    _flash_errors(request, form)
    return redirect("accounts:user", pk=pk)


@require_POST
@requires(Perm.MANAGE_USERS)
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    form = ReasonForm(request.POST)
    active = request.POST.get("active") == "1"
    if form.is_valid():
        ok, _r = run_action(
            form,
            lambda: actions.do_set_user_active(
                target, active=active, acting_user=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        if ok:
            messages.success(request, _("账号已启用。") if active else _("账号已停用。"))
            return redirect("accounts:user", pk=pk)
    _flash_errors(request, form)
    return redirect("accounts:user", pk=pk)


@require_POST
@requires(Perm.MANAGE_USERS)
def user_grant_role(request: HttpRequest, pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    form = GrantRoleForm(
        request.POST,
        roles=selectors.grantable_roles(request.user),
        regions=selectors.manageable_regions(request.user),
    )
    if form.is_valid():
        ok, _r = run_action(
            form,
            lambda: actions.do_grant_role(
                target,
                role=Role(form.cleaned_data["role"]),
                region=form.cleaned_data["region"],
                acting_user=request.user,
                reason=form.cleaned_data.get("reason", ""),
            ),
        )
        if ok:
            messages.success(request, _("已授予角色。"))
            return redirect("accounts:user", pk=pk)
    _flash_errors(request, form)
    return redirect("accounts:user", pk=pk)


@require_POST
@requires(Perm.MANAGE_USERS)
def user_revoke_role(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    target = _managed_target(request, pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user=target, active=True)
    form = ReasonForm(request.POST)
    if form.is_valid():
        ok, _r = run_action(
            form,
            lambda: actions.do_revoke_role(
                assignment, acting_user=request.user, reason=form.cleaned_data["reason"]
            ),
        )
        if ok:
            messages.success(request, _("已撤销角色。"))
            return redirect("accounts:user", pk=pk)
    _flash_errors(request, form)
    return redirect("accounts:user", pk=pk)


def _flash_errors(
    request: HttpRequest, form: ReasonForm | ResetPasswordForm | GrantRoleForm
) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))
