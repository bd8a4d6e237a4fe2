from django.urls import path

from cunxin.blacklist import views

app_name = "blacklist"
urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.case_list, name="cases"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/repair/", views.apply, name="apply"),
    path("candidates/<int:pk>/", views.candidate, name="candidate"),
    path("candidates/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("candidates/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("repairs/", views.repair_list, name="repairs"),
    path("repairs/<int:pk>/rule/", views.rule, name="rule"),
    path("repairs/<int:pk>/file/", views.repair_file, name="repair_file"),
    path("me/", views.me, name="me"),
]
