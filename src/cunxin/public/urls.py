"""Pages anyone may open without logging in: notices, posters, chain verification."""

from django.urls import path

from cunxin.public import views

app_name = "public"
urlpatterns: list[object] = []
__all__ = ["path", "views"]
