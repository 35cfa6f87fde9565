"""Step 3 of 3: the plaintext columns go, the encrypted ones take their names. (Backwards, the
plaintext columns come back empty, then 0004 fills them.)"""

import uuid

import lotsa.crypto
from django.db import migrations, models


def replace(model, field, verbose_name, plain, **kwargs):
    return [
        migrations.AlterField(model, field, plain),  # a default, so that going back can re-add it
        migrations.RemoveField(model, field),
        migrations.RenameField(model, f"{field}_sealed", field),
        migrations.AlterField(
            model, field, lotsa.crypto.EncryptedTextField(verbose_name=verbose_name, **kwargs)
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [("coordination", "0004_encrypt_texts")]

    operations = [
        migrations.AlterField(
            "deidentifiedreport", "row_key", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
        ),
        migrations.AlterField(
            "situationpicture", "row_key", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
        ),
        *replace(
            "deidentifiedreport",
            "area",
            "area",
            models.CharField(blank=True, default="", max_length=80, verbose_name="area"),
            help_text="A district or neighbourhood, not an address.",
        ),
        *replace(
            "deidentifiedreport",
            "description",
            "short description",
            models.TextField(blank=True, default="", max_length=1000, verbose_name="short description"),
        ),
        *replace(
            "situationpicture",
            "coordinator_assessment",
            "the coordinator's assessment",
            models.TextField(blank=True, default="", max_length=6000),
        ),
        *replace(
            "situationpicture",
            "police_assessment",
            "the police's assessment",
            models.TextField(blank=True, default="", max_length=6000),
        ),
    ]
