from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("expiring/", views.expiring, name="expiring"),
    path("shared/", views.shared, name="shared"),
    path("shared/<uuid:person_id>/<slug:purpose>/", views.shared_person, name="shared_person"),
    path("reviews/", views.consent_review_queue, name="review_queue"),
    path("reviews/<int:review_id>/", views.consent_review, name="review"),
    path("case/<uuid:case_id>/new/", views.record, name="record"),
    path("case/<uuid:case_id>/disclose/", views.disclose, name="disclose"),
    path("case/<uuid:case_id>/emergency/", views.emergency, name="emergency"),
    path("case/<uuid:case_id>/<uuid:consent_id>/", views.detail, name="detail"),
    path("case/<uuid:case_id>/<uuid:consent_id>/print/", views.print_form, name="print"),
    path("case/<uuid:case_id>/<uuid:consent_id>/supersede/", views.supersede, name="supersede"),
    path("case/<uuid:case_id>/<uuid:consent_id>/withdraw/", views.withdraw, name="withdraw"),
    path(
        "case/<uuid:case_id>/<uuid:consent_id>/withdraw/confirm/",
        views.withdraw_confirm,
        name="withdraw_confirm",
    ),
]
