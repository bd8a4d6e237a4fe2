from django.urls import path

from cunxin.records import views

app_name = "records"
urlpatterns: list[object] = []
__all__ = ["path", "views"]
