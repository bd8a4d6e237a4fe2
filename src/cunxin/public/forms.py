"""The chain-head verification form (a GET form: it changes nothing, and its URL can be shared)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.public.selectors import public_village
from cunxin.regions.models import Region

_SPACE = re.compile(r"\s+")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class VerifyForm(CleanForm):
    village = forms.CharField(
        label=_("村区划代码"),
        max_length=20,
        help_text=_("公示单上印的12位区划代码。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    seq = forms.IntegerField(
        label=_("链头序号"),
        min_value=0,
        max_value=10**15,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    hash = forms.CharField(
        label=_("链头哈希"),
        max_length=200,
        help_text=_("64位，由数字和 a–f 组成；分行印刷的，连起来填写即可。"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_village(self) -> Region:
        code = _SPACE.sub("", self.cleaned_data["village"])
        village = public_village(code)
        if village is None:
            raise forms.ValidationError(_("没有这个村：请核对12位区划代码。"))
        return village

    def clean_hash(self) -> str:
        # A printed hash is often wrapped or copied with spaces: ignore blanks and case.
        digest = _SPACE.sub("", self.cleaned_data["hash"]).lower()
        if not _HEX64.match(digest):
            raise forms.ValidationError(
                _("哈希应为64位，只含数字 0–9 和字母 a–f（现在是 %(n)d 位）。") % {"n": len(digest)}
            )
        return digest
