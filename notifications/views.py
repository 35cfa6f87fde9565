from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from lotsa.posting import form_page
from notifications import selectors, services
from notifications.forms import CadenceForm
from notifications.models import NotificationPreference


def notification_settings(request):
    """The person's own choice of how often they are told, and every notification sent to them: read
    (one event) when the page is shown; an invalid post is decided as the change it is and shows the
    form again without it (one act, one event)."""
    user, shown = request.user, {"rows": None}
    return form_page(
        request,
        CadenceForm(request.POST or None, initial={"cadence": selectors.preference_of(user).cadence}),
        template="notifications/settings.html",
        context=shown,
        show=lambda: shown.update(rows=selectors.notifications_visible_to(user)),
        act=(Action.UPDATE, NotificationPreference(user=user)),
        change=lambda data: services.notification_preference_change(by=user, cadence=data["cadence"]),
        done=_("Your choice is saved."),
        then=reverse("notifications:settings"),
    )


def failures(request):
    """The administrator's page: failed scheduled jobs and undelivered notifications, no content."""
    return render(request, "notifications/failures.html", selectors.failures_visible_to(request.user))
