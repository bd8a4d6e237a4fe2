from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.http import set_queryset
from cunxin.regions.models import Level, Region


class RegionForm(CleanForm):
    parent = forms.ModelChoiceField(label=_("上级"), queryset=Region.objects.none())
    level = forms.TypedChoiceField(label=_("级别"), choices=Level.choices, coerce=int)
    code = forms.CharField(
        label=_("区划代码"),
        max_length=12,
        min_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "weui-input"}),
    )
    name = forms.CharField(
        label=_("名称"), max_length=60, widget=forms.TextInput(attrs={"class": "weui-input"})
    )

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["parent"], parents)
