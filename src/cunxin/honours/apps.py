from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HonoursConfig(AppConfig):
    name = "cunxin.honours"
    verbose_name = _("信用表彰")

    def ready(self) -> None:
        from cunxin.honours import jobs  # noqa: F401  (registers periodic jobs)
