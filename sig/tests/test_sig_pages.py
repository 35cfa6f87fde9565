"""Intervention groups through the pages: each member, logged in as themselves, sees exactly what
the consent allows (asserted on the rendered page), and nothing of what it does not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AccessOutcome
from consent import services as consent_services
from sig import services
from sig.models import ThreatAssessment
from sig.tests.test_sig import consent, formed, sig_world  # noqa: F401 - the fixture
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db

HEALTH = "Har börjat på beroendemottagningen"
SCHOOL = "Närvaron har ökat"
POLICE = "Inga nya misstankar"
SUMMARY = "Går bra i skolan"


@pytest.fixture
def group_with_entries(sig_world):  # noqa: F811
    given = consent(sig_world, ["police", "school", "club"], ["school_education", "crime_police"])
    group = formed(sig_world, members=("police", "school", "coach"))
    users = sig_world["users"]
    services.shared_entry_add(
        by=users["coordinator"], group_id=group.pk, category="school_education", text=SCHOOL
    )
    services.shared_entry_add(
        by=users["coordinator"], group_id=group.pk, category="health_substance", text=HEALTH
    )
    services.shared_entry_add(by=users["police"], group_id=group.pk, category="crime_police", text=POLICE)
    services.shared_entry_add(
        by=users["coordinator"],
        group_id=group.pk,
        category="school_education",
        text=SUMMARY,
        for_civil_society=True,
    )
    return sig_world, group, given


def page(client, user, group):
    login_verified(client, user)
    response = client.get(reverse("sig:detail", kwargs={"group_id": group.pk}))
    return response.status_code, response.content.decode()


def test_each_member_sees_exactly_what_the_consent_allows_on_the_page(client, group_with_entries):
    w, group, _given = group_with_entries
    users = w["users"]
    status, body = page(client, users["coordinator"], group)
    assert status == 200 and all(text in body for text in (SCHOOL, HEALTH, POLICE, SUMMARY))
    for member in ("police", "school"):
        status, body = page(client, users[member], group)
        assert status == 200
        assert SCHOOL in body and POLICE in body and SUMMARY in body
        # Nothing about the hidden entry: not its text, nor its category, nor a count.
        assert HEALTH not in body and "· Hälsa och missbruk ·" not in body  # no entry heading either


def test_civil_society_sees_the_undertaking_then_only_the_summary(client, group_with_entries):
    w, group, _given = group_with_entries
    coach = w["users"]["coach"]
    status, body = page(client, coach, group)
    assert status == 200 and "Tystnadsförbindelse" in body
    assert not any(text in body for text in (SCHOOL, HEALTH, POLICE, SUMMARY))
    client.post(reverse("sig:undertaking", kwargs={"group_id": group.pk}))
    status, body = page(client, coach, group)
    assert SUMMARY in body and not any(text in body for text in (SCHOOL, HEALTH, POLICE))
    assert "Hotbild och skyddsbehov" not in body and "Handlingsplan" not in body


def test_after_withdrawal_the_next_request_of_every_other_organisation_shows_nothing(
    client, group_with_entries
):
    w, group, given = group_with_entries
    consent_services.consent_withdraw(
        by=w["users"]["coordinator"], consent_id=given.pk, case_id=w["case"].pk, how="oral", note=""
    )
    person_name = w["case"].person.surname
    for member in ("police", "school", "coach"):
        start = head_seq()
        status, body = page(client, w["users"][member], group)
        assert status == 403 and person_name not in body and SCHOOL not in body
        assert events_since(start).filter(outcome=AccessOutcome.DENIED).exists()
        overview = client.get(reverse("sig:overview")).content.decode()
        assert person_name not in overview
    status, body = page(client, w["users"]["coordinator"], group)
    assert status == 200 and HEALTH in body and "Inget gällande samtycke omfattar" in body


def test_activation_is_refused_on_the_page_with_the_reason(client, sig_world):  # noqa: F811
    consent(sig_world, ["school"], ["school_education"])
    group = formed(sig_world, members=("school",))
    login_verified(client, sig_world["users"]["coordinator"])
    response = client.post(reverse("sig:activate", kwargs={"group_id": group.pk}), follow=True)
    assert "Polisen måste vara medlem" in response.content.decode()
    group.refresh_from_db()
    assert group.status == "forming"


def test_adding_an_organisation_without_consent_names_the_missing_consent(client, sig_world):  # noqa: F811
    consent(sig_world, ["police"], ["school_education"])
    group = formed(sig_world, members=("police",))
    login_verified(client, sig_world["users"]["coordinator"])
    page_ = client.get(reverse("sig:member_add", kwargs={"group_id": group.pk})).content.decode()
    assert sig_world["users"]["school"].last_name not in page_  # not even offered
    services_error = None
    try:
        services.member_add(
            by=sig_world["users"]["coordinator"],
            group_id=group.pk,
            user=sig_world["users"]["school"],
            role="school_contact",
        )
    except services.DomainError as error:
        services_error = str(error.message)
    assert "Kista skola" in services_error


def test_an_overdue_threat_review_is_flagged_in_the_group_and_the_overview(client, group_with_entries):
    w, group, _given = group_with_entries
    consent(w, ["police", "school"], ["threat_protection"])
    assessment = services.threat_assess(
        by=w["users"]["police"], group_id=group.pk, level="high", protection_need=True, notes="Hot"
    )
    ThreatAssessment.objects.bypassing_guard("test: an overdue review").filter(pk=assessment.pk).update(
        reassessment_due=dt.date.today() - dt.timedelta(days=1)
    )
    login_verified(client, w["users"]["coordinator"])
    body = client.get(reverse("sig:detail", kwargs={"group_id": group.pk})).content.decode()
    assert "försenad" in body and "överväg en hänvisning till avhopparverksamheten" in body
    overview = client.get(reverse("sig:overview")).content.decode()
    assert "Hotbedömning skulle ha omprövats" in overview


def test_a_removed_member_sees_nothing_from_the_next_request_and_a_closed_group_takes_no_more(
    client, group_with_entries
):
    w, group, _given = group_with_entries
    police_membership = group.memberships.get(user=w["users"]["police"])
    login_verified(client, w["users"]["coordinator"])
    client.post(
        reverse("sig:member_remove", kwargs={"group_id": group.pk, "membership_id": police_membership.pk})
    )
    status, body = page(client, w["users"]["police"], group)
    assert status == 403 and POLICE not in body
    login_verified(client, w["users"]["coordinator"])
    response = client.post(
        reverse("sig:close", kwargs={"group_id": group.pk}), {"close-outcome": "goals_met"}, follow=True
    )
    assert "Gruppen avslutades" in response.content.decode()
    group.refresh_from_db()
    assert group.status == "closed" and group.outcome == "goals_met"
    with pytest.raises(services.DomainError):
        services.member_add(
            by=w["users"]["coordinator"], group_id=group.pk, user=w["users"]["police"], role="police_contact"
        )


def test_a_high_threat_offers_a_referral_that_reaches_the_programme_only_under_consent(
    client, group_with_entries
):
    from accounts.models import OrganisationKind
    from accounts.roles import Role
    from cases.models import Handover
    from tests.factories import OrganisationFactory, UserFactory

    w, group, _given = group_with_entries
    programme = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    programme_worker = UserFactory(organisation=programme, roles=[Role.DEFECTOR_PROGRAMME])
    coordinator = w["users"]["coordinator"]
    consent(w, ["police", "school"], ["threat_protection"])
    services.threat_assess(
        by=w["users"]["police"], group_id=group.pk, level="high", protection_need=True, notes="Hot"
    )
    refer_url = reverse("sig:refer", kwargs={"group_id": group.pk})
    login_verified(client, coordinator)
    response = client.post(
        refer_url, {"referral-organisation": programme.pk, "referral-note": "Brådskande"}, follow=True
    )
    assert (
        "Inget samtycke för syftet Avhopparverksamhet nämner Avhopparverksamheten"
        in response.content.decode()
    )
    assert not Handover.objects.exists()
    given = consent_services.consent_record(
        by=coordinator,
        case_id=w["case"].pk,
        terms=consent_services.ConsentTerms(
            purpose="defector_programme",
            purpose_text="",
            recipient_ids=[programme.pk],
            categories=["threat_protection"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=90),
            given_how="oral",
            witness="V",
            guardians_required=2,
            guardians_consented=2,
            child_own_consent=True,
        ),
    )
    response = client.post(
        refer_url, {"referral-organisation": programme.pk, "referral-note": "Brådskande"}, follow=True
    )
    assert "Hänvisningen skickades till avhopparverksamheten" in response.content.decode()
    login_verified(client, programme_worker)
    listed = client.get(reverse("cases:handovers")).content.decode()
    referral = Handover.objects.get()
    assert referral.source == "intervention_group" and referral.status == "sent"
    assert w["case"].person.surname in listed
    shown = client.get(reverse("cases:handover", kwargs={"handover_id": referral.pk})).content.decode()
    assert "Brådskande" in shown
    consent_services.consent_withdraw(
        by=coordinator, consent_id=given.pk, case_id=w["case"].pk, how="oral", note=""
    )
    assert w["case"].person.surname not in client.get(reverse("cases:handovers")).content.decode()
    gone = client.get(reverse("cases:handover", kwargs={"handover_id": referral.pk}))
    assert gone.status_code == 403 and w["case"].person.surname not in gone.content.decode()


def test_the_action_plan_reaches_other_organisations_only_under_the_consent(client, group_with_entries):
    w, group, _given = group_with_entries  # the consent covers school and crime, not plans
    services.goal_add(by=w["users"]["coordinator"], group_id=group.pk, text="Ett hemligt mål")
    status, body = page(client, w["users"]["police"], group)
    assert status == 200 and "Ett hemligt mål" not in body and "Handlingsplan" not in body
    consent(w, ["police", "school"], ["interventions_plans"])
    status, body = page(client, w["users"]["police"], group)
    assert "Ett hemligt mål" in body


def test_unknown_ids_get_not_found_not_an_error(client, group_with_entries):
    import uuid

    w, group, _given = group_with_entries
    login_verified(client, w["users"]["coordinator"])
    assert client.post(reverse("sig:form", kwargs={"case_id": uuid.uuid4()})).status_code == 404
    response = client.post(
        reverse("sig:action_update", kwargs={"group_id": group.pk, "action_id": uuid.uuid4()}),
        {"status": "done"},
    )
    assert response.status_code == 404


def test_the_group_page_leads_back_to_the_case_only_for_whom_the_case_page_lets_in(
    client, group_with_entries
):
    """The coordinator's group page links the person's case; a police member's does not (the case
    page would refuse them: the same decision, and no denial is provoked by a link)."""
    w, group, _given = group_with_entries
    case_url = reverse("cases:detail", kwargs={"case_id": group.case_id})
    _, body = page(client, w["users"]["coordinator"], group)
    assert f'href="{case_url}"' in body
    assert client.get(case_url).status_code == 200
    _, body = page(client, w["users"]["police"], group)
    assert f'href="{case_url}"' not in body


def test_an_empty_meeting_is_refused_at_its_fields_and_not_kept(client, world):
    """A meeting with no minutes and no decisions, or with no one present, is a validation error with a
    Swedish message at the field (``aria-describedby``), and nothing is saved; the service refuses both
    for every caller."""
    from lotsa.errors import DomainError
    from sig.models import Meeting

    group, worker = world.group, world.users["social_worker"]
    login_verified(client, worker)
    url = reverse("sig:meeting_new", kwargs={"group_id": group.pk})
    member = str(services.current_members(group).first().pk)
    response = client.post(
        url,
        {
            "meeting-held_on": dt.date.today().isoformat(),
            "meeting-category": "housing",
            "meeting-present": member,
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_meeting-minutes_error"' in page
    error = page[page.index('id="id_meeting-minutes_error"') :].split("</div>", 1)[0]
    assert "Skriv mötets protokoll eller beslut" in error
    response = client.post(
        url,
        {
            "meeting-held_on": dt.date.today().isoformat(),
            "meeting-category": "housing",
            "meeting-minutes": "M",
        },
    )
    page = response.content.decode()
    error = page[page.index('id="id_meeting-present_error"') :].split("</div>", 1)[0]
    assert "Markera vilka som var närvarande vid mötet" in error
    assert not Meeting.objects.exists()
    for present, items, decisions in (({int(member)}, [], " "), (set(), [("housing", "Protokoll")], "")):
        with pytest.raises(DomainError):
            services.meeting_record(
                by=worker,
                group_id=group.pk,
                held_on=dt.date.today(),
                present_ids=present,
                items=items,
                decisions=decisions,
            )
    assert not Meeting.objects.exists()
