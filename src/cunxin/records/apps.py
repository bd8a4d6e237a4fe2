from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "cunxin.records"
    verbose_name = _("信用记录")

    def ready(self) -> None:
        from cunxin.records import (
            jobs,  # noqa: F401  (registers periodic jobs)
            reconcile,
        )

        reconcile.register()  # how its rows explain its ledger transfers
