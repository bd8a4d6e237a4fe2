from django.urls import path

from cunxin.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.village_list, name="villages"),
    path("new/", views.region_create, name="create"),
    path("<int:pk>/", views.village_detail, name="village"),
]
