"""Intervention groups: membership under consent, activation, and who sees what of whom."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import OrganisationKind
from accounts.roles import Role
from consent import services as consent_services
from lotsa.vocabulary import ThreatLevel
from sig import queries, services
from sig.models import GroupStatus, MemberRole
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, valid_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def sig_world():
    district = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    school = OrganisationFactory(name="Kista skola", kind=OrganisationKind.SCHOOL)
    jobbtorg = OrganisationFactory(name="Jobbtorg", kind=OrganisationKind.JOBBTORG)
    club = OrganisationFactory(name="Fotbollsklubben", kind=OrganisationKind.SPORTS_CLUB)
    users = {
        "coordinator": UserFactory(organisation=district, roles=[Role.SOCIAL_WORKER]),
        "police": UserFactory(organisation=police, roles=[Role.EXTERNAL_MEMBER]),
        "school": UserFactory(organisation=school, roles=[Role.EXTERNAL_MEMBER]),
        "jobbtorg": UserFactory(organisation=jobbtorg, roles=[Role.EXTERNAL_MEMBER]),
        "coach": UserFactory(organisation=club, roles=[Role.EXTERNAL_MEMBER]),
    }
    # Born 2008: 18 in 2026, inside the 12-18 band.
    person = PersonFactory(organisation=district, personal_number=_number("080315"))
    case = CaseFactory(person=person, owner_unit=district, responsible=users["coordinator"])
    return {
        "district": district,
        "police": police,
        "school": school,
        "jobbtorg": jobbtorg,
        "club": club,
        "users": users,
        "case": case,
    }


def _number(yymmdd: str) -> str:
    from cases.personal_number import luhn_ok

    nine = yymmdd + "123"
    return "20" + nine + next(d for d in "0123456789" if luhn_ok(nine + d))


def consent(w, recipients, categories, **extra):
    return consent_services.consent_record(
        by=w["users"]["coordinator"],
        case_id=w["case"].pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[w[name].pk for name in recipients],
            categories=categories,
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="Vittne",
            **extra,
        ),
    )


def formed(w, members=("police", "school")):
    group, _inside = services.group_form(by=w["users"]["coordinator"], case_id=w["case"].pk)
    for name in members:
        role = {"police": MemberRole.POLICE_CONTACT, "school": MemberRole.SCHOOL_CONTACT}.get(
            name, MemberRole.MENTOR
        )
        services.member_add(by=w["users"]["coordinator"], group_id=group.pk, user=w["users"][name], role=role)
    return group


def test_a_group_is_formed_with_its_band_and_its_coordinator(sig_world):
    group, inside = services.group_form(by=sig_world["users"]["coordinator"], case_id=sig_world["case"].pk)
    assert group.band == "young" and inside and group.status == GroupStatus.FORMING
    assert services.membership_of(sig_world["users"]["coordinator"], group).role == MemberRole.COORDINATOR


def test_a_person_outside_every_band_gets_a_warning_not_a_refusal(sig_world):
    person = PersonFactory(organisation=sig_world["district"], personal_number=valid_number(3))  # born 1950s
    case = CaseFactory(
        person=person, owner_unit=sig_world["district"], responsible=sig_world["users"]["coordinator"]
    )
    group, inside = services.group_form(by=sig_world["users"]["coordinator"], case_id=case.pk)
    assert not inside and group.band == "young_adults"


def test_an_organisation_the_consent_does_not_name_cannot_join(sig_world):
    consent(sig_world, ["police"], ["housing"])
    group, _inside = services.group_form(by=sig_world["users"]["coordinator"], case_id=sig_world["case"].pk)
    with pytest.raises(services.DomainError, match="Kista skola"):
        services.member_add(
            by=sig_world["users"]["coordinator"],
            group_id=group.pk,
            user=sig_world["users"]["school"],
            role=MemberRole.SCHOOL_CONTACT,
        )


def test_activation_needs_police_social_services_and_a_consent_naming_every_member(sig_world):
    consent(sig_world, ["school"], ["school_education"])
    group = formed(sig_world, members=("school",))
    with pytest.raises(services.DomainError, match=r"(?i)polisen"):
        services.group_activate(by=sig_world["users"]["coordinator"], group_id=group.pk)
    consent(sig_world, ["police", "school"], ["school_education", "crime_police"])
    services.member_add(
        by=sig_world["users"]["coordinator"],
        group_id=group.pk,
        user=sig_world["users"]["police"],
        role=MemberRole.POLICE_CONTACT,
    )
    assert services.group_activate(by=sig_world["users"]["coordinator"], group_id=group.pk).status == "active"


def test_a_withdrawn_consent_stops_activation_and_is_shown_at_once(sig_world):
    first = consent(sig_world, ["police", "school"], ["school_education"])
    group = formed(sig_world)
    consent_services.consent_withdraw(
        by=sig_world["users"]["coordinator"],
        consent_id=first.pk,
        case_id=sig_world["case"].pk,
        how="oral",
        note="",
    )
    assert {o.name for o in services.missing_consent(group)} == {"Polisen Järva", "Kista skola"}
    with pytest.raises(services.DomainError):
        services.group_activate(by=sig_world["users"]["coordinator"], group_id=group.pk)


def test_each_member_sees_exactly_what_the_consent_gives_their_organisation(sig_world):
    consent(sig_world, ["police", "school", "club"], ["school_education", "crime_police"])
    group = formed(sig_world, members=("police", "school", "coach"))
    coordinator, police, school, coach = (
        sig_world["users"][n] for n in ("coordinator", "police", "school", "coach")
    )
    services.undertaking_accept(by=coach, group_id=group.pk)
    school_note = services.shared_entry_add(
        by=coordinator, group_id=group.pk, category="school_education", text="Närvaron har ökat"
    )
    health_note = services.shared_entry_add(
        by=coordinator,
        group_id=group.pk,
        category="health_substance",
        text="Har börjat på beroendemottagningen",
    )
    police_note = services.shared_entry_add(
        by=police, group_id=group.pk, category="crime_police", text="Inga nya misstankar"
    )
    summary = services.shared_entry_add(
        by=coordinator,
        group_id=group.pk,
        category="school_education",
        text="Går bra i skolan",
        for_civil_society=True,
    )
    seen = {
        name: {e.pk for e in queries.visible_shared_entries(user, group)}
        for name, user in (
            ("coordinator", coordinator),
            ("police", police),
            ("school", school),
            ("coach", coach),
        )
    }
    assert seen["coordinator"] == {school_note.pk, health_note.pk, police_note.pk, summary.pk}
    assert seen["police"] == {school_note.pk, police_note.pk, summary.pk}  # never the health entry
    assert seen["school"] == {school_note.pk, police_note.pk, summary.pk}
    assert seen["coach"] == {summary.pk}  # civil society: only what was written for them


def test_civil_society_sees_nothing_before_the_undertaking(sig_world):
    consent(sig_world, ["police", "club"], ["school_education"])
    group = formed(sig_world, members=("police", "coach"))
    services.shared_entry_add(
        by=sig_world["users"]["coordinator"],
        group_id=group.pk,
        category="school_education",
        text="Sammanfattning",
        for_civil_society=True,
    )
    assert queries.visible_shared_entries(sig_world["users"]["coach"], group) == []
    services.undertaking_accept(by=sig_world["users"]["coach"], group_id=group.pk)
    assert len(queries.visible_shared_entries(sig_world["users"]["coach"], group)) == 1


def test_after_withdrawal_members_of_other_organisations_see_nothing_of_the_person(sig_world):
    given = consent(sig_world, ["police", "school"], ["school_education", "threat_protection"])
    group = formed(sig_world)
    services.shared_entry_add(
        by=sig_world["users"]["coordinator"], group_id=group.pk, category="school_education", text="Närvaro"
    )
    services.threat_assess(
        by=sig_world["users"]["police"],
        group_id=group.pk,
        level=ThreatLevel.ELEVATED,
        protection_need=False,
        notes="Bedömning",
    )
    assert queries.visible_shared_entries(sig_world["users"]["school"], group)
    assert queries.visible_assessments(sig_world["users"]["school"], group)
    consent_services.consent_withdraw(
        by=sig_world["users"]["coordinator"],
        consent_id=given.pk,
        case_id=sig_world["case"].pk,
        how="written",
        note="",
    )
    assert queries.visible_shared_entries(sig_world["users"]["school"], group) == []
    assert queries.visible_assessments(sig_world["users"]["school"], group) == []
    # Social services still see all their own, and the police their own assessment.
    assert queries.visible_shared_entries(sig_world["users"]["coordinator"], group)
    assert queries.visible_assessments(sig_world["users"]["police"], group)


def test_threat_assessments_are_the_polices_with_a_review_date_and_a_referral_when_high(sig_world):
    consent(sig_world, ["police", "school"], ["threat_protection"])
    group = formed(sig_world)
    from lotsa.access import AccessDenied

    with pytest.raises(AccessDenied, match="made by the police"):  # the rule's denial, recorded
        services.threat_assess(
            by=sig_world["users"]["school"],
            group_id=group.pk,
            level=ThreatLevel.LOW,
            protection_need=False,
            notes="",
        )
    assessment = services.threat_assess(
        by=sig_world["users"]["police"],
        group_id=group.pk,
        level=ThreatLevel.HIGH,
        protection_need=True,
        notes="Hot från tidigare kontakter",
    )
    today = timezone.localdate()
    assert 89 <= (assessment.reassessment_due - today).days <= 92  # three months
    assert services.referral_offered(assessment)
    assessment.reassessment_due = today - dt.timedelta(days=1)
    assert assessment.reassessment_overdue


def test_an_action_owned_by_a_member_is_flagged_when_overdue(sig_world):
    consent(sig_world, ["police", "jobbtorg"], ["work_income"])
    group = formed(sig_world, members=("police", "jobbtorg"))
    goal = services.goal_add(by=sig_world["users"]["coordinator"], group_id=group.pk, text="Ett arbete")
    action = services.action_add(
        by=sig_world["users"]["coordinator"],
        goal_id=goal.pk,
        owner_id=sig_world["jobbtorg"].pk,
        text="Praktikplats",
        due=timezone.localdate(),
    )
    assert not action.overdue
    action.due = timezone.localdate() - dt.timedelta(days=1)
    assert action.overdue
    with pytest.raises(services.DomainError):
        services.action_add(
            by=sig_world["users"]["coordinator"],
            goal_id=goal.pk,
            owner_id=sig_world["school"].pk,
            text="x",
            due=timezone.localdate(),
        )


def test_a_group_post_refused_by_a_rule_is_recorded_as_that_denial_not_an_allowed_create(client, world):
    """The police may not write the summaries for civil society, and only the police assess threats:
    the one event of each post is a denial with the rule's reason, and nothing is stored."""
    from django.urls import reverse

    from audit.models import AccessOutcome
    from sig.models import SharedEntry, ThreatAssessment
    from tests.helpers import events_since, head_seq, login_verified

    police, worker = world.users["external_member"], world.users["social_worker"]
    login_verified(client, police)
    start = head_seq()
    client.post(
        reverse("sig:entry_add", kwargs={"group_id": world.group.pk}),
        {"entry-category": "work_income", "entry-text": "Sammanfattning", "entry-for_civil_society": "on"},
    )
    events = list(events_since(start).filter(action="create"))
    assert [(e.outcome, e.reason) for e in events] == [
        (AccessOutcome.DENIED, "summaries for civil-society members are written by social services")
    ]
    assert not SharedEntry.objects.filter(author=police).exists()
    login_verified(client, worker)
    start = head_seq()
    client.post(
        reverse("sig:assess", kwargs={"group_id": world.group.pk}),
        {"threat-level": "high", "threat-notes": "Bedömning"},
    )
    events = list(events_since(start).filter(action="create"))
    assert [(e.outcome, e.reason) for e in events] == [
        (AccessOutcome.DENIED, "threat assessments are made by the police")
    ]
    assert not ThreatAssessment.objects.exists()


def test_an_overdue_re_assessment_is_told_only_to_a_viewer_the_assessment_policy_lets_see_it(sig_world):
    """The overview's list and the start page's count of overdue threat re-assessments ask the
    assessment policy: the police's assessment reaches the social services' coordinator only while a
    consent lets threat and protection cross to them."""
    from sig import selectors

    consent(sig_world, ["police", "school"], ["school_education"])  # no threat or protection crosses
    group = formed(sig_world)
    assessment = services.threat_assess(
        by=sig_world["users"]["police"],
        group_id=group.pk,
        level=ThreatLevel.LOW,
        protection_need=False,
        notes="",
    )
    assessment.reassessment_due = timezone.localdate() - dt.timedelta(days=1)
    assessment.save(update_fields=["reassessment_due"])
    coordinator, police = sig_world["users"]["coordinator"], sig_world["users"]["police"]

    def told(user):
        overdue = selectors.overview_for(user=user)["overdue_reassessments"]
        waiting = [str(item.text) for item in selectors.waiting_in_groups(user=user)]
        return [a.pk for a in overdue], any("omprövas" in text or "re-assessment" in text for text in waiting)

    assert told(police) == ([assessment.pk], True)  # the police's own
    assert told(coordinator) == ([], False)  # the consent does not let it cross to the district
    consent(sig_world, ["police", "school"], ["threat_protection"])
    assert told(coordinator) == ([assessment.pk], True)
