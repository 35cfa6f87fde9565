"""Write the day the child and youth unit's responsibility ends on every district case opened while its
person was young enough (0011 added the column): the birth date read once, here, from the person's
encrypted personal identity number. A case whose person's number cannot be read keeps no date."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from cases import personal_number as pnr

DISTRICT = "district_administration"


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Person = apps.get_model("cases", "Person")
    cases = Case.objects.filter(owner_unit__kind=DISTRICT, youth_unit_ends_on__isnull=True)
    numbers = dict(
        Person.objects.filter(pk__in=cases.values("person_id")).values_list("pk", "personal_number")
    )
    limit = settings.LOTSA_CHILD_AND_YOUTH_UNIT_MAX_AGE + 1
    for case in cases.iterator():
        born = pnr.stored_birth_date(case.person_id, numbers.get(case.person_id))
        ends = pnr.birthday(born, limit)
        if ends is not None and timezone.localdate(case.opened_at) < ends:
            case.youth_unit_ends_on = ends
            case.save(update_fields=["youth_unit_ends_on"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_case_youth_unit_ends_on")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
