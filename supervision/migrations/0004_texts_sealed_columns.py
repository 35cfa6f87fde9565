"""The log review's conclusion and notes and the needs-and-risk analyses were kept in clear. Step 1 of
3: a row key for each row (the ciphertexts are bound to it: the primary key is not known before the
insert) and an encrypted column beside each text."""

import lotsa.crypto
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_subject_access_extract")]

    operations = [
        migrations.AddField("logreview", "row_key", models.UUIDField(null=True, editable=False)),
        migrations.AddField("logreview", "conclusion_sealed", lotsa.crypto.EncryptedTextField()),
        migrations.AddField("reviewitem", "row_key", models.UUIDField(null=True, editable=False)),
        migrations.AddField("reviewitem", "note_sealed", lotsa.crypto.EncryptedTextField()),
        migrations.AddField("needsriskanalysis", "row_key", models.UUIDField(null=True, editable=False)),
        migrations.AddField("needsriskanalysis", "needs_sealed", lotsa.crypto.EncryptedTextField()),
        migrations.AddField("needsriskanalysis", "risks_sealed", lotsa.crypto.EncryptedTextField()),
    ]
