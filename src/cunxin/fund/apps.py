from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "cunxin.fund"
    verbose_name = _("信用基金")

    def ready(self) -> None:
        from cunxin.fund import reconcile, witness

        reconcile.register()  # how its rows explain its ledger transfers
        witness.register()  # the chain heads its public report printed
