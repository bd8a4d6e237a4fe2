from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "cunxin.people"
    verbose_name = _("户籍与村民")
