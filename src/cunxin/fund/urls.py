from django.urls import path

from cunxin.fund import views

app_name = "fund"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/donations/", views.donate, name="donate"),
    path("<int:pk>/payments/", views.propose, name="propose"),
    path("<int:pk>/export.csv", views.export, name="export"),
    path("donations/<int:pk>/reverse/", views.reverse_donation, name="reverse_donation"),
    path("payments/<int:pk>/approve/", views.approve, name="approve"),
    path("payments/<int:pk>/reject/", views.reject, name="reject"),
    path("<str:code>/report/", views.report, name="report"),
    path("<str:code>/report.pdf", views.report_pdf, name="report_pdf"),
]
