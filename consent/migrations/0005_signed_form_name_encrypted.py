"""The signed form's file name, encrypted like every personal field (its plaintext was scrubbed in
0004): the plaintext column is dropped and an encrypted one takes its place."""

import lotsa.crypto
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0004_scrub_signed_form_names"),
    ]

    operations = [
        migrations.RemoveField(model_name="consent", name="signed_form_name"),
        migrations.AddField(
            model_name="consent",
            name="signed_form_name",
            field=lotsa.crypto.EncryptedTextField(
                blank=True, null=True, verbose_name="name of the signed form's file"
            ),
        ),
    ]
