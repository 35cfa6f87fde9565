from django.urls import path

from defectors import views

app_name = "defectors"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("bops/", views.bops, name="bops"),
    path("bops/<uuid:person_id>/", views.bops_person, name="bops_person"),
    path("request/", views.police_request, name="police_request"),
    path("<uuid:case_id>/", views.case, name="case"),
    path("<uuid:case_id>/witness/", views.witness, name="witness"),
    path("<uuid:case_id>/conditions/", views.conditions, name="conditions"),
    path("<uuid:case_id>/decisions/", views.decision_prepare, name="decision_prepare"),
    path("<uuid:case_id>/decisions/<uuid:decision_id>/", views.decision_review, name="decision_review"),
    path("<uuid:case_id>/interventions/", views.intervention_add, name="intervention_add"),
    path(
        "<uuid:case_id>/interventions/<uuid:intervention_id>/",
        views.intervention_update,
        name="intervention_update",
    ),
    path(
        "<uuid:case_id>/interventions/<uuid:intervention_id>/placement/",
        views.placement_add,
        name="placement_add",
    ),
    path("<uuid:case_id>/protect/", views.protect, name="protect"),
    path("<uuid:case_id>/go-on/", views.go_on, name="go_on"),
    path("<uuid:case_id>/close/", views.close, name="close"),
    path("<uuid:case_id>/follow-ups/<uuid:follow_up_id>/", views.follow_up, name="follow_up"),
]
