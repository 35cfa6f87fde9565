from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("indicators/", views.indicators, name="indicators"),
    path("export.csv", views.export, name="export"),
    path("report/", views.report_new, name="report_new"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_id>/", views.report, name="report"),
    path("situation/<int:administration_id>/", views.situation, name="situation"),
    path(
        "situation/<int:administration_id>/<int:year>/write/", views.situation_write, name="situation_write"
    ),
    path("situation/versions/<int:picture_id>/", views.situation_version, name="situation_version"),
    path("situation/versions/<int:picture_id>/pdf/", views.situation_pdf, name="situation_pdf"),
]
