from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.units.models import Unit


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "parent", "region", "path", "active")
    list_filter = ("kind", "active")
