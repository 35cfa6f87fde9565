"""One person, one threat picture (issue 29, item 5): a person in an intervention group and in the
defector programme has two threat timelines, the police's in the group and BOPS's in the programme,
usually in two units' records of the person. Each page shows the other's latest assessment, with its
source and date, only while the person's consent lets threat and protection cross to the viewer's
organisation; otherwise nothing on the page (nor in the log) says that the other timeline exists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessOutcome, Action
from cases import queries as case_queries
from cases import services as case_services
from cases.access import THREAT_PICTURE_ON_GROUP_PAGE, THREAT_PICTURE_ON_PROGRAMME_PAGE
from consent import services as consent_services
from defectors import access as programme_access
from defectors import services as programme
from lotsa import access
from sig import access as group_access
from sig import selectors as group_selectors
from sig import services as sig
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, valid_number
from tests.helpers import events_since, head_seq, login_verified

NUMBER = valid_number(4242)


@pytest.fixture
def picture(db):
    """Rinkeby-Kista's intervention group around its record of the person, with the police in Järva as
    a member and their assessment; the programme's case around its own record of the same person
    (same personal identity number), with BOPS's assessment under a consent that names BOPS only."""
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    unit = OrganisationFactory(
        name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME, district=""
    )
    bops = OrganisationFactory(name="Polisen BOPS", kind=OrganisationKind.BOPS, district="")
    coordinator = UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER])
    officer = UserFactory(organisation=police, roles=[Role.EXTERNAL_MEMBER])
    handler = UserFactory(organisation=unit, roles=[Role.DEFECTOR_PROGRAMME])
    analyst = UserFactory(organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    group_case = CaseFactory(
        person=PersonFactory(organisation=district, personal_number=NUMBER, surname="Hotbildsson"),
        owner_unit=district,
        responsible=coordinator,
    )
    programme_case = CaseFactory(
        person=PersonFactory(organisation=unit, personal_number=NUMBER, surname="Hotbildsson"),
        owner_unit=unit,
        responsible=handler,
        activity="defector_programme",
    )
    assign_perm("cases.view_case", coordinator, group_case)
    assign_perm("cases.view_case", handler, programme_case)
    p = {
        "district": district,
        "police": police,
        "unit": unit,
        "bops": bops,
        "coordinator": coordinator,
        "officer": officer,
        "handler": handler,
        "analyst": analyst,
        "group_case": group_case,
        "programme_case": programme_case,
    }
    consent(p, "group_case", "intervention_group", ["police"], ["work_income"])
    group, _inside = sig.group_form(by=coordinator, case_id=group_case.pk)
    sig.member_add(by=coordinator, group_id=group.pk, user=officer, role="police_contact")
    p["group"] = group
    p["group_assessment"] = sig.threat_assess(
        by=officer, group_id=group.pk, level="elevated", protection_need=False, notes="Gruppens anteckning"
    )
    consent(p, "programme_case", "defector_programme", ["bops"], ["threat_protection"])
    p["bops_assessment"] = programme.bops_assess(
        by=analyst,
        person_id=programme_case.person_id,
        level="high",
        special_protection_need=True,
        notes="BOPS anteckning",
    )
    return p


def consent(p, case, purpose, recipients, categories):
    """A consent recorded in ``case`` (the group's or the programme's) by its handler."""
    by = p["coordinator"] if case == "group_case" else p["handler"]
    return consent_services.consent_record(
        by=by,
        case_id=p[case].pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[p[r].pk for r in recipients],
            categories=categories,
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=180),
            given_how="oral",
            witness="V",
        ),
    )


def withdraw(p, case, given):
    by = p["coordinator"] if case == "group_case" else p["handler"]
    consent_services.consent_withdraw(by=by, consent_id=given.pk, case_id=p[case].pk, how="oral", note="")


def group_page(client, p, user):
    """The group's page as ``user``: what it shows of the programme, the page, and the events written."""
    login_verified(client, user)
    since = head_seq()
    response = client.get(reverse("sig:detail", kwargs={"group_id": p["group"].pk}))
    assert response.status_code == 200
    return response.context["programme_assessment"], response.content.decode(), list(events_since(since))


def programme_page(client, p, user):
    login_verified(client, user)
    since = head_seq()
    response = client.get(reverse("defectors:case", kwargs={"case_id": p["programme_case"].pk}))
    assert response.status_code == 200
    return response.context["group_assessment"], response.content.decode(), list(events_since(since))


def about(events, target_type):
    return [event for event in events if event.target_type == target_type]


HEADINGS = {
    "defectors.bopsassessment": "The defector programme's latest assessment",
    "sig.threatassessment": "The intervention group's latest threat assessment",
}


def assert_hidden(shown, html, events, *, target_type, source):
    """Nothing of the other timeline: not shown, neither its heading nor its source on the page, and
    nothing in the log (not even a denial)."""
    assert shown is None
    assert gettext(HEADINGS[target_type]) not in html and source not in html
    assert about(events, target_type) == []


@pytest.mark.django_db
def test_the_other_timelines_latest_assessment_shows_only_under_a_consent_covering_threat_information(
    client, picture
):
    p = picture
    bops_type, group_type = "defectors.bopsassessment", "sig.threatassessment"

    # BOPS's timeline on the group's page. The programme's consent names BOPS only: nothing crosses.
    for member in (p["coordinator"], p["officer"]):
        assert_hidden(*group_page(client, p, member), target_type=bops_type, source="Polisen BOPS")
    # A consent for the programme naming the district and the police, but not threat and protection.
    other_category = consent(
        p, "programme_case", "defector_programme", ["bops", "district", "police"], ["identity_contact"]
    )
    assert_hidden(*group_page(client, p, p["coordinator"]), target_type=bops_type, source="Polisen BOPS")
    withdraw(p, "programme_case", other_category)
    # One that lets threat and protection cross from BOPS to the district (not to the police in Järva).
    covering = consent(p, "programme_case", "defector_programme", ["bops", "district"], ["threat_protection"])
    later = programme.bops_assess(
        by=p["analyst"],
        person_id=p["programme_case"].person_id,
        level="elevated",
        special_protection_need=True,
        notes="",
    )
    shown, html, events = group_page(client, p, p["coordinator"])
    assert shown == later  # the latest, not the first
    assert "Polisen BOPS" in html and later.assessed_on.isoformat() in html
    assert "BOPS anteckning" not in html  # the level, the need, the source and the date: not the notes
    (event,) = about(events, bops_type)
    assert (event.action, event.outcome, event.subject_id) == (
        Action.VIEW,
        AccessOutcome.ALLOWED,
        p["programme_case"].person_id,  # the programme's record, not the group's
    )
    assert event.reason == programme_access.PROGRAMME_ASSESSMENT_ELSEWHERE
    assert event.legal_ground == f"consent:{covering.pk}" and event.purpose == "intervention group"
    assert_hidden(*group_page(client, p, p["officer"]), target_type=bops_type, source="Polisen BOPS")
    # Withdrawn: gone on the very next request.
    withdraw(p, "programme_case", covering)
    assert_hidden(*group_page(client, p, p["coordinator"]), target_type=bops_type, source="Polisen BOPS")

    # The group's timeline on the programme's page. The group's consent names the police only.
    assert_hidden(*programme_page(client, p, p["handler"]), target_type=group_type, source="Polisen Järva")
    other_category = consent(p, "group_case", "intervention_group", ["police", "unit"], ["school_education"])
    assert_hidden(*programme_page(client, p, p["handler"]), target_type=group_type, source="Polisen Järva")
    withdraw(p, "group_case", other_category)
    covering = consent(p, "group_case", "intervention_group", ["police", "unit"], ["threat_protection"])
    shown, html, events = programme_page(client, p, p["handler"])
    assert shown == p["group_assessment"]
    assert "Polisen Järva" in html and "Gruppens anteckning" not in html
    (event,) = about(events, group_type)
    assert event.subject_id == p["group_case"].person_id and event.purpose == "defector programme"
    assert event.reason == group_access.GROUP_ASSESSMENT_ELSEWHERE
    assert event.legal_ground == f"consent:{covering.pk}"
    withdraw(p, "group_case", covering)
    assert_hidden(*programme_page(client, p, p["handler"]), target_type=group_type, source="Polisen Järva")


@pytest.mark.django_db
def test_the_other_timeline_is_found_only_through_the_blind_index_of_the_same_person(picture):
    """Another person's assessment is never taken for this person's; an erased record is found by
    nothing; the finder reads no ciphertext."""
    p = picture
    consent(p, "programme_case", "defector_programme", ["bops", "district"], ["threat_protection"])
    group = p["group"]
    records = set(case_queries.records_of_same_person(person_id=p["group_case"].person_id))
    assert records == {p["group_case"].person, p["programme_case"].person}
    # Someone else in the programme, high threat, with a consent naming the district: not this person.
    stranger_case = CaseFactory(owner_unit=p["unit"], responsible=p["handler"], activity="defector_programme")
    assign_perm("cases.view_case", p["handler"], stranger_case)
    p["stranger_case"] = stranger_case
    consent(p, "stranger_case", "defector_programme", ["bops", "district"], ["threat_protection"])
    stranger = programme.bops_assess(
        by=p["analyst"],
        person_id=stranger_case.person_id,
        level="low",
        special_protection_need=False,
        notes="",
    )
    shown = group_selectors.programme_assessment_for(user=p["coordinator"], group=group)
    assert shown == p["bops_assessment"] and shown != stranger
    # The programme's record erased: its data key is gone, its index cleared; nothing of it is found.
    case_services.person_erase(person_id=p["programme_case"].person_id, reason="test")
    assert set(case_queries.records_of_same_person(person_id=p["group_case"].person_id)) == {
        p["group_case"].person
    }
    assert group_selectors.programme_assessment_for(user=p["coordinator"], group=group) is None


@pytest.mark.django_db
def test_only_a_member_outside_civil_society_sees_the_programmes_assessment_on_the_groups_page(
    client, picture
):
    """The group's own assessments are for its members outside civil society; so is the programme's:
    not the owning unit's supervisor (not a member), not a mentor from a club."""
    p = picture
    p["club"] = OrganisationFactory(name="Föreningen", kind=OrganisationKind.SPORTS_CLUB)
    mentor = UserFactory(organisation=p["club"], roles=[Role.EXTERNAL_MEMBER])
    supervisor = UserFactory(organisation=p["district"], roles=[Role.SUPERVISOR])
    consent(p, "group_case", "intervention_group", ["police", "club"], ["work_income"])
    sig.member_add(by=p["coordinator"], group_id=p["group"].pk, user=mentor, role="mentor")
    sig.undertaking_accept(by=mentor, group_id=p["group"].pk)
    consent(p, "programme_case", "defector_programme", ["bops", "district", "club"], ["threat_protection"])
    assert group_page(client, p, p["coordinator"])[0] == p["bops_assessment"]
    for user in (supervisor, mentor):
        assert_hidden(
            *group_page(client, p, user), target_type="defectors.bopsassessment", source="Polisen BOPS"
        )


@pytest.mark.django_db
def test_the_threat_picture_is_decided_by_the_assessment_policies_registered_with_lotsa_access(picture):
    """The rule lives in the two assessment policies (a branch for the other timeline's page), so that
    lotsa.access alone refuses without a covering consent, allows with one, lists in SQL exactly what
    it allows one by one, and shows only the latest of the other timeline."""
    p = picture
    bops_read, group_read = THREAT_PICTURE_ON_GROUP_PAGE, THREAT_PICTURE_ON_PROGRAMME_PAGE

    def sees(user, assessment, purpose):
        decided = access.decide(user, Action.VIEW, assessment, purpose)
        listed = access.visible_to(user, type(assessment).objects.all(), purpose=purpose)
        assert (assessment.pk in set(listed.values_list("pk", flat=True))) == decided.allowed
        return decided

    # No consent covers threat and protection: the policy alone refuses, with the consent's reason.
    assert not sees(p["coordinator"], p["bops_assessment"], bops_read).allowed
    assert not sees(p["handler"], p["group_assessment"], group_read).allowed
    covering = consent(p, "programme_case", "defector_programme", ["bops", "district"], ["threat_protection"])
    consent(p, "group_case", "intervention_group", ["police", "unit"], ["threat_protection"])
    decided = sees(p["coordinator"], p["bops_assessment"], bops_read)
    assert decided.allowed and decided.ground == f"consent:{covering.pk}"
    assert decided.reason == programme_access.PROGRAMME_ASSESSMENT_ELSEWHERE
    assert sees(p["handler"], p["group_assessment"], group_read).allowed
    # Not the latest any more: the older one is refused, the newer allowed.
    later = programme.bops_assess(
        by=p["analyst"],
        person_id=p["programme_case"].person_id,
        level="low",
        special_protection_need=False,
        notes="",
    )
    assert not sees(p["coordinator"], p["bops_assessment"], bops_read).allowed
    assert sees(p["coordinator"], later, bops_read).allowed
    # No part in the other timeline: the police in Järva are not named by the programme's consent,
    # and someone with no group nor programme case of the person is refused even with a consent.
    assert not sees(p["officer"], later, bops_read).allowed
    stranger = UserFactory(organisation=p["district"], roles=[Role.SOCIAL_WORKER])
    assert not sees(stranger, later, bops_read).allowed
    assert not sees(stranger, p["group_assessment"], group_read).allowed
