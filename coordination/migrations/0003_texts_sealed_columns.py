"""The de-identified reports' and the situation pictures' texts were kept in clear. Step 1 of 3: a row
key for each row (the ciphertexts are bound to it: the primary key is not known before the insert)
and an encrypted column beside each text."""

import lotsa.crypto
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("coordination", "0002_situation_picture")]

    operations = [
        migrations.AddField("deidentifiedreport", "row_key", models.UUIDField(null=True, editable=False)),
        migrations.AddField("deidentifiedreport", "area_sealed", lotsa.crypto.EncryptedTextField()),
        migrations.AddField("deidentifiedreport", "description_sealed", lotsa.crypto.EncryptedTextField()),
        migrations.AddField("situationpicture", "row_key", models.UUIDField(null=True, editable=False)),
        migrations.AddField(
            "situationpicture", "coordinator_assessment_sealed", lotsa.crypto.EncryptedTextField()
        ),
        migrations.AddField("situationpicture", "police_assessment_sealed", lotsa.crypto.EncryptedTextField()),
    ]
