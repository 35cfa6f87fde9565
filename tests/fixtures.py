"""Scenario fixtures: two districts, a case in one, and a user of every role.

A pytest plugin, not a conftest: the root conftest.py names it in ``pytest_plugins``, so that the
tests beside each app (``<app>/tests/``) reach ``world`` as the cross-app suites in ``tests/`` do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from guardian.shortcuts import assign_perm

from accounts.models import OrganisationKind
from accounts.roles import Role
from lotsa import crypto
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

MARKER = "Xylofonmarkör"  # appears in the case's person's name; must never reach the wrong eyes


@dataclass
class World:
    district_a: object
    district_b: object
    police: object
    case_a: object
    case_b: object
    users: dict
    signed_entry: object = None
    draft_entry: object = None
    consent: object = None
    review: object = None
    group: object = None
    plan_action: object = None
    programme: object = None


@pytest.fixture
def world(db) -> World:
    return world_build()


@pytest.fixture(scope="module")
def world_of_the_module(django_db_setup, django_db_blocker):
    """One world for a whole module whose tests each only read it or change it in their own
    transaction (the URL matrix: about 1 900 tests, which spent most of their time building a world
    each). Built inside a transaction that is rolled back when the module ends; each test's own
    transaction nests in it as a savepoint and is rolled back after the test, as with ``world``. A
    module that uses it asks for it through its own ``world`` fixture, which hands each test a deep copy
    (as Django's ``setUpTestData`` does), so that what one test changes on the instances stays there.
    Not for transactional tests (``transaction=True``), which empty the tables."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # as Django's TestCase marks its own: a durable block may nest in it
        atomic.__enter__()
        try:
            with crypto.key_cache():
                built = world_build()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def world_build() -> World:
    """Two districts, the police, the programme, the VBE team and system management, a user of every
    role, case A (its person named with ``MARKER``) with a signed and a draft entry, a consent naming
    the police, a disclosure, an intervention group with a plan; case B in district B."""
    district_a = OrganisationFactory(name="Rinkeby-Kista stadsdelsförvaltning")
    district_b = OrganisationFactory(name="Spånga-Tensta stadsdelsförvaltning", district="Spånga-Tensta")
    police = OrganisationFactory(name="Polisen Järva", kind=OrganisationKind.POLICE)
    programme = OrganisationFactory(
        name="Avhopparverksamheten", kind=OrganisationKind.DEFECTOR_PROGRAMME, district=""
    )
    vbe_team = OrganisationFactory(name="VBE-teamet", kind=OrganisationKind.VBE_TEAM, district="")
    admin_org = OrganisationFactory(name="Systemförvaltningen", kind=OrganisationKind.SYSTEM_MANAGEMENT)
    users = {
        "social_worker": UserFactory(username="sw_a", organisation=district_a, roles=[Role.SOCIAL_WORKER]),
        "social_worker_unassigned": UserFactory(
            username="sw_a2", organisation=district_a, roles=[Role.SOCIAL_WORKER]
        ),
        "social_worker_other_district": UserFactory(
            username="sw_b", organisation=district_b, roles=[Role.SOCIAL_WORKER]
        ),
        "supervisor": UserFactory(username="sup_a", organisation=district_a, roles=[Role.SUPERVISOR]),
        "coordinator": UserFactory(username="coord", organisation=district_a, roles=[Role.COORDINATOR]),
        "administrator": UserFactory(username="admin", organisation=admin_org, roles=[Role.ADMINISTRATOR]),
        "external_member": UserFactory(username="police", organisation=police, roles=[Role.EXTERNAL_MEMBER]),
        "programme_worker": UserFactory(
            username="avh", organisation=programme, roles=[Role.DEFECTOR_PROGRAMME]
        ),
        "vbe_worker": UserFactory(username="vbe", organisation=vbe_team, roles=[Role.VBE_TEAM]),
        "access_approver": UserFactory(
            username="behorig", organisation=vbe_team, roles=[Role.ACCESS_APPROVER]
        ),
    }
    case_a = CaseFactory(
        person=PersonFactory(given_names=MARKER, surname="Alfa", organisation=district_a),
        owner_unit=district_a,
    )
    assign_perm("cases.view_case", users["social_worker"], case_a)
    case_a.responsible = users["social_worker"]
    case_a.save()
    case_b = CaseFactory(
        person=PersonFactory(given_names="Beta", surname="Bravo", organisation=district_b),
        owner_unit=district_b,
    )
    assign_perm("cases.view_case", users["social_worker_other_district"], case_b)
    from cases import services
    from consent import services as consent_services

    worker = users["social_worker"]
    signed = services.journal_add(by=worker, case_id=case_a.pk, category="housing", text=f"Signerad {MARKER}")
    services.journal_sign(by=worker, entry_id=signed.pk, expected_version=signed.version)
    draft = services.journal_add(by=worker, case_id=case_a.pk, category="housing", text="Utkast")
    consent = consent_services.consent_record(
        by=worker,
        case_id=case_a.pk,
        terms=consent_services.ConsentTerms(
            purpose="intervention_group",
            purpose_text="",
            recipient_ids=[police.pk],
            categories=["work_income"],
            valid_from=dt.date.today(),
            valid_until=dt.date.today() + dt.timedelta(days=365),
            given_how="oral",
            witness="Vittne Vittnesson",
        ),
    )
    disclosure = consent_services.disclosure_record(
        by=worker,
        case_id=case_a.pk,
        recipient_id=police.pk,
        ground_code="own_task",
        categories=["housing"],
        what="Adressuppgift",
        why="Nödvändigt för uppdraget",
    )
    from sig import services as sig_services

    group, _inside = sig_services.group_form(by=worker, case_id=case_a.pk)
    sig_services.member_add(
        by=worker, group_id=group.pk, user=users["external_member"], role="police_contact"
    )
    goal = sig_services.goal_add(by=worker, group_id=group.pk, text="Ett arbete")
    plan_action = sig_services.action_add(
        by=worker, goal_id=goal.pk, owner_id=police.pk, text="Samtal", due=dt.date.today()
    )
    return World(
        district_a,
        district_b,
        police,
        case_a,
        case_b,
        users,
        signed,
        draft,
        consent,
        disclosure.review,
        group,
        plan_action,
        programme,
    )
