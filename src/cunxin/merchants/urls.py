from django.urls import path

from cunxin.merchants import views

app_name = "merchants"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("figures/", views.figures, name="figures"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/<str:verb>/", views.change_status, name="status"),
    path("<int:pk>/staff/", views.staff_add, name="staff_add"),
    path("<int:pk>/staff/<int:staff_id>/remove/", views.staff_remove, name="staff_remove"),
    path("<int:pk>/discounts/", views.discounts, name="discounts"),
    path("<int:pk>/counter/", views.counter, name="counter"),
    path("<int:pk>/sales/", views.sales, name="sales"),
    path("<int:pk>/statement/", views.statement, name="statement"),
    path("<int:pk>/settle/", views.settle, name="settle"),
    path("sales/<int:pk>/", views.receipt, name="receipt"),
    path("settlements/<int:pk>/paid/", views.paid, name="paid"),
]
