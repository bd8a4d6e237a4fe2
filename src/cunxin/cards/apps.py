from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CardsConfig(AppConfig):
    name = "cunxin.cards"
    verbose_name = _("诚信卡")

    def ready(self) -> None:
        from cunxin.cards import jobs  # noqa: F401  (registers periodic jobs)
