from django.utils.translation import gettext_lazy as _

from lotsa.apps import LotsaAppConfig


class NotificationsConfig(LotsaAppConfig):
    """Scheduled work (django-q2) and notifications that say nothing but that something waits."""

    name = "notifications"
    verbose_name = _("Notifications")
    policies = {
        "NotificationPreference": "notifications.access.OwnPreferencePolicy",
        "Notification": "notifications.access.NotificationPolicy",
    }
    # The administrator's start page: failed jobs and undelivered notifications, as counts.
    waiting_providers = ["notifications.selectors.waiting_failures"]
    import_on_ready = ["notifications.checks"]  # check --deploy: the public address, TLS to the mail server
    receivers = [("django.db.models.signals.post_migrate", "notifications.jobs.ensure_schedules")]
