from django.urls import path

from cunxin.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.message_list, name="inbox"),
    path("read/", views.read, name="read"),
]
