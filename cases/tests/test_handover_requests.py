"""A request for a hand-over (issue 30, item 3's remainder): the unit the cross-unit pointer told asks
the holding unit; the holding unit answers by sending a hand-over through the ordinary mechanism, or
declines with a reason; the asker sees the status. Every step is allowed only while the pointer's gate
holds (a consent in force, on the holding unit's record, naming the asking unit for the purpose), is
one decision and one event naming the holding unit's record, and tells the asker nothing the pointer
would not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from audit.models import AccessOutcome, Action
from cases.handovers import services
from cases.models import Handover, HandoverRequest, HandoverRequestStatus
from cases.tests.test_cases import open_form
from consent import services as consent_services
from lotsa.errors import DomainError
from lotsa.vocabulary import Purpose
from tests.factories import CaseFactory, PersonFactory, valid_number
from tests.helpers import events_since, head_seq, login_verified

NOT_ASKABLE = "Den enheten kan inte ombes om en överlämning av den här personen för det här ändamålet"
REASON = "Personen har flyttat till vår stadsdel och vill fortsätta stödet här."


def _consent(world, *, purpose=Purpose.DISTRICT_MOVE):
    return consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[world.district_b.pk],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="Vittne Vittnesson",
        ),
    )


def _withdraw(world, consent):
    consent_services.consent_withdraw(
        by=world.users["social_worker"], consent_id=consent.pk, case_id=world.case_a.pk, how="oral", note=""
    )


def _ask(client, world, *, number=None, purpose=Purpose.DISTRICT_MOVE, reason=REASON, unit=None):
    login_verified(client, world.users["social_worker_other_district"])
    return client.post(
        reverse("cases:handover_request_new"),
        {
            "personal_number": number or world.case_a.person.personal_number,
            "to_unit": (unit or world.district_a).pk,
            "purpose": purpose,
            "reason": reason,
        },
    )


def _asked(world) -> HandoverRequest:
    return services.handover_request_send(
        by=world.users["social_worker_other_district"],
        personal_number=world.case_a.person.personal_number,
        to_unit_id=world.district_a.pk,
        purpose=Purpose.DISTRICT_MOVE,
        reason=REASON,
    )


def _naming_holder(start, world, action):
    return list(events_since(start).filter(action=action, subject_id=world.case_a.person_id))


def test_with_a_consent_the_request_is_sent_and_waits_in_the_holding_units_queue(client, world):
    _consent(world)
    start = head_seq()
    response = _ask(client, world)
    assert response.status_code == 302 and response.url == reverse("cases:handover_requests")
    (asked,) = HandoverRequest.objects.all()
    assert asked.person_id == world.case_a.person_id and asked.to_unit_id == world.district_a.pk
    assert asked.status == HandoverRequestStatus.WAITING and asked.reason == REASON
    (event,) = _naming_holder(start, world, Action.CREATE)
    assert event.outcome == AccessOutcome.ALLOWED and event.legal_ground.startswith("consent:")
    # The asker sees the request and its status, by the number typed; nothing else of the record.
    mine = client.get(reverse("cases:handover_requests")).content.decode()
    assert world.case_a.person.personal_number_display in mine and world.case_a.person.surname not in mine
    # The holding unit's handler sees it waiting, with the person's name and the reason.
    login_verified(client, world.users["social_worker"])
    theirs = client.get(reverse("cases:handover_requests")).content.decode()
    assert world.case_a.person.surname in theirs and world.district_b.name in theirs
    page = client.get(reverse("cases:handover_request", args=[asked.pk])).content.decode()
    assert REASON in page and reverse("cases:handover_send", args=[world.case_a.pk]) in page


def test_held_nowhere_without_consent_and_purpose_not_covered_get_one_and_the_same_message(client, world):
    _consent(world)  # district move only
    untold = CaseFactory(
        person=PersonFactory(personal_number=valid_number(9102), organisation=world.district_a),
        owner_unit=world.district_a,
    )
    bodies = [
        _ask(client, world, purpose=Purpose.HANDOVER).content.decode(),  # not the purpose consented
        _ask(client, world, number=untold.person.personal_number).content.decode(),  # no consent
        _ask(client, world, number=valid_number(9103)).content.decode(),  # held nowhere
    ]
    assert all(NOT_ASKABLE in body for body in bodies)
    assert not HandoverRequest.objects.exists()


def test_a_refused_request_is_one_denial_in_the_holding_units_log(client, world):
    start = head_seq()
    _ask(client, world)  # the world's consent names the police, not district B
    (event,) = _naming_holder(start, world, Action.CREATE)
    assert event.outcome == AccessOutcome.DENIED


def test_bad_input_gets_a_swedish_message_and_changes_nothing(client, world):
    _consent(world)
    body = _ask(client, world, reason="  ").content.decode()
    assert "Skriv varför ni ber om överlämningen" in body
    assert _ask(client, world).status_code == 302
    again = _ask(client, world).content.decode()
    assert "väntar redan på sitt svar" in again
    assert HandoverRequest.objects.count() == 1


def test_the_holding_unit_declines_with_a_reason_the_asker_reads(client, world):
    _consent(world)
    asked = _asked(world)
    login_verified(client, world.users["social_worker"])
    url = reverse("cases:handover_request_decline", args=[asked.pk])
    assert "Skriv varför begäran avböjs" in client.post(url, {"reason": ""}, follow=True).content.decode()
    start = head_seq()
    client.post(url, {"reason": "Vi avslutar själva insatsen först."})
    asked.refresh_from_db()
    assert asked.status == HandoverRequestStatus.DECLINED
    (event,) = _naming_holder(start, world, Action.DECIDE)
    assert event.outcome == AccessOutcome.ALLOWED
    login_verified(client, world.users["social_worker_other_district"])
    page = client.get(reverse("cases:handover_request", args=[asked.pk])).content.decode()
    assert "Vi avslutar själva insatsen först." in page


def test_the_holding_unit_answers_by_sending_the_hand_over_which_reaches_the_asker(client, world):
    _consent(world)
    asked = _asked(world)
    login_verified(client, world.users["social_worker"])
    url = reverse("cases:handover_send", args=[world.case_a.pk])
    form = client.get(
        url, {"answering": asked.pk, "to_unit": world.district_b.pk, "purpose": Purpose.DISTRICT_MOVE}
    )
    assert str(asked.pk) in form.content.decode()
    response = client.post(
        url,
        {
            "to_unit": world.district_b.pk,
            "purpose": Purpose.DISTRICT_MOVE,
            "note": "",
            "answering": asked.pk,
        },
    )
    assert response.status_code == 302
    asked.refresh_from_db()
    (handover,) = Handover.objects.filter(to_unit=world.district_b)
    assert asked.status == HandoverRequestStatus.ANSWERED and asked.handover_id == handover.pk
    login_verified(client, world.users["social_worker_other_district"])
    queue = client.get(reverse("cases:handovers")).content.decode()
    assert reverse("cases:handover", args=[handover.pk]) in queue


def test_a_hand_over_answers_only_the_request_it_fits(world):
    _consent(world)
    _consent(world, purpose=Purpose.HANDOVER)
    asked = _asked(world)
    with pytest.raises(DomainError):
        services.handover_send(
            by=world.users["social_worker"],
            case_id=world.case_a.pk,
            to_unit_id=world.district_b.pk,
            purpose=Purpose.HANDOVER,  # not the purpose asked
            note="",
            answering=asked.pk,
        )
    asked.refresh_from_db()
    assert asked.status == HandoverRequestStatus.WAITING


def test_a_withdrawal_in_between_lapses_the_request(client, world):
    consent = _consent(world)
    asked = _asked(world)
    _withdraw(world, consent)
    login_verified(client, world.users["social_worker"])
    listing = client.get(reverse("cases:handover_requests")).content.decode()
    assert "Förfallen" in listing and world.case_a.person.surname not in listing
    page = client.get(reverse("cases:handover_request", args=[asked.pk])).content.decode()
    assert "Förfallen" in page and REASON not in page
    assert reverse("cases:handover_request_decline", args=[asked.pk]) not in page
    with pytest.raises(DomainError):
        services.handover_request_decline(by=world.users["social_worker"], request_id=asked.pk, reason="Nej")
    asked.refresh_from_db()
    assert asked.status == HandoverRequestStatus.WAITING
    # The asker's side: lapsed, without content either.
    login_verified(client, world.users["social_worker_other_district"])
    mine = client.get(reverse("cases:handover_requests")).content.decode()
    assert "Förfallen" in mine and world.case_a.person.personal_number_display not in mine


@pytest.mark.parametrize("how", ["inactive", "without users"])
def test_no_request_can_be_sent_to_a_deactivated_holding_unit(world, how):
    _consent(world)
    if how == "inactive":
        world.district_a.is_active = False
    else:
        world.district_a.kind = "security_service"
    world.district_a.save()
    with pytest.raises(DomainError):
        _asked(world)
    assert not HandoverRequest.objects.exists()


def test_only_the_two_sides_see_a_request(client, world):
    _consent(world)
    asked = _asked(world)
    for role, seen in [("social_worker_unassigned", False), ("supervisor", True), ("social_worker", True)]:
        login_verified(client, world.users[role])
        listing = client.get(reverse("cases:handover_requests")).content.decode()
        assert (world.case_a.person.surname in listing) is seen, role
    login_verified(client, world.users["social_worker_unassigned"])
    assert client.get(reverse("cases:handover_request", args=[asked.pk])).status_code == 403
    decline = reverse("cases:handover_request_decline", args=[asked.pk])
    assert client.post(decline, {"reason": "Nej"}).status_code == 403
    asked.refresh_from_db()
    assert asked.status == HandoverRequestStatus.WAITING


def test_opening_a_case_for_a_number_held_elsewhere_points_only_under_consent(client, world):
    """The open-case flow runs the search's pointer: without a consent, opening a case for a number
    another unit holds leads where a number held nowhere does (the new case); with one, a page names
    the holding unit first, with the button to ask it for a hand-over."""
    held = world.case_a.person.personal_number
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    without = client.post(reverse("cases:open"), open_form(held))
    nowhere = client.post(reverse("cases:open"), open_form(valid_number(9104)))
    assert without.status_code == nowhere.status_code == 302
    assert without["Location"].split("/")[:-2] == nowhere["Location"].split("/")[:-2]
    assert [e.outcome for e in _naming_holder(start, world, Action.SEARCH)] == [AccessOutcome.DENIED]
    _consent(world)
    # The user handles the case just opened, so may open another for the person: now it points.
    told = client.post(reverse("cases:open"), open_form(held))
    body = told.content.decode()
    assert told.status_code == 200 and 'id="held-elsewhere"' in body and world.district_a.name in body
    assert reverse("cases:handover_request_new") in body and world.case_a.person.given_names not in body
    # The button leads to the request form, the number and the unit filled in.
    login_verified(client, world.users["social_worker_other_district"])
    form = client.post(
        reverse("cases:handover_request_new"),
        {"prefill": "1", "personal_number": held, "to_unit": world.district_a.pk},
    )
    assert form.status_code == 200 and held in form.content.decode()


def test_an_answered_request_shows_its_content_only_while_the_consent_holds(client, world):
    consent = _consent(world)
    asked = _asked(world)
    services.handover_request_decline(by=world.users["social_worker"], request_id=asked.pk, reason="Inte nu.")
    login_verified(client, world.users["social_worker_other_district"])
    url = reverse("cases:handover_request", args=[asked.pk])
    assert "Inte nu." in client.get(url).content.decode()
    _withdraw(world, consent)
    page = client.get(url).content.decode()
    assert "Inte nu." not in page and world.case_a.person.personal_number_display not in page
    assert "Avböjd" in page  # the status stays
