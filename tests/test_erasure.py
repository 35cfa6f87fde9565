"""Erasure is a domain service: the person is marked erased, the blind index cleared, the data key
destroyed; their cases leave the lists and searches; every page that still meets them shows a fixed
placeholder, never an error. One command erases every unit's record of the same number."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from guardian.shortcuts import assign_perm

from audit.models import Action
from cases.models import Person
from tests.factories import CaseFactory, PersonFactory
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified
from tests.test_url_matrix import LOGGED_IN, MATRIX

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(world):
    """The world's person, known to district A and (as a record of its own) to district B, erased
    everywhere with the command."""
    number = world.case_a.person.personal_number
    other = CaseFactory(
        person=PersonFactory(personal_number=number, given_names="Bmarkör", organisation=world.district_b),
        owner_unit=world.district_b,
    )
    assign_perm("cases.view_case", world.users["social_worker_other_district"], other)
    out = io.StringIO()
    start = head_seq()
    call_command("erase_person", f"{number[2:8]}-{number[8:]}", reason="gallring", yes=True, stdout=out)
    return number, other, out.getvalue(), start


def test_one_command_erases_every_units_record_with_a_progress_line_per_unit(world, erased):
    number, other, output, start = erased
    assert "[1/2]" in output and "[2/2]" in output
    assert world.district_a.name in output and world.district_b.name in output
    for person in Person.objects.filter(pk__in=[world.case_a.person_id, other.person_id]):
        assert person.erased_at is not None and person.personal_number_index is None
        assert person.given_names == "[erased]" or person.given_names == "[raderad]"
    assert events_since(start).filter(action=Action.SHRED).count() == 2
    # Run again: nothing left to erase.
    out = io.StringIO()
    call_command("erase_person", number, reason="gallring", yes=True, stdout=out)
    assert "nothing to do" in out.getvalue()


def test_erased_cases_leave_lists_and_searches(client, world, erased):
    number, other, _output, _start = erased
    login_verified(client, world.users["social_worker"])
    page = client.get(reverse("cases:my_cases")).content.decode()
    assert str(world.case_a.pk) not in page and MARKER not in page
    response = client.post(reverse("cases:search"), {"personal_number": number})
    assert response.status_code == 200 and str(world.case_a.pk) not in response.content.decode()
    login_verified(client, world.users["social_worker_other_district"])
    assert str(other.pk) not in client.get(reverse("cases:my_cases")).content.decode()
    login_verified(client, world.users["external_member"])
    assert MARKER not in client.get(reverse("consent:shared")).content.decode()


def test_a_page_that_still_meets_an_erased_person_shows_a_placeholder(client, world, erased):
    login_verified(client, world.users["social_worker"])
    response = client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert "[raderad]" in page and MARKER not in page


@pytest.mark.parametrize("role", LOGGED_IN)
def test_no_page_fails_after_an_erasure(client, world, erased, role):
    login_verified(client, world.users[role])
    for name, (method, build, _expected, *_data) in MATRIX.items():
        if method != "get":
            continue
        response = client.get(reverse(name, kwargs=build(world) if build else None))
        assert response.status_code != 500, name
        assert MARKER not in response.content.decode(errors="replace"), name


def test_erasure_leaves_no_plain_date_a_birth_date_could_be_read_back_from(world):
    """A consent's day of majority, a group's end of its band and the end of the child and youth unit's
    responsibility are plain dates counted from the birth date: erasing the person blanks them."""
    import datetime as dt

    from cases.models import Case
    from cases.services import person_erase
    from consent.models import Consent, GivenHow
    from sig.models import InterventionGroup

    case = world.case_a
    Case.objects.bypassing_guard("test: a youth case").filter(pk=case.pk).update(
        youth_unit_ends_on=dt.date(2030, 7, 3)
    )
    consent = Consent(
        person=case.person,
        case=case,
        organisation=world.district_a,
        purpose="intervention_group",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
        given_how=GivenHow.ORAL,
        recorded_by=world.users["social_worker"],
        child_at_consent=True,
        guardians_required=1,
        guardians_consented=1,
        adult_on=dt.date(2027, 7, 3),
    )
    consent.witness = "Vittne"
    consent.save()
    group = InterventionGroup.objects.filter(case=case).first() or InterventionGroup.objects.create(
        case=case, band="young"
    )
    InterventionGroup.objects.bypassing_guard("test: a band's end").filter(pk=group.pk).update(
        band_ends_on=dt.date(2028, 7, 3)
    )

    person_erase(person_id=case.person_id, reason="gallring")

    assert Case.objects.get(pk=case.pk).youth_unit_ends_on is None
    assert Consent.objects.get(pk=consent.pk).adult_on is None
    assert InterventionGroup.objects.get(pk=group.pk).band_ends_on is None
