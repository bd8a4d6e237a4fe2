from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.volunteering.models import Activity, Position, SignUp, Team, TeamMember


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("name", "village", "leader", "active")
    list_filter = ("active",)


@admin.register(TeamMember)
class TeamMemberAdmin(ReadOnlyAdmin):
    list_display = ("team", "resident", "joined_on", "left_on")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("title", "region", "starts_at", "status", "item_code")
    list_filter = ("status",)
    search_fields = ("title", "place")


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ("activity", "name", "quota", "planned_hours")


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ("activity", "resident", "position", "status", "check_in_at", "hours", "record")
    list_filter = ("status",)
