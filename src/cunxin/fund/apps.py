from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundConfig(AppConfig):
    name = "cunxin.fund"
    verbose_name = _("信用基金")
