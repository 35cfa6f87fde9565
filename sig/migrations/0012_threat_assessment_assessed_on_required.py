# Every threat assessment has the day it was made (0011 filled the earlier ones): it is required.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sig", "0011_threat_assessment_assessed_on_filled")]

    operations = [
        migrations.AlterField(
            model_name="threatassessment",
            name="assessed_on",
            field=models.DateField(verbose_name="assessed on"),
        ),
    ]
