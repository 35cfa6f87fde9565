"""The first-contact and report-of-concern pages, included by cases/urls.py into the ``cases``
namespace."""

from django.urls import path

from cases.first_contacts import views

urlpatterns = [
    path("first-contacts/", views.first_contacts, name="first_contacts"),
    path("first-contacts/new/", views.first_contact_open, name="first_contact_open"),
    path("concern-reports/", views.concern_reports, name="concern_reports"),
    path("concern-reports/<uuid:report_id>/", views.concern_report, name="concern_report"),
    path(
        "concern-reports/<uuid:report_id>/protection/",
        views.concern_report_protection,
        name="concern_report_protection",
    ),
    path(
        "concern-reports/<uuid:report_id>/assess/", views.concern_report_assess, name="concern_report_assess"
    ),
    path("<uuid:case_id>/first-contact/", views.first_contact, name="first_contact"),
    path("<uuid:case_id>/first-contact/meeting/", views.first_contact_meeting, name="first_contact_meeting"),
    path("<uuid:case_id>/first-contact/concern/", views.concern_report_create, name="concern_report_create"),
]
