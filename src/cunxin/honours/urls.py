from django.urls import path

from cunxin.honours import views

app_name = "honours"
urlpatterns = [
    path("", views.index, name="index"),
    path("open/", views.open_round, name="open"),
    path("mine/", views.mine, name="mine"),
    path("villages/<int:village>/rewards/", views.rewards, name="rewards"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/swap/", views.swap, name="swap"),
    path("rounds/<int:pk>/flag/", views.swap_flag, name="swap_flag"),
    path("rounds/<int:pk>/strike/", views.strike, name="strike"),
    path("rounds/<int:pk>/recompute/", views.recompute, name="recompute"),
    path("rounds/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("rounds/<int:pk>/reopen/", views.reopen, name="reopen"),
]
