"""Forms of the unit pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.models import User
from cunxin.core.forms import CleanForm
from cunxin.core.http import set_choices, set_queryset
from cunxin.regions.models import Region
from cunxin.units.models import OWNED_KINDS, Unit, UnitKind

_TEXT = {"class": "weui-input"}
_SELECT = {"class": "weui-select"}
KINDS = [(k.value, k.label) for k in UnitKind if k not in OWNED_KINDS]


class UnitForm(CleanForm):
    name = forms.CharField(label=_("名称"), max_length=60, widget=forms.TextInput(attrs=_TEXT))
    kind = forms.ChoiceField(label=_("类别"), choices=KINDS, widget=forms.Select(attrs=_SELECT))
    region = forms.ModelChoiceField(
        label=_("所属区划"),
        queryset=Region.objects.none(),
        required=False,
        help_text=_("镇（街道）政府须选所在镇（街道）；县级部门选本县（区）。"),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["region"], regions)


class NewUnitForm(UnitForm):
    parent = forms.ModelChoiceField(
        label=_("上级单位"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("不选则为顶级单位；下级单位不选区划时随上级单位。"),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, regions: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, regions=regions, **kwargs)
        set_queryset(self.fields["parent"], parents)


class MoveForm(CleanForm):
    parent = forms.ModelChoiceField(
        label=_("新的上级单位"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("不选则移为顶级单位。"),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["parent"], parents)


class ActiveForm(CleanForm):
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=_TEXT))


class MemberForm(CleanForm):
    user = forms.ModelChoiceField(
        label=_("账号"), queryset=User.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    role = forms.ChoiceField(label=_("角色"), choices=[], widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args: Any, users: Any, roles: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self.fields["user"], users)
        set_choices(self.fields["role"], [(r.value, r.label) for r in roles])
