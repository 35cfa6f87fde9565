# Case.latest_activity, filled by 0032, is required from here on (the database's default is a fallback
# for a row inserted past the model), and indexed as my cases and the unit's list open: latest first.

import cases.models
import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0032_case_latest_activity_filled"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="latest_activity",
            field=cases.models.LatestActivityField(
                db_default=django.db.models.functions.datetime.Now(), verbose_name="Latest activity"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["responsible", "-latest_activity", "-id"], name="case_responsible_latest"
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["owner_unit", "-latest_activity", "-id"], name="case_unit_latest"),
        ),
    ]
