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
    (one selector, one event) when the page is shown; an invalid post is decided as the change it is
    and shows the form again without them (one act, one event)."""
    user, form, shown = request.user, CadenceForm(request.POST or None), {"rows": None}
    return form_page(
        request,
        form,
        template="notifications/settings.html",
        context=shown,
        show=lambda: _shown_to(user, form, shown),
        act=(Action.UPDATE, NotificationPreference(user=user)),
        change=lambda data: services.notification_preference_change(by=user, cadence=data["cadence"]),
        done=_("Your choice is saved."),
        then=reverse("notifications:settings"),
    )


def _shown_to(user, form, shown: dict) -> None:
    """The settings page's one reading (one selector): the choice into the form, the rows to the page."""
    own = selectors.own_notifications_visible_to(user)
    form.initial["cadence"], shown["rows"] = own.cadence, own.rows


def failures(request):
    """The administrator's page: failed scheduled jobs and undelivered notifications, no content."""
    return render(request, "notifications/failures.html", selectors.failures_visible_to(request.user))
