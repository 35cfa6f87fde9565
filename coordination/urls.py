from django.urls import path

from coordination import views

app_name = "coordination"

urlpatterns = [
    path("report/", views.report_new, name="report_new"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:report_id>/", views.report, name="report"),
]
