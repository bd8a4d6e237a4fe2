from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouponsConfig(AppConfig):
    name = "cunxin.coupons"
    verbose_name = _("信用券")

    def ready(self) -> None:
        from cunxin.coupons import (
            jobs,  # noqa: F401  (registers periodic jobs)
            reconcile,
        )

        reconcile.register()  # how its rows explain its ledger transfers
