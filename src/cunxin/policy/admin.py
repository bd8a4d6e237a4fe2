from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.policy.models import CatalogueItem, CreditPolicy


@admin.register(CreditPolicy)
class CreditPolicyAdmin(ReadOnlyAdmin):
    list_display = ("region", "version", "effective_from", "created_by", "change_reason")


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "name",
        "region",
        "version",
        "category",
        "direction",
        "points",
        "is_latest",
    )
    list_filter = ("category", "direction", "is_latest")
    search_fields = ("code", "name")
