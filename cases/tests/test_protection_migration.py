"""The data migration that makes protection raised before it followed the person follow it: every
unit's record of the same person is raised to the strongest level any of them holds."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import OrganisationKind
from cases.models import Person
from tests.factories import OrganisationFactory, PersonFactory
from tests.helpers import migrate_to_latest

BEFORE = [("cases", "0016_case_youth_unit_ends_on_filled")]
AFTER = [("cases", "0017_protection_follows_existing_records")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_protection_raised_before_it_followed_the_person_is_raised_in_every_units_record():
    programme = OrganisationFactory(kind=OrganisationKind.DEFECTOR_PROGRAMME)
    district = OrganisationFactory(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    elsewhere = OrganisationFactory(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    # Made with today's model, then taken back to before the migration (the model's later columns
    # do not exist there: what the test writes and reads there names its columns).
    raised = PersonFactory(organisation=programme, protected_identity="protected_registration")
    behind = PersonFactory(organisation=district, personal_number=raised.personal_number)
    marked = PersonFactory(
        organisation=elsewhere,
        personal_number=raised.personal_number,
        protected_identity="secrecy_marking",
    )
    stranger = PersonFactory(organisation=district)
    decision = uuid.uuid4()
    fields = (
        "protected_identity",
        "protection_level_before",
        "protection_raised_by_id",
        "protection_decision",
    )
    try:
        migrate(BEFORE)
        Person.objects.bypassing_guard("test: raised before it followed").filter(pk=raised.pk).update(
            protection_raised_by=programme, protection_level_before="none", protection_decision=decision
        )
        migrate(AFTER)
        stored = {row["pk"]: row for row in Person.objects.values("pk", *fields)}
        for record, before in ((behind, "none"), (marked, "secrecy_marking")):
            assert stored[record.pk] == {
                "pk": record.pk,
                "protected_identity": "protected_registration",
                "protection_level_before": before,
                "protection_raised_by_id": programme.pk,
                "protection_decision": decision,
            }
        assert stored[stranger.pk]["protected_identity"] == "none"
    finally:
        migrate_to_latest()
