from django.urls import path

from sig import views

app_name = "sig"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("form/<uuid:case_id>/", views.form_group, name="form"),
    path("<uuid:group_id>/", views.detail, name="detail"),
    path("<uuid:group_id>/members/", views.member_add, name="member_add"),
    path("<uuid:group_id>/activate/", views.activate, name="activate"),
    path("<uuid:group_id>/close/", views.close, name="close"),
    path("<uuid:group_id>/close/confirm/", views.close_confirm, name="close_confirm"),
    path("<uuid:group_id>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path(
        "<uuid:group_id>/members/<int:membership_id>/remove/confirm/",
        views.member_remove_confirm,
        name="member_remove_confirm",
    ),
    path("<uuid:group_id>/undertaking/", views.undertaking, name="undertaking"),
    path("<uuid:group_id>/entries/", views.entry_add, name="entry_add"),
    path("<uuid:group_id>/assessments/", views.assess, name="assess"),
    path("<uuid:group_id>/refer/", views.refer, name="refer"),
    path("<uuid:group_id>/meetings/", views.meeting_new, name="meeting_new"),
    path("<uuid:group_id>/goals/", views.goal_add, name="goal_add"),
    path("<uuid:group_id>/actions/", views.action_add, name="action_add"),
    path("<uuid:group_id>/actions/<uuid:action_id>/", views.action_update, name="action_update"),
]
