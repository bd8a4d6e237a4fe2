from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlacklistConfig(AppConfig):
    name = "cunxin.blacklist"
    verbose_name = _("诚信黑名单与信用修复")

    def ready(self) -> None:
        from cunxin.blacklist import jobs  # noqa: F401  (registers periodic jobs)
