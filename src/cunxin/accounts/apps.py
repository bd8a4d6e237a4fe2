from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "cunxin.accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from cunxin.accounts import jobs  # noqa: F401  (registers periodic jobs)
