# Fills Case.latest_activity from what it is made of, as cases.queries.latest_activity_computed computes
# it (written out here, as a migration must not follow the code as it changes): the newest of the
# opening, the case's journal entries and its changes of status. Timestamps only: no encrypted field is
# read or written. In batches of cases, each its own transaction, so that a large table is not held in
# one; run again after an interruption, it fills the same values.

from django.db import migrations, transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

BATCH = 2_000


def computed(apps):
    newest = [
        Coalesce(
            Subquery(
                apps.get_model("cases", model)
                .objects.filter(case=OuterRef("pk"))
                .order_by(f"-{field}")
                .values(field)[:1]
            ),
            F("opened_at"),
        )
        for model, field in (("JournalEntry", "created_at"), ("CaseStatusChange", "changed_at"))
    ]
    return Greatest(F("opened_at"), *newest)


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    ids = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        with transaction.atomic(using=schema_editor.connection.alias):
            Case.objects.filter(pk__in=ids[start : start + BATCH]).update(latest_activity=computed(apps))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0031_case_latest_activity"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
