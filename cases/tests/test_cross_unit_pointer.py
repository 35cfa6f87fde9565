"""The consent-gated pointer across units (issue 30, item 3): a search by number that meets another
unit's record of the same person says so only when the person's consent in force, on that unit's
record, names the searching unit for a hand-over purpose; otherwise the page is the page of a number
held nowhere. Every such lookup, told or not, is an event in the holding unit's log (the event names
the holding unit's record), decided by lotsa.access."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import OrganisationKind
from audit.models import AccessEvent, AccessOutcome, Action
from cases import names, services
from cases.access import CROSS_UNIT_LOOKUP, HOLDER_INACTIVE
from cases.selectors import cases_found_by_name, number_search_for
from consent import services as consent_services
from lotsa import access
from lotsa.vocabulary import Purpose
from tests.factories import CaseFactory, PersonFactory, valid_number
from tests.helpers import events_since, head_seq, login_verified

POINTER = 'id="held-elsewhere"'
POINTER_QUERY_MARK = "consent"  # the consent query's table: asked whether a record is held or not


def _consent(world, *, purpose=Purpose.DISTRICT_MOVE, recipients=None):
    """The holding unit (district A) records the person's consent to a hand-over naming district B."""
    return consent_services.consent_record(
        by=world.users["social_worker"],
        case_id=world.case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose=purpose,
            purpose_text="",
            recipient_ids=[o.pk for o in (recipients or [world.district_b])],
            categories=["housing"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="Vittne Vittnesson",
        ),
    )


def _search(client, world, number):
    login_verified(client, world.users["social_worker_other_district"])
    return client.post(reverse("cases:search"), {"personal_number": number}).content.decode()


def _lookups(start, world):
    """The cross-unit lookups since ``start`` that name the holding unit's record."""
    return list(
        events_since(start).filter(
            purpose=CROSS_UNIT_LOOKUP, subject_id=world.case_a.person_id, action=Action.SEARCH
        )
    )


def _without_tokens(body: str, number: str) -> str:
    """The page with what differs by nature between two requests taken out: the csrf tokens, the CSP
    nonces and the number that was typed (the form shows it back)."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", body)
    body = re.sub(r'nonce="[^"]*"', "NONCE", body)
    return body.replace(number, "NUMBER")


def test_with_a_consent_the_searching_unit_is_told_and_the_lookup_is_in_the_holders_log(client, world):
    _consent(world)
    start = head_seq()
    body = _search(client, world, world.case_a.person.personal_number)
    assert POINTER in body and world.district_a.name in body
    assert "personen har samtyckt till att ni får veta det: begär en överlämning" in body
    assert world.case_a.person.given_names not in body
    (event,) = _lookups(start, world)
    assert event.outcome == AccessOutcome.ALLOWED
    assert event.actor_id == world.users["social_worker_other_district"].pk
    assert event.legal_ground.startswith("consent:")


def test_without_a_consent_nothing_is_said_and_the_page_is_that_of_a_number_held_nowhere(client, world):
    # The world's consent names the police for an intervention group: no hand-over to district B.
    held = world.case_a.person.personal_number
    nowhere = valid_number(9001)
    start = head_seq()
    body_held = _search(client, world, held)
    body_nowhere = _search(client, world, nowhere)
    assert POINTER not in body_held
    assert _without_tokens(body_held, held) == _without_tokens(body_nowhere, nowhere)
    (event,) = _lookups(start, world)  # the denied lookup is in the holder's log all the same
    assert event.outcome == AccessOutcome.DENIED


def test_a_consent_that_does_not_name_the_searching_unit_for_a_hand_over_tells_nothing(client, world):
    _consent(world, recipients=[world.police])  # a hand-over purpose, but another recipient
    _consent(world, purpose=Purpose.INTERVENTION_GROUP)  # the unit, but no hand-over purpose
    start = head_seq()
    assert POINTER not in _search(client, world, world.case_a.person.personal_number)
    assert [event.outcome for event in _lookups(start, world)] == [AccessOutcome.DENIED]


def test_a_withdrawal_takes_effect_on_the_next_search(client, world):
    consent = _consent(world)
    assert POINTER in _search(client, world, world.case_a.person.personal_number)
    consent_services.consent_withdraw(
        by=world.users["social_worker"], consent_id=consent.pk, case_id=world.case_a.pk, how="oral", note=""
    )
    start = head_seq()
    assert POINTER not in _search(client, world, world.case_a.person.personal_number)
    assert [event.outcome for event in _lookups(start, world)] == [AccessOutcome.DENIED]


def test_an_erased_record_is_never_pointed_to(client, world):
    _consent(world)
    services.person_erase(person_id=world.case_a.person_id, reason="gallring")
    start = head_seq()
    assert POINTER not in _search(client, world, world.case_a.person.personal_number)
    assert not events_since(start).filter(subject_id=world.case_a.person_id, outcome=AccessOutcome.ALLOWED)
    erased = type(world.case_a.person).objects.get(pk=world.case_a.person_id)
    decision = access.decide(
        world.users["social_worker_other_district"], Action.SEARCH, erased, CROSS_UNIT_LOOKUP
    )
    assert not decision.allowed


def test_the_pointer_is_shown_beside_the_searching_units_own_record(client, world):
    """A unit that holds its own record of the person is told of the other unit's too."""
    own = CaseFactory(
        person=PersonFactory(
            personal_number=world.case_a.person.personal_number, organisation=world.district_b
        ),
        owner_unit=world.district_b,
        responsible=world.users["social_worker_other_district"],
    )
    _consent(world)
    start = head_seq()
    body = _search(client, world, world.case_a.person.personal_number)
    assert reverse("cases:detail", args=[own.pk]) in body and POINTER in body
    assert [event.outcome for event in _lookups(start, world)] == [AccessOutcome.ALLOWED]
    assert not events_since(start).filter(purpose=CROSS_UNIT_LOOKUP, subject_id=own.person_id)


def test_a_name_search_never_points_across_units(world):
    _consent(world)
    start = head_seq()
    query = names.parse(f"{world.case_a.person.given_names} {world.case_a.person.surname}")
    found = cases_found_by_name(user=world.users["social_worker_other_district"], query=query)
    assert found.cases == []
    assert not events_since(start).filter(purpose=CROSS_UNIT_LOOKUP).exists()


@pytest.mark.parametrize("action", [Action.VIEW, Action.LIST, Action.EXPORT])
def test_the_lookup_decides_only_a_search_and_reads_nothing(world, action):
    _consent(world)
    user = world.users["social_worker_other_district"]
    assert access.decide(user, Action.SEARCH, world.case_a.person, CROSS_UNIT_LOOKUP).allowed
    assert not access.decide(user, action, world.case_a.person, CROSS_UNIT_LOOKUP).allowed


def test_a_lookup_of_the_units_own_record_is_refused(world):
    _consent(world)
    worker = world.users["social_worker"]
    assert not access.decide(worker, Action.SEARCH, world.case_a.person, CROSS_UNIT_LOOKUP).allowed


def test_the_lookup_events_are_written_through_lotsa_access(client, world, monkeypatch):
    """No hand-written audit record: the one decision point writes the lookup's event."""
    seen = []
    original = access.check

    def spy(user, action, obj, **kwargs):
        seen.append((action, kwargs.get("purpose")))
        return original(user, action, obj, **kwargs)

    monkeypatch.setattr(access, "check", spy)
    _search(client, world, world.case_a.person.personal_number)
    assert (Action.SEARCH, CROSS_UNIT_LOOKUP) in seen
    assert AccessEvent.objects.filter(purpose=CROSS_UNIT_LOOKUP).count() == 1


def _queries_of_search(user, number) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        number_search_for(user=user, number=number)
    return [query["sql"] for query in captured.captured_queries]


def test_told_not_told_and_held_nowhere_do_the_same_queries(world):
    """The pointer's work must not tell a consent from none, nor a record from none: the same number of
    queries each way (the consent query runs for every candidate, and for none)."""
    _consent(world)
    untold = CaseFactory(
        person=PersonFactory(personal_number=valid_number(9002), organisation=world.district_a),
        owner_unit=world.district_a,
    )
    user = world.users["social_worker_other_district"]
    _queries_of_search(user, valid_number(9003))  # warm: the user's unit and roles, read once
    told = _queries_of_search(user, world.case_a.person.personal_number)
    not_told = _queries_of_search(user, untold.person.personal_number)
    nowhere = _queries_of_search(user, valid_number(9004))
    assert len(told) == len(not_told) == len(nowhere)
    assert POINTER_QUERY_MARK in " ".join(told) and POINTER_QUERY_MARK in " ".join(nowhere)


def test_the_lookup_of_a_number_held_nowhere_else_is_recorded_naming_nobody(world):
    start = head_seq()
    number_search_for(user=world.users["social_worker_other_district"], number=valid_number(9005))
    (event,) = events_since(start).filter(purpose=CROSS_UNIT_LOOKUP)
    assert event.outcome == AccessOutcome.DENIED and event.subject_id is None


@pytest.mark.parametrize("how", ["inactive", "without users"])
def test_a_deactivated_holding_unit_is_never_named(client, world, how):
    _consent(world)
    if how == "inactive":
        world.district_a.is_active = False
    else:
        world.district_a.kind = OrganisationKind.SECURITY_SERVICE  # a kind no user logs in to
    world.district_a.save()
    start = head_seq()
    assert POINTER not in _search(client, world, world.case_a.person.personal_number)
    (event,) = _lookups(start, world)
    assert event.outcome == AccessOutcome.DENIED and event.reason == HOLDER_INACTIVE
