from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlacklistConfig(AppConfig):
    name = "cunxin.blacklist"
    verbose_name = _("诚信黑名单与信用修复")
