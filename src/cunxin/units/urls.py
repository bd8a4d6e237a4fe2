from django.urls import path

from cunxin.units import views

app_name = "units"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.unit_new, name="new"),
    path("<int:pk>/", views.unit_detail, name="unit"),
    path("<int:pk>/edit/", views.unit_edit, name="edit"),
    path("<int:pk>/move/", views.unit_move, name="move"),
    path("<int:pk>/active/", views.unit_active, name="active"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:assignment_id>/remove/", views.member_remove, name="member_remove"),
]
