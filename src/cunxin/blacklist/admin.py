from django.contrib import admin

from cunxin.blacklist.models import BlacklistCase, CaseEvent, RepairApplication
from cunxin.core.admin import ReadOnlyAdmin


@admin.register(BlacklistCase)
class BlacklistCaseAdmin(ReadOnlyAdmin):
    list_display = ("pk", "resident", "village", "status", "basis", "ends_on", "decided_at")
    list_filter = ("status", "basis")


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "case", "status", "volunteer_hours", "created_at", "ruled_at")
    list_filter = ("status",)


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "from_status", "to_status", "actor", "at")
