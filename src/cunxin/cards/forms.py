"""Forms of the card pages; every one works without JavaScript. The rules themselves (digits,
Luhn, PIN) live in the actions, so the API and the pages refuse the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm

_TEXT = {"class": "weui-input"}
# A phone shows the digit keypad; the browser must not remember card numbers or PINs.
_DIGITS = {**_TEXT, "inputmode": "numeric", "autocomplete": "off"}
_PIN = {**_DIGITS, "maxlength": "6", "pattern": "[0-9]*"}


def _pin_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=6, strip=True, widget=forms.PasswordInput(attrs=_PIN)
    )


class BindForm(CleanForm):
    """A villager (picked from the search), the card number and the PIN typed twice."""

    resident = forms.IntegerField(widget=forms.HiddenInput, required=False)
    card_number = forms.CharField(
        label=_("银行卡号"),
        max_length=40,
        help_text=_("12到19位数字，只保存后四位。"),
        widget=forms.TextInput(attrs=_DIGITS),
    )
    pin = _pin_field(_("密码（6位数字）"))
    pin_again = _pin_field(_("再输一次密码"))


class PinForm(CleanForm):
    pin = _pin_field(_("新密码（6位数字）"))
    pin_again = _pin_field(_("再输一次新密码"))
    reason = forms.CharField(
        label=_("重置原因"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )


class ReasonForm(CleanForm):
    """Why the committee unlocks or cancels a card; the label says which."""

    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["reason"].label = label
