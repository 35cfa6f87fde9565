"""The migrations that encrypted the coordinator's and the supervisor's texts: existing rows are
encrypted under their organisation's key, signed-off reviews included (PostgreSQL's triggers are
switched off only for the step), and going back writes the same texts in clear."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from lotsa import crypto
from tests.factories import OrganisationFactory, UserFactory
from tests.helpers import migrate_to_latest

BEFORE = [("coordination", "0002_situation_picture"), ("supervision", "0003_subject_access_extract")]
AFTER = [("coordination", "0005_texts_encrypted"), ("supervision", "0006_texts_encrypted")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_texts_are_encrypted_by_the_migration_and_written_back_when_it_is_reversed():
    district = OrganisationFactory(kind="district_administration")
    user = UserFactory(organisation=district)
    try:
        old = migrate(BEFORE)
        Report = old.get_model("coordination", "DeidentifiedReport")
        Picture = old.get_model("coordination", "SituationPicture")
        Review = old.get_model("supervision", "LogReview")
        Item = old.get_model("supervision", "ReviewItem")
        Analysis = old.get_model("supervision", "NeedsRiskAnalysis")
        report = Report.objects.create(
            administration_id=district.pk,
            from_unit_id=district.pk,
            area="Husby",
            occurred_on=dt.date(2026, 3, 1),
            kind="concern",
            milieu="unclear",
            setting="school",
            age_band="13_15",
            description="Klotter vid skolan.",
        )
        picture = Picture.objects.create(
            administration_id=district.pk,
            year=2026,
            version=1,
            coordinator_assessment="Lugnt i området.",
            police_assessment="Polisen ser ingen ökning.",
            written_by_id=user.pk,
        )
        review = Review.objects.create(
            organisation_id=district.pk,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 1, 31),
            seed=1,
            random_samples=1,
            per_rule=0,
            drawn_by_id=user.pk,
        )
        item = Item.objects.create(
            review_id=review.pk, event_id=1, mark="follow_up", note="Följ upp kvällen."
        )
        Review.objects.filter(pk=review.pk).update(
            conclusion="Allt i ordning.", signed_off_by_id=user.pk, signed_off_at=timezone.now()
        )
        analysis = Analysis.objects.create(
            organisation_id=district.pk,
            role="social_worker",
            version=1,
            needs="Läser tilldelade ärenden.",
            risks="Nyfikenhet.",
            written_by_id=user.pk,
        )

        migrate(AFTER)
        from coordination.models import DeidentifiedReport, SituationPicture
        from supervision.models import LogReview, NeedsRiskAnalysis, ReviewItem

        with crypto.key_cache():
            new_report = DeidentifiedReport.objects.get(pk=report.pk)
            assert (new_report.area, new_report.description) == ("Husby", "Klotter vid skolan.")
            new_picture = SituationPicture.objects.get(pk=picture.pk)
            assert new_picture.police_assessment == "Polisen ser ingen ökning."
            assert LogReview.objects.get(pk=review.pk).conclusion == "Allt i ordning."
            assert ReviewItem.objects.get(pk=item.pk).note == "Följ upp kvällen."
            assert NeedsRiskAnalysis.objects.get(pk=analysis.pk).risks == "Nyfikenhet."
        raw = bytes(DeidentifiedReport.objects.values_list("description", flat=True).get())
        assert raw[:1] == crypto.FORMAT_ORGANISATION_V1 and b"Klotter" not in raw

        old = migrate(BEFORE)
        assert old.get_model("coordination", "DeidentifiedReport").objects.get().description == (
            "Klotter vid skolan."
        )
        assert old.get_model("supervision", "ReviewItem").objects.get().note == "Följ upp kvällen."
        assert old.get_model("supervision", "LogReview").objects.get().conclusion == "Allt i ordning."
    finally:
        migrate_to_latest()  # not AFTER: later migrations (coordination 0006 on) must be there too
