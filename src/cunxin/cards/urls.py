from django.urls import path

from cunxin.cards import views

app_name = "cards"
urlpatterns = [
    path("", views.cards, name="cards"),
    path("bind/", views.bind, name="bind"),
    path("my-code/", views.my_code, name="my_code"),
    path("<int:pk>/", views.card_detail, name="card"),
    path("<int:pk>/unlock/", views.unlock, name="unlock"),
    path("<int:pk>/pin/", views.reset_pin, name="reset_pin"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
]
