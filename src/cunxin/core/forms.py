"""The forms' side of the input rules (``core.cleaning``): every page form inherits them.

``CleanForm`` and ``CleanModelForm`` give each field, when the form is made, the rules the API
types state: text that can be stored and is never longer than its limit (2,000 characters
where a field names none), whole numbers that fit a column, decimals in the plain form people
type (Django's own field reads ``1e3`` as 1000), dates the calendar arithmetic can handle. A
form error names the field, as every other refusal on a page does. ``test_forms`` checks that
every form of the project inherits them.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from cunxin.core.cleaning import MAX_INT, MIN_INT, PLAIN_DECIMAL, text_problem

# The longest text a form takes when its field sets no limit (a note's length).
DEFAULT_MAX_LENGTH = 2000
FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2999, 12, 31)


def _storable(value: object) -> None:
    if isinstance(value, str) and text_problem(value):
        raise ValidationError(
            _("含有无法保存的字符（空字符或残缺的文字编码），请删除后重新填写。"),
            code="text_invalid",
        )


def _in_calendar(value: object) -> None:
    day = value.date() if isinstance(value, datetime.datetime) else value
    if isinstance(day, datetime.date) and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(_("日期应在 1900 年到 2999 年之间。"), code="date_range")


def _plain(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A decimal field's reading, refusing what is not a plain decimal (``1e3``, ``NaN``)."""

    def read(value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            text = unicodedata.normalize("NFKC", value).strip().replace(",", "")
            if not PLAIN_DECIMAL.fullmatch(text):
                raise ValidationError(_("请填写普通写法的数字，如 2 或 1.5。"), code="invalid")
            value = text
        return to_python(value)

    return read


def apply_rules(field: forms.Field) -> None:
    """Give one form field the platform's input rules, in addition to its own."""
    if isinstance(field, forms.UUIDField):
        return  # read into a UUID: nothing to store as text
    if isinstance(field, forms.CharField):
        field.validators.append(_storable)
        if field.max_length is None:
            field.max_length = DEFAULT_MAX_LENGTH
            field.validators.append(MaxLengthValidator(DEFAULT_MAX_LENGTH))
    elif isinstance(field, forms.DecimalField | forms.FloatField):
        field.to_python = _plain(field.to_python)  # type: ignore[method-assign,assignment]
    elif isinstance(field, forms.IntegerField):
        if field.max_value is None:
            field.validators.append(MaxValueValidator(MAX_INT))
        if field.min_value is None:
            field.validators.append(MinValueValidator(MIN_INT))
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        field.validators.append(_in_calendar)


class CleanFormMixin:
    """Applies ``apply_rules`` to every field of the form."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            apply_rules(field)


class CleanForm(CleanFormMixin, forms.Form):
    """A form of the project: its fields follow core.cleaning."""


class CleanModelForm(CleanFormMixin, forms.ModelForm):  # type: ignore[type-arg]
    """A model form of the project: its fields follow core.cleaning."""
