"""The calendar: each user's own meetings, follow-ups and re-assessments, by date. What appears for
whom (their own work only, by the same policies as the pages the items link to), the period, and the
one access event that names every person the page shows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from audit.models import AccessOutcome, Action
from tests.factories import CaseFactory, PersonFactory
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified, named_by


def _page(client, user, query=""):
    client.logout()
    login_verified(client, user)
    response = client.get(reverse("calendar") + query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def meeting(world):
    """The person's intervention group meets in ten days."""
    from sig import services as sig_services

    day = timezone.localdate() + dt.timedelta(days=10)
    sig_services.next_meeting_set(by=world.users["social_worker"], group_id=world.group.pk, on=day)
    return day


def test_a_groups_next_meeting_is_on_its_members_and_handlers_calendars_only(client, world, meeting):
    group_page = reverse("sig:detail", kwargs={"group_id": world.group.pk})
    for role in ("social_worker", "external_member"):  # the handler and coordinator; the police member
        body = _page(client, world.users[role])
        assert f"Alfa, {MARKER}" in body and group_page in body, role
        assert meeting.isoformat() in body
    # The unit's supervisor may read the group, but it is not their own work; the others may not read it.
    for role in (
        "supervisor",
        "social_worker_unassigned",
        "social_worker_other_district",
        "programme_worker",
    ):
        body = _page(client, world.users[role])
        assert MARKER not in body and group_page not in body, role


def test_the_calendar_is_one_access_event_naming_everyone_it_shows(client, world, meeting):
    """Two people on the calendar: one LIST event names both, after the recorded role decision."""
    from relatives import services as relatives_services

    worker = world.users["social_worker"]
    relative = CaseFactory(
        owner_unit=world.district_a,
        activity="relative_support",
        target_group="relative",
        person=PersonFactory(given_names="Gunnel", surname="Anhörigsson", organisation=world.district_a),
        responsible=worker,
    )
    assign_perm("cases.view_case", worker, relative)
    follow_up = timezone.localdate() + dt.timedelta(days=20)
    relatives_services.conversation_record(
        by=worker,
        case_id=relative.pk,
        held_on=timezone.localdate(),
        form="individual",
        notes="Samtal",
        follow_up_on=follow_up,
    )
    login_verified(client, worker)
    start = head_seq()
    body = client.get(reverse("calendar")).content.decode()
    assert "Anhörigsson, Gunnel" in body and f"Alfa, {MARKER}" in body
    assert reverse("relatives:case", kwargs={"case_id": relative.pk}) in body
    events = events_since(start).filter(actor_id=worker.pk)
    naming = [event for event in events if named_by([event])]
    assert len(naming) == 1
    assert naming[0].action == Action.LIST and naming[0].purpose == "calendar"
    assert set(named_by(naming)) == {world.case_a.person_id, relative.person_id}
    assert events.filter(outcome=AccessOutcome.DENIED).count() == 0


def test_the_period_is_eight_weeks_ahead_and_the_past_week_on_request(client, world):
    from sig.models import InterventionGroup

    worker = world.users["social_worker"]
    today = timezone.localdate()
    group = InterventionGroup.objects.get(pk=world.group.pk)
    for day, shown, with_past in (
        (today + dt.timedelta(weeks=8), True, True),
        (today + dt.timedelta(weeks=8, days=1), False, False),
        (today - dt.timedelta(days=3), False, True),
        (today - dt.timedelta(days=8), False, False),
    ):
        # Set directly: the service refuses a past date, and the calendar must show a stale one too.
        group.next_meeting_on = day
        group.save(update_fields=["next_meeting_on"])
        assert (day.isoformat() in _page(client, worker)) == shown, day
        assert (day.isoformat() in _page(client, worker, "?past=1")) == with_past, day


def test_a_threat_re_assessment_is_on_the_police_members_calendar_and_marked_when_overdue(client, world):
    from sig import services as sig_services
    from sig.models import ThreatAssessment

    police = world.users["external_member"]
    due = timezone.localdate() + dt.timedelta(days=14)
    assessment = sig_services.threat_assess(
        by=police,
        group_id=world.group.pk,
        level="elevated",
        protection_need=False,
        notes="",
        reassessment_due=due,
    )
    body = _page(client, police)
    assert "Hotbedömningen ska göras om" in body and due.isoformat() in body
    # Nothing lets the police's assessment cross to the district: not on the handler's calendar.
    assert "Hotbedömningen ska göras om" not in _page(client, world.users["social_worker"])
    overdue = timezone.localdate() - dt.timedelta(days=20)
    ThreatAssessment.objects.bypassing_guard("test: the re-assessment falls due").filter(
        pk=assessment.pk
    ).update(reassessment_due=overdue)
    # Overdue and not done: on the calendar however long ago it fell due, not only in the past week.
    body = _page(client, police)
    assert overdue.isoformat() in body and "försenad" in body


def test_a_withdrawn_consent_takes_the_group_off_the_police_members_calendar(client, world, meeting):
    from consent import services as consent_services

    assert MARKER in _page(client, world.users["external_member"])
    consent_services.consent_withdraw(
        by=world.users["social_worker"],
        consent_id=world.consent.pk,
        case_id=world.case_a.pk,
        how="oral",
        note="",
    )
    assert MARKER not in _page(client, world.users["external_member"])


def test_a_programme_follow_up_is_on_its_handlers_calendar(client, world):
    from defectors.models import FollowUp

    worker = world.users["programme_worker"]
    case = CaseFactory(
        owner_unit=world.programme,
        activity="defector_programme",
        status="closed",
        person=PersonFactory(given_names="Hugo", surname="Avhoppare", organisation=world.programme),
        responsible=worker,
    )
    due = timezone.localdate() + dt.timedelta(days=30)
    FollowUp.objects.create(case=case, person_id=case.person_id, months=6, due_on=due)
    body = _page(client, worker)
    assert "Avhoppare, Hugo" in body and "Uppföljning 6 månader efter programmet" in body
    assert reverse("defectors:case", kwargs={"case_id": case.pk}) in body
    assert "Avhoppare" not in _page(client, world.users["social_worker"])


@pytest.mark.parametrize("role", ["coordinator", "administrator", "access_approver"])
def test_roles_without_cases_or_groups_have_no_calendar(client, world, role):
    login_verified(client, world.users[role])
    start = head_seq()
    assert client.get(reverse("calendar")).status_code == 403
    assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
