from typing import Any

from django.apps import AppConfig
from django.db.models.signals import pre_save
from django.utils.translation import gettext_lazy as _


def _guard_values(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # Only the project's own models; fixtures (raw) are loaded as they are.
    if raw or not sender.__module__.startswith("cunxin."):
        return
    from cunxin.core.cleaning import check_instance_values

    check_instance_values(instance)


class CoreConfig(AppConfig):
    name = "cunxin.core"
    verbose_name = _("核心")

    def ready(self) -> None:
        # The last line of defence of core/cleaning.py: nothing is saved cut or as a 500.
        pre_save.connect(_guard_values, dispatch_uid="cunxin.core.guard_values")
