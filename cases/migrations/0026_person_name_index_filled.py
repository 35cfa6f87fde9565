"""Fill the name index (0025) for the people recorded before it: each person's names and number are
decrypted once, here, to compute their rows (cases/names.py); nothing decrypted is kept or written
anywhere but as the truncated keyed hashes. An erased person (their key destroyed) gets no rows."""

import datetime as dt

from django.db import migrations

from cases import names
from cases import personal_number as pnr
from lotsa import crypto


def _read(pk, field, blob) -> str:
    if blob is None:
        return ""
    return crypto.decrypt_value(blob, label="cases.person", field=field, pk=pk, subject_id=pk).decode()


def fill(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    PersonNameToken = apps.get_model("cases", "PersonNameToken")
    people = Person.objects.filter(erased_at__isnull=True).values_list(
        "pk", "given_names", "surname", "personal_number", "recorded_birth_date"
    )
    rows = []
    with crypto.key_cache():
        for pk, given_names, surname, number, recorded_born in people.iterator():
            try:
                given, family = _read(pk, "given_names", given_names), _read(pk, "surname", surname)
            except crypto.CryptoError:
                continue  # unreadable (shredded): nothing to index
            born = pnr.stored_birth_date(pk, number)
            if born is None and recorded_born is not None:  # recorded without a number (0023)
                try:
                    born = dt.date.fromisoformat(_read(pk, "recorded_birth_date", bytes(recorded_born)))
                except (crypto.CryptoError, ValueError):
                    born = None
            for kind, digest in names.entries(
                given_names=given, surname=family, birth_year=born.year if born else None
            ):
                rows.append(PersonNameToken(person_id=pk, kind=kind, digest=digest))
            if len(rows) >= 5000:
                PersonNameToken.objects.bulk_create(rows)
                rows = []
    PersonNameToken.objects.bulk_create(rows)


def empty(apps, schema_editor):
    apps.get_model("cases", "PersonNameToken").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_person_name_index")]

    operations = [migrations.RunPython(fill, empty)]
