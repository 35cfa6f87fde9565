# Every BOPS assessment has the day it was made (0004 filled the earlier ones): it is required, and the
# latest of a case is found by it.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("defectors", "0004_bops_assessment_assessed_on_filled")]

    operations = [
        migrations.AlterField(
            model_name="bopsassessment",
            name="assessed_on",
            field=models.DateField(verbose_name="assessed on"),
        ),
        migrations.AddIndex(
            model_name="bopsassessment",
            index=models.Index(fields=["case", "-assessed_on", "-recorded_at"], name="bops_latest"),
        ),
    ]
