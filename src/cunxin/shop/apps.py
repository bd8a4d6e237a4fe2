from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "cunxin.shop"
    verbose_name = _("信用超市")

    def ready(self) -> None:
        from cunxin.shop import reconcile

        reconcile.register()  # how its rows explain its ledger transfers
