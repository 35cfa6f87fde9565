"""lotsa.access: decisions, their audit events, failing closed, and the list filter."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from audit import services as audit_services
from audit.models import AccessEvent, AccessOutcome, Action
from cases.models import Case
from lotsa import access, context
from tests.factories import CaseFactory
from tests.fixtures import MARKER
from tests.helpers import events_since, head_seq, login_verified, named_by


def case_url(case):
    return reverse("cases:detail", kwargs={"case_id": case.pk})


def test_an_allowed_view_is_recorded_with_its_reason_and_subject(client, world):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    response = client.get(case_url(world.case_a))
    assert response.status_code == 200 and MARKER in response.content.decode()
    event = events_since(start).get(action=Action.VIEW)
    assert event.outcome == AccessOutcome.ALLOWED
    assert event.subject_id == world.case_a.person_id
    assert event.target_type == "cases.case" and event.target_id == str(world.case_a.pk)
    assert event.reason == "assigned to the case" and event.purpose == "casework"
    assert event.request_id == response["X-Request-ID"]


@pytest.mark.parametrize(
    ("role", "reason"),
    [
        ("social_worker_other_district", "no consent or legal ground covers sharing with this organisation"),
        ("social_worker_unassigned", "not assigned to the case"),
        ("administrator", "administrators manage accounts and cannot read cases"),
        ("coordinator", "coordinators see de-identified aggregates only"),
        ("external_member", "no consent or legal ground covers sharing with this organisation"),
    ],
)
def test_a_denied_view_shows_nothing_and_leaves_a_denial_event(client, world, role, reason):
    login_verified(client, world.users[role])
    start = head_seq()
    response = client.get(case_url(world.case_a))
    assert response.status_code == 403
    assert MARKER not in response.content.decode()
    event = events_since(start).get(outcome=AccessOutcome.DENIED)
    assert event.action == Action.VIEW and event.reason == reason
    assert event.actor_id == world.users[role].pk


def test_the_supervisor_reads_the_units_cases_but_may_not_edit_them(world):
    supervisor = world.users["supervisor"]
    assert access.decide(supervisor, Action.VIEW, world.case_a).allowed
    assert not access.decide(supervisor, Action.UPDATE, world.case_a).allowed
    assert not access.decide(supervisor, Action.VIEW, world.case_b).allowed


def test_the_assigned_social_worker_may_update_and_the_rules_default_to_deny(world):
    assert access.decide(world.users["social_worker"], Action.UPDATE, world.case_a).allowed
    assert not access.decide(world.users["social_worker"], Action.DELETE, world.case_a).allowed
    # A model without a policy: denied, whoever asks.
    assert not access.decide(world.users["social_worker"], Action.VIEW, world.users["supervisor"]).allowed


def test_the_denial_survives_the_rolled_back_transaction_of_the_view(client, world):
    """The case view checks inside a transaction that the denial rolls back; the event must remain."""
    login_verified(client, world.users["social_worker_other_district"])
    start = head_seq()
    client.get(case_url(world.case_a))
    assert (
        events_since(start).filter(outcome=AccessOutcome.DENIED, target_id=str(world.case_a.pk)).count() == 1
    )


def test_a_page_commit_keeps_its_writes_together_and_its_denial_whoever_catches_it(world):
    """lotsa.access.page_commit: what a page writes after its decision commits with it, and a denial
    inside rolls the writes back but is in the log as soon as the block is left, with nobody (no 403
    middleware) to write it again."""
    worker, stranger = world.users["social_worker"], world.users["social_worker_other_district"]
    start = head_seq()
    with access.page_commit(actor=worker):
        access.check(worker, Action.VIEW, world.case_a, purpose="casework")
        access.check(worker, Action.VIEW, world.case_a.person, purpose="casework")
    assert [e.outcome for e in events_since(start)] == [AccessOutcome.ALLOWED] * 2
    start = head_seq()
    with pytest.raises(access.AccessDenied):
        with access.page_commit(actor=stranger):
            access.check(stranger, Action.VIEW, world.case_a, purpose="casework")
    after = events_since(start)
    assert [(e.outcome, e.actor_id) for e in after] == [(AccessOutcome.DENIED, stranger.pk)]


def test_what_ends_a_page_commit_early_leaves_its_decisions_in_the_log_in_order_once(world):
    """In a request, whatever ends the block (a 404 after the page's decision, a denial after an
    allowed read) rolls back its writes, but every decision made in it is written again at once, in
    the order made; the 403 middleware's later ensure_recorded finds the denial and writes nothing."""
    worker, stranger = world.users["social_worker"], world.users["social_worker_other_district"]
    with context.bind(context.RequestInfo()):
        start = head_seq()
        with pytest.raises(Http404), access.page_commit(actor=worker):
            access.check(worker, Action.VIEW, world.case_a, purpose="casework")
            raise Http404
        assert [(e.outcome, e.actor_id) for e in events_since(start)] == [(AccessOutcome.ALLOWED, worker.pk)]
        start = head_seq()
        with pytest.raises(access.AccessDenied) as denied, access.page_commit(actor=stranger):
            access.check(worker, Action.VIEW, world.case_a.person, purpose="casework")
            access.check(stranger, Action.VIEW, world.case_a, purpose="casework")
        access.ensure_recorded(denied.value, actor=stranger)  # as the 403 middleware does
        access.keep_decisions()  # as the end of the request does
        after = [(e.outcome, e.actor_id) for e in events_since(start)]
    assert after == [(AccessOutcome.ALLOWED, worker.pk), (AccessOutcome.DENIED, stranger.pk)]


def test_if_the_access_event_cannot_be_written_no_data_is_shown(world, monkeypatch):
    client = Client(raise_request_exception=False)
    login_verified(client, world.users["social_worker"])

    def refuse(events):
        raise DatabaseError("the audit table is unavailable")

    monkeypatch.setattr(audit_services, "append", refuse)
    response = client.get(case_url(world.case_a))
    assert response.status_code == 500
    body = response.content.decode()
    assert MARKER not in body and "Alfa" not in body
    assert "inga uppgifter har visats" in body


def test_pages_with_personal_data_are_not_cached(client, world):
    login_verified(client, world.users["social_worker"])
    response = client.get(case_url(world.case_a))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_visible_to_filters_in_sql_in_a_constant_number_of_queries(world, django_assert_num_queries):
    worker = world.users["social_worker"]
    worker.role_codes()  # roles are loaded once per request
    # Two queries whatever the number of cases: the user's assignments, then the cases.
    with django_assert_num_queries(2):
        few = list(access.visible_to(worker, Case.objects.all()))
    assert few == [world.case_a]
    from guardian.shortcuts import assign_perm

    for _ in range(15):
        assign_perm("cases.view_case", worker, CaseFactory(owner_unit=world.district_a))
    with django_assert_num_queries(2):
        many = list(access.visible_to(worker, Case.objects.all()))
    assert len(many) == 16
    assert world.case_b not in many


@pytest.mark.parametrize("role", ["administrator", "coordinator"])
def test_separation_of_duties_empties_every_list(world, role):
    assert list(access.visible_to(world.users[role], Case.objects.all())) == []


def test_supervisor_lists_the_whole_unit_and_nothing_else(world):
    CaseFactory(owner_unit=world.district_a)
    visible = set(access.visible_to(world.users["supervisor"], Case.objects.all()))
    assert visible == set(Case.objects.filter(owner_unit=world.district_a))


def test_record_list_writes_one_event_naming_every_person_once(world):
    start = head_seq()
    other = CaseFactory(owner_unit=world.district_a)
    access.record_list(world.users["supervisor"], [world.case_a, world.case_a, other])
    events = list(events_since(start))
    assert len(events) == 1 and events[0].action == Action.LIST and events[0].subject_id is None
    assert events[0].subject_count == 2
    assert sorted(named_by(events), key=str) == sorted([world.case_a.person_id, other.person_id], key=str)
    assert set(AccessEvent.objects.naming(other.person_id)) == {events[0]}


def test_a_list_of_one_names_its_person_like_a_single_read(world):
    start = head_seq()
    access.record_list(world.users["supervisor"], [world.case_a])
    (event,) = events_since(start)
    assert event.subject_id == world.case_a.person_id and event.target_id == str(world.case_a.pk)


def test_client_address_comes_only_from_trusted_proxies(client, world, settings):
    login_verified(client, world.users["social_worker"])
    start = head_seq()
    client.get(case_url(world.case_a), HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="10.0.0.5")
    assert events_since(start).get(action=Action.VIEW).client_ip == "10.0.0.5"
    settings.LOTSA_TRUSTED_PROXIES = ["10.0.0.5"]
    start = head_seq()
    client.get(case_url(world.case_a), HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7", REMOTE_ADDR="10.0.0.5")
    assert events_since(start).get(action=Action.VIEW).client_ip == "192.0.2.7"


def test_access_events_never_hold_decrypted_personal_data(client, world):
    for role in world.users:
        login_verified(client, world.users[role])
        client.get(case_url(world.case_a))
    for row in AccessEvent.objects.values():
        assert MARKER not in " ".join(str(value) for value in row.values())


def test_every_model_that_holds_personal_data_has_a_registered_policy():
    """Default deny is the fallback, not the design: each such model says who may read it."""
    from django.apps import apps

    from lotsa import access
    from lotsa.crypto import EncryptedField

    unguarded = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label != "bench"
        and any(isinstance(field, EncryptedField) for field in model._meta.concrete_fields)
        and access.policy_for(model) is None
    ]
    assert not unguarded, unguarded


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("social_worker", True),
        ("supervisor", True),
        ("social_worker_unassigned", False),
        ("social_worker_other_district", False),
        ("external_member", False),  # the recipient sees the information, never the record
        ("administrator", False),
        ("coordinator", False),
    ],
)
def test_the_record_of_a_disclosure_stays_with_the_handlers_and_the_reviewer(world, role, allowed):
    from consent.models import Disclosure

    disclosure = Disclosure.objects.get(person=world.case_a.person)
    assert access.decide(world.users[role], Action.VIEW, disclosure).allowed is allowed
    assert not access.decide(world.users[role], Action.UPDATE, disclosure).allowed


def test_every_policy_lists_in_sql_exactly_what_it_allows_one_by_one(world):
    """A list (``visible_to``, in SQL) and a page (``decide``, per object) never disagree: for every
    model with a policy, every object of the world and every user, including what crosses to another
    organisation for a purpose."""
    import datetime as dt

    from django.apps import apps

    from accounts.models import AccountRequest
    from audit.models import Action as A
    from cases.access import THREAT_PICTURE_ON_GROUP_PAGE, THREAT_PICTURE_ON_PROGRAMME_PAGE
    from lotsa.vocabulary import CROSSING_PURPOSES
    from sig import services as sig_services

    worker, police = world.users["social_worker"], world.users["external_member"]
    group = world.group
    for category in ("work_income", "housing"):
        sig_services.shared_entry_add(by=worker, group_id=group.pk, category=category, text="Delat")
        sig_services.shared_entry_add(by=police, group_id=group.pk, category=category, text="Polisens")
    sig_services.threat_assess(by=police, group_id=group.pk, level="high", protection_need=True, notes="Hot")
    members = set(group.memberships.values_list("pk", flat=True))
    sig_services.meeting_record(
        by=worker,
        group_id=group.pk,
        held_on=dt.date.today(),
        present_ids=members,
        items=[("work_income", "Jobb"), ("housing", "Bostad")],
        decisions="Beslut",
    )
    from cases import services as case_services

    # A protection raised by district A, and a request to lower it waiting (ProtectionLoweringPolicy).
    case_services.person_protect(by=worker, case_id=world.case_a.pk, level="protected_registration")
    case_services.protection_lowering_request(by=worker, case_id=world.case_a.pk, level="none", reason="Över")
    # One person, one threat picture: each assessment read for the other timeline's page.
    THREAT_PICTURE = (THREAT_PICTURE_ON_GROUP_PAGE, THREAT_PICTURE_ON_PROGRAMME_PAGE)
    # Coarse in SQL on purpose, exact per row (and documented so in its policy): none other.
    coarse = {AccountRequest}
    checked = 0
    for model in apps.get_models():
        policy = access.policy_for(model)
        if policy is None or model in coarse:
            continue
        objects = list(model._base_manager.all())
        for user in world.users.values():
            for purpose in ("", *CROSSING_PURPOSES, *THREAT_PICTURE):
                listed = set(
                    access.visible_to(user, model._base_manager.all(), purpose=purpose).values_list(
                        "pk", flat=True
                    )
                )
                for obj in objects:
                    allowed = access.decide(user, A.VIEW, obj, purpose).allowed
                    assert (obj.pk in listed) == allowed, (model.__name__, user.username, purpose, obj.pk)
                    checked += 1
    assert checked > 500


@pytest.mark.django_db(transaction=True)
def test_a_decision_is_tracked_until_its_transaction_commits_and_rewritten_if_rolled_back():
    from django.db import transaction

    from lotsa import context
    from tests.factories import CaseFactory, UserFactory

    user = UserFactory(roles=["supervisor"])
    case = CaseFactory(owner_unit=user.organisation)
    with context.bind(context.RequestInfo(user=user)) as info:
        with transaction.atomic():
            access.check(user, Action.VIEW, case, purpose="committed")
            assert len(info.decisions) == 1
        assert info.decisions == {}  # committed: nothing left to check at the end of the request
        try:
            with transaction.atomic():
                access.check(user, Action.VIEW, case, purpose="rolled back")
                raise RuntimeError("the change it allowed failed")
        except RuntimeError:
            pass
        assert len(info.decisions) == 1
        assert not AccessEvent.objects.filter(purpose="rolled back").exists()
        access.keep_decisions()
    assert AccessEvent.objects.filter(purpose="rolled back").count() == 1
    assert AccessEvent.objects.filter(purpose="committed").count() == 1
