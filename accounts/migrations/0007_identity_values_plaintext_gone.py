"""The plaintext identity columns go; the encrypted ones take their names (the ciphertexts were bound to
the final names by 0006); each link's identity is unique by provider, claim and blind index."""

import uuid

from django.db import migrations, models

import lotsa.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_identity_values_encrypt"),
    ]

    operations = [
        # Emptied by 0006; a default lets the reverse add the column back to rows that exist.
        migrations.AlterField(
            model_name="identitylink",
            name="value",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="value"),
        ),
        migrations.RemoveField(model_name="identitylink", name="value"),
        migrations.RenameField(model_name="identitylink", old_name="value_sealed", new_name="value"),
        migrations.AlterField(
            model_name="identitylink",
            name="value",
            field=lotsa.crypto.EncryptedTextField(blank=True, null=True, verbose_name="value"),
        ),
        migrations.AlterField(
            model_name="identitylink",
            name="value_index",
            field=lotsa.crypto.BlindIndexField(source="value"),
        ),
        migrations.AlterField(
            model_name="identitylink",
            name="row_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddConstraint(
            model_name="identitylink",
            constraint=models.UniqueConstraint(
                fields=("provider", "claim", "value_index"), name="one_account_per_identity"
            ),
        ),
        migrations.RemoveField(model_name="accountrequest", name="identity_value"),
        migrations.RenameField(
            model_name="accountrequest", old_name="identity_value_sealed", new_name="identity_value"
        ),
        migrations.AlterField(
            model_name="accountrequest",
            name="identity_value",
            field=lotsa.crypto.EncryptedTextField(blank=True, null=True, verbose_name="value"),
        ),
        migrations.AlterField(
            model_name="accountrequest",
            name="identity_value_index",
            field=lotsa.crypto.BlindIndexField(source="identity_value"),
        ),
    ]
