from django.contrib import admin

from cunxin.accounts.models import RoleAssignment, User
from cunxin.core.admin import ReadOnlyAdmin


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("phone", "name", "is_active", "home_region_code")
    search_fields = ("phone", "name")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "region", "active", "created_at")
    list_filter = ("role", "active")
