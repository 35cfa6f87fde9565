# The case keeps its latest activity (issue 34: my cases read in an index's order). Added empty here,
# filled from the rows it is made of by 0032, then required and indexed by 0033.

import cases.models
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0030_status_change_case_newest"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="latest_activity",
            field=cases.models.LatestActivityField(null=True, verbose_name="Latest activity"),
        ),
    ]
