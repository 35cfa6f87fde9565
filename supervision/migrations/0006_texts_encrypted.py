"""Step 3 of 3: the plaintext columns go, the encrypted ones take their names. (Backwards, the
plaintext columns come back empty, then 0005 fills them.)"""

import uuid

import lotsa.crypto
from django.db import migrations, models


def replace(model, field, verbose_name, plain):
    return [
        migrations.AlterField(model, field, plain),  # a default, so that going back can re-add it
        migrations.RemoveField(model, field),
        migrations.RenameField(model, f"{field}_sealed", field),
        migrations.AlterField(model, field, lotsa.crypto.EncryptedTextField(verbose_name=verbose_name)),
    ]


def row_key(model):
    return migrations.AlterField(
        model, "row_key", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    )


class Migration(migrations.Migration):
    dependencies = [("supervision", "0005_encrypt_texts")]

    operations = [
        row_key("logreview"),
        row_key("reviewitem"),
        row_key("needsriskanalysis"),
        *replace("logreview", "conclusion", "conclusion", models.TextField(blank=True, max_length=2000)),
        *replace("reviewitem", "note", "note", models.CharField(blank=True, max_length=500)),
        *replace(
            "needsriskanalysis",
            "needs",
            "needs: what the role must reach, and why",
            models.TextField(blank=True, default="", max_length=4000),
        ),
        *replace(
            "needsriskanalysis",
            "risks",
            "risks, and how they are met",
            models.TextField(blank=True, default="", max_length=4000),
        ),
    ]
