"""Django's admin is a read-only window for platform admins: every change goes through actions
(pages, API or commands), so the admin cannot bypass audit and validation."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cunxin.core.models import AuditEntry, JobRun


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists and shows rows; adds, edits and deletes are refused."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_repr", "region_code")
    list_filter = ("action",)
    search_fields = ("object_repr", "reason", "region_code")


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "next_due", "last_started", "last_finished", "runs")
