from django.urls import URLPattern

app_name = "fund"
urlpatterns: list[URLPattern] = []
