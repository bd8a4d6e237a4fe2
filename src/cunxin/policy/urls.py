from django.urls import path

from cunxin.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.policy_view, name="policy"),
    path("edit/", views.policy_edit, name="policy_edit"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/new/", views.catalogue_item_edit, name="item_create"),
    path("catalogue/import/", views.catalogue_import, name="catalogue_import"),
    path("catalogue/export.xlsx", views.catalogue_export, name="catalogue_export"),
    path("catalogue/<int:pk>/", views.catalogue_item, name="item"),
    path("catalogue/<int:pk>/edit/", views.catalogue_item_edit, name="item_edit"),
]
