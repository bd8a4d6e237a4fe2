from django.urls import path

from cunxin.volunteering.views import activities, attendance, figures, teams

app_name = "volunteering"
urlpatterns = [
    path("", activities.index, name="index"),
    path("mine/", activities.mine, name="mine"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/edit/", activities.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/publish/", activities.publish, name="publish"),
    path("activities/<int:pk>/cancel/", activities.cancel, name="cancel"),
    path("activities/<int:pk>/complete/", activities.complete, name="complete"),
    path("activities/<int:pk>/sign-up/", activities.sign_up, name="sign_up"),
    path("activities/<int:pk>/sign-up/others/", activities.sign_up_others, name="sign_up_others"),
    path("activities/<int:pk>/sign-ups/", activities.signups, name="signups"),
    path("activities/<int:pk>/sign-ups/<int:sign_up_id>/move/", activities.move, name="move"),
    path("sign-ups/<int:sign_up_id>/withdraw/", activities.withdraw, name="withdraw"),
    path("activities/<int:pk>/qr/", attendance.qr, name="qr"),
    path("activities/<int:pk>/qr/rotate/", attendance.rotate, name="qr_rotate"),
    path("activities/<int:pk>/attendance/", attendance.attendance, name="attendance"),
    path("activities/<int:pk>/attendance/<int:sign_up_id>/", attendance.check, name="check"),
    path("scan/<str:token>/", attendance.scan, name="scan"),
    path("teams/", teams.teams, name="teams"),
    path("teams/new/", teams.team_new, name="team_new"),
    path("teams/<int:pk>/", teams.team_detail, name="team"),
    path("teams/<int:pk>/edit/", teams.team_edit, name="team_edit"),
    path("teams/<int:pk>/members/", teams.add_member, name="add_member"),
    path(
        "teams/<int:pk>/members/<int:member_id>/remove/",
        teams.remove_member,
        name="remove_member",
    ),
    path("teams/<int:pk>/leader/", teams.leader, name="leader"),
    path("figures/", figures.figures, name="figures"),
]
