"""VBE-team first contacts (seed 001): the request (who flagged the person, when, minor children), the
meeting with the police and its outcome, the hand-over to the district under a consent, and the police's
report of concern for a child — never blocked by a missing consent, always reviewed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import Action
from cases import queries, services
from cases.first_contacts import selectors as first_contact_selectors
from cases.first_contacts import services as first_contact_services
from cases.handovers import services as handover_services
from cases.models import Case, ConcernReport, FirstContact, JournalEntry
from consent import services as consent_services
from consent.models import Disclosure, Review
from lotsa import access
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory, valid_number
from tests.helpers import case_opened_days_ago, login_verified

TODAY = dt.date.today()


def child_number(serial: int = 123) -> str:
    """A valid number of a child born in 2015."""
    from cases.personal_number import luhn_ok

    base = f"150301{serial:03d}"
    digit = next(d for d in "0123456789" if luhn_ok(base + d))
    return f"20150301-{serial:03d}{digit}"


@pytest.fixture
def vbe(db):
    team = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM)
    district = OrganisationFactory(name="Rinkeby-Kista sdf", district="Rinkeby-Kista")
    other = OrganisationFactory(name="Spånga-Tensta sdf", district="Spånga-Tensta")
    return {
        "team": team,
        "district": district,
        "other": other,
        "omar": UserFactory(username="omar", organisation=team, roles=[Role.VBE_TEAM]),
        "colleague": UserFactory(username="vbe2", organisation=team, roles=[Role.VBE_TEAM]),
        "team_chief": UserFactory(username="vbe_chef", organisation=team, roles=[Role.SUPERVISOR]),
        "amina": UserFactory(username="amina", organisation=district, roles=[Role.SOCIAL_WORKER]),
        "district_chief": UserFactory(username="rk_chef", organisation=district, roles=[Role.SUPERVISOR]),
    }


def details(name="Kontaktmarkör"):
    return services.PersonDetails(
        given_names=name, surname="Första", contact={"phone": "070-1"}, address={}, protected_identity="none"
    )


def request(children=False, reason=""):
    return first_contact_services.FirstContactRequest(
        referrer="security_service",
        referrer_detail="Polisregion Stockholm",
        flagged_on=TODAY - dt.timedelta(days=3),
        has_minor_children=children,
        children_reason=reason,
    )


def open_contact(v, **kwargs):
    return first_contact_services.first_contact_open(
        by=v["omar"],
        number=valid_number(4242),
        details=details(),
        milieu="unclear",
        request=request(**kwargs),
    )


def test_the_vbe_team_opens_a_first_contact_with_who_flagged_the_person(vbe):
    case = open_contact(vbe)
    contact = FirstContact.objects.get(case=case)
    assert case.activity == "vbe_first_contact" and case.owner_unit_id == vbe["team"].pk
    assert contact.referrer == "security_service" and contact.referrer_detail == "Polisregion Stockholm"
    assert case.milieu == "unclear"  # "unclear" is an answer
    with pytest.raises(DomainError, match="VBE-teamet"):
        first_contact_services.first_contact_open(
            by=vbe["amina"], number=valid_number(4243), details=details(), milieu="unclear", request=request()
        )
    assert not Case.objects.filter(owner_unit=vbe["district"]).exists()


def test_minor_children_need_a_reason_to_go_on(vbe):
    with pytest.raises(DomainError, match="vuxna utan barn"):
        open_contact(vbe, children=True)
    assert not FirstContact.objects.exists()
    case = open_contact(
        vbe, children=True, reason="Barnen bor hos den andra föräldern; stödet gäller pappan."
    )
    assert FirstContact.objects.get(case=case).has_minor_children is True


def test_the_meeting_with_the_police_records_who_took_part_and_the_outcome(vbe):
    case = open_contact(vbe)

    def meet(**kwargs):
        values = {
            "held_on": TODAY,
            "vbe_participants": "Omar Nilsson",
            "police_participants": "Maria Falk",
            "outcome": "accepted_help",
            "attempts": 1,
            "notes": "",
        }
        values.update(kwargs)
        return first_contact_services.first_contact_meeting_record(by=vbe["omar"], case_id=case.pk, **values)

    for bad, message in (
        ({"held_on": TODAY + dt.timedelta(days=1)}, "framtiden"),
        ({"held_on": TODAY - dt.timedelta(days=1)}, "före den dag ärendet öppnades"),  # cases.queries
        ({"outcome": "maybe"}, "utfallet"),
        ({"police_participants": " "}, "polisen"),
        ({"attempts": 0}, "försök"),
    ):
        with pytest.raises(DomainError, match=message):
            meet(**bad)
    meet(outcome="not_reached", attempts=3)
    meet()
    assert [m.outcome for m in FirstContact.objects.get(case=case).meetings.all()] == [
        "not_reached",
        "accepted_help",
    ]
    with pytest.raises(access.AccessDenied):
        first_contact_services.first_contact_meeting_record(
            by=vbe["colleague"],
            case_id=case.pk,
            held_on=TODAY,
            vbe_participants="X",
            police_participants="Y",
            outcome="declined",
            attempts=1,
            notes="",
        )


def test_the_hand_over_to_the_district_needs_the_consent_and_carries_only_what_it_covers(vbe):
    case = open_contact(vbe)
    secret = services.journal_add(
        by=vbe["omar"], case_id=case.pk, category="ideology_milieu", text="Ideologimarkör"
    )
    services.journal_sign(by=vbe["omar"], entry_id=secret.pk, expected_version=secret.version)
    shared = services.journal_add(
        by=vbe["omar"], case_id=case.pk, category="work_income", text="Arbetsmarkör"
    )
    services.journal_sign(by=vbe["omar"], entry_id=shared.pk, expected_version=shared.version)
    with pytest.raises(DomainError, match="Inget samtycke"):
        handover_services.handover_send(
            by=vbe["omar"], case_id=case.pk, to_unit_id=vbe["district"].pk, purpose="handover", note=""
        )
    consent_services.consent_record(
        by=vbe["omar"],
        case_id=case.pk,
        terms=consent_services.ConsentTerms(
            purpose="handover",
            purpose_text="",
            recipient_ids=[vbe["district"].pk],
            categories=["work_income"],
            valid_from=TODAY,
            valid_until=TODAY + dt.timedelta(days=90),
            given_how="oral",
            witness="Polisen",
        ),
    )
    handover = handover_services.handover_send(
        by=vbe["omar"],
        case_id=case.pk,
        to_unit_id=vbe["district"].pk,
        purpose="handover",
        note="Vill ha stöd",
    )
    district_case = handover_services.handover_accept(by=vbe["amina"], handover_id=handover.pk)
    person = district_case.person
    assert district_case.owner_unit_id == vbe["district"].pk and person.given_names == "Kontaktmarkör"
    assert person.contact == {}  # identity and contact is not among the consented categories
    # The district reads, under the consent for the hand-over, the category it covers and nothing else.
    readable = access.visible_to(vbe["amina"], JournalEntry.objects.filter(case=case), purpose="handover")
    assert list(readable) == [shared]
    assert not access.decide(vbe["amina"], Action.VIEW, secret, purpose="handover").allowed
    assert not access.decide(vbe["amina"], Action.VIEW, case).allowed  # never the team's case as such


def report(v, case, **kwargs):
    values = {
        "to_unit_id": v["district"].pk,
        "child": first_contact_services.ChildDetails(
            number=child_number(), given_names="Barnmarkör", surname="Första"
        ),
        "reported_by_police": "Polisen Järva, Maria Falk",
        "concern": "Barnet har sett våld i hemmet.",
        "reported_on": TODAY,
    }
    values.update(kwargs)
    return first_contact_services.concern_report_record(by=v["omar"], case_id=case.pk, **values)


def test_a_report_of_concern_is_sent_without_consent_reviewed_and_assessed_by_the_district(client, vbe):
    case = open_contact(vbe, children=True, reason="Oro för barnet; polisen gör en orosanmälan.")
    assert not case.person.consents.exists()
    sent = report(vbe, case)
    disclosure = Disclosure.objects.get(pk=sent.disclosure_ref)
    assert disclosure.ground == "child_concern_report" and disclosure.recipient_id == vbe["district"].pk
    review = Review.objects.get(disclosure=disclosure)
    assert review.organisation_id == vbe["team"].pk and review.reviewed_at is None  # the team's supervisor
    assert sent.child.organisation_id == vbe["district"].pk and sent.for_child_and_youth_unit
    # The district sees it to assess; the other district does not; the team sees what it sent.
    assert [r.pk for r in first_contact_selectors.concern_reports_for(user=vbe["amina"])["to_assess"]] == [
        sent.pk
    ]
    other = UserFactory(organisation=vbe["other"], roles=[Role.SOCIAL_WORKER])
    assert first_contact_selectors.concern_reports_for(user=other)["to_assess"] == []
    assert [r.pk for r in first_contact_selectors.concern_reports_for(user=vbe["omar"])["sent"]] == [sent.pk]
    with pytest.raises(access.AccessDenied):
        first_contact_services.concern_report_assess(
            by=vbe["omar"], report_id=sent.pk, open_case=True, note=""
        )
    with pytest.raises(DomainError, match="Skriv varför"):
        first_contact_services.concern_report_assess(
            by=vbe["amina"], report_id=sent.pk, open_case=False, note=""
        )
    login_verified(client, vbe["amina"])
    home = client.get(reverse("home")).content.decode()
    assert "1 orosanmälan" in home
    assessed = first_contact_services.concern_report_assess(
        by=vbe["amina"], report_id=sent.pk, open_case=True, note="Utreds"
    )
    child_case = assessed.child_case
    assert child_case.owner_unit_id == vbe["district"].pk and child_case.activity == "child_concern"
    assert child_case.target_group == "child" and child_case.responsible_id == vbe["amina"].pk
    assert access.decide(vbe["amina"], Action.VIEW, child_case).allowed
    assert not access.decide(vbe["omar"], Action.VIEW, child_case).allowed


def test_a_report_of_concern_refuses_bad_input_and_changes_nothing(vbe):
    case = open_contact(vbe)
    for bad, message in (
        ({"to_unit_id": vbe["team"].pk}, "stadsdelsförvaltningen"),
        ({"concern": " "}, "oron"),
        ({"reported_on": TODAY + dt.timedelta(days=2)}, "framtiden"),
        (
            {
                "child": first_contact_services.ChildDetails(
                    number="20150101-0000", given_names="A", surname="B"
                )
            },
            "aldrig 000",
        ),
    ):
        with pytest.raises(DomainError, match=message):
            report(vbe, case, **bad)
    assert not ConcernReport.objects.exists() and not Disclosure.objects.exists()
    assert not case.person.consents.exists()
    with pytest.raises(access.AccessDenied):
        first_contact_services.concern_report_record(
            by=vbe["colleague"],
            case_id=case.pk,
            to_unit_id=vbe["district"].pk,
            child=first_contact_services.ChildDetails(
                number=valid_number(9101), given_names="A", surname="B"
            ),
            reported_by_police="P",
            concern="C",
            reported_on=TODAY,
        )


def test_the_first_contact_pages_and_their_bad_input(client, vbe):
    login_verified(client, vbe["omar"])
    url = reverse("cases:first_contact_open")
    page = client.get(url).content.decode()
    assert "vuxna utan barn" in page
    response = client.post(url, {"personal_number": "nonsense", "given_names": "", "referrer": "police"})
    assert response.status_code == 200 and not Case.objects.exists()
    response = client.post(
        url,
        {
            "personal_number": valid_number(4244),
            "given_names": "Sida",
            "surname": "Testsson",
            "protected_identity": "none",
            "milieu": "autonomous",
            "referrer": "police",
            "flagged_on": TODAY.isoformat(),
            "has_minor_children": "false",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:first_contact", kwargs={"case_id": case.pk}
    )
    page = client.get(response["Location"]).content.decode()
    assert "Sida Testsson" in page and "Polisen" in page
    meeting = reverse("cases:first_contact_meeting", kwargs={"case_id": case.pk})
    page = client.post(meeting, {"meeting-held_on": "igår"}, follow=True).content.decode()
    assert "giltigt datum" in page and not case.first_contact.meetings.exists()
    login_verified(client, vbe["amina"])
    assert client.post(meeting, {}).status_code == 403
    assign_perm("cases.view_case", vbe["colleague"], case)  # assigned: may record
    login_verified(client, vbe["colleague"])
    assert client.get(reverse("cases:first_contact", kwargs={"case_id": case.pk})).status_code == 200


def test_first_contacts_are_counted_by_referrer_and_outcome_without_a_name(vbe):
    first = case_opened_days_ago(open_contact(vbe), 2)
    first_contact_services.first_contact_meeting_record(
        by=vbe["omar"],
        case_id=first.pk,
        held_on=TODAY - dt.timedelta(days=1),
        vbe_participants="O",
        police_participants="P",
        outcome="not_reached",
        attempts=2,
        notes="",
    )
    first_contact_services.first_contact_meeting_record(
        by=vbe["omar"],
        case_id=first.pk,
        held_on=TODAY,
        vbe_participants="O",
        police_participants="P",
        outcome="accepted_help",
        attempts=1,
        notes="",
    )
    first_contact_services.first_contact_open(
        by=vbe["omar"],
        number=valid_number(4250),
        details=details("Annan"),
        milieu="autonomous",
        request=first_contact_services.FirstContactRequest("police", "", TODAY, False),
    )
    counted = queries.first_contacts_counted(since=TODAY - dt.timedelta(days=30), until=TODAY)
    assert counted == {
        "by_referrer": {"security_service": 1, "police": 1},
        "by_outcome": {"accepted_help": 1, "no_meeting": 1},  # the latest meeting counts
    }
    assert "Kontaktmarkör" not in str(counted)


def test_the_vbe_teams_live_first_contacts_wait_on_its_start_page(client, vbe):
    """Counts, never a person: a first contact waits for the meeting with the police, then (met) to
    be handed over or closed; once proposed for closing it waits for the supervisor instead."""

    def texts(user):
        return [item.text for item in first_contact_selectors.waiting_first_contacts(user)]

    case = open_contact(vbe)
    assert texts(vbe["omar"]) == ["1 första kontakt väntar på mötet med polisen"]
    assert texts(vbe["amina"]) == []  # not the team's
    first_contact_services.first_contact_meeting_record(
        by=vbe["omar"],
        case_id=case.pk,
        held_on=TODAY,
        vbe_participants="Omar Nilsson",
        police_participants="Maria Falk",
        outcome="declined",
        attempts=1,
        notes="",
    )
    assert texts(vbe["omar"]) == ["1 första kontakt är genomförd men inte avslutad"]
    login_verified(client, vbe["omar"])
    assert "1 första kontakt är genomförd men inte avslutad" in client.get("/").content.decode()
    case.refresh_from_db()
    services.case_close(
        by=vbe["omar"], case_id=case.pk, expected_version=case.version, reason="declined", text=""
    )
    assert texts(vbe["omar"]) == []
