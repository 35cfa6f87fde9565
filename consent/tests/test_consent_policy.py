"""consent.policy: who may see what of another organisation's records, and on what ground."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Value
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import OrganisationKind
from cases.models import Person
from consent import policy
from consent.models import Consent, Disclosure, GivenHow
from lotsa.vocabulary import LEGAL_GROUND, InformationCategory, Purpose
from tests.factories import OrganisationFactory, PersonFactory, UserFactory, valid_number

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 22, 12, 0))
TODAY = NOW.date()


@pytest.fixture
def parties():
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    jobbtorg = OrganisationFactory(name="Jobbtorg", kind=OrganisationKind.JOBBTORG)
    school = OrganisationFactory(name="Skolan", kind=OrganisationKind.SCHOOL)
    worker = UserFactory(organisation=district)
    adult = PersonFactory(organisation=district, personal_number=valid_number(5))  # born in the 1950s
    return {
        "district": district,
        "police": police,
        "jobbtorg": jobbtorg,
        "school": school,
        "worker": worker,
        "adult": adult,
    }


def consent_for(
    parties,
    *,
    person=None,
    recipients=("police", "jobbtorg"),
    categories=("housing", "work_income"),
    purpose=Purpose.INTERVENTION_GROUP,
    valid_from=TODAY - dt.timedelta(days=30),
    valid_until=TODAY + dt.timedelta(days=300),
    **extra,
):
    consent = Consent(
        person=person or parties["adult"],
        organisation=parties["district"],
        purpose=purpose,
        categories=list(categories),
        valid_from=valid_from,
        valid_until=valid_until,
        given_how=GivenHow.ORAL,
        recorded_by=parties["worker"],
        **extra,
    )
    consent.witness = "Vittne"
    consent.save()
    consent.recipients.set([parties[name].pk for name in recipients] + [parties["district"].pk])
    return consent


def ask(parties, viewer, *, category="housing", purpose=Purpose.INTERVENTION_GROUP, at=NOW, person=None):
    person = person or parties["adult"]
    return policy.sharing_decision(
        person_id=person.pk,
        category=category,
        recorded_by_id=parties["district"].pk,
        viewer_org_id=parties[viewer].pk,
        purpose=purpose,
        at=at,
    )


# (description, consent changes, viewer, category, purpose, moment, expected)
IG = Purpose.INTERVENTION_GROUP

CASES = [
    (
        "the recording unit sees its own, consent or not",
        None,
        "district",
        "health_substance",
        IG,
        NOW,
        True,
    ),
    ("no consent: nothing", None, "police", "housing", IG, NOW, False),
    ("named recipient, covered category, within validity", {}, "police", "housing", IG, NOW, True),
    (
        "named recipient, the purpose asked is the consent's",
        {},
        "police",
        "housing",
        "intervention_group",
        NOW,
        True,
    ),
    ("named recipient, another purpose", {}, "police", "housing", "defector_programme", NOW, False),
    ("named recipient, no purpose named: nothing crosses", {}, "police", "housing", "", NOW, False),
    (
        "named recipient, a purpose that is no crossing purpose",
        {},
        "police",
        "housing",
        "casework",
        NOW,
        False,
    ),
    (
        "named recipient, asked under a legal ground: a consent is no ground",
        {},
        "police",
        "housing",
        LEGAL_GROUND,
        NOW,
        False,
    ),
    ("named recipient, category not covered", {}, "police", "health_substance", IG, NOW, False),
    ("organisation not named", {}, "school", "housing", IG, NOW, False),
    (
        "before the consent begins",
        {"valid_from": TODAY + dt.timedelta(days=1)},
        "police",
        "housing",
        IG,
        NOW,
        False,
    ),
    ("on its last day", {"valid_until": TODAY}, "police", "housing", IG, NOW, True),
    (
        "after it expired",
        {"valid_until": TODAY - dt.timedelta(days=1)},
        "police",
        "housing",
        IG,
        NOW,
        False,
    ),
    ("withdrawn", {"withdrawn_at": NOW - dt.timedelta(minutes=1)}, "police", "housing", IG, NOW, False),
    (
        "a child without the guardians' consent",
        {"child_at_consent": True, "guardians_required": 2, "guardians_consented": 1},
        "police",
        "housing",
        IG,
        NOW,
        False,
    ),
    (
        "a child with every guardian's consent",
        {
            "child_at_consent": True,
            "guardians_required": 2,
            "guardians_consented": 2,
            "adult_on": TODAY + dt.timedelta(days=200),
        },
        "police",
        "housing",
        IG,
        NOW,
        True,
    ),
    (
        "the guardians' consent on the day before the child comes of age",
        {
            "child_at_consent": True,
            "guardians_required": 1,
            "guardians_consented": 1,
            "adult_on": TODAY + dt.timedelta(days=1),
        },
        "police",
        "housing",
        IG,
        NOW,
        True,
    ),
    (
        "the guardians' consent on the day the child comes of age",
        {"child_at_consent": True, "guardians_required": 1, "guardians_consented": 1, "adult_on": TODAY},
        "police",
        "housing",
        IG,
        NOW,
        False,
    ),
    (
        "a child's consent without a date of majority covers nothing (fails closed)",
        {"child_at_consent": True, "guardians_required": 1, "guardians_consented": 1},
        "police",
        "housing",
        IG,
        NOW,
        False,
    ),
]


@pytest.mark.parametrize(
    ("description", "changes", "viewer", "category", "purpose", "at", "expected"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_the_policy_table(parties, description, changes, viewer, category, purpose, at, expected):
    if changes is not None:
        consent_for(parties, **changes)
    decision = ask(parties, viewer, category=category, purpose=purpose, at=at)
    assert decision.allowed is expected, decision
    if expected and viewer != "district":
        assert decision.ground.startswith("consent:")


def test_a_superseded_consent_no_longer_counts_but_its_successor_does(parties):
    old = consent_for(parties, categories=("housing",))
    new = consent_for(parties, categories=("work_income",))
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    assert not ask(parties, "police", category="housing").allowed
    assert ask(parties, "police", category="work_income").ground == f"consent:{new.pk}"


def test_a_disclosure_under_a_legal_ground_opens_its_categories_until_it_ends(parties):
    disclosure = Disclosure(
        person=parties["adult"],
        organisation=parties["district"],
        recipient=parties["police"],
        ground="prevent_terrorism",
        categories=["threat_protection"],
        access_until=TODAY + dt.timedelta(days=3),
        disclosed_by=parties["worker"],
    )
    disclosure.what, disclosure.why = "Hotbild", "Förhindra terrorbrott"
    disclosure.save()
    decision = ask(parties, "police", category="threat_protection", purpose=LEGAL_GROUND)
    assert decision.allowed and decision.ground == "ground:prevent_terrorism"
    assert not ask(parties, "police", category="housing", purpose=LEGAL_GROUND).allowed
    later = NOW + dt.timedelta(days=4)
    assert not ask(parties, "police", category="threat_protection", purpose=LEGAL_GROUND, at=later).allowed
    # A legal ground is its own purpose: it does not open the person to an intervention group.
    assert not ask(
        parties, "police", category="threat_protection", purpose=Purpose.INTERVENTION_GROUP
    ).allowed


def test_consents_of_one_person_say_nothing_about_another(parties):
    consent_for(parties)
    other = PersonFactory(organisation=parties["district"])
    assert not ask(parties, "police", person=other).allowed


categories = st.sampled_from(InformationCategory.values)
viewers = st.sampled_from(["police", "jobbtorg", "school"])
purposes = st.sampled_from(["", "casework", LEGAL_GROUND, *Purpose.values])
offsets = st.integers(min_value=-400, max_value=400)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    consent_specs=st.lists(
        st.fixed_dictionaries(
            {
                "recipients": st.lists(viewers, max_size=3, unique=True),
                "categories": st.lists(categories, min_size=1, max_size=4, unique=True),
                "purpose": st.sampled_from(Purpose.values),
                "start": offsets,
                "length": st.integers(min_value=0, max_value=400),
                "withdrawn": st.booleans(),
                "superseded": st.booleans(),
                # A guardians' consent: the child comes of age this many days from now (None: an adult's).
                "comes_of_age": st.none() | offsets,
            }
        ),
        max_size=3,
    ),
    viewer=viewers,
    category=categories,
    purpose=purposes,
    moment=offsets,
)
def test_nothing_is_ever_allowed_without_a_covering_consent(
    parties, consent_specs, viewer, category, purpose, moment
):
    person = PersonFactory(organisation=parties["district"])
    made = []
    for spec in consent_specs:
        valid_from = TODAY + dt.timedelta(days=spec["start"])
        consent = consent_for(
            parties,
            person=person,
            recipients=spec["recipients"],
            categories=spec["categories"],
            purpose=spec["purpose"],
            valid_from=valid_from,
            valid_until=valid_from + dt.timedelta(days=spec["length"]),
            withdrawn_at=NOW - dt.timedelta(days=1) if spec["withdrawn"] else None,
            **(
                {}
                if spec["comes_of_age"] is None
                else {
                    "child_at_consent": True,
                    "guardians_required": 1,
                    "guardians_consented": 1,
                    "adult_on": TODAY + dt.timedelta(days=spec["comes_of_age"]),
                }
            ),
        )
        made.append((consent, spec))
    for (consent, spec), (successor, _spec) in itertools.pairwise(made):
        if spec["superseded"]:
            consent.superseded_by = successor
            consent.save(update_fields=["superseded_by"])
            spec["superseded_by"] = successor
    at = NOW + dt.timedelta(days=moment)
    decision = ask(parties, viewer, category=category, purpose=purpose, at=at, person=person)

    def covers(consent, spec):
        return (
            viewer in spec["recipients"]
            and category in spec["categories"]
            and purpose == spec["purpose"]
            and consent.valid_from <= at.date() <= consent.valid_until
            and not spec["withdrawn"]
            and "superseded_by" not in spec
            and (consent.adult_on is None or at.date() < consent.adult_on)
        )

    covering = [consent for consent, spec in made if covers(consent, spec)]
    assert decision.allowed == bool(covering), (decision, consent_specs)
    if decision.allowed:
        assert decision.ground in {f"consent:{c.pk}" for c in covering}
    # The same rule as a SQL expression (what list pages filter with) gives the same answer.
    in_sql = (
        Person.objects.filter(pk=person.pk)
        .annotate(asked_category=Value(category), asked_recorder=Value(parties["district"].pk))
        .filter(
            policy.shared_with(
                organisation_id=parties[viewer].pk,
                purpose=purpose,
                at=at,
                category="asked_category",
                recorded_by="asked_recorder",
            )
        )
        .exists()
    )
    assert in_sql == bool(covering)


def test_information_recorded_by_an_organisation_the_consent_does_not_name_does_not_pass(parties):
    consent_for(parties, recipients=("police", "jobbtorg"))
    person = parties["adult"]
    # The school recorded something (say, in an intervention group): the consent does not name it.
    decision = policy.sharing_decision(
        person_id=person.pk,
        category="housing",
        recorded_by_id=parties["school"].pk,
        viewer_org_id=parties["police"].pk,
        purpose=IG,
        at=NOW,
    )
    assert not decision.allowed
    decision = policy.sharing_decision(
        person_id=person.pk,
        category="housing",
        recorded_by_id=parties["jobbtorg"].pk,
        viewer_org_id=parties["police"].pk,
        purpose=IG,
        at=NOW,
    )
    assert decision.allowed


def test_consent_and_disclosure_validity_use_the_local_date(parties):
    """At 00:30 in Stockholm on the day after a consent's last day it is no longer in force, although
    the UTC date is still its last day (23:30 UTC); the same for a disclosure's last day."""
    consent = consent_for(parties, valid_until=TODAY)
    disclosure = Disclosure(
        person=parties["adult"],
        organisation=parties["district"],
        recipient=parties["school"],
        ground="prevent_terrorism",
        categories=["housing"],
        access_until=TODAY,
        disclosed_by=parties["worker"],
    )
    disclosure.what, disclosure.why = "Uppgift", "Skäl"
    disclosure.save()
    # As timezone.now() gives them: in UTC.
    last_evening = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(23, 30))).astimezone(dt.UTC)
    after_midnight = last_evening + dt.timedelta(hours=1)
    assert after_midnight.date() == TODAY  # still the last day in UTC
    assert policy.consent_status(consent, last_evening) == "active"
    assert ask(parties, "police", at=last_evening).allowed
    assert ask(parties, "school", at=last_evening, purpose=LEGAL_GROUND).allowed
    assert policy.consent_status(consent, after_midnight) == "expired"
    assert not ask(parties, "police", at=after_midnight).allowed
    assert not ask(parties, "school", at=after_midnight, purpose=LEGAL_GROUND).allowed
    assert not policy.in_force(at=after_midnight).filter(pk=consent.pk).exists()
