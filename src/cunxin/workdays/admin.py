from django.contrib import admin

from cunxin.core.admin import ReadOnlyAdmin
from cunxin.workdays.models import CalendarDay, CalendarYear


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("region", "year", "source", "changed_at", "changed_by")
    list_filter = ("year",)


@admin.register(CalendarDay)
class CalendarDayAdmin(ReadOnlyAdmin):
    list_display = ("date", "kind", "name", "table")
    list_filter = ("kind",)
