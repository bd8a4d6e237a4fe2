"""Forms of the holiday-table pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.http import set_queryset
from cunxin.regions.models import Region

_TEXT = {"class": "weui-input"}


class _RegionForm(CleanForm):
    region = forms.ModelChoiceField(
        label=_("区划"), queryset=Region.objects.none(), widget=forms.Select(attrs=_TEXT)
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["region"], regions)


class ImportForm(_RegionForm):
    file = forms.FileField(
        label=_("节假日表文件"),
        help_text=_("Excel (.xlsx) 或 CSV，一个文件一年；列：日期、类型（放假/上班）、名称。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    source = forms.CharField(
        label=_("依据"),
        max_length=200,
        required=False,
        help_text=_("如：国务院办公厅关于2027年部分节假日安排的通知"),
        widget=forms.TextInput(attrs=_TEXT),
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)


class OfficialForm(_RegionForm):
    """One click: the shipped State Council arrangements for the region."""


class DeleteForm(CleanForm):
    reason = forms.CharField(
        label=_("删除原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT)
    )
