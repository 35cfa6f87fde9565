from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("calendar/", views.calendar, name="calendar"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("consent/", include("consent.urls")),
    path("sig/", include("sig.urls")),
    path("defectors/", include("defectors.urls")),
    path("relatives/", include("relatives.urls")),
    path("supervision/", include("supervision.urls")),
    path("retention/", include("retention.urls")),
    path("coordination/", include("coordination.urls")),
    path("notifications/", include("notifications.urls")),
]

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
