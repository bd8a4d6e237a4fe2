from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.people.models import Household, Resident


@admin.register(Household)
class HouseholdAdmin(ReadOnlyAdmin):
    list_display = ("number", "village")
    search_fields = ("number",)


@admin.register(Resident)
class ResidentAdmin(ReadOnlyAdmin):
    list_display = ("name", "village", "household", "id_masked", "phone", "status")
    search_fields = ("name", "phone", "id_tail")
    exclude = ("id_cipher", "id_hash", "name_search")
