from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("people/<uuid:person_id>/access/", views.person_access, name="person_access"),
    path("reviews/", views.log_reviews, name="reviews"),
    path("reviews/plan/", views.log_review_plan, name="review_plan"),
    path("reviews/draw/", views.log_review_draw, name="review_draw"),
    path("reviews/<int:review_id>/", views.log_review, name="review"),
    path("reviews/<int:review_id>/items/<int:item_id>/", views.log_review_mark, name="review_mark"),
    path("reviews/<int:review_id>/sign-off/", views.log_review_sign_off, name="review_sign_off"),
    path("analyses/", views.analyses, name="analyses"),
    path("analyses/new/", views.analysis_write, name="analysis_write"),
    path("analyses/<int:analysis_id>/", views.analysis, name="analysis"),
    path("analyses/<int:analysis_id>/approve/", views.analysis_approve, name="analysis_approve"),
    path("break-glass/", views.break_glass, name="break_glass"),
    path("break-glass/<int:login_id>/reviewed/", views.break_glass_review, name="break_glass_review"),
]

urlpatterns += [
    path("subject-access/", views.subject_accesses, name="subject_accesses"),
    path("subject-access/new/<uuid:case_id>/", views.subject_access_new, name="subject_access_new"),
    path("subject-access/<int:extract_id>/", views.subject_access, name="subject_access"),
    path(
        "subject-access/<int:extract_id>/decide/", views.subject_access_decide, name="subject_access_decide"
    ),
    path("subject-access/<int:extract_id>/pdf/", views.subject_access_pdf, name="subject_access_pdf"),
    path(
        "subject-access/<int:extract_id>/preview/",
        views.subject_access_preview,
        name="subject_access_preview",
    ),
]
