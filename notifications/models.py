"""What a user chose about notifications, and a record of every notification sent: to whom, which kind,
when, delivered or failed. Never what it said: every message says the same thing (that something waits
in Lotsa, with a link), so there is no content to keep."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Cadence(models.TextChoices):
    AT_ONCE = "at_once", _("At once")
    DAILY = "daily", _("A daily digest")
    NEVER = "never", _("Never")


class Kind(models.TextChoices):
    AT_ONCE = "at_once", _("Something new waits")
    DIGEST = "digest", _("Daily digest")
    URGENT = "urgent", _("Something overdue waits")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("Text message")


class Delivery(models.TextChoices):
    PENDING = "pending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")


class NotificationPreference(models.Model):
    """How often a user is told that something waits (default: a daily digest)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    cadence = models.CharField(_("how often"), max_length=10, choices=Cadence.choices, default=Cadence.DAILY)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.cadence}"


class Notification(models.Model):
    """One notification to one user. ``window`` makes the reminder job idempotent: one notification per
    user and window (a day's digest, a set of waiting items), whoever runs the job and however often.
    ``waiting_digest`` is a hash of what waited (counts and addresses, never a person): the same items
    are never notified twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    window = models.CharField(max_length=80)
    waiting_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    status = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    # The class of the last error (SMTPRecipientsRefused, TimeoutError): never its message, which may
    # quote an address or a server's words.
    failure = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name = _("notification")
        constraints = [
            models.UniqueConstraint(fields=["user", "window"], name="one_notification_per_user_and_window")
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} to {self.user_id} ({self.status})"
