"""Write the date of majority on every consent recorded for a child so far (0006 added the column):
the birth date read once, here, from the person's encrypted personal identity number. A consent whose
person's number cannot be read (an erased person) keeps no date, and the policy lets it cover nothing."""

from django.conf import settings
from django.db import migrations

from cases import personal_number as pnr


def fill(apps, schema_editor):
    Consent = apps.get_model("consent", "Consent")
    Person = apps.get_model("cases", "Person")
    children = Consent.objects.filter(child_at_consent=True, adult_on__isnull=True)
    numbers = dict(
        Person.objects.filter(pk__in=children.values("person_id")).values_list("pk", "personal_number")
    )
    for consent in children.iterator():
        born = pnr.stored_birth_date(consent.person_id, numbers.get(consent.person_id))
        if born is not None:
            # Consent's own manager refuses queryset.update(); save() touches only the date.
            consent.adult_on = pnr.birthday(born, settings.LOTSA_ADULT_AGE)
            consent.save(update_fields=["adult_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_history_versions"),
        ("consent", "0006_consent_adult_on"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
