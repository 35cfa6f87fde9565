"""Reads of notifications: a person's own record and settings, the administrator's failures (counts
and usernames, never what a message said), and what waits on the administrator's start page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django_q.models import Failure

from accounts.roles import ADMINISTRATOR_ROLES, Role
from audit.models import Action
from lotsa import access
from lotsa.waiting import Waiting
from notifications.jobs import JOBS
from notifications.models import Delivery, Notification, NotificationPreference

# Failures this recent are counted on the administrator's start page.
FAILURES_SHOWN_DAYS = 7
OWN_ROWS = 50


def _recent_job_failures():
    since = timezone.now() - dt.timedelta(days=FAILURES_SHOWN_DAYS)
    return Failure.objects.filter(stopped__gte=since)


def _recent_delivery_failures():
    since = timezone.now() - dt.timedelta(days=FAILURES_SHOWN_DAYS)
    return Notification.objects.filter(status=Delivery.FAILED, created_at__gte=since)


def waiting_failures(user) -> list[Waiting]:
    """For an administrator's start page: scheduled jobs that failed and notifications not delivered,
    the last week, as counts."""
    if not user.has_role(Role.ADMINISTRATOR):
        return []
    items = []
    url = reverse("notifications:failures")
    if jobs := _recent_job_failures().count():
        text = ngettext("%(n)d scheduled job failed this week", "%(n)d scheduled jobs failed this week", jobs)
        items.append(Waiting(text % {"n": jobs}, url, urgent=True))
    if deliveries := _recent_delivery_failures().count():
        text = ngettext(
            "%(n)d notification could not be delivered this week",
            "%(n)d notifications could not be delivered this week",
            deliveries,
        )
        items.append(Waiting(text % {"n": deliveries}, url))
    return items


@dataclass(frozen=True)
class OwnNotifications:
    """The settings page's reading: the person's choice and the notifications sent to them."""

    cadence: str
    rows: QuerySet


def own_notifications_visible_to(user) -> OwnNotifications:
    """The person's own choice of how often they are told (a daily digest until they choose) and their
    own notifications, newest first: one reading, recorded (their own page)."""
    access.check(user, Action.LIST, Notification(user=user), purpose="own notifications")
    rows = access.visible_to(user, Notification.objects.all(), purpose="own notifications")
    preference = NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
    return OwnNotifications(cadence=preference.cadence, rows=rows.order_by("-created_at", "-pk")[:OWN_ROWS])


@dataclass(frozen=True)
class JobFailures:
    name: str
    count: int
    last: dt.datetime


def failures_visible_to(user) -> dict:
    """The administrator's page: which jobs failed (how often, when last) and whose notifications were
    not delivered (username, kind, when): never a message, never an error's text."""
    access.require_role(
        user,
        *ADMINISTRATOR_ROLES,
        action=Action.LIST,
        target="notifications.Notification",
        purpose="delivery failures",
    )
    grouped = _recent_job_failures().values("func").annotate(count=Count("id"), last=Max("stopped"))
    jobs = [
        JobFailures(str(JOBS.get(row["func"], row["func"])), row["count"], row["last"])
        for row in grouped.order_by("func")
    ]
    deliveries = (
        _recent_delivery_failures()
        .select_related("user")
        .only("user__username", "kind", "channel", "created_at", "attempts", "last_attempt_at")
        .order_by("-created_at", "-pk")
    )
    return {"jobs": jobs, "deliveries": list(deliveries), "days": FAILURES_SHOWN_DAYS}
