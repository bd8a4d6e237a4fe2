from django.urls import path

from cunxin.shop.views import counter, manage

app_name = "shop"
urlpatterns = [
    path("", manage.index, name="index"),
    path("new/", manage.shop_new, name="shop_new"),
    path("figures/", manage.figures, name="figures"),
    path("<int:pk>/", manage.shop_detail, name="shop"),
    path("<int:pk>/edit/", manage.shop_edit, name="shop_edit"),
    path("<int:pk>/keepers/", manage.keeper_add, name="keeper_add"),
    path("<int:pk>/keepers/<int:keeper_id>/remove/", manage.keeper_remove, name="keeper_remove"),
    path("<int:pk>/goods/new/", manage.goods_new, name="goods_new"),
    path("goods/<int:pk>/edit/", manage.goods_edit, name="goods_edit"),
    path("goods/<int:pk>/stock/", manage.stock, name="stock"),
    path("goods/<int:pk>/moves/", manage.stock_moves, name="stock_moves"),
    path("goods/<int:pk>/photo/", manage.photo, name="photo"),
    path("<int:pk>/counter/", counter.counter, name="counter"),
    path("redemptions/", counter.redemptions, name="redemptions"),
    path("redemptions/<int:pk>/", counter.receipt_page, name="receipt"),
    path("redemptions/<int:pk>/cancel/", counter.cancel, name="cancel"),
]
