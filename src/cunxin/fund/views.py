"""Pages of the credit fund: the list, one fund's ledger page with its forms and buttons, the
CSV export, and the public report (no login).

Views parse, authorise and call the actions; a fund outside the user's reach answers 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST, require_safe

from cunxin.accounts.permissions import Perm
from cunxin.core.errors import DomainError, Forbidden, NotFound
from cunxin.core.http import CSV, download, requires, run_action, set_queryset
from cunxin.core.workflow import REASON_MAX
from cunxin.fund import selectors
from cunxin.fund.actions import (
    do_approve_payment,
    do_create_fund,
    do_propose_payment,
    do_record_donation,
    do_reject_payment,
    do_reverse_donation,
    may_approve_payment,
    may_reject_payment,
)
from cunxin.fund.forms import DonationForm, FundForm, PaymentForm, ReasonForm
from cunxin.fund.models import Donation, Fund, Payment
from cunxin.fund.money import yuan
from cunxin.fund.witness import note_report_head
from cunxin.people.spreadsheets import write_csv
from cunxin.public.poster import qr_data_uri, render_pdf
from cunxin.public.verification import grouped


def _act(request: HttpRequest, action: Callable[[], Any], done: str, back: str) -> HttpResponse:
    """Run a button's action; its refusal (a second click, an overdraft, one's own proposal) is
    a message on the page sent back to. Lacking the permission is the 403 page, as anywhere."""
    try:
        action()
    except NotFound:
        raise
    except Forbidden as exc:
        if exc.code == "forbidden":
            raise
        messages.error(request, str(exc))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect(back)


def _fund_form(request: HttpRequest, data: Any = None) -> FundForm:
    form = FundForm(data)
    set_queryset(form.fields["region"], selectors.regions_without_fund(request.user))
    return form


@requires(Perm.VIEW_FUND)
def index(request: HttpRequest, form: FundForm | None = None) -> HttpResponse:
    """The funds the user reads, with balances; where they run a centre without a fund, the form
    to set one up."""
    funds = list(selectors.funds_for(request.user))
    form = form or _fund_form(request)
    return render(
        request,
        "fund/index.html",
        {
            "rows": [(f, selectors.totals(f)) for f in funds],
            "form": form if form.fields["region"].queryset.exists() else None,  # type: ignore[attr-defined]
        },
    )


@require_POST
@requires(Perm.MANAGE_FUND)
def create(request: HttpRequest) -> HttpResponse:
    form = _fund_form(request, request.POST)
    if form.is_valid():
        ok, fund = run_action(
            form,
            lambda: do_create_fund(
                form.cleaned_data["region"],
                name=form.cleaned_data["name"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("信用基金已设立。"))
            return redirect("fund:detail", pk=fund.pk)
    return index(request, form)


def _visible(request: HttpRequest, pk: int) -> Fund:
    fund: Fund = get_object_or_404(selectors.funds_for(request.user), pk=pk)
    return fund


def _managed(request: HttpRequest, pk: int) -> Fund:
    fund: Fund = get_object_or_404(selectors.managed_funds(request.user), pk=pk)
    return fund


def _payment_form(fund: Fund, data: Any = None) -> PaymentForm:
    form = PaymentForm(data)
    set_queryset(form.fields["village"], selectors.shop_villages(fund))
    return form


def _payment_rows(user: Any, fund: Fund) -> list[tuple[Payment, bool, bool]]:
    """Each payment with whether the user may approve it, and turn it down (or, their own,
    withdraw it): the buttons the table shows."""
    rows = []
    for p in selectors.payments(fund):
        p.fund = fund  # the page's own: no query per row to learn where the fund is
        rows.append(
            (
                p,
                may_approve_payment(user, p),
                may_reject_payment(user, p),
            )
        )
    return rows


def _detail(
    request: HttpRequest,
    fund: Fund,
    donation_form: DonationForm | None = None,
    payment_form: PaymentForm | None = None,
) -> HttpResponse:
    manage = selectors.can_manage(request.user, fund)
    seq, digest = selectors.chain_head(fund)
    return render(
        request,
        "fund/detail.html",
        {
            "fund": fund,
            "totals": selectors.totals(fund),
            "donations": selectors.donations(fund),
            "payments": _payment_rows(request.user, fund),
            "reason_max": REASON_MAX,
            "manage": manage,
            "donation_form": donation_form or DonationForm(),
            "payment_form": payment_form or _payment_form(fund),
            "reason_form": ReasonForm(),
            "open_donation": donation_form is not None,
            "open_payment": payment_form is not None,
            "chain_seq": seq,
            "chain_hash": digest,
        },
    )


@requires(Perm.VIEW_FUND)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A fund's ledger page: balance, donations, payments with their status; for the credit
    centre, the forms and the approval buttons."""
    return _detail(request, _visible(request, pk))


@require_POST
@requires(Perm.MANAGE_FUND)
def donate(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _managed(request, pk)
    form = DonationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, donation = run_action(
            form,
            lambda: do_record_donation(
                fund,
                client_id=data["client_id"],
                sponsor=data["sponsor"],
                amount=data["amount"],
                received_on=data["received_on"],
                receipt_no=data["receipt_no"],
                note=data["note"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(
                request,
                _("已登记%(sponsor)s捐赠 %(amount)s 元。")
                % {"sponsor": donation.sponsor, "amount": yuan(donation.amount)},
            )
            return redirect("fund:detail", pk=fund.pk)
    return _detail(request, fund, donation_form=form)


@require_POST
@requires(Perm.MANAGE_FUND)
def reverse_donation(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a donation entered wrongly, with a reason."""
    donation: Donation = get_object_or_404(selectors.managed_donations(request.user), pk=pk)
    return _act(
        request,
        lambda: do_reverse_donation(
            donation, reason=request.POST.get("reason", ""), acting_user=request.user
        ),
        _("捐赠已冲正。"),
        reverse("fund:detail", args=[donation.fund_id]),
    )


@require_POST
@requires(Perm.MANAGE_FUND)
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    fund = _managed(request, pk)
    form = _payment_form(fund, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        ok, _payment = run_action(
            form,
            lambda: do_propose_payment(
                fund,
                client_id=data["client_id"],
                purpose=data["purpose"],
                village=data["village"],
                payee=data["payee"],
                amount=data["amount"],
                document_no=data["document_no"],
                note=data["note"],
                acting_user=request.user,
            ),
        )
        if ok:
            messages.success(request, _("支出申请已提交，请信用中心另一位工作人员审批。"))
            return redirect("fund:detail", pk=fund.pk)
    return _detail(request, fund, payment_form=form)


@require_POST
@requires(Perm.MANAGE_FUND)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    payment: Payment = get_object_or_404(selectors.managed_payments(request.user), pk=pk)
    return _act(
        request,
        lambda: do_approve_payment(payment, acting_user=request.user),
        _("支出已批准，基金已付款。"),
        reverse("fund:detail", args=[payment.fund_id]),
    )


@require_POST
@requires(Perm.MANAGE_FUND)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    payment: Payment = get_object_or_404(selectors.managed_payments(request.user), pk=pk)
    return _act(
        request,
        lambda: do_reject_payment(
            payment, reason=request.POST.get("reason", ""), acting_user=request.user
        ),
        _("支出已驳回。"),
        reverse("fund:detail", args=[payment.fund_id]),
    )


def _cell(value: object) -> object:
    """A cell as text a spreadsheet will not run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


@requires(Perm.VIEW_FUND)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """Every donation and payment of the fund as CSV (for the accountant)."""
    fund = _visible(request, pk)
    headers = (
        _("类别"),
        _("日期"),
        _("对方"),
        _("金额（元）"),
        _("单据号"),
        _("状态"),
        _("用途"),
        _("备注"),
    )
    rows: list[tuple[object, ...]] = []
    for d in selectors.donations(fund).order_by("received_on", "pk"):
        status = _("已冲正：%s") % d.reverse_reason if d.is_reversed else _("已到账")
        rows.append(
            (_("捐赠"), d.received_on, d.sponsor, yuan(d.amount), d.receipt_no, status, "", d.note)
        )
    for p in selectors.payments(fund).order_by("proposed_at", "pk"):
        day = timezone.localtime(p.decided_at or p.proposed_at).date()
        purpose = p.get_purpose_display() + (f"（{p.village.name}）" if p.village else "")
        rows.append(
            (
                _("支出"),
                day,
                p.payee,
                yuan(p.amount),
                p.document_no,
                p.get_status_display(),
                purpose,
                p.reject_reason or p.note,
            )
        )
    content = write_csv(headers, [tuple(_cell(v) for v in row) for row in rows])
    filename = _("%(name)s收支明细%(day)s.csv") % {
        "name": fund.name,
        "day": timezone.localdate().strftime("%Y%m%d"),
    }
    return download(content, filename, CSV)


def _no_fund() -> HttpResponse:
    return HttpResponse(
        render_to_string("public/not_found.html", {"message": _("这个区划还没有设立信用基金。")}),
        status=404,
    )


def _report_context(fund: Fund) -> dict[str, object]:
    seq, digest = selectors.chain_head(fund)
    note_report_head(fund, seq, digest)  # a witness of the ledger (fund.witness)
    return {
        "fund": fund,
        "totals": selectors.totals(fund),
        "donations": selectors.public_donations(fund),
        "payments": selectors.public_payments(fund),
        "chain_seq": seq,
        "chain_hash": grouped(digest),
        "today": timezone.localdate(),
    }


# Rendered without the request's context (no user, no menu, no CSRF token), like the public
# board: the same page for everyone, cacheable by a proxy in front of the platform.
public_page = cache_control(public=True, max_age=60)


@require_safe
@public_page
def report(request: HttpRequest, code: str) -> HttpResponse:
    """The public report of a region's fund: every standing donation and approved payment,
    totals, balance and the ledger's chain head; the same for everyone, logged in or not."""
    fund = selectors.public_fund(code)
    if fund is None:
        return _no_fund()
    return HttpResponse(render_to_string("fund/report.html", _report_context(fund)))


@require_safe
@public_page
def report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The public report as an A4 PDF, with a QR code to the web report."""
    fund = selectors.public_fund(code)
    if fund is None:
        return _no_fund()
    page = request.build_absolute_uri(reverse("fund:report", args=[code]))
    context = {**_report_context(fund), "report_page": page, "qr": qr_data_uri(page)}
    pdf = render_pdf(render_to_string("fund/report_pdf.html", context))
    filename = _("%(name)s收支公开%(day)s.pdf") % {
        "name": fund.name,
        "day": timezone.localdate().strftime("%Y%m%d"),
    }
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response
