# The user's latest-activity index within the unit the access policy filters by too: without it, SQLite
# (with no statistics of a new index) walked the unit's index in its order and filtered the user's cases.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0033_case_latest_activity_required"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_responsible_latest"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["responsible", "owner_unit", "-latest_activity", "-id"],
                name="case_responsible_unit_latest",
            ),
        ),
    ]
