from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.regions.models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
