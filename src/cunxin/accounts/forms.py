"""Forms of the accounts pages: they parse input; rules live in the actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.accounts.permissions import Role
from cunxin.core.forms import CleanForm
from cunxin.core.http import set_choices, set_queryset
from cunxin.regions.models import Region

_PHONE_ATTRS = {"inputmode": "numeric", "autocomplete": "username", "class": "weui-input"}


class LoginForm(CleanForm):
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={**_PHONE_ATTRS, "autofocus": True}),
    )
    password = forms.CharField(
        label=_("密码"),
        max_length=128,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "weui-input"}
        ),
    )


class PasswordChangeForm(CleanForm):
    old_password = forms.CharField(
        label=_("原密码"),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "weui-input"}
        ),
    )
    new_password = forms.CharField(
        label=_("新密码"),
        help_text=_("至少8位，不能全是数字。"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "weui-input"}),
    )
    new_password2 = forms.CharField(
        label=_("再输一次"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "class": "weui-input"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的新密码不一致。"))
        return data


class UserCreateForm(CleanForm):
    name = forms.CharField(
        label=_("姓名"), max_length=40, widget=forms.TextInput(attrs={"class": "weui-input"})
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        widget=forms.TextInput(attrs={**_PHONE_ATTRS, "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("角色"), choices=())
    region = forms.ModelChoiceField(label=_("所在村/镇"), queryset=Region.objects.none())
    resident_id = forms.IntegerField(
        label=_("村民编号"), required=False, widget=forms.HiddenInput()
    )
    password = forms.CharField(
        label=_("初始密码"),
        help_text=_("首次登录后必须修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "weui-input"}),
    )
    reason = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "weui-input"}),
    )

    def __init__(self, *args: Any, roles: list[Role], regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["role"], [(r.value, r.label) for r in roles])
        set_queryset(self.fields["region"], regions)


class ResetPasswordForm(CleanForm):
    new_password = forms.CharField(
        label=_("临时密码"),
        help_text=_("对方下次登录时必须修改。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "weui-input"}),
    )
    reason = forms.CharField(
        label=_("原因"), max_length=200, widget=forms.TextInput(attrs={"class": "weui-input"})
    )


class ReasonForm(CleanForm):
    reason = forms.CharField(
        label=_("原因"), max_length=200, widget=forms.TextInput(attrs={"class": "weui-input"})
    )


class GrantRoleForm(CleanForm):
    role = forms.ChoiceField(label=_("角色"), choices=())
    region = forms.ModelChoiceField(label=_("所在村/镇"), queryset=Region.objects.none())
    reason = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"class": "weui-input"}),
    )

    def __init__(self, *args: Any, roles: list[Role], regions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["role"], [(r.value, r.label) for r in roles])
        set_queryset(self.fields["region"], regions)
