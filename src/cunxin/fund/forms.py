"""Forms of the fund pages; every one works without JavaScript.

Amounts are typed in yuan and parsed strictly (``money.parse_yuan``); each form carries the
page's ``client_id``, so a second click of the same form is the same donation or payment.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.errors import DomainError
from cunxin.core.forms import CleanForm
from cunxin.fund.models import Purpose
from cunxin.fund.money import parse_yuan
from cunxin.regions.models import Region

_TEXT = {"class": "weui-input"}
_SELECT = {"class": "weui-select"}


class YuanField(forms.CharField):
    """Yuan with up to two decimals, cleaned to fen (an int)."""

    def __init__(self, **kwargs: Any) -> None:
        attrs = {**_TEXT, "inputmode": "decimal", "autocomplete": "off", "placeholder": "0.00"}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def clean(self, value: Any) -> int:
        try:
            return parse_yuan(value)
        except DomainError as exc:
            raise forms.ValidationError(str(exc)) from None


class FundForm(CleanForm):
    region = forms.ModelChoiceField(
        label=_("所属区划"),
        queryset=Region.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )
    name = forms.CharField(
        label=_("基金名称"),
        max_length=60,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("如：乳山市信用基金")}),
    )


class DonationForm(CleanForm):
    """A sponsor's donation (its ids prefixed: it shares a page with the payment form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "donation_%s")
        super().__init__(*args, **kwargs)

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    sponsor = forms.CharField(label=_("捐赠方"), max_length=80, widget=forms.TextInput(attrs=_TEXT))
    amount = YuanField(label=_("金额（元）"))
    received_on = forms.DateField(
        label=_("到账日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={**_TEXT, "type": "date"}),
    )
    receipt_no = forms.CharField(
        label=_("收据编号"), max_length=40, widget=forms.TextInput(attrs=_TEXT)
    )
    note = forms.CharField(
        label=_("备注"), required=False, max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )


class PaymentForm(CleanForm):
    """A payment to propose (its ids prefixed: it shares a page with the donation form)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "payment_%s")
        super().__init__(*args, **kwargs)

    client_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)
    purpose = forms.ChoiceField(
        label=_("用途"), choices=Purpose.choices, widget=forms.Select(attrs=_SELECT)
    )
    village = forms.ModelChoiceField(
        label=_("进货的村"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("用途为信用超市进货时必选。"),
        widget=forms.Select(attrs=_SELECT),
    )
    payee = forms.CharField(label=_("收款方"), max_length=80, widget=forms.TextInput(attrs=_TEXT))
    amount = YuanField(label=_("金额（元）"))
    document_no = forms.CharField(
        label=_("凭证号"),
        max_length=40,
        help_text=_("发票、合同或结算单编号。"),
        widget=forms.TextInput(attrs=_TEXT),
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))
