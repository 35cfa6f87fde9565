"""Deadlines the law sets, as scheduled checks with reminders (issue 32, item 3): the reminder job
turns the "what waits" providers' deadlines into messages at the right time. A consent about to expire
reaches the responsible social worker in the digest once its warning opens; a threat re-assessment
overdue reaches the police member at once, at any hour; a report of concern's protection assessment
(the same day) at once, its preliminary assessment when it is past its fourteen days; a hand-over when
its purpose's time to decide has passed. Time travel for each."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from cases.first_contacts.services import concern_report_protection_assess as protection_assess
from cases.models import ConcernReport
from cases.tests import test_handovers as handover_tests
from lotsa.access import AccessDenied
from lotsa.errors import DomainError
from lotsa.waiting import waiting_for
from notifications import jobs
from notifications.models import Kind, Notification
from notifications.tests import smtp
from sig import services as sig_services
from sig.models import PlanAction, ThreatLevel
from tests.test_url_matrix import concern_report

units = handover_tests.units  # the hand-overs' units, their workers and a case to send

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


# --- A report of concern for a child (SoL 11 kap. 1 a §) ----------------------------------------------

FRIDAY_EVENING = dt.datetime(2026, 12, 11, 20, 0, tzinfo=STOCKHOLM)


def concern_items(user) -> list:
    return [item for item in waiting_for(user) if item.url == reverse("cases:concern_reports")]


def test_a_report_of_concern_is_told_at_once_for_its_protection_and_when_its_preliminary_assessment_is_late(
    inbox, quiet_world
):
    """Recorded on a Friday evening: its protection assessment is due that day, so the district's worker
    is told at once, after hours. Once it is recorded, the preliminary assessment waits in the digests;
    the fourteenth day after is its last, and the day after it is overdue: told at once, at any hour."""
    worker = quiet_world.users["social_worker"]
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        report = ConcernReport.objects.get(pk=concern_report(quiet_world)["report_id"])
        assert [item.urgent for item in concern_items(worker)] == [True, False]
        jobs.send_reminders()
    with time_machine.travel(FRIDAY_EVENING + dt.timedelta(hours=1), tick=False):
        jobs.send_reminders()  # the same urgent lines: told once
        protection_assess(by=worker, report_id=report.pk, immediate=False)
        assert [item.urgent for item in concern_items(worker)] == [False]
    assert told(worker) == [Kind.URGENT]
    with time_machine.travel(FRIDAY_EVENING + dt.timedelta(days=3, hours=-10), tick=False):  # Monday, 10
        jobs.send_reminders()
    assert told(worker) == [Kind.URGENT, Kind.DIGEST]
    last_day = report.preliminary_due()
    assert last_day == dt.date(2026, 12, 25)
    with time_machine.travel(dt.datetime.combine(last_day, dt.time(23), tzinfo=STOCKHOLM), tick=False):
        assert [item.urgent for item in concern_items(worker)] == [False]
        jobs.send_reminders()
    assert told(worker) == [Kind.URGENT, Kind.DIGEST]
    with time_machine.travel(
        dt.datetime.combine(last_day, dt.time(23), tzinfo=STOCKHOLM) + dt.timedelta(days=1)
    ):
        (item,) = concern_items(worker)
        assert item.urgent and str(settings.LOTSA_CONCERN_PRELIMINARY_DAYS) in item.text
        jobs.send_reminders()
    assert told(worker) == [Kind.URGENT, Kind.DIGEST, Kind.URGENT]
    for text in inbox.texts():
        assert report.child.surname not in text and "Polisen" not in text


def test_the_protection_assessment_is_recorded_once_by_the_district_only(quiet_world):
    worker, sender = quiet_world.users["social_worker"], quiet_world.users["vbe_worker"]
    report_id = concern_report(quiet_world)["report_id"]
    with pytest.raises(AccessDenied):
        protection_assess(by=sender, report_id=report_id, immediate=True)
    report = protection_assess(by=worker, report_id=report_id, immediate=True)
    assert report.immediate_protection and report.protection_assessed_by == worker
    with pytest.raises(DomainError):
        protection_assess(by=worker, report_id=report_id, immediate=False)
    assert ConcernReport.objects.get(pk=report_id).immediate_protection is True


# --- Hand-overs to be decided quickly, a time per purpose (LOTSA_HANDOVER_DECIDE_WITHIN) -----------------

MONDAY_TEN = dt.datetime(2026, 12, 7, 10, 0, tzinfo=STOCKHOLM)


def test_a_referral_to_the_defector_programme_is_overdue_after_hours_and_told_at_night(inbox, units):
    """The configured default: a defector-programme referral is decided within 24 hours."""
    assert settings.LOTSA_HANDOVER_DECIDE_WITHIN["defector_programme"] == dt.timedelta(hours=24)
    programme_worker = units["programme_worker"]
    programme_worker.email = "avh@lotsa.example"
    programme_worker.save(update_fields=["email"])
    with time_machine.travel(MONDAY_TEN, tick=False):
        handover_tests.consent(units, [units["programme"]], ["threat_protection"])
        handover_tests.send(units)
        jobs.send_reminders()  # waits: the day's digest, nothing urgent
    assert told(programme_worker) == [Kind.DIGEST]
    with time_machine.travel(MONDAY_TEN + dt.timedelta(hours=23, minutes=59), tick=False):
        assert not any(item.urgent for item in waiting_for(programme_worker))
    with time_machine.travel(MONDAY_TEN + dt.timedelta(hours=24, minutes=5), tick=False):  # Tuesday, 10:05
        assert any(item.urgent for item in waiting_for(programme_worker))
        jobs.send_reminders()
    assert told(programme_worker) == [Kind.DIGEST, Kind.URGENT]


def test_a_relatives_hand_over_waits_fourteen_days_before_it_is_overdue(inbox, units):
    treatment_worker = units["treatment_worker"]
    treatment_worker.email = "beh@lotsa.example"
    treatment_worker.save(update_fields=["email"])
    with time_machine.travel(MONDAY_TEN, tick=False):
        handover_tests.consent(units, [units["treatment"]], ["family_social"], purpose="relative_support")
        handover_tests.send(units, to="treatment", purpose="relative_support")
    night = dt.datetime.combine(MONDAY_TEN.date(), dt.time(22), tzinfo=STOCKHOLM)
    with time_machine.travel(night + dt.timedelta(days=13), tick=False):
        jobs.send_reminders()  # after hours and not overdue: nothing
    assert told(treatment_worker) == []
    with time_machine.travel(night + dt.timedelta(days=14), tick=False):
        jobs.send_reminders()
    assert told(treatment_worker) == [Kind.URGENT]
