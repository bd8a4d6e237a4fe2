"""Forms of the volunteering pages; every one works without JavaScript."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.workflow import REASON_MAX
from cunxin.regions.models import Region
from cunxin.volunteering.actions.activities import ActivityData, PositionData
from cunxin.volunteering.actions.attendance import MARGIN
from cunxin.volunteering.models import Activity, Position, Team

_TEXT = {"class": "weui-input"}
_AREA = {"class": "weui-textarea", "rows": 3}
_SELECT = {"class": "weui-select"}
_LOCAL = "%Y-%m-%dT%H:%M"  # what a datetime-local input sends, whatever the language


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(format=_LOCAL, attrs={**_TEXT, "type": "datetime-local"}),
    )


class TeamForm(CleanForm):
    """A new team: one of the common ones or any name (the datalist offers the common ones)."""

    village = forms.ModelChoiceField(
        label=_("村"),
        queryset=Region.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )
    name = forms.CharField(
        label=_("队名"),
        max_length=40,
        widget=forms.TextInput(attrs={**_TEXT, "list": "common-teams", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("简介"), required=False, max_length=200, widget=forms.Textarea(attrs=_AREA)
    )


class TeamEditForm(CleanForm):
    name = forms.CharField(label=_("队名"), max_length=40, widget=forms.TextInput(attrs=_TEXT))
    description = forms.CharField(
        label=_("简介"), required=False, max_length=200, widget=forms.Textarea(attrs=_AREA)
    )
    active = forms.BooleanField(label=_("在册"), required=False)


class ActivityForm(CleanForm):
    """An activity's own fields; its positions come in ``PositionFormSet``."""

    region = forms.ModelChoiceField(
        label=_("组织单位"),
        queryset=Region.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )
    title = forms.CharField(
        label=_("活动名称"),
        max_length=80,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("如：周六河道清理")}),
    )
    team = forms.ModelChoiceField(
        label=_("志愿服务队"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("（不限）"),
        widget=forms.Select(attrs=_SELECT),
    )
    place = forms.CharField(label=_("地点"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    starts_at = _when(_("开始时间"))
    ends_at = _when(_("结束时间"))
    sign_up_deadline = _when(_("报名截止"))
    item_code = forms.ChoiceField(
        label=_("计分行为"),
        help_text=_("签退后的工时按此行为计分（按小时计分的加分行为）。"),
        widget=forms.Select(attrs=_SELECT),
    )
    description = forms.CharField(
        label=_("活动内容"), required=False, max_length=2000, widget=forms.Textarea(attrs=_AREA)
    )


class PositionForm(CleanForm):
    """One position row; a blank row is ignored."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(
        label=_("岗位"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("如：清理河道")}),
    )
    quota = forms.IntegerField(
        label=_("需要人数"),
        required=False,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={**_TEXT, "inputmode": "numeric"}),
    )
    planned_hours = forms.DecimalField(
        label=_("计划工时（小时）"),
        required=False,
        min_value=0,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={**_TEXT, "step": "0.5", "inputmode": "decimal"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and (data.get("quota") is None or data.get("planned_hours") is None):
            raise forms.ValidationError(_("请填写岗位的人数和计划工时。"))
        return data


PositionFormSet = forms.formset_factory(PositionForm, extra=2, max_num=20, absolute_max=40)


def activity_initial(activity: Activity) -> dict[str, Any]:
    return {
        "region": activity.region_id,
        "title": activity.title,
        "team": activity.team_id,
        "place": activity.place,
        "starts_at": timezone.localtime(activity.starts_at),
        "ends_at": timezone.localtime(activity.ends_at),
        "sign_up_deadline": timezone.localtime(activity.sign_up_deadline),
        "item_code": activity.item_code,
        "description": activity.description,
    }


def positions_initial(activity: Activity) -> list[dict[str, Any]]:
    return [
        {"id": p.pk, "name": p.name, "quota": p.quota, "planned_hours": p.planned_hours}
        for p in activity.positions.order_by("order", "pk")
    ]


def activity_data(form: ActivityForm, formset: Any) -> ActivityData:
    """What the two forms hold, as the actions take it."""
    data = form.cleaned_data
    positions = [
        PositionData(
            name=row.get("name") or "",
            quota=row.get("quota") or 0,
            planned_hours=row.get("planned_hours") or 0,
            id=row.get("id"),
        )
        for row in formset.cleaned_data
        if row and row.get("name")
    ]
    return ActivityData(
        region=data["region"],
        title=data["title"],
        place=data["place"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        sign_up_deadline=data["sign_up_deadline"],
        item_code=data["item_code"],
        positions=positions,
        description=data["description"],
        team=data["team"],
    )


class CancelForm(CleanForm):
    reason = forms.CharField(
        label=_("取消原因"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={**_TEXT, "placeholder": _("报名的村民会收到这条原因")}),
    )


class PositionChoiceForm(CleanForm):
    position = forms.ModelChoiceField(
        label=_("岗位"),
        queryset=Position.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, activity: Activity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["position"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Position.objects.filter(activity=activity).order_by("order", "pk")


class HandTimeForm(CleanForm):
    """A check-in or check-out by hand: now, or the time written on the paper sheet."""

    at = forms.TimeField(
        label=_("时间"),
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(format="%H:%M", attrs={**_TEXT, "type": "time"}),
        help_text=_("不填为现在。"),
    )


def hand_time(activity: Activity, at: datetime.time | None) -> datetime.datetime | None:
    """A clock time on the activity's day (the next day for a night past midnight)."""
    if at is None:
        return None
    moment = timezone.make_aware(datetime.datetime.combine(activity.day, at))
    if moment < activity.starts_at - MARGIN:
        moment += datetime.timedelta(days=1)
    return moment
