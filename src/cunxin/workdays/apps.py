from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "cunxin.workdays"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from django.core.exceptions import ImproperlyConfigured

        from cunxin.workdays.selectors import office_hours

        # A mistyped WORKDAY_HOURS must stop the start, not surface in the first deadline.
        try:
            office_hours()
        except ValueError as exc:
            raise ImproperlyConfigured(f"WORKDAY_HOURS: {exc}") from exc
