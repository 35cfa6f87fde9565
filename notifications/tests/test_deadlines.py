"""Deadlines the law sets, as scheduled checks with reminders (issue 32, item 3): the reminder job
turns the "what waits" providers' deadlines into messages at the right time. A consent about to expire
reaches the responsible social worker in the digest once its warning opens; a threat re-assessment
overdue reaches the police member at once, at any hour. Time travel for each."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from lotsa.waiting import waiting_for
from notifications import jobs
from notifications.models import Kind, Notification
from notifications.tests import smtp
from sig import services as sig_services
from sig.models import PlanAction, ThreatLevel

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture
def inbox():
    controller, inbox = smtp.start()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=controller.port,
        LOTSA_NOTIFY_AT_ANY_HOUR=False,
        LOTSA_WORKING_HOURS=(7, 18),
        LOTSA_WORKING_DAYS=(0, 1, 2, 3, 4),
    ):
        yield inbox
    controller.stop()


@pytest.fixture
def quiet_world(world):
    """The scenario with its planned action far off, so that only the deadline under test waits."""
    action = PlanAction.objects.get(pk=world.plan_action.pk)
    action.due = dt.date.today() + dt.timedelta(days=3650)
    action.save(update_fields=["due"])
    for name in ("social_worker", "external_member"):
        world.users[name].email = f"{name}@lotsa.example"
        world.users[name].save(update_fields=["email"])
    return world


def at(day: dt.date, hour: int, *, step: int = 1):
    """``hour`` o'clock on ``day``, or on the nearest working day from it (``step`` days at a time)."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=step)
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=STOCKHOLM), tick=False)


def told(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))


def expiring(user) -> bool:
    return any(item.url == reverse("consent:expiring") for item in waiting_for(user))


def test_a_consent_about_to_expire_reaches_the_responsible_worker_once_its_warning_opens(inbox, quiet_world):
    """Other things wait for the worker all along (a draft to sign): the day's digest before the warning
    opens, none more that day, and a new one the day the consent's warning has opened."""
    worker = quiet_world.users["social_worker"]
    ends = quiet_world.consent.valid_until
    warning = settings.LOTSA_CONSENT_EXPIRY_WARNING_DAYS
    with at(ends - dt.timedelta(days=warning + 1), 10, step=-1):
        assert not expiring(worker)
        jobs.send_reminders()
    with at(ends - dt.timedelta(days=warning + 1), 15, step=-1):
        jobs.send_reminders()
    assert told(worker) == [Kind.DIGEST]
    with at(ends - dt.timedelta(days=warning - 1), 10):
        assert expiring(worker)
        jobs.send_reminders()
        jobs.send_reminders()
    assert told(worker) == [Kind.DIGEST, Kind.DIGEST]
    assert [to for to, _message in inbox.messages] == [[worker.email], [worker.email]]
    first, second = Notification.objects.filter(user=worker).order_by("pk")
    assert first.waiting_digest != second.waiting_digest


def test_an_overdue_threat_re_assessment_reaches_the_police_at_once_at_any_hour(inbox, quiet_world):
    police = quiet_world.users["external_member"]
    assessment = sig_services.threat_assess(
        by=police, group_id=quiet_world.group.pk, level=ThreatLevel.LOW, protection_need=False, notes=""
    )
    due = assessment.reassessment_due
    evening = dt.datetime.combine(due, dt.time(21), tzinfo=STOCKHOLM)
    with time_machine.travel(evening, tick=False):  # due today: not yet overdue, and after hours
        jobs.send_reminders()
    assert told(police) == []
    with time_machine.travel(evening + dt.timedelta(days=1), tick=False):  # overdue: told at once
        jobs.send_reminders()
        jobs.send_reminders()
    assert told(police) == [Kind.URGENT]
    (text,) = inbox.texts()
    assert "försenat" in text or "overdue" in text
    assert quiet_world.group.case.person.surname not in text
