"""Write the day each group's person outgrows the group's band (0008 added the column): the birth date
read once, here, from the person's encrypted personal identity number. A group whose person's number
cannot be read keeps no date (and no task is counted for it)."""

from django.conf import settings
from django.db import migrations

from cases import personal_number as pnr


def fill(apps, schema_editor):
    Group = apps.get_model("sig", "InterventionGroup")
    Person = apps.get_model("cases", "Person")
    highs = {code: high for code, _label, _low, high in settings.LOTSA_SIG_BANDS}
    groups = Group.objects.filter(band_ends_on__isnull=True).select_related("case")
    numbers = dict(
        Person.objects.filter(pk__in=groups.values("case__person_id")).values_list("pk", "personal_number")
    )
    for group in groups.iterator():
        person_id = group.case.person_id
        born = pnr.stored_birth_date(person_id, numbers.get(person_id))
        if born is not None and group.band in highs:
            group.band_ends_on = pnr.birthday(born, highs[group.band] + 1)
            group.save(update_fields=["band_ends_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_case_history_versions"),
        ("sig", "0008_group_band_ends_on"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
