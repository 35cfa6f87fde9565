"""Notifications that say nothing (issue 32): the reminder job reads each user's own "what waits" and
sends a message that says only that something waits, at the user's cadence, within working hours
unless urgent, once per window and never twice for the same items. Sent to a real SMTP server on
127.0.0.1, with time travel for the cadences and the working hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django_q.models import Failure, Success
from django_q.tasks import async_task

from accounts.roles import Role
from lotsa import waiting
from lotsa.posting import INVALID_FORM
from lotsa.waiting import Waiting
from notifications import checks, jobs
from notifications.models import Cadence, Delivery, Kind, Notification, NotificationPreference
from notifications.tests import smtp
from notifications.tests.worker import run_queued
from tests.factories import UserFactory
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MONDAY_MORNING = dt.datetime(2026, 12, 7, 9, 30, tzinfo=STOCKHOLM)
SECRET_NAME = "Qwnotisnamnmarkör"
SECRET_UNIT = "Qwenhetsmarkör socialtjänst"


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def inbox():
    controller, inbox = smtp.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        EMAIL_USE_TLS=False,
        EMAIL_USE_SSL=False,
        LOTSA_NOTIFY_AT_ANY_HOUR=False,
        LOTSA_WORKING_HOURS=(7, 18),
        LOTSA_WORKING_DAYS=(0, 1, 2, 3, 4),
    ):
        yield inbox
    controller.stop()


class Waits:
    """A provider whose items each test sets, per user: each line names a person and a unit, as no
    real provider does, so that a message that leaked a line would show it."""

    def __init__(self):
        self.items: dict[int, list[Waiting]] = {}

    def __call__(self, user):
        return self.items.get(user.pk, [])

    def set(self, user, *lines: str, urgent: bool = False):
        self.items[user.pk] = [
            Waiting(f"{line}: {SECRET_NAME}, {SECRET_UNIT}", f"/cases/{n}/", urgent=urgent)
            for n, line in enumerate(lines)
        ]


@pytest.fixture
def waits(monkeypatch):
    provider = Waits()
    monkeypatch.setattr(waiting, "_providers", [*waiting._providers, provider])
    return provider


def worker(cadence: str | None = None, **kwargs):
    user = UserFactory(email=f"w{UserFactory._meta.model.objects.count()}@lotsa.example", **kwargs)
    if cadence is not None:
        NotificationPreference.objects.create(user=user, cadence=cadence)
    return user


def test_a_daily_digest_once_a_day_and_the_same_items_again_only_after_some_days(inbox, waits):
    user = worker()  # no choice made: a daily digest
    waits.set(user, "a hand-over")
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 1
        assert jobs.send_reminders() == 0  # a run twice does nothing twice
        waits.set(user, "a hand-over", "a consent")
        assert jobs.send_reminders() == 0  # one digest a day
    with at(MONDAY_MORNING + dt.timedelta(days=1)):
        assert jobs.send_reminders() == 1  # Tuesday: the items differ from Monday's message
    with at(MONDAY_MORNING + dt.timedelta(days=2)):
        assert jobs.send_reminders() == 0  # Wednesday: the same items as Tuesday's
    with at(MONDAY_MORNING + dt.timedelta(days=8)):
        assert jobs.send_reminders() == 1  # a week after Tuesday's message, what still waits is told again
    assert [to for to, _message in inbox.messages] == [[user.email]] * 3
    record = Notification.objects.filter(user=user).order_by("pk").first()
    assert (record.kind, record.status, record.attempts) == (Kind.DIGEST, Delivery.DELIVERED, 1)


def test_the_message_says_only_that_something_waits(inbox, waits):
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over to be decided quickly")
    with at(MONDAY_MORNING):
        jobs.send_reminders()
    (text,) = inbox.texts()
    assert "Lotsa" in text and "http://127.0.0.1:8000/" in text
    assert "http://127.0.0.1:8000/notifications/" in text
    for secret in (SECRET_NAME, SECRET_UNIT, "hand-over", "/cases/", user.last_name, user.organisation.name):
        assert secret not in text, secret


def test_at_once_for_each_new_set_of_items(inbox, waits):
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "one")
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 1
        assert jobs.send_reminders() == 0
        waits.set(user, "one", "two")
        assert jobs.send_reminders() == 1
        waits.set(user)
        assert jobs.send_reminders() == 0  # nothing waits: nothing to say
    assert len(inbox.messages) == 2


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 12, 7, 6, 59, tzinfo=STOCKHOLM),  # Monday, before seven
        dt.datetime(2026, 12, 7, 18, 0, tzinfo=STOCKHOLM),  # Monday, six in the evening
        dt.datetime(2026, 12, 12, 10, 0, tzinfo=STOCKHOLM),  # Saturday
    ],
)
def test_nothing_outside_working_hours_unless_urgent(inbox, waits, moment):
    calm, pressed = worker(Cadence.AT_ONCE), worker()
    waits.set(calm, "a review")
    waits.set(pressed, "an overdue re-assessment", urgent=True)
    with at(moment):
        assert jobs.send_reminders() == 1
        assert jobs.send_reminders() == 0
    assert [to for to, _message in inbox.messages] == [[pressed.email]]
    assert Notification.objects.get().kind == Kind.URGENT
    assert "försenat" in inbox.messages[0][1]["Subject"]
    with at(MONDAY_MORNING + dt.timedelta(days=7)):  # the next working day: the calm one is told
        jobs.send_reminders()
    # ...and the pressed one again, once that day: what is urgent and still waits is told daily.
    assert sorted(to for to, _message in inbox.messages[1:]) == sorted([[calm.email], [pressed.email]])


def test_never_means_never_and_no_address_no_message(inbox, waits):
    quiet, unreachable = worker(Cadence.NEVER), UserFactory(email="")
    waits.set(quiet, "a review", urgent=True)
    waits.set(unreachable, "a review", urgent=True)
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 0
    assert not inbox.messages and not Notification.objects.exists()


def test_each_user_is_told_of_their_own_items_only(inbox, waits):
    told, other = worker(Cadence.AT_ONCE), worker(Cadence.AT_ONCE)
    waits.set(told, "a hand-over")
    with at(MONDAY_MORNING):
        jobs.send_reminders()
    assert [to for to, _message in inbox.messages] == [[told.email]]
    assert not Notification.objects.filter(user=other).exists()


def test_a_refused_delivery_is_recorded_retried_with_a_limit_and_shown_to_the_administrator(
    client, inbox, waits
):
    inbox.refuse = True
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over")
    with at(MONDAY_MORNING):
        for _run in range(5):
            assert jobs.send_reminders() == 0
    record = Notification.objects.get()
    assert (record.status, record.attempts, record.failure) == (Delivery.FAILED, 3, "SMTPRecipientsRefused")
    administrator = UserFactory(roles=[Role.ADMINISTRATOR])
    with at(MONDAY_MORNING + dt.timedelta(hours=1)):
        login_verified(client, administrator)
        home = client.get(reverse("home")).content.decode()
        assert "1 notifikation kunde inte levereras" in home or "1 notification could not" in home
        page = client.get(reverse("notifications:failures")).content.decode()
    assert user.username in page
    for secret in (SECRET_NAME, SECRET_UNIT, "hand-over", user.email, "No such mailbox"):
        assert secret not in page and secret not in home


def test_a_person_sees_their_own_notifications_and_chooses_the_cadence(client, inbox, waits):
    user = worker(Cadence.AT_ONCE)
    other = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over")
    waits.set(other, "a hand-over")
    with at(MONDAY_MORNING):
        jobs.send_reminders()
    login_verified(client, user)
    url = reverse("notifications:settings")
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 1  # their own, not the other's
    assert client.post(url, {"cadence": "shouting"}).status_code == 200
    assert NotificationPreference.objects.get(user=user).cadence == Cadence.AT_ONCE
    assert client.post(url, {"cadence": Cadence.NEVER}).status_code == 302
    assert NotificationPreference.objects.get(user=user).cadence == Cadence.NEVER
    assert client.get(reverse("notifications:failures")).status_code == 403


def test_the_worker_runs_the_job_retries_a_failure_and_the_administrator_sees_it(client, inbox, waits):
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over")
    with at(MONDAY_MORNING):
        async_task(jobs.REMINDERS)
        async_task(jobs.REMINDERS)  # idempotent: the second run sends nothing
        async_task("notifications.tests.test_reminders.broken_job")
    with at(MONDAY_MORNING + dt.timedelta(seconds=1)):  # the queue hands out what was queued before now
        assert run_queued() == 3
    assert len(inbox.messages) == 1
    assert Success.objects.filter(func=jobs.REMINDERS).count() == 2
    # The failed run is handed out again after Q_CLUSTER["retry"] seconds, up to max_attempts in all.
    retry = dt.timedelta(seconds=settings.Q_CLUSTER["retry"] + 1)
    for attempt in (1, 2, 3):
        with at(MONDAY_MORNING + dt.timedelta(seconds=1) + attempt * retry):
            assert run_queued() == (1 if attempt < 3 else 0)
    assert Failure.objects.get().attempt_count == 3
    with at(MONDAY_MORNING + dt.timedelta(hours=1)):
        login_verified(client, UserFactory(roles=[Role.ADMINISTRATOR]))
        home = client.get(reverse("home")).content.decode()
        page = client.get(reverse("notifications:failures")).content.decode()
    assert reverse("notifications:failures") in home
    assert "broken_job" in page and "the words of the error" not in page


def broken_job():
    raise RuntimeError("the words of the error")


def test_the_schedule_is_made_by_migrate():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(func=jobs.REMINDERS)
    assert schedule.repeats == -1 and schedule.schedule_type == Schedule.MINUTES
    # The access log's seals, anchors and retention stay out of the worker (they need the anchor key).
    assert not Schedule.objects.filter(func__startswith="audit.").exists()
    assert not Schedule.objects.filter(name__in=jobs.RETIRED).exists()
    assert all(not func.startswith("audit.") for func in jobs.JOBS)


def test_migrate_removes_the_retired_schedules_of_an_earlier_version():
    from django.apps import apps
    from django_q.models import Schedule

    Schedule.objects.create(name=jobs.RETIRED[1], func="notifications.jobs.anchor_heartbeat")
    jobs.ensure_schedules(sender=apps.get_app_config("notifications"))
    assert not Schedule.objects.filter(name__in=jobs.RETIRED).exists()


def test_an_urgent_state_that_comes_back_is_told_again(inbox, waits):
    """The same urgent lines (a new report of concern where the last one was) are told once a day at
    most, never suppressed for good."""
    user = worker(cadence=Cadence.NEVER)
    NotificationPreference.objects.filter(user=user).update(cadence=Cadence.DAILY)
    waits.set(user, "a report of concern", urgent=True)
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 1
        waits.set(user)
        assert jobs.send_reminders() == 0
        waits.set(user, "a report of concern", urgent=True)
        assert jobs.send_reminders() == 0  # the same day: told already
    with at(MONDAY_MORNING + dt.timedelta(days=3)):
        assert jobs.send_reminders() == 1  # it came back: told again


def test_one_users_failing_round_does_not_stop_the_others(inbox, waits, monkeypatch):
    first, second = worker(), worker()
    waits.set(first, "a hand-over")
    waits.set(second, "a hand-over")
    real = jobs._remind

    def failing_for_the_first(user, now):
        if user.pk == first.pk:
            raise ValueError("a provider broke")
        return real(user, now)

    monkeypatch.setattr(jobs, "_remind", failing_for_the_first)
    with at(MONDAY_MORNING), pytest.raises(jobs.ReminderRoundFailed, match="1 reminders failed: ValueError"):
        jobs.send_reminders()
    assert [to for to, _message in inbox.messages] == [[second.email]]


def test_nobody_of_a_deactivated_organisation_is_told(inbox, waits):
    user = worker()
    waits.set(user, "a hand-over")
    user.organisation.is_active = False
    user.organisation.save(update_fields=["is_active"])
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 0
    assert inbox.messages == []


def test_production_without_a_public_https_address_or_tls_is_warned(settings):
    settings.LOTSA_PRODUCTION, settings.LOTSA_BASE_URL = True, "http://127.0.0.1:8000"
    settings.EMAIL_USE_TLS, settings.EMAIL_USE_SSL = False, False
    assert [issue.id for issue in checks.notifications_link_to_the_public_address(None)] == [
        "lotsa.W036",
        "lotsa.W037",
    ]
    settings.LOTSA_BASE_URL, settings.EMAIL_USE_TLS = "https://lotsa.stad.se", True
    assert checks.notifications_link_to_the_public_address(None) == []


def test_no_transaction_is_open_while_the_mail_server_is_talked_to(inbox, waits, monkeypatch):
    """The row is claimed (and committed) before the message is sent, outside any transaction, and the
    outcome recorded after: SQLite's write lock is not held during SMTP, and a failed commit cannot
    undo the record of a message already sent."""
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over")
    outer, seen = len(connection.atomic_blocks), []
    real = jobs.send_email

    def watching(to, kind):
        record = Notification.objects.get(user=to)
        seen.append((len(connection.atomic_blocks), record.status, record.attempts))
        real(to, kind)

    monkeypatch.setattr(jobs, "send_email", watching)
    with at(MONDAY_MORNING):
        assert jobs.send_reminders() == 1
    assert seen == [(outer, Delivery.PENDING, 1)]
    assert Notification.objects.get().status == Delivery.DELIVERED
    assert len(inbox.messages) == 1


def test_a_crash_between_sending_and_recording_sends_again_only_after_the_claim_and_within_the_limit(
    inbox, waits, monkeypatch
):
    """At least once, at most LOTSA_NOTIFY_MAX_ATTEMPTS times: a send whose outcome was lost is left
    alone while its claim holds (no second message at the next runs), then tried again as one more
    attempt, until the attempts are used."""
    user = worker(Cadence.AT_ONCE)
    waits.set(user, "a hand-over")

    def crash(*args):
        raise RuntimeError("the worker died")

    monkeypatch.setattr(jobs, "_record", crash)
    claim = dt.timedelta(minutes=settings.LOTSA_NOTIFY_CLAIM_MINUTES, seconds=1)
    attempts = settings.LOTSA_NOTIFY_MAX_ATTEMPTS
    for later in range(attempts):
        with at(MONDAY_MORNING + later * claim):
            with pytest.raises(jobs.ReminderRoundFailed):
                jobs.send_reminders()
            assert jobs.send_reminders() == 0  # the next run, at once: the claim holds, nothing is sent
    for later in range(attempts, attempts + 3):
        with at(MONDAY_MORNING + later * claim):
            assert jobs.send_reminders() == 0  # the attempts are used
    assert len(inbox.messages) == settings.LOTSA_NOTIFY_MAX_ATTEMPTS
    # The last outcome lost: not delivered as far as Lotsa knows, and so on the administrator's page.
    record = Notification.objects.get()
    assert (record.status, record.failure) == (Delivery.FAILED, "OutcomeNotRecorded")
    assert record.attempts == attempts


def test_the_settings_page_records_one_event_per_act(client):
    """Shown: the reading of the person's record. An invalid post: the change it is, decided (purpose
    INVALID_FORM) before its message, and nothing else. A valid post: the change. One event each."""
    user = worker(Cadence.AT_ONCE)
    login_verified(client, user)
    url = reverse("notifications:settings")

    def events_of(request):
        start = head_seq()
        response = request()
        return response, [(e.action, e.purpose) for e in events_since(start).filter(actor_id=user.pk)]

    response, events = events_of(lambda: client.get(url))
    assert response.status_code == 200 and events == [("list", "own notifications")]
    response, events = events_of(lambda: client.post(url, {"cadence": "shouting"}))
    assert response.status_code == 200 and events == [("update", INVALID_FORM)]
    assert response.context["form"].errors and response.context["rows"] is None
    response, events = events_of(lambda: client.post(url, {"cadence": Cadence.NEVER}))
    assert response.status_code == 302 and events == [("update", "own notification settings")]
