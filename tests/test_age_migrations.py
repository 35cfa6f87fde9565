"""The migrations that wrote the plain dates of the ages that move (issue 29) on what was recorded before
them: the day a child's consent ends at majority, the day a group's person outgrows its band, the day
the child and youth unit's responsibility for a district's case ends. Each birth date is read once from
the encrypted personal identity number; an adult's records get no date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import OrganisationKind
from cases.models import Case
from consent.models import Consent, GivenHow
from sig.models import InterventionGroup
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory, number_born
from tests.helpers import migrate_to_latest

BEFORE = [
    ("consent", "0006_consent_adult_on"),
    ("sig", "0008_group_band_ends_on"),
    ("cases", "0015_case_youth_unit_ends_on"),
]
AFTER = [
    ("consent", "0007_consent_adult_on_filled"),
    ("sig", "0009_group_band_ends_on_filled"),
    ("cases", "0016_case_youth_unit_ends_on_filled"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_dates_of_the_ages_that_move_are_written_on_what_was_recorded_before():
    district = OrganisationFactory(kind=OrganisationKind.DISTRICT_ADMINISTRATION)
    worker = UserFactory(organisation=district)
    child = CaseFactory(
        owner_unit=district,
        person=PersonFactory(organisation=district, personal_number=number_born(dt.date(2009, 7, 3))),
    )
    adult = CaseFactory(
        owner_unit=district,
        person=PersonFactory(organisation=district, personal_number=number_born(dt.date(1980, 1, 9))),
    )
    consent = Consent(
        person=child.person,
        case=child,
        organisation=district,
        purpose="intervention_group",
        valid_from=dt.date(2026, 1, 1),
        valid_until=dt.date(2026, 12, 31),
        given_how=GivenHow.ORAL,
        recorded_by=worker,
        child_at_consent=True,
        guardians_required=1,
        guardians_consented=1,
    )
    consent.witness = "Vittne"
    consent.save()
    group = InterventionGroup.objects.create(case=child, band="young")
    try:
        migrate(BEFORE)
        migrate(AFTER)
        consent.refresh_from_db()
        group.refresh_from_db()
        assert consent.adult_on == dt.date(2027, 7, 3)
        assert group.band_ends_on == dt.date(2028, 7, 3)
        # Only the column under test: the model's later columns (cases 0031 on) are not there yet.
        ends_on = Case.objects.filter(pk=child.pk).values_list("youth_unit_ends_on", flat=True)
        assert ends_on.get() == dt.date(2030, 7, 3)
        assert Case.objects.filter(pk=adult.pk).values_list("youth_unit_ends_on", flat=True).get() is None
    finally:
        migrate_to_latest()
