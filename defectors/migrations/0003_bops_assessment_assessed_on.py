# When it happened, not when it was typed (issue 29, item 6): a BOPS assessment keeps the day it was
# made (``assessed_on``, given by BOPS) beside the moment it was recorded. The old ``assessed_at`` was
# that moment, so it is renamed ``recorded_at`` (no data moves); ``assessed_on`` arrives empty, 0004
# fills it from the day each assessment was recorded and 0005 makes it required. The index for "the
# latest assessment of a case" follows the new order. Change histories written before keep the old
# key and still render.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("defectors", "0002_reassessment_due"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="bopsassessment", name="bops_latest"),
        migrations.RenameField(model_name="bopsassessment", old_name="assessed_at", new_name="recorded_at"),
        migrations.AlterField(
            model_name="bopsassessment",
            name="recorded_at",
            field=models.DateTimeField(auto_now_add=True),
        ),
        migrations.AddField(
            model_name="bopsassessment",
            name="assessed_on",
            field=models.DateField(null=True, verbose_name="assessed on"),
        ),
        migrations.AlterModelOptions(
            name="bopsassessment",
            options={"ordering": ["-assessed_on", "-recorded_at"]},
        ),
    ]
