"""Ages move (issue 29, item 3): the child and youth unit's responsibility ends at 21, with a task to
hand the case over in good time; the VBE team's first contacts are for adults."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind
from accounts.roles import Role
from cases import selectors, services
from cases.first_contacts import services as first_contact_services
from cases.models import Case, FirstContact, Person
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory, number_born
from tests.helpers import events_since, head_seq, login_verified, named_by

pytestmark = pytest.mark.django_db

BORN = dt.date(2005, 9, 15)
TWENTY_ONE = dt.date(2026, 9, 15)


def at(day: dt.date):
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0))), tick=False)


def details():
    return services.PersonDetails(
        given_names="Sam", surname="Ungsson", contact={}, address={}, protected_identity="none"
    )


def handover_tasks(user) -> list[str]:
    return [item.text for item in selectors.waiting_youth_handovers(user)]


def test_the_child_and_youth_units_responsibility_ends_at_twenty_one_with_a_task_in_good_time(client):
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    worker = UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER])
    with at(dt.date(2025, 3, 1)):  # 19 when the case is opened
        case = services.case_open(
            by=worker, number=number_born(BORN), details=details(), activity="other", milieu="unclear"
        )
    assert case.youth_unit_ends_on == TWENTY_ONE
    with at(TWENTY_ONE - dt.timedelta(days=91)):
        assert handover_tasks(worker) == []
    with at(TWENTY_ONE - dt.timedelta(days=90)):
        assert handover_tasks(worker) == [
            "1 ung person växer snart ur barn- och ungdomsenheten: lämna över ärendet i god tid"
        ]
        url = selectors.waiting_youth_handovers(worker)[0].url
        login_verified(client, worker)
        start = head_seq()
        page = client.get(url).content.decode()
        assert "Ungsson, Sam" in page
        assert "Barn- och ungdomsenhetens ansvar upphör den 15 september 2026" in page
        assert case.person_id in named_by(events_since(start))
    # Past the day, the task stays until the case is handed over and closed.
    with at(TWENTY_ONE + dt.timedelta(days=5)):
        assert len(handover_tasks(worker)) == 1
    # A colleague who is not responsible for the case has no such task.
    colleague = UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER])
    with at(TWENTY_ONE):
        assert handover_tasks(colleague) == []


def test_a_case_of_an_adult_or_of_another_kind_of_unit_has_no_such_limit():
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    treatment = OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT)
    with at(dt.date(2026, 3, 1)):
        adult = services.case_open(
            by=UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER]),
            number=number_born(dt.date(2004, 1, 1)),  # 22
            details=details(),
            activity="other",
            milieu="unclear",
        )
        young_elsewhere = services.case_open(
            by=UserFactory(organisation=treatment, roles=[Role.TREATMENT_UNIT]),
            number=number_born(BORN),
            details=details(),
            activity="other",
            milieu="unclear",
        )
    assert adult.youth_unit_ends_on is None and young_elsewhere.youth_unit_ends_on is None


def test_a_first_contact_for_someone_under_eighteen_is_refused_with_the_reason():
    team = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    omar = UserFactory(organisation=team, roles=[Role.VBE_TEAM])
    request = first_contact_services.FirstContactRequest(
        referrer="police", referrer_detail="", flagged_on=dt.date(2026, 2, 1), has_minor_children=False
    )
    with at(dt.date(2026, 3, 1)):
        with pytest.raises(DomainError, match=r"Personen är 17 år\. VBE-teamets första"):
            first_contact_services.first_contact_open(
                by=omar,
                number=number_born(dt.date(2008, 5, 12)),
                details=details(),
                milieu="unclear",
                request=request,
            )
        assert not Case.objects.exists() and not Person.objects.exists() and not FirstContact.objects.exists()
        # On their 18th birthday the team may open it.
        case = first_contact_services.first_contact_open(
            by=omar,
            number=number_born(dt.date(2008, 3, 1)),
            details=details(),
            milieu="unclear",
            request=request,
        )
    assert FirstContact.objects.filter(case=case).exists()


def test_the_first_contact_page_says_why_a_child_is_refused(client):
    team = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    omar = UserFactory(organisation=team, roles=[Role.VBE_TEAM])
    with at(dt.date(2026, 3, 1)):
        login_verified(client, omar)
        response = client.post(
            reverse("cases:first_contact_open"),
            {
                "personal_number": number_born(dt.date(2010, 1, 5)),
                "given_names": "Sam",
                "surname": "Ungsson",
                "protected_identity": "none",
                "milieu": "unclear",
                "referrer": "police",
                "flagged_on": "2026-02-01",
                "has_minor_children": "false",
            },
        )
    body = response.content.decode()
    assert "Personen är 16 år. VBE-teamets första kontakter gäller vuxna" in body
    assert not Case.objects.exists() and not Person.objects.exists()
