"""Card pages: the committee's list of cards (bind, unlock, reset PIN, cancel) and the
villager's own page with the pay code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.cards import selectors
from cunxin.cards.actions import do_bind_card, do_cancel_card, do_reset_card_pin, do_unlock_card
from cunxin.cards.forms import BindForm, PinForm, ReasonForm
from cunxin.cards.identify import CODE_REFRESH, CODE_VALID, issue_code
from cunxin.cards.models import Card, CardStatus
from cunxin.cards.qr import grouped, qr_data_uri
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import paginate, query_without_page, requires, run_action
from cunxin.people.models import Resident, ResidentStatus
from cunxin.people.selectors import search

# --- the villager ------------------------------------------------------------------------------


@never_cache
@requires(Perm.USE_POINTS, regions=False)
def my_code(request: HttpRequest) -> HttpResponse:
    """The villager's pay code: a QR and its digits, new on every load, renewed by a script."""
    resident_id = getattr(request.user, "resident_id", None)
    if resident_id is None:
        # A platform admin reaches every permission, but has no villager to pay as.
        return render(request, "cards/my_code.html", {"resident": None})
    resident = get_object_or_404(
        Resident.objects.restrict(request.user, Perm.USE_POINTS), pk=resident_id
    )
    active = resident.status == ResidentStatus.ACTIVE
    context: dict[str, Any] = {"resident": resident, "active": active}
    if active:
        code, expires = issue_code(resident)
        context.update(
            qr=qr_data_uri(code),
            digits=grouped(code),
            expires=expires,
            refresh=int(CODE_REFRESH.total_seconds()),
            valid=int(CODE_VALID.total_seconds()),
        )
    context["card"] = selectors.own_card(resident.pk)
    return render(request, "cards/my_code.html", context)


# --- the committee -----------------------------------------------------------------------------


@requires(Perm.MANAGE_CARDS)
def cards(request: HttpRequest) -> HttpResponse:
    """The cards of the user's villages: search by name, filter the locked or cancelled ones."""
    q = request.GET.get("q", "").strip()
    show = request.GET.get("show", "")
    rows = selectors.cards_for(request.user)
    if show == "locked":
        rows = rows.filter(status=CardStatus.ACTIVE, locked_at__isnull=False)
    elif show == "cancelled":
        rows = rows.filter(status=CardStatus.CANCELLED)
    else:
        rows = rows.filter(status=CardStatus.ACTIVE)
    if q:
        rows = rows.filter(resident__in=search(Resident.objects.all(), q))
    return render(
        request,
        "cards/cards.html",
        {
            "page_obj": paginate(request, rows, 30),
            "query": query_without_page(request),
            "q": q,
            "show": show,
        },
    )


@requires(Perm.MANAGE_CARDS)
def bind(request: HttpRequest) -> HttpResponse:
    """Bind a card: search the villager, pick them, type the number and the PIN twice."""
    q = request.GET.get("q", "").strip()
    chosen = (request.POST if request.method == "POST" else request.GET).get("resident", "")
    picked = (
        selectors.bindable_residents(request.user).filter(pk=parse_id(chosen) or 0).first()
        if parse_id(chosen)
        else None
    )
    form = BindForm(request.POST or None, initial={"resident": picked.pk if picked else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if picked is None:
            form.add_error(None, _("请先搜索并选择一位本村在册、还没有诚信卡的村民。"))
        else:
            resident = picked
            ok, card = run_action(
                form,
                lambda: do_bind_card(
                    resident,
                    card_number=data["card_number"],
                    pin=data["pin"],
                    pin_again=data["pin_again"],
                    acting_user=request.user,
                ),
            )
            if ok:
                messages.success(
                    request,
                    _("已为%(name)s绑定尾号%(last4)s的诚信卡。")
                    % {"name": resident.name, "last4": card.last4},
                )
                return redirect("cards:card", pk=card.pk)
    candidates = selectors.bindable_residents(request.user, q)[:20] if q and not picked else []
    return render(
        request,
        "cards/bind.html",
        {"form": form, "q": q, "candidates": candidates, "picked": picked},
    )


def _managed(request: HttpRequest, pk: int) -> Card:
    card: Card = get_object_or_404(selectors.cards_for(request.user), pk=pk)
    return card


@requires(Perm.MANAGE_CARDS)
def card_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One card: its state, the committee's buttons and its history."""
    card = _managed(request, pk)
    return render(
        request,
        "cards/card.html",
        {
            "card": card,
            "pin_form": PinForm(),
            "unlock_form": ReasonForm(prefix="unlock", label=_("解锁原因")),
            "cancel_form": ReasonForm(prefix="cancel", label=_("注销原因")),
            "history": selectors.history(card)[:50],
        },
    )


def _act(request: HttpRequest, pk: int, form: Any, action: Any, done: str) -> HttpResponse:
    """Run a card action from its form; a refusal comes back as a message on the card page."""
    card = _managed(request, pk)
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        messages.error(request, " ".join(errors) or _("请检查填写的内容。"))
        return redirect("cards:card", pk=card.pk)
    try:
        action(card, form.cleaned_data)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("cards:card", pk=card.pk)


@require_POST
@requires(Perm.MANAGE_CARDS)
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ReasonForm(request.POST, prefix="unlock"),
        lambda card, d: do_unlock_card(card, reason=d["reason"], acting_user=request.user),
        _("已解锁。"),
    )


@require_POST
@requires(Perm.MANAGE_CARDS)
def reset_pin(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        PinForm(request.POST),
        lambda card, d: do_reset_card_pin(
            card,
            pin=d["pin"],
            pin_again=d["pin_again"],
            reason=d["reason"],
            acting_user=request.user,
        ),
        _("密码已重置。"),
    )


@require_POST
@requires(Perm.MANAGE_CARDS)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        ReasonForm(request.POST, prefix="cancel"),
        lambda card, d: do_cancel_card(card, reason=d["reason"], acting_user=request.user),
        _("已注销。"),
    )
