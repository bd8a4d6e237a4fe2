from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "cunxin.policy"
    verbose_name = _("信用管理办法")
