"""Opening a case never attaches the opener to a record the unit already keeps: they are sent to the
responsible social worker (a request to be assigned) or to emergency access. And a consent is managed
by the handlers of the case it was recorded in, nobody else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessOutcome, Action
from cases import services
from cases.access import HELD_BY_UNIT
from cases.models import AssignmentRequest, AssignmentRequestStatus, Case
from cases.tests.test_cases import open_form
from consent.models import Consent
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


def test_open_a_case_for_a_person_the_unit_holds_does_not_attach_an_unassigned_worker(client, world):
    outsider = world.users["social_worker_unassigned"]
    login_verified(client, outsider)
    number = world.case_a.person.personal_number
    cases_before = Case.objects.count()
    start = head_seq()
    response = client.post(reverse("cases:open"), open_form(number))
    page = response.content.decode()
    assert response.status_code == 403
    assert Case.objects.count() == cases_before
    assert MARKER not in page and "Alfa" not in page
    # Routed to whoever can assign them, or to emergency access; nothing of the record is shown.
    assert reverse("cases:request_assignment", kwargs={"case_id": world.case_a.pk}) in page
    assert reverse("consent:emergency", kwargs={"case_id": world.case_a.pk}) in page
    denial = events_since(start).get(outcome=AccessOutcome.DENIED)
    assert denial.action == Action.CREATE and denial.reason == HELD_BY_UNIT
    assert denial.subject_id == world.case_a.person_id
    # The case page stays closed to them.
    assert client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).status_code == 403


def test_a_handler_of_the_person_may_open_another_case_for_them(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.post(
        reverse("cases:open"), open_form(world.case_a.person.personal_number, activity="relative_support")
    )
    assert response.status_code == 302
    assert Case.objects.filter(person=world.case_a.person).count() == 2


def test_a_request_to_be_assigned_is_granted_by_the_responsible_worker_and_then_opens_the_case(client, world):
    outsider, responsible = world.users["social_worker_unassigned"], world.users["social_worker"]
    login_verified(client, outsider)
    url = reverse("cases:request_assignment", kwargs={"case_id": world.case_a.pk})
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Skriv varför du behöver ärendet" in response.content.decode()
    assert not AssignmentRequest.objects.exists()
    start = head_seq()
    assert client.post(url, {"reason": "Jag har haft kontakt med familjen"}).status_code == 302
    request = AssignmentRequest.objects.get()
    assert request.status == AssignmentRequestStatus.PENDING
    assert events_since(start).get(action=Action.CREATE).subject_id == world.case_a.person_id
    # The asker cannot grant their own request.
    response = client.post(
        reverse("cases:assignment_decide", kwargs={"request_id": request.pk}), {"decision": "grant"}
    )
    assert response.status_code == 403
    assert client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).status_code == 403

    login_verified(client, responsible)
    page = client.get(reverse("cases:assignment_requests")).content.decode()
    assert "Jag har haft kontakt med familjen" in page
    response = client.post(
        reverse("cases:assignment_decide", kwargs={"request_id": request.pk}), {"decision": "grant"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AssignmentRequestStatus.GRANTED and request.decided_by == responsible

    login_verified(client, outsider)
    assert client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).status_code == 200


def test_a_refused_request_assigns_nobody_and_another_unit_cannot_decide(client, world):
    request = services.assignment_request_create(
        by=world.users["social_worker_unassigned"], case_id=world.case_a.pk, reason="Behöver läsa"
    )
    login_verified(client, world.users["social_worker_other_district"])
    decide = reverse("cases:assignment_decide", kwargs={"request_id": request.pk})
    assert client.post(decide, {"decision": "grant"}).status_code == 403
    login_verified(client, world.users["supervisor"])
    assert client.post(decide, {"decision": "refuse"}).status_code == 302
    request.refresh_from_db()
    assert request.status == AssignmentRequestStatus.REFUSED
    login_verified(client, world.users["social_worker_unassigned"])
    assert client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).status_code == 403


def test_consents_are_managed_by_the_handlers_of_the_case_they_were_recorded_in(client, world):
    """Another worker handling another case of the same person can neither withdraw nor replace the
    consent that the first worker's case depends on."""
    other_worker = world.users["social_worker_unassigned"]
    second = services.case_open(
        by=world.users["social_worker"],
        number=world.case_a.person.personal_number,
        details=services.PersonDetails("", "", {}, {}, "none"),
        activity="relative_support",
        milieu="unclear",
    )
    services.case_reassign(
        by=world.users["supervisor"], case_id=second.pk, expected_version=second.version, to_user=other_worker
    )
    assert world.consent.case_id == world.case_a.pk
    login_verified(client, other_worker)
    through_own_case = reverse(
        "consent:withdraw", kwargs={"case_id": second.pk, "consent_id": world.consent.pk}
    )
    assert client.post(through_own_case, {"how": "oral", "note": ""}).status_code == 404
    start = head_seq()
    direct = reverse("consent:withdraw", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk})
    assert client.post(direct, {"how": "oral", "note": ""}).status_code == 403
    assert events_since(start).filter(outcome=AccessOutcome.DENIED, target_id=str(world.consent.pk)).exists()
    supersede = reverse(
        "consent:supersede", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}
    )
    assert client.get(supersede).status_code == 403
    assert Consent.objects.get(pk=world.consent.pk).withdrawn_at is None
