"""Forms of the shop pages; every one works without JavaScript."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.workflow import REASON_MAX
from cunxin.records.evidence import PhotoSource
from cunxin.regions.models import Region
from cunxin.shop.actions.catalogue import GoodsData

_TEXT = {"class": "weui-input"}
_NUMBER = {"class": "weui-input", "inputmode": "numeric"}
_SELECT = {"class": "weui-select"}


class ShopForm(CleanForm):
    village = forms.ModelChoiceField(
        label=_("村"),
        queryset=Region.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    address = forms.CharField(
        label=_("地址"), max_length=120, required=False, widget=forms.TextInput(attrs=_TEXT)
    )


class ShopEditForm(CleanForm):
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    address = forms.CharField(
        label=_("地址"), max_length=120, required=False, widget=forms.TextInput(attrs=_TEXT)
    )
    active = forms.BooleanField(label=_("营业中"), required=False)


class GoodsForm(CleanForm):
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    price = forms.IntegerField(
        label=_("所需积分"),
        min_value=1,
        max_value=1_000_000,
        widget=forms.NumberInput(attrs=_NUMBER),
    )
    monthly_limit = forms.IntegerField(
        label=_("每人每月限兑"),
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text=_("0 表示不限"),
        widget=forms.NumberInput(attrs=_NUMBER),
    )
    photo = forms.FileField(
        label=_("照片"),
        required=False,
        help_text=_("JPG、PNG、WEBP 或 HEIC，不超过2MB"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    active = forms.BooleanField(label=_("上架"), required=False, initial=True)

    def data_out(self) -> GoodsData:
        d = self.cleaned_data
        return GoodsData(
            name=d["name"], price=d["price"], monthly_limit=d["monthly_limit"], active=d["active"]
        )

    def photo_out(self) -> tuple[str, PhotoSource] | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        # The action checks its size before reading it.
        return (upload.name or "", upload)


class NewGoodsForm(GoodsForm):
    stock = forms.IntegerField(
        label=_("初始库存"),
        min_value=0,
        max_value=100_000,
        initial=0,
        widget=forms.NumberInput(attrs=_NUMBER),
    )


class StockForm(CleanForm):
    change = forms.IntegerField(
        label=_("数量"),
        min_value=-100_000,
        max_value=100_000,
        help_text=_("入库填正数，出库填负数"),
        widget=forms.NumberInput(attrs={**_TEXT, "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=200,
        required=False,
        help_text=_("出库须写明原因"),
        widget=forms.TextInput(attrs=_TEXT),
    )


class CodeForm(CleanForm):
    """The code on the villager's phone, typed by a scanner or by hand."""

    code = forms.CharField(
        label=_("付款码"),
        max_length=200,
        widget=forms.TextInput(
            attrs={
                **_TEXT,
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": _("扫码或输入村民出示的码"),
            }
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


class CancelForm(CleanForm):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=REASON_MAX, widget=forms.TextInput(attrs=_TEXT)
    )
