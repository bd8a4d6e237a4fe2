from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.http import set_queryset
from cunxin.people.models import ResidentStatus
from cunxin.regions.models import Region

_TEXT = {"class": "weui-input"}


class ImportForm(CleanForm):
    file = forms.FileField(
        label=_("花名册文件"),
        help_text=_(
            "Excel (.xlsx) 或 CSV；需有列：村、户主姓名、姓名、与户主关系、身份证号，"
            "可选：户号、联系电话。没有户号时，每户成员须紧跟在户主本人的一行之后。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)


class ExportForm(CleanForm):
    villages = forms.ModelMultipleChoiceField(
        label=_("村"), queryset=Region.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    fmt = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")])
    reason = forms.CharField(label=_("用途"), max_length=200, widget=forms.TextInput(attrs=_TEXT))

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["villages"], villages)


class RevealForm(CleanForm):
    reason = forms.CharField(
        label=_("查看原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )


class ResidentEditForm(CleanForm):
    name = forms.CharField(label=_("姓名"), max_length=40, widget=forms.TextInput(attrs=_TEXT))
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel"}),
    )
    relation = forms.CharField(
        label=_("与户主关系"), max_length=16, widget=forms.TextInput(attrs=_TEXT)
    )
    status = forms.ChoiceField(label=_("状态"), choices=ResidentStatus.choices)
    reason = forms.CharField(
        label=_("修改原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )


class ResidentAddForm(CleanForm):
    name = forms.CharField(label=_("姓名"), max_length=40, widget=forms.TextInput(attrs=_TEXT))
    relation = forms.CharField(
        label=_("与户主关系"), max_length=16, widget=forms.TextInput(attrs=_TEXT)
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=30,
        widget=forms.TextInput(attrs={**_TEXT, "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "tel"}),
    )
