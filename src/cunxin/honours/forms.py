"""Forms of the honours pages; the choices come from the round (candidates, teams, picks)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunxin.core.forms import CleanForm
from cunxin.core.http import set_choices
from cunxin.honours.models import Kind, Period

_TEXT = {"class": "weui-input"}
_AREA = {"class": "weui-textarea", "rows": 2}
_SELECT = {"class": "weui-select"}


def _reason(label: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=400, widget=forms.Textarea(attrs=_AREA))


class OpenForm(CleanForm):
    """Open a month's (or a year's) round."""

    period = forms.ChoiceField(
        label=_("评选"), choices=Period.choices, widget=forms.Select(attrs=_SELECT)
    )
    month = forms.CharField(
        label=_("月份"),
        required=False,
        help_text=_("月度评选填写，如 2026-10。"),
        widget=forms.TextInput(attrs={**_TEXT, "type": "month", "placeholder": "2026-10"}),
    )
    year = forms.IntegerField(
        label=_("年度"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs=_TEXT),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        last_month = today.replace(day=1) - datetime.timedelta(days=1)
        self.fields["month"].initial = f"{last_month:%Y-%m}"
        self.fields["year"].initial = today.year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period") == Period.MONTH:
            raw = (data.get("month") or "").strip()
            try:
                data["day"] = datetime.datetime.strptime(raw, "%Y-%m").date()
            except ValueError:
                self.add_error("month", _("请填写月份，如 2026-10。"))
        elif data.get("period") == Period.YEAR:
            if not data.get("year"):
                self.add_error("year", _("请填写年度，如 2026。"))
            else:
                data["day"] = datetime.date(data["year"], 1, 1)
        return data


class SwapForm(CleanForm):
    """Put another eligible candidate in a star's place."""

    rank = forms.TypedChoiceField(
        label=_("替换第几名"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    resident = forms.TypedChoiceField(
        label=_("改为"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    reason = _reason(_("调整理由"))

    def __init__(
        self,
        *args: Any,
        ranks: Sequence[tuple[Any, str]] = (),
        people: Sequence[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["rank"], list(ranks))
        set_choices(self.fields["resident"], list(people))


class FlagForm(CleanForm):
    """Give the red flag to another team."""

    team = forms.TypedChoiceField(label=_("改为"), coerce=int, widget=forms.Select(attrs=_SELECT))
    reason = _reason(_("调整理由"))

    def __init__(
        self,
        *args: Any,
        teams: Sequence[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["team"], list(teams))


class StrikeForm(CleanForm):
    """Take a household off the year's list."""

    household = forms.TypedChoiceField(
        label=_("户"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    reason = _reason(_("不予评定的理由"))

    def __init__(
        self, *args: Any, households: Sequence[tuple[Any, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["household"], list(households))


class ReopenForm(CleanForm):
    reason = _reason(_("重新打开的理由"))


class RewardForm(CleanForm):
    """The reward item of each kind of honour (a fixed-points reward of the catalogue)."""

    def __init__(
        self,
        *args: Any,
        items: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("不奖励积分")), *items]
        for kind, label in Kind.choices:
            self.fields[kind] = forms.ChoiceField(
                label=label, required=False, choices=choices, widget=forms.Select(attrs=_SELECT)
            )
