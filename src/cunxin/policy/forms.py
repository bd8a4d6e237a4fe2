from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.policy.actions import POLICY_FIELDS
from cunxin.policy.models import Category, CreditPolicy, Direction, Scoring

_TEXT = {"class": "weui-input"}
_NUM = {"class": "weui-input", "inputmode": "numeric"}
_DATE = {"class": "weui-input", "type": "date"}
_ISO_DATE = "%Y-%m-%d"  # what <input type=date> accepts, whatever the language


class PolicyForm(CleanForm):
    """The policy's values, with the model's fields and labels; the action checks the rules.

    A plain form rather than a ModelForm: saving creates a new version through the action, and
    the cross-field rules are checked there (with messages on the right field).
    """

    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs=_DATE, format=_ISO_DATE)
    )
    change_reason = forms.CharField(
        label=_("修改说明"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )

    class Meta:
        fields = POLICY_FIELDS
        widgets: dict[str, type[forms.Widget] | forms.Widget] = {
            "name": forms.TextInput(attrs=_TEXT),
            **{
                f: forms.NumberInput(attrs=_NUM)
                for f in (
                    "base_score",
                    "aaa_min",
                    "aa_min",
                    "a_min",
                    "b_min",
                    "c_min",
                    "notice_days",
                    "coupon_fen_per_point",
                    "carry_over_percent",
                    "min_age",
                    "entry_window_days",
                    "repair_min_months",
                    "stars_per_month",
                    "daily_wage_fen",
                    "coupon_valid_days",
                )
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            CreditPolicy, fields=list(self.Meta.fields), widgets=self.Meta.widgets
        )
        self.fields = {**model_fields, **self.fields}
        self.fields["effective_from"].initial = timezone.localdate()


class ItemForm(CleanForm):
    code = forms.CharField(label=_("编码"), max_length=16, widget=forms.TextInput(attrs=_TEXT))
    name = forms.CharField(label=_("行为名称"), max_length=80, widget=forms.TextInput(attrs=_TEXT))
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    direction = forms.ChoiceField(label=_("加/扣分"), choices=Direction.choices)
    scoring = forms.ChoiceField(label=_("计分方式"), choices=Scoring.choices)
    points = forms.IntegerField(
        label=_("分值"), min_value=1, max_value=10000, widget=forms.NumberInput(attrs=_NUM)
    )
    unit = forms.CharField(
        label=_("计分单位"),
        max_length=16,
        required=False,
        help_text=_("按单位计分时填写，如：小时、100元、次。"),
        widget=forms.TextInput(attrs=_TEXT),
    )
    monthly_cap = forms.IntegerField(
        label=_("每人每月上限（分）"),
        min_value=1,
        required=False,
        widget=forms.NumberInput(attrs=_NUM),
    )
    evidence_required = forms.BooleanField(label=_("需要证据"), required=False)
    serious = forms.BooleanField(label=_("严重失信"), required=False)
    validity_years = forms.IntegerField(
        label=_("有效期（年）"),
        min_value=1,
        max_value=10,
        required=False,
        help_text=_("留空表示一直有效，直到结转。"),
        widget=forms.NumberInput(attrs=_NUM),
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)
    description = forms.CharField(
        label=_("认定标准"),
        required=False,
        widget=forms.Textarea(attrs={"class": "weui-textarea", "rows": 3}),
    )
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs=_DATE, format=_ISO_DATE)
    )
    change_reason = forms.CharField(
        label=_("修改说明"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )


class CatalogueImportForm(CleanForm):
    file = forms.FileField(
        label=_("目录文件 (.xlsx)"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"})
    )
    effective_from = forms.DateField(
        label=_("生效日期"), widget=forms.DateInput(attrs=_DATE, format=_ISO_DATE)
    )
    change_reason = forms.CharField(
        label=_("修改说明"), max_length=200, required=False, widget=forms.TextInput(attrs=_TEXT)
    )
