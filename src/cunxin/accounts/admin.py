from django.contrib import admin

from cunxin.accounts.models import RoleAssignment, User
from cunxin.accounts.views import admin_login, admin_password_change
from cunxin.core.admin import ReadOnlyAdmin

# The admin has no login or password change page of its own: it sends people to the project's,
# which go through the login limiter (the admin's own forms check passwords with no limit).
admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.password_change = admin_password_change  # type: ignore[method-assign,assignment]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("phone", "name", "is_active", "home_region_code")
    search_fields = ("phone", "name")
    exclude = ("password",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "region", "active", "created_at")
    list_filter = ("role", "active")
