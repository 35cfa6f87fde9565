"""A consent given by the guardians ends when the young person comes of age (issue 29, item 2).

Nora is born on 12 May 2008: she turns 18 on 12 May 2026. Her guardians consented to sharing with the
police in her intervention group while she was 17. From her 18th birthday that consent covers no new
sharing; only a consent she gives herself, as an adult, does. Thirty days before, her handler is asked to
talk to her about it, and the members of her group see the day sharing pauses.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from cases import personal_number as pnr
from cases.models import Person
from consent import policy, selectors, services
from consent.models import Consent
from lotsa.vocabulary import InformationCategory, Purpose
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, number_born
from tests.helpers import events_since, head_seq, login_verified, named_by

pytestmark = pytest.mark.django_db

BORN = dt.date(2008, 5, 12)
EIGHTEEN = dt.date(2026, 5, 12)


def at(day: dt.date, hour: int = 12):
    """A moment of ``day`` in Stockholm, for time_machine."""
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))), tick=False)


@pytest.fixture
def nora():
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    worker = UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER])
    case = CaseFactory(
        owner_unit=district,
        person=PersonFactory(
            organisation=district, given_names="Nora", surname="Provsson", personal_number=number_born(BORN)
        ),
        responsible=worker,
    )
    assign_perm("cases.view_case", worker, case)
    return {"district": district, "police": police, "worker": worker, "case": case}


def guardians_terms(v, **changes) -> services.ConsentTerms:
    terms = {
        "purpose": Purpose.INTERVENTION_GROUP,
        "purpose_text": "",
        "recipient_ids": [v["police"].pk],
        "categories": [InformationCategory.HOUSING],
        "valid_from": dt.date(2026, 1, 10),
        "valid_until": dt.date(2026, 12, 31),
        "given_how": "oral",
        "witness": "Vera Vittne",
        "guardians_required": 2,
        "guardians_consented": 2,
        "child_own_consent": True,
    }
    terms.update(changes)
    return services.ConsentTerms(**terms)


def police_may_read(v) -> bool:
    return policy.sharing_decision(
        person_id=v["case"].person_id,
        category=InformationCategory.HOUSING,
        recorded_by_id=v["district"].pk,
        viewer_org_id=v["police"].pk,
        purpose=Purpose.INTERVENTION_GROUP,
    ).allowed


def police_list_holds_nora(v) -> bool:
    """The same rule in SQL, as list pages filter with it."""
    return (
        Person.objects.filter(pk=v["case"].person_id)
        .filter(policy.shared_with(organisation_id=v["police"].pk, purpose=Purpose.INTERVENTION_GROUP))
        .exists()
    )


def record_guardians_consent(v) -> Consent:
    with at(dt.date(2026, 1, 10)):
        return services.consent_record(by=v["worker"], case_id=v["case"].pk, terms=guardians_terms(v))


def test_a_consent_recorded_for_a_child_keeps_the_day_the_child_comes_of_age(nora):
    consent = record_guardians_consent(nora)
    assert consent.child_at_consent and consent.adult_on == EIGHTEEN
    with at(EIGHTEEN):
        adults = services.consent_record(
            by=nora["worker"],
            case_id=nora["case"].pk,
            terms=guardians_terms(nora, valid_from=EIGHTEEN, guardians_required=0, guardians_consented=0),
        )
    assert not adults.child_at_consent and adults.adult_on is None


def test_a_leap_day_child_comes_of_age_on_the_first_of_march():
    assert pnr.birthday(dt.date(2008, 2, 29), 18) == dt.date(2026, 3, 1)
    assert pnr.birthday(dt.date(2008, 2, 29), 16) == dt.date(2024, 2, 29)
    assert pnr.birthday(None, 18) is None


def test_a_guardians_consent_stops_covering_new_sharing_at_eighteen(nora):
    consent = record_guardians_consent(nora)
    with at(EIGHTEEN - dt.timedelta(days=1), hour=23):
        assert police_may_read(nora) and police_list_holds_nora(nora)
        assert policy.consent_status(consent) == "active"
    with at(EIGHTEEN, hour=0):
        assert not police_may_read(nora)
        assert not police_list_holds_nora(nora)
        assert policy.consent_status(consent) == "ended_at_majority"
        assert not policy.in_force().filter(pk=consent.pk).exists()
    # Months later, within the consent's own dates, still nothing crosses under it.
    with at(dt.date(2026, 11, 1)):
        assert not police_may_read(nora)


def test_after_eighteen_only_the_young_persons_own_consent_covers_sharing(nora):
    record_guardians_consent(nora)
    with at(EIGHTEEN + dt.timedelta(days=3)):
        assert not police_may_read(nora)
        own = services.consent_record(
            by=nora["worker"],
            case_id=nora["case"].pk,
            terms=guardians_terms(
                nora,
                valid_from=EIGHTEEN + dt.timedelta(days=3),
                guardians_required=0,
                guardians_consented=0,
                child_own_consent=False,
            ),
        )
        decision = policy.sharing_decision(
            person_id=nora["case"].person_id,
            category=InformationCategory.HOUSING,
            recorded_by_id=nora["district"].pk,
            viewer_org_id=nora["police"].pk,
            purpose=Purpose.INTERVENTION_GROUP,
        )
        assert decision.allowed and decision.ground == f"consent:{own.pk}"


def test_thirty_days_before_the_eighteenth_birthday_the_handler_is_asked_about_the_consent(nora, client):
    record_guardians_consent(nora)
    worker = nora["worker"]
    with at(EIGHTEEN - dt.timedelta(days=31)):
        assert not [item for item in selectors.waiting_about_consent(worker) if "myndig" in item.text]
    with at(EIGHTEEN - dt.timedelta(days=30)):
        items = [item for item in selectors.waiting_about_consent(worker) if "myndig" in item.text]
        assert [item.text for item in items] == ["1 ung person blir snart myndig: fråga hen om samtycket"]
        assert items[0].url == reverse("consent:expiring")
        # Not also counted as a consent about to expire: it ends at majority, not on its own last day.
        assert not [item for item in selectors.waiting_about_consent(worker) if "löper snart ut" in item.text]
        login_verified(client, worker)
        start = head_seq()
        home = client.get(reverse("home")).content.decode()
        assert "1 ung person blir snart myndig" in home and "Nora" not in home
        page = client.get(reverse("consent:expiring")).content.decode()
        assert "Provsson, Nora" in page and "Blir myndig den 12 maj 2026: fråga hen om samtycket" in page
        assert nora["case"].person_id in named_by(events_since(start))
    # Once she has come of age, the consent is no longer in force and the task is gone.
    with at(EIGHTEEN):
        assert not [item for item in selectors.waiting_about_consent(worker) if "myndig" in item.text]


def test_the_task_is_for_the_handler_of_the_young_persons_case_only(nora):
    record_guardians_consent(nora)
    other = UserFactory(organisation=nora["district"], roles=[Role.SOCIAL_WORKER])
    with at(EIGHTEEN - dt.timedelta(days=10)):
        assert not [item for item in selectors.waiting_about_consent(other) if "myndig" in item.text]
        assert selectors.consents_expiring_for(user=other) == []
