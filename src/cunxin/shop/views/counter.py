"""The keeper's phone: identify the customer, pick goods, confirm, receipt; the day's list.

The customer identified by a code or a card is kept in the keeper's session for a few minutes
(the code itself lives 90 seconds, and picking goods may take longer); the code is used up by
the redemption, in its transaction.
"""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.permissions import Perm
from cunxin.cards.counter import recall_customer, remember_customer
from cunxin.cards.identify import identify
from cunxin.core.cleaning import parse_id
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import requires
from cunxin.core.scoping import may
from cunxin.records.standing import PolicyCache
from cunxin.shop import selectors
from cunxin.shop.actions.redeem import (
    check_customer,
    do_cancel_redemption,
    do_redeem,
    may_cancel,
    may_cancel_redemption,
)
from cunxin.shop.forms import CancelForm, CardForm, CodeForm
from cunxin.shop.models import Redemption, RedemptionStatus, Shop
from cunxin.shop.receipts import customer_view, receipt

SESSION_KEY = "shop_customer"


def _kept(request: HttpRequest, pk: int) -> Shop:
    shop: Shop = get_object_or_404(selectors.kept_shops(request.user), pk=pk)
    return shop


def _wanted(request: HttpRequest, shop: Shop) -> list[tuple[int, int]]:
    """The quantities picked: ``qty_<goods id>`` fields; blanks and zeros are skipped."""
    lines = []
    for key, value in request.POST.dict().items():
        if not key.startswith("qty_") or not value.strip():
            continue
        goods_id, quantity = key[4:], value.strip()
        count = parse_id(quantity.lstrip("-"))
        if not parse_id(goods_id) or (count is None and quantity.strip("-0")):
            raise DomainError("quantity_invalid", _("数量应为正整数。"), field="quantity")
        if count:
            lines.append((int(goods_id), -count if quantity.startswith("-") else count))
    return lines


@requires(Perm.REDEEM)
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    """Scan or type the code, or take a card and PIN; then the customer and the goods."""
    shop = _kept(request, pk)
    code_form = CodeForm(request.POST if request.POST.get("step") == "code" else None)
    card_form = CardForm(request.POST if request.POST.get("step") == "card" else None)
    if request.method == "POST":
        step = request.POST.get("step")
        if step == "clear":
            request.session.pop(SESSION_KEY, None)
            return redirect("shop:counter", pk=shop.pk)
        if step in ("code", "card"):
            # A new code or card replaces whoever was at the counter before.
            request.session.pop(SESSION_KEY, None)
            form = code_form if step == "code" else card_form
            if form.is_valid():
                try:
                    customer = identify(**form.cleaned_data, acting_user=request.user)
                    check_customer(shop, customer.resident)
                except DomainError as exc:
                    field = exc.field if exc.field in form.fields else None
                    form.add_error(field, str(exc))
                else:
                    remember_customer(request, SESSION_KEY, shop.pk, customer)
                    return redirect("shop:counter", pk=shop.pk)
        elif step == "redeem":
            held = recall_customer(request, SESSION_KEY, shop.pk)
            if held is None:
                messages.error(request, _("请重新扫码或刷卡。"))
                return redirect("shop:counter", pk=shop.pk)
            try:
                client_id = uuid.UUID(request.POST.get("client_id", ""))
            except ValueError:
                messages.error(request, _("提交编号无效，请刷新页面后重试。"))
                return redirect("shop:counter", pk=shop.pk)
            try:
                redemption = do_redeem(
                    shop,
                    held,
                    _wanted(request, shop),
                    client_id=client_id,
                    acting_user=request.user,
                )
            except (Forbidden, NotFound):
                raise
            except DomainError as exc:
                messages.error(request, str(exc))
                return redirect("shop:counter", pk=shop.pk)
            request.session.pop(SESSION_KEY, None)
            return redirect("shop:receipt", pk=redemption.pk)
    shown = recall_customer(request, SESSION_KEY, shop.pk)
    return render(
        request,
        "shop/counter.html",
        {
            "shop": shop,
            "customer": customer_view(shown.resident, shown.via) if shown else None,
            "goods": shop.goods.filter(active=True, stock__gt=0) if shown else [],
            "code_form": code_form,
            "card_form": card_form,
            "client_id": uuid.uuid4(),
        },
    )


@requires(Perm.VIEW_SHOP)
def receipt_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt: printable, and shown on the keeper's phone."""
    redemption: Redemption = get_object_or_404(selectors.redemptions_for(request.user), pk=pk)
    return render(
        request,
        "shop/receipt.html",
        {
            "r": receipt(redemption),
            "redemption": redemption,
            "can_cancel": may_cancel_redemption(request.user, redemption),
            "cancel_form": CancelForm(),
        },
    )


@requires(Perm.VIEW_SHOP)
def redemptions(request: HttpRequest) -> HttpResponse:
    """Redemptions at the user's shops on a day (today unless ``day`` is given)."""
    try:
        day = (
            datetime.date.fromisoformat(request.GET.get("day", ""))
            if request.GET.get("day")
            else timezone.localdate()
        )
    except ValueError:
        day = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    rows = selectors.redemptions_for(request.user).filter(
        created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)
    )
    shop_id = request.GET.get("shop", "")
    if parse_id(shop_id):
        rows = rows.filter(shop_id=parse_id(shop_id) or 0)
    found = list(rows[:500])
    policies = PolicyCache()
    return render(
        request,
        "shop/redemptions.html",
        {
            "rows": [receipt(r, policies) for r in found],
            "day": day,
            "today": day == timezone.localdate(),
            "shop_id": shop_id,
            "total": sum(r.points for r in found if r.status == RedemptionStatus.DONE),
            "can_manage": may(request.user, Perm.MANAGE_SHOP),
        },
    )


@require_POST
@requires(Perm.VIEW_SHOP)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a redemption of today, with a reason."""
    redemption: Redemption = get_object_or_404(selectors.redemptions_for(request.user), pk=pk)
    if not may_cancel(request.user, redemption.shop):
        raise Forbidden("forbidden", _("您没有权限撤销本店的兑换。"))
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写撤销原因。"))
        return redirect("shop:receipt", pk=redemption.pk)
    try:
        do_cancel_redemption(
            redemption, reason=form.cleaned_data["reason"], acting_user=request.user
        )
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销，积分和库存已退回。"))
    return redirect("shop:receipt", pk=redemption.pk)
