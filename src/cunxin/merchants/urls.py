from django.urls import URLPattern

app_name = "merchants"
urlpatterns: list[URLPattern] = []
