from django.urls import path

from cunxin.blacklist import views

app_name = "blacklist"
urlpatterns: list[object] = []
__all__ = ["path", "views"]
