"""Forms of the record pages: entry on a phone, review, notices, objections, corrections."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.cleaning import parse_id
from cunxin.core.forms import CleanForm
from cunxin.core.workflow import REASON_MAX
from cunxin.records.models import ObjectionStatus

_TEXT = {"class": "weui-input"}
_AREA = {"class": "weui-textarea", "rows": 3}


def _values(data: Any, key: str) -> list[Any]:
    """Every value sent under the key (a form's data is a QueryDict, or a dict in tests)."""
    if hasattr(data, "getlist"):
        return list(data.getlist(key))
    value = data.get(key)
    return list(value) if isinstance(value, list | tuple) else [] if value is None else [value]


class PhotoInput(forms.ClearableFileInput):
    """The phone's camera, several photos at once."""

    allow_multiple_selected = True


class CollectForm(CleanForm):
    """One behaviour for one villager (``team``: for several). The resident and item come from
    the live search lists of the page, so they are read from the raw data in ``clean``."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    quantity = forms.CharField(
        label=_("数量"),
        max_length=10,
        initial="1",
        widget=forms.TextInput(attrs={**_TEXT, "inputmode": "decimal", "autocomplete": "off"}),
    )
    behaviour_date = forms.DateField(
        label=_("行为日期"),
        # A date input only understands ISO dates, whatever the language's own format is.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={**_TEXT, "type": "date"}),
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs=_AREA)
    )
    photos = forms.FileField(
        label=_("照片"),
        required=False,
        widget=PhotoInput(
            attrs={"accept": "image/*", "capture": "environment", "data-shrink": "1"}
        ),
    )

    def __init__(self, *args: Any, team: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.resident_ids: list[int] = []
        self.item_code = ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.resident_ids = list(
            dict.fromkeys(i for v in _values(self.data, "resident") if (i := parse_id(v)))
        )
        if not self.resident_ids:
            self.add_error(None, _("请先搜索并选择村民。"))
        elif not self.team and len(self.resident_ids) > 1:
            self.add_error(None, _("一次只能为一位村民录入；多人请用“多人录入”。"))
        # The chosen item, or a code typed into the item search box and not picked from the list.
        self.item_code = (self.data.get("item") or self.data.get("item_q") or "").strip().upper()
        if not self.item_code:
            self.add_error(None, _("请选择行为。"))
        return data


def new_client_id() -> uuid.UUID:
    """The id a freshly rendered entry form carries: sending it twice returns the first record."""
    return uuid.uuid4()


class ReviewForm(CleanForm):
    """Approve or reject the ticked records of the queue."""

    action = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("不通过"))])
    reason = forms.CharField(
        label=_("不通过原因"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("不通过时必填，村民会看到")}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.record_ids: list[int] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.record_ids = [i for v in _values(self.data, "ids") if (i := parse_id(v))]
        if not self.record_ids:
            self.add_error(None, _("请先勾选记录。"))
        return data


class ReasonForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=2000, widget=forms.Textarea(attrs=_AREA))


class ObjectionForm(CleanForm):
    reason = forms.CharField(
        label=_("异议理由"),
        max_length=2000,
        widget=forms.Textarea(
            attrs={**_AREA, "placeholder": _("请写明您认为这条记录哪里不对，评审会将核实处理。")}
        ),
    )


class RulingForm(CleanForm):
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[
            (ObjectionStatus.UPHELD, _("异议成立，撤销该记录")),
            (ObjectionStatus.DISMISSED, _("异议不成立，维持该记录")),
        ],
        widget=forms.RadioSelect,
    )
    ruling = forms.CharField(
        label=_("处理意见"),
        max_length=2000,
        widget=forms.Textarea(attrs={**_AREA, "placeholder": _("异议人会看到这段意见。")}),
    )


class RecordImportForm(CleanForm):
    file = forms.FileField(
        label=_("记录文件"),
        help_text=_(
            "Excel (.xlsx)；列：村、姓名、身份证号（或身份证后四位）、行为编码、数量、行为日期、说明。"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(label=_("只检查，不导入"), required=False)
