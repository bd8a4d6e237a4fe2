from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cunxin.blacklist.actions import add_months
from cunxin.blacklist.models import COMMON_RESTRICTIONS
from cunxin.core.forms import CleanForm

_TEXT = {"class": "weui-input"}
_AREA = {"class": "weui-textarea", "rows": 3}
_DATE = {"class": "weui-input", "type": "date"}
_ISO_DATE = "%Y-%m-%d"


class ConfirmForm(CleanForm):
    """List a candidate: reason, restrictions (ticked or written), end date."""

    reason = forms.CharField(
        label=_("列入理由"), max_length=2000, widget=forms.Textarea(attrs=_AREA)
    )
    restrictions = forms.MultipleChoiceField(
        label=_("限制措施"), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_restrictions = forms.CharField(
        label=_("其他限制措施"),
        required=False,
        max_length=400,
        help_text=_("每行一项。"),
        widget=forms.Textarea(attrs={**_AREA, "rows": 2}),
    )
    ends_on = forms.DateField(
        label=_("移出日期"), widget=forms.DateInput(attrs=_DATE, format=_ISO_DATE)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["restrictions"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(r, gettext(r)) for r in COMMON_RESTRICTIONS]
        self.fields["ends_on"].initial = add_months(timezone.localdate(), 12)

    def all_restrictions(self) -> list[str]:
        data = self.cleaned_data
        return [*data.get("restrictions", []), *data.get("other_restrictions", "").splitlines()]


class DismissForm(CleanForm):
    reason = forms.CharField(
        label=_("不予列入的理由"), max_length=2000, widget=forms.Textarea(attrs=_AREA)
    )


class RepairForm(CleanForm):
    """A villager's application for credit repair."""

    volunteer_hours = forms.DecimalField(
        label=_("列入以来志愿服务时长（小时）"),
        min_value=0,
        max_digits=6,
        decimal_places=1,
        initial=0,
        widget=forms.NumberInput(attrs={**_TEXT, "inputmode": "decimal", "step": "0.5"}),
    )
    text = forms.CharField(
        label=_("列入以来的表现"),
        max_length=4000,
        help_text=_("如：改正了什么、参加了哪些志愿服务、获得过哪些表扬。"),
        widget=forms.Textarea(attrs={**_AREA, "rows": 5}),
    )
    commitment_signed = forms.BooleanField(
        label=_("我已签署信用承诺书，承诺守信守法、遵守村规民约"), required=False
    )
    commitment_file = forms.FileField(
        label=_("承诺书照片（可选）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class RuleForm(CleanForm):
    """The committee's ruling on a repair application."""

    approve = forms.TypedChoiceField(
        label=_("评审结果"),
        choices=[("1", _("同意修复")), ("0", _("不同意修复"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("评审意见"),
        required=False,
        max_length=2000,
        help_text=_("不同意时必须填写，村民会看到。"),
        widget=forms.Textarea(attrs=_AREA),
    )
