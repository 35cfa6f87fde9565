"""Scheduled work: django-q2 runs these on the project's own database (``manage.py qcluster``).

Every job is idempotent (a run twice does nothing twice) and takes no personal data as argument, so a
queued task, a retry or a failure record holds none. django-q2 retries a failed run up to
``Q_CLUSTER["max_attempts"]`` times; failures reach the administrator's start page as counts
(notifications.selectors.waiting_failures).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_q.models import Schedule

from accounts.models import User
from audit import services as audit_services
from lotsa.waiting import Waiting, waiting_for
from notifications.models import Cadence, Delivery, Kind, Notification

REMINDERS = "notifications.jobs.send_reminders"
# The access log's own retention (audit/retention.py): the seals past LOTSA_AUDIT_RETENTION_YEARS go,
# under a signed pruning record. Monthly; a run with nothing due writes nothing.
LOG_RETENTION = "audit.retention.prune_expired"
ANCHOR_HEARTBEAT = "notifications.jobs.anchor_heartbeat"

# Each scheduled job by its function's path: its name in the schedule and in words.
RETENTION_DRAW = "retention.jobs.draw_lists"
RETENTION_CARRY_OUT = "retention.jobs.carry_out_lists"
JOBS = {
    REMINDERS: _("Reminders that something waits"),
    LOG_RETENTION: _("Pruning of the access log past its retention period"),
    ANCHOR_HEARTBEAT: _("The access log's seals and anchors"),
    RETENTION_DRAW: _("Destruction lists drawn (monthly)"),
    RETENTION_CARRY_OUT: _("Approved destruction lists carried out"),
}


def ensure_schedules(sender=None, using="default", **kwargs) -> None:
    """After ``migrate``: the schedule of every job, made once and kept in step with the settings."""
    if sender is None or sender.label != "notifications":
        return
    Schedule.objects.using(using).update_or_create(
        name="lotsa: reminders",
        defaults={
            "func": REMINDERS,
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.LOTSA_REMINDER_MINUTES,
            "repeats": -1,
        },
    )
    Schedule.objects.using(using).update_or_create(
        name="lotsa: access log retention",
        defaults={"func": LOG_RETENTION, "schedule_type": Schedule.MONTHLY, "repeats": -1},
    )
    Schedule.objects.using(using).update_or_create(
        name="lotsa: anchor heartbeat",
        defaults={
            "func": ANCHOR_HEARTBEAT,
            "schedule_type": Schedule.MINUTES,
            "minutes": settings.LOTSA_ANCHOR_HEARTBEAT_MINUTES,
            "repeats": -1,
        },
    )

    # Retention: the month's lists on the first of each month (at 02:00, first next month), approved
    # lists carried out each hour. The first run is set only when the schedule is made.
    today = timezone.localdate()
    first = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    Schedule.objects.using(using).update_or_create(
        name="lotsa: destruction lists",
        defaults={"func": RETENTION_DRAW, "schedule_type": Schedule.MONTHLY, "repeats": -1},
        create_defaults={
            "func": RETENTION_DRAW,
            "schedule_type": Schedule.MONTHLY,
            "repeats": -1,
            "next_run": timezone.make_aware(dt.datetime.combine(first, dt.time(2, 0))),
        },
    )
    Schedule.objects.using(using).update_or_create(
        name="lotsa: destruction lists carried out",
        defaults={"func": RETENTION_CARRY_OUT, "schedule_type": Schedule.HOURLY, "repeats": -1},
    )


def anchor_heartbeat() -> str:
    """The access log's heartbeat on the scheduler, beside the sealer (``audit_sealer``) or in its
    stead while it is stopped: one round of audit's sequencer (audit.services.Sealer.tick) seals what
    is pending, writes a checkpoint when the log moved, and a heartbeat when it has been idle for
    LOTSA_AUDIT_HEARTBEAT seconds. Idempotent: a run right after another writes nothing; the anchor
    file's lock keeps it and a running sealer from writing one line twice. A missing key or an anchor
    file in disorder fails the job (retried, and shown on the administrator's page). Returns the kind
    of record written, or ""."""
    done = audit_services.Sealer().tick()
    return done["anchor"] or ""



def in_working_hours(moment: dt.datetime) -> bool:
    """Within the configured working hours and days, in Lotsa's time zone."""
    if settings.LOTSA_NOTIFY_AT_ANY_HOUR:
        return True
    local = timezone.localtime(moment)
    start, end = settings.LOTSA_WORKING_HOURS
    return local.weekday() in settings.LOTSA_WORKING_DAYS and start <= local.hour < end


def waiting_digest(items: list[Waiting]) -> str:
    """A hash of what waits (its lines are counts and addresses): the same items give the same hash."""
    lines = sorted(f"{item.url}\n{item.text}\n{item.urgent}" for item in items)
    return hashlib.sha256("\n\n".join(lines).encode()).hexdigest()


def send_reminders() -> int:
    """Tell each user who chose to be told (and has an address) that something waits: urgent items at
    any hour, the rest at their cadence within working hours. Returns how many messages were sent."""
    now = timezone.now()
    sent = 0
    recipients = (
        User.objects.filter(is_active=True, organisation__is_active=True)
        .exclude(email="")
        .exclude(notification_preference__cadence=Cadence.NEVER)
        .select_related("notification_preference")
        .order_by("pk")
    )
    # The waiting lines in one language, so that their hash does not change with the reader's.
    failed: list[str] = []
    with translation.override(settings.LANGUAGE_CODE):
        for user in recipients:
            # One person's failing provider or message never stops the others' (urgent ones among
            # them); the job fails after the round, naming only the kinds of error (django-q keeps it).
            try:
                sent += _remind(user, now)
            except Exception as error:
                failed.append(type(error).__name__)
    if failed:
        raise ReminderRoundFailed(f"{len(failed)} reminders failed: {', '.join(sorted(set(failed)))}")
    return sent


class ReminderRoundFailed(RuntimeError):
    """Some users' reminders failed in a round (the others were sent): the job is retried."""


def _cadence(user) -> str:
    preference = getattr(user, "notification_preference", None)
    return preference.cadence if preference is not None else Cadence.DAILY


def _remind(user, now: dt.datetime) -> int:
    # The user's own providers, through their own access rules: what the start page would show them.
    items = waiting_for(user)
    if not items:
        return 0
    urgent = [item for item in items if item.urgent]
    # The same waiting lines are told at most once a day (the window: the day and 128 bits of the
    # lines' hash, within the column's 80 characters): a state that comes back (a new report of
    # concern where the last one was) is told again, the next day at the latest.
    day = timezone.localdate(now).isoformat()
    if urgent:
        digest = waiting_digest(urgent)
        if _notify(user, Kind.URGENT, f"urgent:{day}:{digest[:32]}", digest, now):
            return 1
    if not in_working_hours(now):
        return 0
    digest = waiting_digest(items)
    if _cadence(user) == Cadence.AT_ONCE:
        return _notify(user, Kind.AT_ONCE, f"at_once:{day}:{digest[:32]}", digest, now)
    last = (
        user.notifications.filter(
            status=Delivery.DELIVERED,
            created_at__gt=now - dt.timedelta(days=settings.LOTSA_NOTIFY_REPEAT_DAYS),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None and last.waiting_digest == digest:
        return 0  # nothing new since a message lately (the same lines are told again after some days)
    return _notify(user, Kind.DIGEST, f"digest:{day}", digest, now)


def _notify(user, kind: str, window: str, digest: str, now: dt.datetime) -> int:
    """One notification per user and window: a delivered one is never sent again, a failed one is
    tried again by the next runs until LOTSA_NOTIFY_MAX_ATTEMPTS.

    Three steps, so that no transaction (nor SQLite's write lock) is held while the mail server is
    talked to: the row is claimed in a short transaction (an attempt counted, its time noted), the
    message sent outside any, and the outcome recorded in another. Delivery is at least once, at most
    LOTSA_NOTIFY_MAX_ATTEMPTS times: a claim whose outcome was never recorded (the worker died between
    sending and recording) is left alone for LOTSA_NOTIFY_CLAIM_MINUTES, so that no other worker sends
    it meanwhile, and then tried again as a failed one is, counted against the same limit. A person may
    then get the same message twice (it says only that something waits); a lost urgent one would be
    worse."""
    attempt = _claim(user, kind, window, digest, now)
    if attempt is None:
        return 0
    try:
        send_email(user, kind)
    except (smtplib.SMTPException, OSError) as error:
        status, failure = Delivery.FAILED, type(error).__name__
    else:
        status, failure = Delivery.DELIVERED, ""
    _record(attempt, status, failure)
    return 1 if status == Delivery.DELIVERED else 0


@dataclass(frozen=True)
class Attempt:
    pk: int
    number: int


@transaction.atomic
def _claim(user, kind: str, window: str, digest: str, now: dt.datetime) -> Attempt | None:
    """The row locked for an instant: counted as one more attempt unless it was delivered, has used its
    attempts, or is claimed by a send whose outcome is not recorded yet (and not too long ago)."""
    record, _created = Notification.objects.get_or_create(
        user=user, window=window, defaults={"kind": kind, "waiting_digest": digest}
    )
    record = Notification.objects.select_for_update().get(pk=record.pk)
    if record.status == Delivery.DELIVERED:
        return None
    lease = dt.timedelta(minutes=settings.LOTSA_NOTIFY_CLAIM_MINUTES)
    claimed = record.status == Delivery.PENDING and record.attempts > 0
    if claimed and record.last_attempt_at is not None and record.last_attempt_at > now - lease:
        return None  # being sent by another round, or its outcome was lost a moment ago
    if record.attempts >= settings.LOTSA_NOTIFY_MAX_ATTEMPTS:
        if claimed:  # the last attempt's outcome was lost: not delivered as far as Lotsa knows
            record.status, record.failure = Delivery.FAILED, "OutcomeNotRecorded"
            record.save(update_fields=["status", "failure"])
        return None
    record.attempts += 1
    record.last_attempt_at = now
    record.status, record.failure = Delivery.PENDING, ""
    record.save(update_fields=["attempts", "last_attempt_at", "status", "failure"])
    return Attempt(record.pk, record.attempts)


def _record(attempt: Attempt, status: str, failure: str) -> None:
    """The outcome of one attempt, unless a later attempt has claimed the row since (one statement: its
    own transaction)."""
    Notification.objects.filter(pk=attempt.pk, attempts=attempt.number, status=Delivery.PENDING).update(
        status=status, failure=failure
    )


def send_email(user, kind: str) -> None:
    """The message says that something waits in Lotsa and links to the start page: no name, no case,
    no unit, nothing of what waits."""
    context = {
        "start": settings.LOTSA_BASE_URL + reverse("home"),
        "settings_page": settings.LOTSA_BASE_URL + reverse("notifications:settings"),
        "urgent": kind == Kind.URGENT,
    }
    urgent = kind == Kind.URGENT
    subject = _("Lotsa: something overdue waits for you") if urgent else _("Lotsa: something waits for you")
    body = render_to_string("notifications/email.txt", context)
    EmailMessage(str(subject), body, to=[user.email]).send()
