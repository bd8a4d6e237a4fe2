"""Pages of carry-over (结转) at the end of a period."""

from django.urls import path

from cunxin.records import carryover_views as views

app_name = "carryover"
urlpatterns = [
    path("", views.index, name="index"),
    path("preview/", views.preview, name="preview"),
    path("run/", views.run, name="run"),
    path("<int:pk>/", views.detail, name="detail"),
]
