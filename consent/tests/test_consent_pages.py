"""Consent through the pages: recording, the plain-words scope, withdrawal end to end, disclosures,
emergency access and the supervisor's review."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from accounts.roles import Role
from audit.models import AccessOutcome, Action
from cases import services as case_services
from cases.personal_number import luhn_ok
from consent import services as consent_services
from consent.models import Consent, EmergencyAccess, Review
from lotsa.errors import DomainError
from tests.factories import OrganisationFactory, UserFactory
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified

pytestmark = pytest.mark.django_db


def consent_form(world, **overrides):
    from accounts.models import Organisation

    jobbtorg, _ = Organisation.objects.get_or_create(
        name="Jobbtorg Stockholm", defaults={"kind": OrganisationKind.JOBBTORG}
    )
    form = {
        "purpose": "intervention_group",
        "purpose_text": "",
        "recipients": [world.police.pk, jobbtorg.pk],
        "categories": ["housing", "work_income"],
        "valid_from": "2026-11-22",
        "valid_until": "2027-11-30",
        "given_how": "oral",
        "witness": "Vera Vittne",
        "guardians_required": "0",
        "guardians_consented": "0",
    }
    form.update(overrides)
    return form


def record_url(world):
    return reverse("consent:record", kwargs={"case_id": world.case_a.pk})


def test_a_consent_is_recorded_and_said_back_in_plain_words(client, world):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.post(record_url(world), consent_form(world), follow=True)
    body = response.content.decode()
    assert (
        "Du samtycker till att Jobbtorg Stockholm, Polisen Järva och Rinkeby-Kista stadsdelsförvaltning får "
        "dela uppgifter om boende och arbete och försörjning med varandra för social insatsgrupp, från "
        "22 november 2026 till och med 30 november 2027."
    ) in body
    consent = Consent.objects.order_by("-recorded_at").first()
    assert {o.pk for o in consent.recipients.all()} >= {world.police.pk, world.district_a.pk}
    assert events_since(start).filter(action=Action.CONSENT_CHANGE, target_id=str(consent.pk)).exists()
    printable = client.get(
        reverse("consent:print", kwargs={"case_id": world.case_a.pk, "consent_id": consent.pk})
    )
    assert (
        "Underskrift" in printable.content.decode() and "Du samtycker till att" in printable.content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"recipients": []}, "aldrig ”alla myndigheter”"),
        ({"categories": []}, "Välj vilka slags uppgifter"),
        ({"given_how": "written"}, "Bifoga den undertecknade blanketten"),
        ({"witness": ""}, "registreras med ett vittne"),
        ({"valid_until": "2026-01-01"}, "kan inte upphöra innan det börjar"),
        ({"purpose": "other", "purpose_text": ""}, "Beskriv ändamålet"),
    ],
)
def test_bad_consent_input_gets_a_message_and_records_nothing(client, world, overrides, message):
    login_verified(client, world.users["social_worker"])
    before = Consent.objects.count()
    response = client.post(record_url(world), consent_form(world, **overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert Consent.objects.count() == before


def test_a_written_consent_keeps_its_signed_form_encrypted(client, world):
    login_verified(client, world.users["social_worker"])
    upload = SimpleUploadedFile(
        "samtycke.pdf", b"%PDF-1.4 SIGNED-FORM-MARKER", content_type="application/pdf"
    )
    response = client.post(
        record_url(world), consent_form(world, given_how="written", witness="", signed_form=upload)
    )
    assert response.status_code == 302
    consent = Consent.objects.order_by("-recorded_at").first()
    raw = Consent.objects.filter(pk=consent.pk).values_list("signed_form", flat=True).get()
    assert b"SIGNED-FORM-MARKER" not in bytes(raw)
    import base64

    assert base64.b64decode(consent.signed_form) == b"%PDF-1.4 SIGNED-FORM-MARKER"


def test_a_child_needs_every_guardians_consent(client, world):
    from cases.personal_number import luhn_ok

    nine = "120101123"  # born 1 January 2012: a child of 14
    person = world.case_a.person
    person.personal_number = "20" + nine + next(d for d in "0123456789" if luhn_ok(nine + d))
    person.save()
    login_verified(client, world.users["social_worker"])
    response = client.post(
        record_url(world),
        consent_form(world, guardians_required="2", guardians_consented="1", child_own_consent="on"),
    )
    assert "varje vårdnadshavares samtycke" in response.content.decode()
    response = client.post(
        record_url(world), consent_form(world, guardians_required="2", guardians_consented="2")
    )
    assert "Ett barn i den här åldern samtycker också" in response.content.decode()
    response = client.post(
        record_url(world),
        consent_form(world, guardians_required="2", guardians_consented="2", child_own_consent="on"),
    )
    assert response.status_code == 302


def test_withdrawal_takes_effect_on_the_very_next_request(client, world):
    """A police member sees a shared entry; the consent is withdrawn; their next request is denied."""
    from consent.models import Disclosure

    worker, police = world.users["social_worker"], world.users["external_member"]
    Disclosure.objects.bypassing_guard("test: the disclosure ends").filter(person=world.case_a.person).update(
        access_until="2000-01-01"
    )  # the consent only
    entry = case_services.journal_add(
        by=worker, case_id=world.case_a.pk, category="work_income", text="Praktik på Jobbtorg är ordnad"
    )
    case_services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    shared_url = reverse(
        "consent:shared_person", kwargs={"person_id": world.case_a.person_id, "purpose": "intervention_group"}
    )
    login_verified(client, police)
    body = client.get(shared_url).content.decode()
    assert "Praktik på Jobbtorg är ordnad" in body
    assert f"Signerad {MARKER}" not in body  # a housing entry; the consent covers work and income only

    worker_client = type(client)()
    login_verified(worker_client, worker)
    worker_client.post(
        reverse("consent:withdraw", kwargs={"case_id": world.case_a.pk, "consent_id": world.consent.pk}),
        {"how": "oral", "note": "Sade det i telefon"},
    )
    start = head_seq()
    response = client.get(shared_url)
    assert response.status_code == 403
    assert "Praktik" not in response.content.decode() and MARKER not in response.content.decode()
    denial = events_since(start).get(outcome=AccessOutcome.DENIED)
    assert denial.actor_id == police.pk and denial.subject_id == world.case_a.person_id
    # Withdrawing deleted nothing from the case.
    assert world.case_a.journal.filter(pk=entry.pk).exists()


def test_a_disclosure_reaches_the_review_queue_and_is_signed_off(client, world):
    supervisor = world.users["supervisor"]
    login_verified(client, supervisor)
    queue = client.get(reverse("consent:review_queue")).content.decode()
    assert "Utlämnande utan samtycke" in queue
    response = client.post(
        reverse("consent:review", kwargs={"review_id": world.review.pk}),
        {"outcome": "approved", "comment": "Rimligt, uppdraget krävde det"},
    )
    assert response.status_code == 302
    review = Review.objects.get(pk=world.review.pk)
    assert review.reviewed_by == supervisor and review.outcome == "approved"
    assert "Utlämnande utan samtycke" not in client.get(reverse("consent:review_queue")).content.decode()


def test_emergency_access_opens_for_a_while_and_is_reviewed(client, world, settings):
    colleague = world.users["social_worker_unassigned"]
    case_url = reverse("cases:detail", kwargs={"case_id": world.case_a.pk})
    emergency_url = reverse("consent:emergency", kwargs={"case_id": world.case_a.pk})
    login_verified(client, colleague)
    assert client.get(case_url).status_code == 403
    found = client.post(reverse("cases:search"), {"personal_number": world.case_a.person.personal_number})
    assert emergency_url in found.content.decode() and MARKER not in found.content.decode()
    step_one = client.get(emergency_url).content.decode()
    assert "Det finns ett ärende för personen" in step_one and MARKER not in step_one
    response = client.post(emergency_url, {"reason": ""})
    assert "Ange varför" in response.content.decode() and not EmergencyAccess.objects.exists()
    start = head_seq()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.post(emergency_url, {"reason": "Personen är på akuten och frågar efter sin handläggare"})
        page = client.get(case_url)
        assert page.status_code == 200 and MARKER in page.content.decode()
        assert "Nödåtkomst, öppen till" in page.content.decode()
        assert "Nödåtkomst öppen till" in client.get(reverse("home")).content.decode()
        assert events_since(start).filter(action=Action.EMERGENCY_ACCESS, actor_id=colleague.pk).exists()
        traveller.shift(dt.timedelta(minutes=settings.LOTSA_EMERGENCY_ACCESS_MINUTES - 5))
        login_verified(client, colleague)  # idle sessions end after 15 minutes; log in again
        assert client.get(case_url).status_code == 200
        traveller.shift(dt.timedelta(minutes=6))
        login_verified(client, colleague)
        assert client.get(case_url).status_code == 403
    item = Review.objects.get(emergency_access__user=colleague)
    login_verified(client, world.users["supervisor"])
    assert "Nödåtkomst" in client.get(reverse("consent:review_queue")).content.decode()
    client.post(
        reverse("consent:review", kwargs={"review_id": item.pk}),
        {"outcome": "misuse", "comment": "Ej befogat"},
    )
    assert Review.objects.get(pk=item.pk).outcome == "misuse"


def test_the_case_page_shows_the_matrix_and_who_sees_each_entry(client, world):
    login_verified(client, world.users["social_worker"])
    body = client.get(reverse("cases:detail", kwargs={"case_id": world.case_a.pk})).content.decode()
    assert "Samtyckesmatris" in body and "Polisen Järva" in body
    assert "Synlig utanför enheten för: Polisen Järva" in body  # the housing entries: the disclosure


def test_civil_society_never_reads_the_journal_even_when_named(client, world):
    club = OrganisationFactory(name="Idrottsföreningen", kind=OrganisationKind.SPORTS_CLUB)
    coach = UserFactory(organisation=club, roles=[Role.EXTERNAL_MEMBER])
    from consent import services as consent_services

    consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[club.pk],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=30),
            given_how="oral",
            witness="V",
        ),
    )
    login_verified(client, coach)
    response = client.get(
        reverse(
            "consent:shared_person",
            kwargs={"person_id": world.case_a.person_id, "purpose": "intervention_group"},
        )
    )
    assert response.status_code == 403 and MARKER not in response.content.decode()


def test_consents_about_to_expire_are_listed_for_the_responsible_worker(client, world):
    from consent import services as consent_services

    consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose="handover",
            purpose_text="",
            recipient_ids=[world.police.pk],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=10),
            given_how="oral",
            witness="V",
        ),
    )
    login_verified(client, world.users["social_worker"])
    body = client.get(reverse("consent:expiring")).content.decode()
    assert MARKER in body and "Överlämning från VBE-teamet" in body


def test_the_duty_to_report_concern_for_a_child_is_never_blocked_by_a_missing_consent(client, world):
    from consent.grounds import ground
    from consent.models import Disclosure

    assert ground("child_concern_report").never_blocked
    district_b = world.district_b
    login_verified(client, world.users["social_worker"])
    response = client.post(
        reverse("consent:disclose", kwargs={"case_id": world.case_a.pk}),
        {
            "recipient": district_b.pk,
            "ground": "child_concern_report",
            "categories": ["family_social"],
            "what": "Oro för barnen i familjen",
            "why": "Anmälningsskyldighet",
        },
    )
    assert response.status_code == 302
    disclosure = Disclosure.objects.get(recipient=district_b)
    assert disclosure.review is not None


def test_unconfirmed_grounds_say_so(client, world):
    login_verified(client, world.users["social_worker"])
    body = client.get(reverse("consent:disclose", kwargs={"case_id": world.case_a.pk})).content.decode()
    assert body.count("ska kontrolleras av juridiska avdelningen") == 2
    assert "10 kap. 27" not in body  # the general clause is not offered


def test_reading_the_review_queue_a_review_and_step_one_of_emergency_access_is_logged(client, world):
    from audit.models import AccessEvent

    login_verified(client, world.users["supervisor"])
    start = head_seq()
    client.get(reverse("consent:review_queue"))
    client.get(reverse("consent:review", kwargs={"review_id": world.review.pk}))
    events = events_since(start)
    assert events.naming(world.case_a.person_id).filter(action=Action.LIST).exists()
    assert events.filter(
        action=Action.VIEW, target_type="consent.review", target_id=str(world.review.pk)
    ).exists()
    login_verified(client, world.users["social_worker_unassigned"])
    start = head_seq()
    client.get(reverse("consent:emergency", kwargs={"case_id": world.case_a.pk}))
    step_one = events_since(start).get(action=Action.EMERGENCY_ACCESS)
    assert step_one.outcome == AccessOutcome.ALLOWED and step_one.purpose == "emergency access, step one"
    assert AccessEvent.objects.filter(id__gt=start).count() == 1


def test_what_is_shared_is_read_for_one_purpose_at_a_time_and_the_events_name_it(client, world):
    """The world's consent is for the intervention group (work and income); the disclosure under a
    legal ground gives housing. Each is read on its own page, for its own purpose, never mixed."""
    worker, police = world.users["social_worker"], world.users["external_member"]
    entry = case_services.journal_add(
        by=worker, case_id=world.case_a.pk, category="work_income", text="Praktik ordnad"
    )
    case_services.journal_sign(by=worker, entry_id=entry.pk, expected_version=entry.version)
    person_id = world.case_a.person_id
    login_verified(client, police)

    start = head_seq()
    listing = client.get(reverse("consent:shared")).content.decode()
    assert 'id="purpose-intervention_group"' in listing and 'id="purpose-legal_ground"' in listing
    for purpose in ("intervention_group", "legal_ground"):
        assert (
            reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": purpose}) in listing
        )
    assert (
        reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": "handover"})
        not in listing
    )
    listed = events_since(start).naming(person_id).filter(action=Action.LIST)
    assert set(listed.values_list("purpose", flat=True)) == {"intervention_group", "legal_ground"}

    group_page = client.get(
        reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": "intervention_group"})
    ).content.decode()
    housing = f"Signerad {MARKER}"  # the world's signed housing entry
    assert "Praktik ordnad" in group_page and housing not in group_page
    start = head_seq()
    ground_page = client.get(
        reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": "legal_ground"})
    ).content.decode()
    assert housing in ground_page and "Praktik ordnad" not in ground_page
    assert set(events_since(start).values_list("purpose", flat=True)) == {"legal_ground"}

    start = head_seq()
    refused = client.get(
        reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": "handover"})
    )
    assert refused.status_code == 403 and housing not in refused.content.decode()
    assert events_since(start).get(outcome=AccessOutcome.DENIED).purpose == "handover"
    unknown = client.get(
        reverse("consent:shared_person", kwargs={"person_id": person_id, "purpose": "casework"})
    )
    assert unknown.status_code == 404


def test_the_consent_form_offers_guardians_fields_only_for_a_child_and_never_the_administrators(
    client, world
):
    administrators = Organisation.objects.get(kind=OrganisationKind.SYSTEM_MANAGEMENT)
    login_verified(client, world.users["social_worker"])
    adult = client.get(record_url(world)).content.decode()
    assert world.case_a.person.age() >= 18
    assert 'name="guardians_required"' not in adult and 'name="child_own_consent"' not in adult
    assert f'value="{world.police.pk}"' in adult and f'value="{administrators.pk}"' not in adult
    # Posted anyway (a page kept from before), the administrators are refused and nothing is recorded.
    consents = Consent.objects.count()
    refused = client.post(record_url(world), consent_form(world, recipients=[administrators.pk]))
    assert refused.status_code == 200 and Consent.objects.count() == consents
    with pytest.raises(DomainError, match="Administratörernas organisation"):
        consent_services.consent_record(
            by=world.users["social_worker"],
            case_id=world.case_a.pk,
            terms=consent_services.ConsentTerms(
                purpose="intervention_group",
                purpose_text="",
                recipient_ids=[administrators.pk],
                categories=["housing"],
                valid_from=timezone.localdate(),
                valid_until=timezone.localdate() + dt.timedelta(days=30),
                given_how="oral",
                witness="V",
            ),
        )
    nine = "120101123"  # born 1 January 2012: a child
    person = world.case_a.person
    person.personal_number = "20" + nine + next(d for d in "0123456789" if luhn_ok(nine + d))
    person.save()
    child = client.get(record_url(world)).content.decode()
    assert 'name="guardians_required"' in child and 'name="child_own_consent"' in child
