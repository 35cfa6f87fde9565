from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("search/", views.search, name="search"),
    path("open/", views.open_case, name="open"),
    path("assignment-requests/", views.assignment_requests, name="assignment_requests"),
    path("assignment-requests/<uuid:request_id>/decide/", views.assignment_decide, name="assignment_decide"),
    path("handovers/", views.handovers, name="handovers"),
    path("handovers/<uuid:handover_id>/", views.handover_detail, name="handover"),
    path("handovers/<uuid:handover_id>/accept/", views.handover_accept, name="handover_accept"),
    path("handovers/<uuid:handover_id>/decline/", views.handover_decline, name="handover_decline"),
    path("handovers/<uuid:handover_id>/withdraw/", views.handover_withdraw, name="handover_withdraw"),
    path("first-contacts/new/", views.first_contact_open, name="first_contact_open"),
    path("concern-reports/", views.concern_reports, name="concern_reports"),
    path("concern-reports/<uuid:report_id>/", views.concern_report, name="concern_report"),
    path(
        "concern-reports/<uuid:report_id>/assess/", views.concern_report_assess, name="concern_report_assess"
    ),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/first-contact/", views.first_contact, name="first_contact"),
    path("<uuid:case_id>/first-contact/meeting/", views.first_contact_meeting, name="first_contact_meeting"),
    path("<uuid:case_id>/first-contact/concern/", views.concern_report_create, name="concern_report_create"),
    path("<uuid:case_id>/handover/", views.handover_send, name="handover_send"),
    path("<uuid:case_id>/request-assignment/", views.request_assignment, name="request_assignment"),
    path("<uuid:case_id>/activate/", views.case_activate, name="activate"),
    path("<uuid:case_id>/close/", views.case_close, name="close"),
    path("<uuid:case_id>/close/decide/", views.case_close_decide, name="close_decide"),
    path("<uuid:case_id>/reassign/", views.case_reassign, name="reassign"),
    path("<uuid:case_id>/journal/", views.journal_add, name="journal_add"),
    path("<uuid:case_id>/journal/<uuid:entry_id>/sign/", views.journal_sign, name="journal_sign"),
    path("<uuid:case_id>/journal/<uuid:entry_id>/correct/", views.journal_correct, name="journal_correct"),
]
