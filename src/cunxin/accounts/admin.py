from django.contrib import admin

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.views import admin_login
from cunxin.core.admin import ReadOnlyAdmin

# The admin has no login page of its own: it sends people to the project's, which goes through
# the login limiter (the admin's own form would check passwords with no limit at all).
admin.site.login = admin_login  # type: ignore[method-assign]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("phone", "name", "is_active", "home_region_code")
    search_fields = ("phone", "name")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "region", "active", "created_at")
    list_filter = ("role", "active")
