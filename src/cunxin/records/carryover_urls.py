"""Pages of carry-over (结转) at the end of a period."""

from django.urls import path

app_name = "carryover"
urlpatterns: list[object] = []
__all__ = ["path"]
