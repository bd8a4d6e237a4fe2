from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "cunxin.shop"
    verbose_name = _("信用超市")
