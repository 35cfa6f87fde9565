"""Data: protection raised before it followed the person stayed in the raising unit's own record (the
programme raised Jamal's; the district's record of him stayed unprotected and went on showing his
address). Every unit's record of the same person (the same blind index of the personal identity
number; nothing is decrypted) is raised to the strongest level any of them holds, as raised by that
record's decision and unit, so that lowering it through the raising unit's four-eyes decision lowers
these too, to the level each had before.

Not reversed: a protected identity is never lowered silently, not even by going back a migration.
"""

from django.db import migrations

ORDER = ["none", "secrecy_marking", "protected_registration", "fictitious_identity"]


def _rank(level: str) -> int:
    return ORDER.index(level) if level in ORDER else 0


def forwards(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    people: dict[str, list] = {}
    for person in Person.objects.filter(erased_at__isnull=True, personal_number_index__isnull=False).only(
        "pk",
        "personal_number_index",
        "protected_identity",
        "protection_raised_by_id",
        "protection_raised_at",
        "protection_decision",
    ):
        people.setdefault(person.personal_number_index, []).append(person)
    for records in people.values():
        strongest = max(records, key=lambda record: _rank(record.protected_identity))
        if _rank(strongest.protected_identity) == 0:
            continue
        for record in records:
            if _rank(record.protected_identity) >= _rank(strongest.protected_identity):
                continue
            Person.objects.filter(pk=record.pk).update(
                protection_level_before=record.protected_identity,
                protected_identity=strongest.protected_identity,
                protection_raised_by_id=strongest.protection_raised_by_id,
                protection_raised_at=strongest.protection_raised_at,
                protection_decision=strongest.protection_decision,
                protection_lowered_at=None,
            )


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_case_youth_unit_ends_on_filled")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
