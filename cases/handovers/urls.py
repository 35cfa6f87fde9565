"""The hand-over pages, included by cases/urls.py into the ``cases`` namespace."""

from django.urls import path

from cases.handovers import views

urlpatterns = [
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<uuid:handover_id>/", views.handover_detail, name="handover"),
    path("handovers/<uuid:handover_id>/accept/", views.handover_accept, name="handover_accept"),
    path("handovers/<uuid:handover_id>/decline/", views.handover_decline, name="handover_decline"),
    path("handovers/<uuid:handover_id>/withdraw/", views.handover_withdraw, name="handover_withdraw"),
    path(
        "handovers/<uuid:handover_id>/keep-open/",
        views.handover_keep_case_open,
        name="handover_keep_case_open",
    ),
    path("<uuid:case_id>/handover/", views.handover_send, name="handover_send"),
    path("handover-requests/", views.handover_requests, name="handover_requests"),
    path("handover-requests/new/", views.handover_request_new, name="handover_request_new"),
    path("handover-requests/<uuid:request_id>/", views.handover_request_detail, name="handover_request"),
    path(
        "handover-requests/<uuid:request_id>/decline/",
        views.handover_request_decline,
        name="handover_request_decline",
    ),
]
