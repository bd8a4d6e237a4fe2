from django.urls import path

from cunxin.records import views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.collect, name="collect"),
    path("new/team/", views.collect_team, name="collect_team"),
    path("new/residents/", views.resident_search, name="resident_search"),
    path("new/items/", views.item_search, name="item_search"),
    path("mine/", views.collected, name="collected"),
    path("import/", views.record_import, name="import"),
    path("review/", views.review, name="review"),
    path("notices/", views.notices, name="notices"),
    path("notices/publish/", views.publish, name="publish"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("objections/", views.objections, name="objections"),
    path("objections/mine/", views.my_objections, name="my_objections"),
    path("objections/<int:pk>/", views.objection_detail, name="objection"),
    path("notice/", views.village_notice, name="village_notice"),
    path("notice/<int:pk>/object/", views.object_to, name="object"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("<int:pk>/", views.record_detail, name="record"),
    path("<int:pk>/reverse/", views.reverse_record, name="reverse"),
]
