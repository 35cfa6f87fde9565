"""Who may see and change what about notifications: a person their own settings and their own record of
notifications, nobody another's. (An administrator's page of delivery failures is decided by role:
notifications.selectors.failures_visible_to.)"""

from __future__ import annotations

from django.db.models import QuerySet

from lotsa.access import Decision, Policy


class OwnPreferencePolicy(Policy):
    def decide(self, user, action: str, obj, purpose: str) -> Decision:
        if obj.user_id != user.pk:
            return Decision.deny("another person's notification settings")
        return Decision.allow("own notification settings")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(user=user)


class NotificationPolicy(Policy):
    def decide(self, user, action: str, obj, purpose: str) -> Decision:
        if obj.user_id != user.pk:
            return Decision.deny("another person's notifications")
        return Decision.allow("own notifications")

    def visible(self, user, queryset: QuerySet, purpose: str = "") -> QuerySet:
        return queryset.filter(user=user)
