"""Identity values get an encrypted column, a blind index and a key of their own beside the plaintext
column (filled by 0006, which the plaintext column leaves in 0007)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_identity_links"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="identitylink", name="one_account_per_identity"),
        migrations.AddField(
            model_name="identitylink",
            name="row_key",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="identitylink",
            name="value_sealed",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="identitylink",
            name="value_index",
            field=models.CharField(db_index=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="accountrequest",
            name="identity_key",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="accountrequest",
            name="identity_value_sealed",
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="accountrequest",
            name="identity_value_index",
            field=models.CharField(db_index=True, editable=False, max_length=64, null=True),
        ),
    ]
