"""Forms of the merchants pages; every one works without JavaScript."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.models import User
from cunxin.core.forms import CleanForm
from cunxin.core.workflow import REASON_MAX
from cunxin.merchants.models import MAX_DISCOUNT_PERCENT
from cunxin.policy.models import Grade
from cunxin.regions.models import Region

_TEXT = {"class": "weui-input"}
_NUMBER = {"class": "weui-input", "inputmode": "numeric"}
_MONEY = {"class": "weui-input", "inputmode": "decimal", "autocomplete": "off"}
_SELECT = {"class": "weui-select"}


class MerchantForm(CleanForm):
    region = forms.ModelChoiceField(
        label=_("服务区域"),
        queryset=Region.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )
    name = forms.CharField(label=_("商家名称"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    address = forms.CharField(label=_("地址"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    licence_no = forms.CharField(
        label=_("统一社会信用代码"),
        max_length=30,
        help_text=_("营业执照上的18位代码"),
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("联系电话"), max_length=20, widget=forms.TextInput(attrs={**_NUMBER, "type": "tel"})
    )


class ReasonForm(CleanForm):
    reason = forms.CharField(
        label=_("原因"), max_length=REASON_MAX, widget=forms.TextInput(attrs=_TEXT)
    )


class StaffForm(CleanForm):
    user = forms.ModelChoiceField(
        label=_("收银员账号"), queryset=User.objects.none(), widget=forms.Select(attrs=_SELECT)
    )

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = users


class DiscountForm(CleanForm):
    """One percent-off field per grade, best grade first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for grade in Grade.values:
            self.fields[grade] = forms.IntegerField(
                label=_("%(g)s级优惠（%%）") % {"g": grade},
                min_value=0,
                max_value=MAX_DISCOUNT_PERCENT,
                initial=0,
                widget=forms.NumberInput(attrs=_NUMBER),
            )


class CodeForm(CleanForm):
    """The code on the villager's phone, typed by a scanner or by hand."""

    code = forms.CharField(
        label=_("付款码"),
        max_length=200,
        widget=forms.TextInput(
            attrs={**_TEXT, "autofocus": True, "autocomplete": "off", "inputmode": "numeric"}
        ),
    )


class CardForm(CleanForm):
    """A 诚信卡 number and its PIN, for a villager without a smartphone."""

    card_number = forms.CharField(
        label=_("诚信卡号"),
        max_length=40,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )
    pin = forms.CharField(
        label=_("密码"),
        max_length=12,
        widget=forms.PasswordInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )


class SaleForm(CleanForm):
    """Amounts are strings here: ``fund.money.parse_yuan`` parses them strictly in the view."""

    amount = forms.CharField(
        label=_("消费金额（元）"), max_length=20, widget=forms.TextInput(attrs=_MONEY)
    )
    coupon = forms.CharField(
        label=_("信用券支付（元）"),
        max_length=20,
        required=False,
        help_text=_("留空则用尽可用的信用券"),
        widget=forms.TextInput(attrs=_MONEY),
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class MonthForm(CleanForm):
    month = forms.CharField(
        label=_("月份"), max_length=7, widget=forms.TextInput(attrs={**_TEXT, "type": "month"})
    )

    def clean_month(self) -> datetime.date:
        text = str(self.cleaned_data["month"]).strip()
        try:
            return datetime.date.fromisoformat(f"{text}-01")
        except ValueError:
            raise forms.ValidationError(_("月份格式应为 2026-05。")) from None
