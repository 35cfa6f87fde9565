from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/plain/cases/", views.plain_my_cases, name="bench_plain_my_cases"),
    path("bench/plain/cases/<uuid:case_id>/", views.plain_case_detail, name="bench_plain_case_detail"),
    path("", include("config.urls")),
]
