"""Writes of notifications: a person's own choice of how often they are told."""

from __future__ import annotations

from django.db import transaction

from audit.models import Action
from lotsa import access
from notifications.models import NotificationPreference


@transaction.atomic
def notification_preference_change(*, by, cadence: str) -> NotificationPreference:
    access.check(by, Action.UPDATE, NotificationPreference(user=by), purpose="own notification settings")
    preference, _created = NotificationPreference.objects.update_or_create(
        user=by, defaults={"cadence": cadence}
    )
    return preference
