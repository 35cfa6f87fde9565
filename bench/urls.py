from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/plain/cases/", views.plain_my_cases, name="bench_plain_my_cases"),
    path("bench/plain/cases/<uuid:case_id>/", views.plain_case_detail, name="bench_plain_case_detail"),
    path("bench/plain/programme/<uuid:case_id>/", views.plain_programme_page, name="bench_plain_programme"),
    path(
        "bench/plain/people/<uuid:person_id>/access/",
        views.plain_person_access,
        name="bench_plain_person_access",
    ),
    path("bench/plain/indicators/", views.plain_indicators, name="bench_plain_indicators"),
    path("", include("config.urls")),
]
