"""Forms of the coupon pages (a villager's phone)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm

_TEXT = {"class": "weui-input"}


class ConvertForm(CleanForm):
    """How many points to convert; the hidden id makes a double click convert once."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    points = forms.IntegerField(
        label=_("兑换积分"),
        min_value=1,
        widget=forms.NumberInput(attrs={**_TEXT, "inputmode": "numeric", "autocomplete": "off"}),
    )


class GiftForm(CleanForm):
    """The receiver: a phone number, or a member of the giver's household."""

    receiver = forms.TypedChoiceField(
        label=_("家庭成员"), coerce=int, required=False, empty_value=None
    )
    phone = forms.CharField(
        label=_("或接收人手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel", "autocomplete": "off"}),
        help_text=_("对方须是本村村民。"),
    )


def new_client_id() -> uuid.UUID:
    return uuid.uuid4()
