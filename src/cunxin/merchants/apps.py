from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "cunxin.merchants"
    verbose_name = _("合作商家")

    def ready(self) -> None:
        from cunxin.merchants import reconcile

        reconcile.register()  # how its rows explain its ledger transfers
