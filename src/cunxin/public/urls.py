"""Pages anyone may open without logging in: boards, notices, posters, the TV, verification."""

from django.urls import path

from cunxin.public import views

app_name = "public"
urlpatterns = [
    path("verify/", views.verify, name="verify"),
    path("<str:code>/", views.board, name="board"),
    path("<str:code>/board.pdf", views.board_pdf, name="board_pdf"),
    path("<str:code>/tv/", views.tv, name="tv"),
    path("<str:code>/villages/", views.town, name="town"),
    path("<str:code>/notices/", views.notice_list, name="notices"),
    path("<str:code>/notices/<int:number>/", views.notice_detail, name="notice"),
    path("<str:code>/notices/<int:number>.pdf", views.notice_pdf, name="notice_pdf"),
]
