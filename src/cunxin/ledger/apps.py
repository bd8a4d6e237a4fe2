from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def check_keys(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """``CUNXIN_LEDGER_KEYS`` must be usable before anything is posted or checked."""
    from cunxin.ledger.chain import keyring

    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="ledger.E001")]
    return []


class LedgerConfig(AppConfig):
    name = "cunxin.ledger"
    verbose_name = _("积分账本")

    def ready(self) -> None:
        from cunxin.ledger import guard

        guard.connect()
        register(check_keys)
