from django.urls import path

from cunxin.workdays import views

app_name = "workdays"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_table, name="import"),
    path("official/", views.install_official, name="official"),
    path("<int:pk>/export/", views.export_table, name="export"),
    path("<int:pk>/delete/", views.delete_table, name="delete"),
]
