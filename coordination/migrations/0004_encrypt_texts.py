"""Step 2 of 3: encrypt every existing report's and situation picture's texts under the
administration's key (and, backwards, write them back in clear)."""

from django.db import migrations

from lotsa.db.sealing import seal_texts, unseal_texts

TEXTS = {
    "deidentifiedreport": ["area", "description"],
    "situationpicture": ["coordinator_assessment", "police_assessment"],
}


def forward(apps, schema_editor):
    for model, fields in TEXTS.items():
        seal_texts(apps.get_model("coordination", model), fields=fields, organisation="administration_id")


def backward(apps, schema_editor):
    for model, fields in TEXTS.items():
        unseal_texts(apps.get_model("coordination", model), fields=fields, organisation="administration_id")


class Migration(migrations.Migration):
    dependencies = [("coordination", "0003_texts_sealed_columns"), ("lotsa", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
