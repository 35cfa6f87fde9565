"""Hand-overs between units (cases.Handover): one mechanism for the VBE team to a district, a district
to the treatment unit, an intervention group to the defector programme, the programme back to a
district. Sent only under a consent that names the receiving unit; accepted (the receiver opens its
own case, carrying over only what the consent covers), declined with a reason the sender sees, or
withdrawn; overdue when undecided too long; every state change an access event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganisationKind
from accounts.roles import Role
from audit.models import AccessEvent, AccessOutcome, Action
from cases.handovers import selectors as handover_selectors
from cases.handovers import services as handover_services
from cases.models import Case, Handover, HandoverStatus, Person
from consent import services as consent_services
from lotsa import access
from lotsa.errors import DomainError
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory
from tests.helpers import login_verified

MARK = "Handovermarkör"
NO_CONSENT = "Inget samtycke för syftet Avhopparverksamhet nämner Avhopparverksamheten"


@pytest.fixture
def units(db):
    district = OrganisationFactory(name="Rinkeby-Kista sdf")
    programme = OrganisationFactory(name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME)
    treatment = OrganisationFactory(name="Behandlingsenheten", kind=OrganisationKind.TREATMENT_UNIT)
    worker = UserFactory(username="sw", organisation=district, roles=[Role.SOCIAL_WORKER])
    case = CaseFactory(
        person=PersonFactory(
            given_names=MARK,
            surname="Sändare",
            organisation=district,
            contact={"phone": "070-123 45 67"},
            address={"street": "Hemliga gatan 3"},
            protected_identity="secrecy_marking",
        ),
        owner_unit=district,
        responsible=worker,
        milieu="white_power",
    )
    return {
        "district": district,
        "programme": programme,
        "treatment": treatment,
        "worker": worker,
        "case": case,
        "programme_worker": UserFactory(
            username="avh", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME]
        ),
        "programme_supervisor": UserFactory(
            username="avh_chef", organisation=programme, roles=[Role.SUPERVISOR]
        ),
        "treatment_worker": UserFactory(username="beh", organisation=treatment, roles=[Role.TREATMENT_UNIT]),
    }


def consent(u, recipients, categories, purpose="defector_programme"):
    return consent_services.consent_record(
        by=u["worker"],
        case_id=u["case"].pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[r.pk for r in recipients],
            categories=categories,
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=90),
            given_how="oral",
            witness="V",
        ),
    )


def send(u, to="programme", purpose="defector_programme", note="Brådskande"):
    return handover_services.handover_send(
        by=u["worker"], case_id=u["case"].pk, to_unit_id=u[to].pk, purpose=purpose, note=note
    )


def test_a_handover_is_sent_only_under_a_consent_for_its_purpose_that_names_the_receiving_unit(units):
    u = units
    with pytest.raises(DomainError, match="Inget samtycke"):
        send(u)
    consent(u, [u["treatment"]], ["family_social"])  # names another unit
    with pytest.raises(DomainError, match="Inget samtycke"):
        send(u)
    consent(u, [u["programme"]], ["family_social"], purpose="relative_support")  # another purpose
    with pytest.raises(DomainError, match="Inget samtycke"):
        send(u)
    given = consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    assert handover.status == HandoverStatus.SENT and str(handover.consent_ref) == str(given.pk)
    with pytest.raises(DomainError, match="väntar redan"):
        send(u)
    with pytest.raises(DomainError, match="annan enhet inom socialtjänsten"):
        handover_services.handover_send(
            by=u["worker"], case_id=u["case"].pk, to_unit_id=u["district"].pk, purpose="handover", note=""
        )
    assert Handover.objects.count() == 1


def test_only_the_cases_handlers_send_and_the_decision_comes_before_any_message(client, units):
    u = units
    colleague = UserFactory(organisation=u["district"], roles=[Role.SOCIAL_WORKER])
    for stranger in (colleague, u["programme_worker"]):
        with pytest.raises(access.AccessDenied):
            handover_services.handover_send(
                by=stranger, case_id=u["case"].pk, to_unit_id=None, purpose="nonsense", note=""
            )
        # On the page, an invalid post is refused as a denial (in the log), not with a form message.
        login_verified(client, stranger)
        url = reverse("cases:handover_send", kwargs={"case_id": u["case"].pk})
        response = client.post(url, {"to_unit": "", "purpose": "nonsense"})
        assert response.status_code == 403 and MARK not in response.content.decode()
        assert AccessEvent.objects.filter(actor_id=stranger.pk, outcome=AccessOutcome.DENIED).exists()


def test_accepting_opens_the_receivers_own_case_with_only_what_the_consent_covers(units):
    u = units
    consent(u, [u["programme"]], ["threat_protection"])  # not identity and contact
    handover = send(u)
    case = handover_services.handover_accept(by=u["programme_worker"], handover_id=handover.pk)
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED and handover.accepted_case_id == case.pk
    assert handover.decided_by_id == u["programme_worker"].pk
    person = Person.objects.get(pk=case.person_id)
    assert person.organisation_id == u["programme"].pk and person.pk != u["case"].person_id
    assert (person.given_names, person.surname) == (MARK, "Sändare")
    assert person.personal_number == u["case"].person.personal_number
    assert person.protected_identity == "secrecy_marking"  # protection always travels
    assert person.contact == {} and person.address == {}  # the consent does not cover them
    assert case.owner_unit_id == u["programme"].pk and case.responsible_id == u["programme_worker"].pk
    assert case.activity == "defector_programme" and case.milieu == "white_power"
    assert access.decide(u["programme_worker"], Action.VIEW, case).allowed
    # The sender sees the decision, and nothing of the receiver's case.
    assert not access.decide(u["worker"], Action.VIEW, case).allowed
    with pytest.raises(DomainError, match="redan beslutad"):
        handover_services.handover_decline(by=u["programme_worker"], handover_id=handover.pk, reason="Nej")


def test_contact_details_cross_when_the_consent_covers_identity_and_contact(units):
    u = units
    consent(u, [u["treatment"]], ["identity_contact"], purpose="relative_support")
    handover = send(u, to="treatment", purpose="relative_support")
    case = handover_services.handover_accept(by=u["treatment_worker"], handover_id=handover.pk)
    person = Person.objects.get(pk=case.person_id)
    assert person.contact == {"phone": "070-123 45 67"} and person.address == {"street": "Hemliga gatan 3"}
    assert case.activity == "relative_support"


def test_a_unit_that_knows_the_person_gets_a_case_its_supervisor_assigns(units):
    u = units
    known = PersonFactory(
        organisation=u["programme"], personal_number=u["case"].person.personal_number, given_names="Känd"
    )
    CaseFactory(person=known, owner_unit=u["programme"])  # handled by someone else
    consent(u, [u["programme"]], ["threat_protection"])
    case = handover_services.handover_accept(by=u["programme_worker"], handover_id=send(u).pk)
    assert case.person_id == known.pk and case.responsible_id is None
    assert not access.decide(u["programme_worker"], Action.VIEW, case).allowed
    assert access.decide(u["programme_supervisor"], Action.VIEW, case).allowed


def test_declining_needs_a_reason_that_the_sender_sees(client, units):
    u = units
    consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    with pytest.raises(DomainError, match="Skriv varför"):
        handover_services.handover_decline(by=u["programme_worker"], handover_id=handover.pk, reason="  ")
    assert Handover.objects.get().status == HandoverStatus.SENT
    handover_services.handover_decline(
        by=u["programme_supervisor"], handover_id=handover.pk, reason="Hotbilden är inte hög"
    )
    login_verified(client, u["worker"])
    page = client.get(reverse("cases:handover", kwargs={"handover_id": handover.pk})).content.decode()
    assert "Hotbilden är inte hög" in page and "Avböjd" in page
    assert not Case.objects.filter(owner_unit=u["programme"]).exists()


def test_only_the_receiving_unit_decides_and_never_the_sender_and_only_the_sender_withdraws(units):
    u = units
    consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    for outsider in (u["worker"], u["treatment_worker"]):
        with pytest.raises(access.AccessDenied):
            handover_services.handover_accept(by=outsider, handover_id=handover.pk)
    with pytest.raises(access.AccessDenied):
        handover_services.handover_withdraw(by=u["programme_worker"], handover_id=handover.pk)
    handover_services.handover_withdraw(by=u["worker"], handover_id=handover.pk)
    assert Handover.objects.get().status == HandoverStatus.WITHDRAWN
    with pytest.raises(DomainError, match="redan beslutad"):
        handover_services.handover_accept(by=u["programme_worker"], handover_id=handover.pk)


def test_the_receiver_sees_a_handover_only_while_the_consent_names_it(units):
    u = units
    given = consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    reader = u["programme_worker"]
    assert [h.pk for h in handover_selectors.handovers_for(user=reader)["waiting"]] == [handover.pk]
    assert handover_selectors.handovers_waiting_count(user=reader) == (1, 0)
    consent_services.consent_withdraw(
        by=u["worker"], consent_id=given.pk, case_id=u["case"].pk, how="oral", note=""
    )
    assert handover_selectors.handovers_for(user=reader)["waiting"] == []
    assert handover_selectors.handovers_waiting_count(user=reader) == (0, 0)
    with pytest.raises(access.AccessDenied):
        handover_selectors.handover_get_for(user=reader, handover_id=handover.pk)
    with pytest.raises(access.AccessDenied):
        handover_services.handover_accept(by=reader, handover_id=handover.pk)
    # The sender still sees what they sent; nobody else in the district does.
    assert [h.pk for h in handover_selectors.handovers_for(user=u["worker"])["sent"]] == [handover.pk]
    colleague = UserFactory(organisation=u["district"], roles=[Role.SOCIAL_WORKER])
    assert handover_selectors.handovers_for(user=colleague)["sent"] == []


@override_settings(
    LOTSA_HANDOVER_OVERDUE_DAYS=14,
    LOTSA_HANDOVER_DECIDE_WITHIN={"defector_programme": dt.timedelta(hours=36)},
)
def test_an_undecided_handover_is_flagged_overdue_after_its_purposes_time(client, units):
    """A referral to the defector programme is to be decided within hours (here 36), not the default
    days: flagged for the unit and its supervisor once they have passed, on the lists and the start page."""
    u = units
    consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    assert not handover.overdue

    def sent_ago(**delta):
        Handover.objects.bypassing_guard("test: sent long ago").filter(pk=handover.pk).update(
            sent_at=timezone.now() - dt.timedelta(**delta)
        )
        handover.refresh_from_db()

    sent_ago(hours=35)
    assert not handover.overdue
    assert handover_selectors.handovers_waiting_count(user=u["programme_worker"]) == (1, 0)
    sent_ago(hours=37)
    assert handover.overdue and handover.waiting_days == 1
    deadline = timezone.localtime(handover.decide_by).strftime("%Y-%m-%d %H:%M")
    for reader in (u["programme_worker"], u["programme_supervisor"]):
        assert handover_selectors.handovers_waiting_count(user=reader) == (1, 1)
        login_verified(client, reader)
        page = client.get(reverse("cases:handovers")).content.decode()
        assert 'class="overdue-flag"' in page and deadline in page
        home = client.get(reverse("home")).content.decode()
        assert "1 överlämning väntar" in home and "1 är försenad" in home
    handover_services.handover_accept(by=u["programme_worker"], handover_id=handover.pk)
    handover.refresh_from_db()
    assert not handover.overdue


def test_every_state_change_is_an_access_event_naming_the_person(units):
    u = units
    consent(u, [u["programme"]], ["threat_protection"])
    person = u["case"].person_id
    first = send(u)
    handover_services.handover_decline(by=u["programme_worker"], handover_id=first.pk, reason="Nej")
    second = send(u)
    handover_services.handover_withdraw(by=u["worker"], handover_id=second.pk)
    third = send(u)
    handover_services.handover_accept(by=u["programme_worker"], handover_id=third.pk)
    events = AccessEvent.objects.filter(
        target_type="cases.handover", subject_id=person, outcome=AccessOutcome.ALLOWED
    )
    assert sorted(events.values_list("action", flat=True)) == sorted(
        [Action.CREATE] * 3 + [Action.DECIDE] * 2 + [Action.WITHDRAW]
    )


def test_the_pages_send_decide_and_refuse_bad_input_with_a_message(client, units):
    u = units
    login_verified(client, u["worker"])
    url = reverse("cases:handover_send", kwargs={"case_id": u["case"].pk})
    assert MARK in client.get(url).content.decode()
    response = client.post(url, {"to_unit": "", "purpose": "defector_programme"})
    assert response.status_code == 200 and "Detta fält måste fyllas i" in response.content.decode()
    response = client.post(url, {"to_unit": u["programme"].pk, "purpose": "defector_programme", "note": "N"})
    assert (
        "Inget samtycke för syftet Avhopparverksamhet nämner Avhopparverksamheten"
        in response.content.decode()
    )
    assert not Handover.objects.exists()
    consent(u, [u["programme"]], ["threat_protection"])
    response = client.post(url, {"to_unit": u["programme"].pk, "purpose": "defector_programme", "note": "N"})
    assert response.status_code == 302
    handover = Handover.objects.get()
    login_verified(client, u["programme_worker"])
    decline = reverse("cases:handover_decline", kwargs={"handover_id": handover.pk})
    page = client.post(decline, {"reason": ""}, follow=True).content.decode()
    assert "Skriv varför överlämningen avböjs" in page
    response = client.post(reverse("cases:handover_accept", kwargs={"handover_id": handover.pk}))
    case = Case.objects.get(owner_unit=u["programme"])
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:detail", kwargs={"case_id": case.pk}
    )


def test_a_handover_refused_for_want_of_consent_leads_to_recording_one(client, units):
    u = units
    login_verified(client, u["worker"])
    url = reverse("cases:handover_send", kwargs={"case_id": u["case"].pk})
    record = reverse("consent:record", kwargs={"case_id": u["case"].pk})
    assert f'href="{record}"' not in client.get(url).content.decode()
    response = client.post(url, {"to_unit": u["programme"].pk, "purpose": "defector_programme", "note": "N"})
    page = response.content.decode()
    assert "Inget samtycke för syftet Avhopparverksamhet" in page and f'href="{record}"' in page
    assert client.get(record).status_code == 200


def police_request(by, programme, number="199001011239", agreed=True, note="Hög hotbild"):
    return handover_services.handover_request_from_police(
        by=by,
        to_unit_id=programme.pk,
        number=number,
        given_names="Polisbegärd",
        surname="Person",
        note=note,
        agreed=agreed,
    )


def test_bops_asks_the_programme_which_decides_and_the_police_see_the_decision(client, units):
    u = units
    bops = OrganisationFactory(name="Polisen BOPS", kind=OrganisationKind.BOPS)
    officer = UserFactory(username="bops", organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    with pytest.raises(DomainError, match="samtyckt till det"):
        police_request(officer, u["programme"], agreed=False)
    with pytest.raises(DomainError):
        police_request(officer, u["programme"], number="199001011230")  # a wrong check digit
    assert not Handover.objects.exists() and not Person.objects.filter(organisation=u["programme"]).exists()
    request = police_request(officer, u["programme"])
    assert request.source == "police_request" and request.person.organisation_id == u["programme"].pk
    with pytest.raises(DomainError, match="väntar redan"):
        police_request(officer, u["programme"])
    # The programme sees it without any consent (the police sent it to the programme), and decides.
    assert [h.pk for h in handover_selectors.handovers_for(user=u["programme_worker"])["waiting"]] == [
        request.pk
    ]
    case = handover_services.handover_accept(by=u["programme_worker"], handover_id=request.pk)
    assert case.person_id == request.person_id and case.activity == "defector_programme"
    login_verified(client, officer)
    page = client.get(reverse("cases:handovers")).content.decode()
    assert "Polisbegärd" in page and "Accepterad" in page
    # Nobody else in the police reads it; the district never sees it.
    colleague = UserFactory(organisation=bops, roles=[Role.EXTERNAL_MEMBER])
    assert handover_selectors.handovers_for(user=colleague)["sent"] == []
    assert handover_selectors.handovers_for(user=u["worker"])["sent"] == []


def test_only_the_police_ask_the_programme_and_only_the_programme(client, units):
    u = units
    school = OrganisationFactory(name="Skolan", kind=OrganisationKind.SCHOOL)
    teacher = UserFactory(organisation=school, roles=[Role.EXTERNAL_MEMBER])
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    officer = UserFactory(organisation=police, roles=[Role.EXTERNAL_MEMBER])
    for outsider in (teacher, u["worker"]):
        with pytest.raises(access.AccessDenied):
            police_request(outsider, u["programme"])
        login_verified(client, outsider)
        assert client.get(reverse("defectors:police_request")).status_code == 403
    with pytest.raises(access.AccessDenied):
        police_request(officer, u["treatment"])  # the police ask the defector programme only
    login_verified(client, officer)
    url = reverse("defectors:police_request")
    assert client.get(url).status_code == 200
    response = client.post(url, {"to_unit": u["programme"].pk, "personal_number": "nonsense"})
    assert response.status_code == 200 and not Handover.objects.exists()
    response = client.post(
        url,
        {
            "to_unit": u["programme"].pk,
            "personal_number": "19900101-1239",
            "given_names": "Ny",
            "surname": "Person",
            "agreed": "on",
        },
    )
    assert response.status_code == 302 and Handover.objects.get().sent_by_id == officer.pk


def test_the_senders_start_page_says_what_was_declined(client, units):
    u = units
    consent(u, [u["programme"]], ["threat_protection"])
    handover = send(u)
    handover_services.handover_decline(
        by=u["programme_worker"], handover_id=handover.pk, reason="Inte aktuellt"
    )
    login_verified(client, u["worker"])
    home = client.get(reverse("home")).content.decode()
    assert "1 överlämning du skickade avböjdes" in home
