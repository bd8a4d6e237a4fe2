from django.urls import path

from cunxin.people import views

app_name = "people"
urlpatterns = [
    path("", views.resident_list, name="residents"),
    path("me/", views.me, name="me"),
    path("me/statement/", views.my_statement, name="statement"),
    path("import/", views.roster_import, name="import"),
    path("export/", views.roster_export, name="export"),
    path("<int:pk>/", views.resident_detail, name="resident"),
    path("<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("<int:pk>/reveal/", views.resident_reveal, name="reveal"),
    path("households/<int:pk>/", views.household_detail, name="household"),
]
