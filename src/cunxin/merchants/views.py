"""Pages of partner merchants: the list villagers see, applying, the centre's decisions, staff
and discounts, the counter, receipts, statements and settlement, figures.

Views parse, check and call the actions; nothing else saves a merchant's rows.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunxin.accounts.models import User
from cunxin.accounts.permissions import Perm, Role
from cunxin.cards.counter import recall_customer, remember_customer
from cunxin.cards.identify import identify
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import requires, run_action
from cunxin.core.scoping import may
from cunxin.fund.money import parse_yuan
from cunxin.merchants import selectors
from cunxin.merchants.actions.merchants import (
    MERCHANT_LEVELS,
    cashiers_of,
    discount_table,
    do_add_staff,
    do_apply_merchant,
    do_approve_merchant,
    do_refuse_merchant,
    do_remove_staff,
    do_resume_merchant,
    do_set_discounts,
    do_suspend_merchant,
    is_staff,
    may_manage,
)
from cunxin.merchants.actions.sales import check_customer, do_sell, parse_coupon
from cunxin.merchants.actions.settlement import do_mark_paid, do_settle_month
from cunxin.merchants.forms import (
    CardForm,
    CodeForm,
    DiscountForm,
    MerchantForm,
    MonthForm,
    ReasonForm,
    SaleForm,
    StaffForm,
)
from cunxin.merchants.models import Merchant, MerchantStatus, Sale, Settlement
from cunxin.merchants.workflow import MERCHANTS
from cunxin.regions.models import Region

SESSION_KEY = "merchant_customer"


def _worked(request: HttpRequest, pk: int) -> Merchant:
    merchant: Merchant = get_object_or_404(selectors.worked_merchants(request.user), pk=pk)
    return merchant


def _managed(request: HttpRequest, pk: int) -> Merchant:
    merchant: Merchant = get_object_or_404(selectors.managed_merchants(request.user), pk=pk)
    return merchant


def _staffed(request: HttpRequest, pk: int) -> Merchant:
    merchant: Merchant = get_object_or_404(selectors.staffed_merchants(request.user), pk=pk)
    return merchant


def apply_regions(user: Any) -> list[Region]:
    """Towns and counties the user may apply for a merchant in: those above a keeper's
    village, and a credit centre's own."""
    rows = Region.objects.filter(level__in=MERCHANT_LEVELS).order_by("code")
    found = list(rows.restrict(user, Perm.APPLY_MERCHANT))
    # Region rows come with their ancestors; a centre applies only inside its own region.
    found += [
        r
        for r in rows.restrict(user, Perm.MANAGE_MERCHANTS)
        if may(user, Perm.MANAGE_MERCHANTS, r.code)
    ]
    unique = {r.pk: r for r in found}
    return sorted(unique.values(), key=lambda r: r.code)


@requires(Perm.VIEW_MERCHANTS)
def index(request: HttpRequest) -> HttpResponse:
    """Partner merchants and the discount each grade gets; the user's own counters first."""
    rows = list(selectors.merchants_for(request.user))
    worked = set(selectors.worked_merchants(request.user).values_list("pk", flat=True))
    return render(
        request,
        "merchants/index.html",
        {
            "rows": [(m, discount_table(m), m.pk in worked) for m in rows],
            "staffed": list(selectors.staffed_merchants(request.user)),
            "can_apply": bool(apply_regions(request.user)),
            "can_manage": may(request.user, Perm.MANAGE_MERCHANTS, beyond_self=True),
        },
    )


@requires(Perm.VIEW_MERCHANTS)
def apply(request: HttpRequest) -> HttpResponse:
    """A keeper applies for their business, or the credit centre enters an application."""
    regions = apply_regions(request.user)
    if not regions:
        raise PermissionDenied
    form = MerchantForm(request.POST or None)
    field = form.fields["region"]
    assert hasattr(field, "queryset")
    field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions]).order_by("code")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, merchant = run_action(
            form,
            lambda: do_apply_merchant(
                data["region"],
                name=data["name"],
                address=data["address"],
                licence_no=data["licence_no"],
                phone=data["phone"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("申请已提交，等待信用中心审核。"))
            if may_manage(request.user, merchant) or is_staff(request.user, merchant):
                return redirect("merchants:detail", pk=merchant.pk)
            return redirect("merchants:index")
    return render(request, "merchants/apply.html", {"form": form})


def _keeper_choices(merchant: Merchant) -> Any:
    return (
        User.objects.filter(
            assignments__role=Role.KEEPER,
            assignments__region__code__startswith=merchant.region.prefix,
            is_active=True,
        )
        .exclude(pk__in=cashiers_of(merchant).values("user_id"))
        .distinct()
        .order_by("pk")
    )


@requires(Perm.VIEW_MERCHANTS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant as its staff and the credit centre see it."""
    merchant = _worked(request, pk)
    manage = may_manage(request.user, merchant)
    return render(
        request,
        "merchants/detail.html",
        {
            "merchant": merchant,
            "manage": manage,
            # The status changes the user may make now: the buttons of the 审核 card.
            "moves": MERCHANTS.moves(request.user, merchant),
            "sell": is_staff(request.user, merchant) and merchant.status == MerchantStatus.ACTIVE,
            "staff": list(cashiers_of(merchant)),
            "discounts": DiscountForm(initial=discount_table(merchant)),
            "staff_form": StaffForm(users=_keeper_choices(merchant)) if manage else None,
            "reason_form": ReasonForm(),
            "settlements": list(merchant.settlements.select_related("payment")) if manage else [],
            "month_form": MonthForm(),
        },
    )


@require_POST
@requires(Perm.MANAGE_MERCHANTS)
def change_status(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Approve, refuse, suspend or resume (the last three but resume need a reason)."""
    merchant = _managed(request, pk)
    reason = request.POST.get("reason", "")
    actions: dict[str, Any] = {
        "approve": lambda: do_approve_merchant(merchant, acting_user=request.user),
        "resume": lambda: do_resume_merchant(merchant, acting_user=request.user),
        "refuse": lambda: do_refuse_merchant(merchant, reason=reason, acting_user=request.user),
        "suspend": lambda: do_suspend_merchant(merchant, reason=reason, acting_user=request.user),
    }
    if verb not in actions:
        raise NotFound("not_found", _("没有这个操作。"))
    try:
        actions[verb]()
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已保存。"))
    return redirect("merchants:detail", pk=merchant.pk)


@require_POST
@requires(Perm.MANAGE_MERCHANTS)
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    merchant = _managed(request, pk)
    form = StaffForm(request.POST, users=_keeper_choices(merchant))
    if not form.is_valid():
        messages.error(request, _("请选择一个本区域的商家账号。"))
        return redirect("merchants:detail", pk=merchant.pk)
    try:
        do_add_staff(merchant, form.cleaned_data["user"], acting_user=request.user)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("merchants:detail", pk=merchant.pk)


@require_POST
@requires(Perm.MANAGE_MERCHANTS)
def staff_remove(request: HttpRequest, pk: int, staff_id: int) -> HttpResponse:
    merchant = _managed(request, pk)
    staff = get_object_or_404(cashiers_of(merchant), pk=staff_id)
    do_remove_staff(staff, acting_user=request.user)
    return redirect("merchants:detail", pk=merchant.pk)


@require_POST
@requires(Perm.VIEW_MERCHANTS)
def discounts(request: HttpRequest, pk: int) -> HttpResponse:
    """Percent off per grade, by the merchant's staff or the credit centre."""
    merchant = _worked(request, pk)
    form = DiscountForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("优惠应为0到50之间的整数。"))
        return redirect("merchants:detail", pk=merchant.pk)
    try:
        do_set_discounts(merchant, dict(form.cleaned_data), acting_user=request.user)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("优惠已保存。"))
    return redirect("merchants:detail", pk=merchant.pk)


# --- the counter ---------------------------------------------------------------------------------


def _sell(request: HttpRequest, merchant: Merchant, form: SaleForm) -> Sale | None:
    held = recall_customer(request, SESSION_KEY, merchant.pk)
    if held is None:
        messages.error(request, _("请重新扫码或刷卡。"))
        return None
    if not form.is_valid():
        return None
    data = form.cleaned_data

    def act() -> Sale:
        amount = parse_yuan(data["amount"], "amount")
        coupon = parse_coupon(data["coupon"])
        return do_sell(
            merchant,
            held,
            amount_fen=amount,
            coupon_fen=coupon,
            client_id=data["client_id"],
            acting_user=request.user,
        )

    try:
        ok, sale = run_action(form, act)
    except (Forbidden, NotFound):
        raise
    return sale if ok else None


@requires(Perm.SELL)
def counter(request: HttpRequest, pk: int) -> HttpResponse:
    """Scan or type the code, or take a card and PIN; then the amount; then the receipt."""
    merchant = _staffed(request, pk)
    step = request.POST.get("step")
    code_form = CodeForm(request.POST if step == "code" else None)
    card_form = CardForm(request.POST if step == "card" else None)
    sale_form = SaleForm(
        request.POST if step == "sell" else None, initial={"client_id": uuid.uuid4()}
    )
    if request.method == "POST":
        if step == "clear":
            request.session.pop(SESSION_KEY, None)
            return redirect("merchants:counter", pk=merchant.pk)
        if step in ("code", "card"):
            request.session.pop(SESSION_KEY, None)
            form = code_form if step == "code" else card_form
            if form.is_valid():
                try:
                    customer = identify(
                        **form.cleaned_data, acting_user=request.user, serves=merchant.region
                    )
                    check_customer(merchant, customer.resident)
                except DomainError as exc:
                    field = exc.field if exc.field in form.fields else None
                    form.add_error(field, str(exc))
                else:
                    remember_customer(request, SESSION_KEY, merchant.pk, customer)
                    return redirect("merchants:counter", pk=merchant.pk)
        elif step == "sell":
            sale = _sell(request, merchant, sale_form)
            if sale is not None:
                request.session.pop(SESSION_KEY, None)
                return redirect("merchants:receipt", pk=sale.pk)
            if recall_customer(request, SESSION_KEY, merchant.pk) is None:
                return redirect("merchants:counter", pk=merchant.pk)
    shown = recall_customer(request, SESSION_KEY, merchant.pk)
    return render(
        request,
        "merchants/counter.html",
        {
            "merchant": merchant,
            "active": merchant.status == MerchantStatus.ACTIVE,
            "customer": selectors.customer_view(merchant, shown.resident, shown.via)
            if shown
            else None,
            "code_form": code_form,
            "card_form": card_form,
            "sale_form": sale_form,
        },
    )


@requires(Perm.VIEW_MERCHANTS)
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    """A sale's receipt: printable, and shown on the cashier's phone."""
    sale: Sale = get_object_or_404(selectors.sales_for(request.user), pk=pk)
    return render(request, "merchants/receipt.html", {"sale": sale, "r": selectors.receipt(sale)})


@requires(Perm.VIEW_MERCHANTS)
def sales(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant's sales on a day (today unless ``day`` is given)."""
    merchant = _worked(request, pk)
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    rows = list(
        selectors.sales_for(request.user).filter(
            merchant=merchant,
            created_at__gte=start,
            created_at__lt=start + datetime.timedelta(days=1),
        )[:500]
    )
    return render(
        request,
        "merchants/sales.html",
        {
            "merchant": merchant,
            "day": day,
            "rows": [selectors.receipt(s) for s in rows],
            "coupon_fen": sum(s.coupon_fen for s in rows),
            "cash_fen": sum(s.cash_fen for s in rows),
        },
    )


# --- statements and settlement -------------------------------------------------------------------


def _month(request: HttpRequest) -> datetime.date:
    form = MonthForm(request.GET if request.GET.get("month") else None)
    if form.is_bound and form.is_valid():
        month: datetime.date = form.cleaned_data["month"]
        return month
    last = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    return last.replace(day=1)


@requires(Perm.MANAGE_MERCHANTS)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """A merchant's month: every sale and the coupons the fund owes; printable on A4."""
    merchant = _managed(request, pk)
    month = _month(request)
    found = selectors.statement(merchant, month)
    return render(
        request,
        "merchants/statement.html",
        {
            "s": found,
            "month_text": f"{month:%Y-%m}",
            "rows": [selectors.receipt(s) for s in found.sales],
        },
    )


@require_POST
@requires(Perm.MANAGE_MERCHANTS)
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    """Settle a finished month: propose the fund payment for its coupons."""
    merchant = _managed(request, pk)
    form = MonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("月份格式应为 2026-05。"))
        return redirect("merchants:detail", pk=merchant.pk)
    month = form.cleaned_data["month"]
    try:
        do_settle_month(merchant, month, acting_user=request.user)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("merchants:detail", pk=merchant.pk)
    messages.success(request, _("已提交基金支出，待另一位工作人员审批。"))
    return redirect(f"{_statement_url(merchant)}?month={month:%Y-%m}")


def _statement_url(merchant: Merchant) -> str:
    return reverse("merchants:statement", kwargs={"pk": merchant.pk})


@require_POST
@requires(Perm.MANAGE_MERCHANTS)
def paid(request: HttpRequest, pk: int) -> HttpResponse:
    """Once the fund's payment is approved: mark the settlement paid (coupons leave the
    merchant's account)."""
    settlement: Settlement = get_object_or_404(selectors.settlements_for(request.user), pk=pk)
    try:
        do_mark_paid(settlement, acting_user=request.user)
    except (Forbidden, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已确认付清。"))
    return redirect(f"{_statement_url(settlement.merchant)}?month={settlement.month:%Y-%m}")


@requires(Perm.VIEW_COUPONS)
def figures(request: HttpRequest) -> HttpResponse:
    """Per village: coupons spent at merchants (and the share of those issued), merchants, sales."""
    return render(
        request,
        "merchants/figures.html",
        {"rows": [selectors.village_figures(v) for v in selectors.figure_villages(request.user)]},
    )
