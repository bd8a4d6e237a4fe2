from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "cunxin.ledger"
    verbose_name = _("积分账本")

    def ready(self) -> None:
        from cunxin.ledger import guard

        guard.connect()
