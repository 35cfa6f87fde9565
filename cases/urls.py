from django.urls import include, path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.my_cases, name="my_cases"),
    path("search/", views.search, name="search"),
    path("open/", views.open_case, name="open"),
    path("assignment-requests/", views.assignment_requests, name="assignment_requests"),
    path("assignment-requests/<uuid:request_id>/decide/", views.assignment_decide, name="assignment_decide"),
    # The sub-domains' pages, named in this app's namespace (cases:handovers, cases:first_contact, ...).
    path("", include("cases.handovers.urls")),
    path("", include("cases.first_contacts.urls")),
    path("<uuid:case_id>/", views.case_detail, name="detail"),
    path("<uuid:case_id>/summary.pdf", views.case_summary, name="summary"),
    path("<uuid:case_id>/request-assignment/", views.request_assignment, name="request_assignment"),
    path("<uuid:case_id>/activate/", views.case_activate, name="activate"),
    path("<uuid:case_id>/close/", views.case_close, name="close"),
    path("<uuid:case_id>/close/decide/", views.case_close_decide, name="close_decide"),
    path("<uuid:case_id>/reassign/", views.case_reassign, name="reassign"),
    path("<uuid:case_id>/activity/", views.case_activity, name="activity"),
    path("<uuid:case_id>/protection/lower/", views.protection_lower, name="protection_lower"),
    path(
        "<uuid:case_id>/protection/lower/<uuid:lowering_id>/decide/",
        views.protection_lower_decide,
        name="protection_lower_decide",
    ),
    path("<uuid:case_id>/merge/", views.person_merge, name="merge"),
    path("<uuid:case_id>/merge/<uuid:merge_id>/decide/", views.person_merge_decide, name="merge_decide"),
    path("<uuid:case_id>/same-person/<uuid:other_id>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path(
        "<uuid:case_id>/same-person/<uuid:other_id>/not-same/", views.not_same_person, name="not_same_person"
    ),
    path("<uuid:case_id>/journal/", views.journal_add, name="journal_add"),
    path("<uuid:case_id>/journal/<uuid:entry_id>/sign/", views.journal_sign, name="journal_sign"),
    path(
        "<uuid:case_id>/journal/<uuid:entry_id>/sign/confirm/",
        views.journal_sign_confirm,
        name="journal_sign_confirm",
    ),
    path("<uuid:case_id>/journal/<uuid:entry_id>/correct/", views.journal_correct, name="journal_correct"),
    path("<uuid:case_id>/journal/<uuid:entry_id>/edit/", views.journal_edit, name="journal_edit"),
    path("<uuid:case_id>/journal/<uuid:entry_id>/delete/", views.journal_delete, name="journal_delete"),
]
