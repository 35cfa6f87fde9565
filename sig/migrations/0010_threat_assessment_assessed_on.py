# When it happened, not when it was typed (issue 29, item 6): a threat assessment keeps the day it was
# made (``assessed_on``, given by the police) beside the moment it was recorded. The old ``assessed_at``
# was that moment, so it is renamed ``recorded_at`` (no data moves); ``assessed_on`` arrives empty,
# 0011 fills it from the day each assessment was recorded and 0012 makes it required. Change histories
# written before keep the old key and still render.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sig", "0009_group_band_ends_on_filled"),
    ]

    operations = [
        migrations.RenameField(model_name="threatassessment", old_name="assessed_at", new_name="recorded_at"),
        migrations.AddField(
            model_name="threatassessment",
            name="assessed_on",
            field=models.DateField(null=True, verbose_name="assessed on"),
        ),
        migrations.AlterModelOptions(
            name="threatassessment",
            options={"ordering": ["-assessed_on", "-recorded_at"]},
        ),
    ]
