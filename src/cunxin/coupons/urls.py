from django.urls import path

from cunxin.coupons import views

app_name = "coupons"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("convert/", views.convert, name="convert"),
    path("<int:pk>/gift/", views.gift, name="gift"),
    path("gifts/<int:pk>/accept/", views.accept, name="accept"),
    path("gifts/<int:pk>/decline/", views.decline, name="decline"),
    path("gifts/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("figures/", views.figures, name="figures"),
]
