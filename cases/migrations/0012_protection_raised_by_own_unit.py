"""Data: a record protected before the unit that raised a level was kept was protected by its own unit
(opening the case, or the programme's page): that unit is recorded as the one that raised it, each
record as its own decision, so that its unit can ask to lower it. Reversed, the columns are emptied."""

import uuid

from django.db import migrations


def forwards(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    for pk, organisation_id, created_at in (
        Person.objects.exclude(protected_identity="none")
        .filter(protection_raised_by__isnull=True, erased_at__isnull=True)
        .values_list("pk", "organisation_id", "created_at")
    ):
        Person.objects.filter(pk=pk).update(
            protection_raised_by_id=organisation_id,
            protection_raised_at=created_at,
            protection_decision=uuid.uuid4(),
            protection_level_before="none",
        )


def backwards(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    Person.objects.update(
        protection_raised_by=None,
        protection_raised_at=None,
        protection_decision=None,
        protection_level_before="",
        protection_lowered_at=None,
    )


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_person_protection_follows")]

    operations = [migrations.RunPython(forwards, backwards)]
